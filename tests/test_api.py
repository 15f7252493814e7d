"""The JSON API under /api/: the pages' listings as JSON, problems for bad input, HTTP behaviour."""

import json

import pytest

from . import factories as make


def get(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, response.content[:500]
    return response


def data(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture
def small(db):
    """Four published articles over three topics, two sources and two years; one draft."""
    make.published("MRI heart model", domain="a.example", topics=["mri", "ai"], when=2023, heat=80)
    make.published("CT plaque scoring", domain="a.example", topics=["ct"], when=2024, quality=90)
    make.published(
        "MRI and CT fusion",
        domain="b.example",
        topics=["mri", "ct"],
        when=2024,
        image="https://img.example/1.png",
    )
    make.published("Echo deep learning", domain="b.example", topics=["ai"], when=2024)
    make.draft("Secret draft", domain="a.example", topics=["mri"], when=2024)


def titles(body):
    return [item["title"] for item in body["results"]]


def facet(body, name):
    return {
        v["value"]: (v["count"], v["selected"])
        for v in next(f for f in body["facets"] if f["name"] == name)["values"]
    }


def test_listing_matches_the_front_page_published_only_newest_first(client, small):
    body = data(get(client, "/api/articles/"))
    assert titles(body) == ["Echo deep learning", "MRI and CT fusion", "CT plaque scoring", "MRI heart model"]
    assert body["count"] == 4 and body["pages"] == 1 and body["next"] is None and body["previous"] is None
    assert body["sort"] == "newest"
    page = client.get("/").content.decode()
    assert all(title in page for title in titles(body)) and "Secret draft" not in page


def test_filters_and_disjunctive_facet_counts_as_on_the_page(client, small):
    body = data(get(client, "/api/articles/?topic=mri&topic=ct&year=2024"))
    assert titles(body) == ["MRI and CT fusion", "CT plaque scoring"]
    assert body["selected"] == {"topic": ["mri", "ct"], "provider": [], "year": ["2024"]}
    # Topic counts under the year filter only (OR within the facet); year counts under the topics.
    assert facet(body, "topic") == {"ct": (2, True), "mri": (1, True), "ai": (1, False)}
    assert facet(body, "year") == {"2024": (2, True), "2023": (1, False)}
    assert facet(body, "provider") == {"a.example": (1, False), "b.example": (1, False)}


def test_search_sort_and_the_article_document(client, small):
    body = data(get(client, "/api/articles/?q=mri&sort=oldest"))
    assert titles(body) == ["MRI heart model", "MRI and CT fusion"] and body["query"] == "mri"
    assert data(get(client, "/api/articles/?q=mri"))["sort"] == "relevance"
    # Trending (also under its older name, heat) ranks the last days of news only.
    trending = data(get(client, "/api/articles/?sort=heat"))
    assert trending["sort"] == "trending" and "MRI heart model" not in titles(trending)
    item = data(get(client, "/api/articles/?q=mri&sort=oldest"))["results"][0]
    assert item["title"] == "MRI heart model" and item["heat"] == 80
    assert item["url"].startswith("http://testserver/articles/mri-heart-model-")
    assert item["original_url"].startswith("https://a.example/news/")
    assert item["provider"]["domain"] == "a.example"
    assert [t["slug"] for t in item["topics"]] == ["ai", "mri"]
    fused = data(get(client, "/api/articles/?q=fusion"))["results"][0]
    assert fused["image"] == {"url": "https://img.example/1.png", "width": 640, "height": 360}


def test_unknown_topic_is_an_empty_listing_that_says_so(client, small):
    body = data(get(client, "/api/articles/?topic=nope"))
    assert body["results"] == [] and body["unknown"] == [{"facet": "topic", "value": "nope"}]


def test_pagination_links_keep_every_parameter(client, db):
    for n in range(45):
        make.published(f"Story {n}", topics=["ai"])
    body = data(get(client, "/api/articles/?topic=ai&sort=oldest"))
    assert body["count"] == 45 and body["pages"] == 3 and len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/articles/?topic=ai&sort=oldest&page=2"
    second = data(get(client, body["next"]))
    assert titles(second)[0] == "Story 20"
    assert second["previous"] == "http://testserver/api/articles/?topic=ai&sort=oldest"
    last = data(get(client, second["next"]))
    assert len(last["results"]) == 5 and last["next"] is None


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("sort=random", "sort"),
        ("year=20x4", "year"),
        ("year=0999", "year"),
        ("year=9999", "year"),
        ("q=" + "x" * 201, "q"),
        ("&".join(f"topic=t{n}" for n in range(31)), "topic"),
        ("provider=" + "a" * 254, "provider"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(client, small, query, parameter):
    body = problem(client.get(f"/api/articles/?{query}"), 400)
    assert parameter in [error["parameter"] for error in body["errors"]]


def test_a_page_past_the_end_is_a_404_problem(client, small):
    assert "1 page" in problem(client.get("/api/articles/?page=2"), 404)["detail"]
    problem(client.get("/api/topics/?page=5"), 404)


def test_unknown_urls_and_methods_never_answer_html(client, db):
    problem(client.get("/api/nothing/here/"), 404)
    problem(client.get("/api/articles/no-such-article/"), 404)
    problem(client.get("/api/articles/%00/"), 404)
    response = client.post("/api/articles/")
    problem(response, 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_detail_is_published_only_with_related_coverage(client, small):
    from articles.models import Article

    draft = Article.objects.get(title="Secret draft")
    problem(client.get(f"/api/articles/{draft.slug}/"), 404)
    article = Article.objects.get(title="MRI and CT fusion")
    body = data(get(client, f"/api/articles/{article.slug}/"))
    assert body["title"] == "MRI and CT fusion" and body["related"] == []
    assert body["images"] == [{"url": "https://img.example/1.png", "width": 640, "height": 360}]


def test_detail_never_links_a_non_http_url(client, db):
    article = make.published("Sneaky", image="javascript:alert(1)")
    article.web_url = "javascript:alert(2)"
    article.save()
    body = data(get(client, f"/api/articles/{article.slug}/"))
    assert body["original_url"] is None and body["image"] is None and body["images"] == []


def test_topics_and_providers_with_published_counts(client, small):
    topics = data(get(client, "/api/topics/"))
    assert [(t["slug"], t["article_count"]) for t in topics["results"]] == [("ai", 2), ("ct", 2), ("mri", 2)]
    assert topics["results"][0]["articles_url"] == "http://testserver/api/articles/?topic=ai"
    providers = data(get(client, "/api/providers/"))
    assert [(p["domain"], p["article_count"]) for p in providers["results"]] == [
        ("a.example", 2),
        ("b.example", 2),
    ]
    assert providers["results"][0]["feed_url"] == "http://testserver/providers/a.example/feed/"


def test_cors_open_for_reading_and_preflight_answered(client, small):
    assert get(client, "/api/articles/")["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/nothing/")["Access-Control-Allow-Origin"] == "*"
    response = client.options(
        "/api/articles/",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "if-none-match"
    assert "Access-Control-Allow-Origin" not in client.get("/").headers  # pages are not opened


def test_etag_and_304_and_cache_headers(client, small):
    response = get(client, "/api/articles/?topic=ai")
    assert response["Cache-Control"] == "public, no-cache"
    again = client.get("/api/articles/?topic=ai", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"


def test_head_answers_headers_only(client, small):
    response = client.head("/api/articles/")
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Type"].startswith("application/json")


def test_cached_responses_served_from_the_page_cache(client, small, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 60
    settings.CONTENT_VERSION_TTL = 60
    first = get(client, "/api/articles/?year=2024")
    with django_assert_num_queries(0):
        cached = get(client, "/api/articles/?year=2024")
    assert cached.content == first.content and cached["Cache-Control"] == "public, no-cache"


def test_listing_query_budget(client, small, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        get(client, "/api/articles/?topic=ai&year=2024&q=deep")


def test_schema_is_openapi_3_with_problem_errors(client, db):
    schema = data(get(client, "/api/schema/"))
    assert schema["openapi"].startswith("3.")
    assert {"/api/articles/", "/api/articles/{slug}/", "/api/topics/", "/api/providers/"} <= set(
        schema["paths"]
    )
    errors = schema["paths"]["/api/articles/"]["get"]["responses"]["400"]["content"]
    assert list(errors) == ["application/problem+json"]
    parameters = {p["name"] for p in schema["paths"]["/api/articles/"]["get"]["parameters"]}
    assert parameters == {"q", "topic", "provider", "year", "sort", "page"}


def test_docs_load_swagger_from_our_static_files_without_inline_script(client, db):
    page = get(client, "/api/docs/").content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in page
    assert '<script src="/static/api/docs.js"></script>' in page
    scripts = page.count("<script")
    assert scripts == 3 and page.count('<script type="application/json"') == 1  # data, never code
    assert "cdn" not in page.lower() and "https://" not in page
