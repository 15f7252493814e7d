"""/api/stories/ and /api/stories/<slug>/: the front page's top stories and the story page as JSON."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importing import import_paths
from articles.models import Article, Story
from tests import story_corpus

from .test_api import data, get, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path):
    story_corpus.import_two_stories(tmp_path)


def story_of(url):
    return Article.objects.get(web_url=url).story


def test_top_stories_in_the_front_pages_order_with_public_counts_and_links(client, corpus):
    afib, cxr = story_of("https://one.example/afib-watch"), story_of("https://one.example/cxr")
    body = data(get(client, "/api/stories/"))
    assert [item["slug"] for item in body["results"]] == [cxr.slug, afib.slug]  # newest day first
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    item = body["results"][1]
    assert item["headline"] == afib.lead.title == item["lead"]["title"]
    assert item["lead"]["url"] == f"http://testserver{afib.lead.get_absolute_url()}"
    assert item["article_count"] == 2  # c is not published
    assert item["source_count"] == afib.source_count
    assert item["first_at"] and item["latest_at"]
    assert item["url"] == f"http://testserver/stories/{afib.slug}/"
    assert item["api_url"] == f"http://testserver/api/stories/{afib.slug}/"
    assert item["feed_url"] == f"http://testserver/stories/{afib.slug}/feed/"
    assert "Secret" not in str(body) and "three.example" not in str(body)


def test_top_stories_are_paginated_with_next_and_previous(client, tmp_path):
    import_paths([story_corpus.write(tmp_path)], workers=1)
    stories = Story.objects.published().count()
    assert stories > 30
    first = data(get(client, "/api/stories/"))
    assert first["count"] == stories and first["pages"] == 3 and len(first["results"]) == 30
    assert first["next"] == "http://testserver/api/stories/?page=2" and first["previous"] is None
    second = data(get(client, first["next"]))
    assert second["previous"] == "http://testserver/api/stories/"
    third = data(get(client, second["next"]))
    assert third["previous"] == first["next"] and third["next"] is None
    slugs = [item["slug"] for page in (first, second, third) for item in page["results"]]
    assert slugs == list(Story.objects.published().top().values_list("slug", flat=True))
    problem(get(client, "/api/stories/?page=4", 404), 404)
    problem(get(client, "/api/stories/?page=0", 400), 400)


def test_the_story_lead_published_articles_and_coverage_by_source(client, corpus):
    story = story_of("https://one.example/cxr")
    body = data(get(client, f"/api/stories/{story.slug}/"))
    assert body["headline"] == story.lead.title and body["article_count"] == 2
    assert [a["original_url"] for a in body["articles"]] == [
        "https://one.example/cxr",
        "https://four.example/cxr-algo",
    ]
    assert all(a["topics"] is not None and a["provider"]["domain"] for a in body["articles"])
    names = [source["name"] for source in body["sources"]]
    assert {"one.example", "four.example"} <= set(names)
    ours = [r for s in body["sources"] for r in s["reports"] if r["is_ours"]]
    assert sorted(r["url"] for r in ours) == sorted(a["url"] for a in body["articles"])
    theirs = [r["url"] for s in body["sources"] for r in s["reports"] if not r["is_ours"]]
    assert theirs and all(url.startswith("http") for url in theirs)
    # The paper is linked twice (with and without tracking): one report.
    assert len([url for url in theirs if "paper.example" in url]) == 1


def test_only_published_members_and_no_unpublished_story(client, corpus, tmp_path):
    story = story_of("https://one.example/afib-watch")
    body = data(get(client, f"/api/stories/{story.slug}/"))
    assert "https://three.example/rhythm" not in str(body)
    assert len(body["articles"]) == 2
    path = story_corpus.write(tmp_path / "h", ["h"], h={"published": False})
    import_paths([path], workers=1)
    hidden = story_of("https://six.example/scd-score-2")
    problem(get(client, f"/api/stories/{hidden.slug}/", 404), 404)
    assert hidden.slug not in str(data(get(client, "/api/stories/")))
    body = problem(get(client, "/api/stories/no-such-story/", 404), 404)
    assert "no-such-story" in body["detail"]


def test_a_retired_slug_answers_301_to_the_survivors_api_url(client, tmp_path):
    import_paths([story_corpus.write(tmp_path / "1", ["b", "d"])], workers=1)
    retired = story_of("https://one.example/cxr").slug
    overrides = {"j": {"related": ["https://two.example/watch-afib", "https://one.example/cxr"]}}
    import_paths([story_corpus.write(tmp_path / "2", ["j"], **overrides)], workers=1)
    response = get(client, f"/api/stories/{retired}/", 301)
    survivor = Story.objects.get()
    assert survivor.slug != retired
    assert response["Location"] == f"http://testserver/api/stories/{survivor.slug}/"
    assert data(get(client, response["Location"]))["slug"] == survivor.slug


def test_story_reads_cost_a_fixed_number_of_queries(client, tmp_path, django_assert_max_num_queries):
    import_paths([story_corpus.write(tmp_path)], workers=1)
    big = Story.objects.order_by("-article_count").first()
    with django_assert_max_num_queries(6):
        get(client, "/api/stories/")
    with django_assert_max_num_queries(6):
        get(client, f"/api/stories/{big.slug}/")


def test_the_schema_documents_the_story_endpoints(client, db):
    schema = data(get(client, "/api/schema/"))
    assert {"/api/stories/", "/api/stories/{slug}/"} <= set(schema["paths"])
    assert {"StorySummary", "StoryDetail", "StoryPage"} <= set(schema["components"]["schemas"])


def test_story_reads_and_feeds_are_served_from_the_page_cache(
    client, corpus, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 60
    settings.CONTENT_VERSION_TTL = 60
    slug = story_of("https://one.example/cxr").slug
    urls = ["/api/stories/", "/api/stories/?page=1", f"/api/stories/{slug}/", "/stories/feed/"]
    urls.append(f"/stories/{slug}/feed/")
    first = [get(client, url) for url in urls]
    with django_assert_num_queries(0):
        cached = [get(client, url) for url in urls]
    assert [r.content for r in cached] == [r.content for r in first]
    assert cached[0]["Cache-Control"] == "public, no-cache" and cached[0]["ETag"]
    get(client, "/api/stories/?junk=1")  # a parameter it does not read: answered, never stored
    with CaptureQueriesContext(connection) as queries:
        get(client, "/api/stories/?junk=1")
    assert len(queries) > 0
