"""The reader's list pages (/, /topics/<slug>/, /providers/<domain>/) as a browser sees them."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from articles.models import Article

from . import factories as make


def hrefs(response, css_class=None, rel=None):
    """Hrefs of <a> elements (optionally with a class or rel), unescaped."""
    html = response.content.decode()
    found = []
    for tag in re.findall(r"<a\b[^>]*>", html):
        if css_class and not re.search(rf'class="[^"]*\b{re.escape(css_class)}\b', tag):
            continue
        if rel and f'rel="{rel}"' not in tag:
            continue
        match = re.search(r'href="([^"]*)"', tag)
        if match:
            found.append(unescape(match.group(1)))
    return found


def params(href):
    return parse_qs(urlsplit(href).query)


def card_titles(response):
    page = response.content.decode()
    return [
        unescape(re.sub("</?mark>", "", t))  # a search marks the words it matched
        for t in re.findall(r'<h2 class="card__title"><a [^>]*>((?:[^<]|</?mark>)*)</a>', page)
    ]


@pytest.fixture
def small(db):
    make.provider("a.com", "Acme Health")
    make.provider("b.com", "Bolt Medical")
    make.published("Alpha heart study", domain="a.com", topics=["X"], when=2020, heat=90, quality=40)
    make.published("Beta imaging news", domain="a.com", topics=["X", "Y"], when=2021, heat=-1)
    make.published("Gamma calcium score", domain="b.com", topics=["Y"], when=2022, heat=None)
    make.draft("Hidden draft", domain="b.com", topics=["X"], when=2023)


# --- The list -----------------------------------------------------------------------------------


def test_list_shows_published_articles_newest_first(client, small):
    response = client.get("/?sort=newest")
    assert response.status_code == 200
    assert card_titles(response) == ["Gamma calcium score", "Beta imaging news", "Alpha heart study"]
    assert "Hidden draft" not in response.content.decode()
    assert "3 articles" in response.content.decode()


def test_unpublished_never_listed_even_when_searched_or_filtered(client, small):
    for url in ["/?q=hidden+draft", "/?provider=b.com", "/topics/x/", "/providers/b.com/", "/?year=2023"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Hidden draft" not in response.content.decode(), url


def test_card_parts(client, db):
    item = make.published(
        "Card title",
        domain="news.example.org",
        topics=["Cardiology"],
        when=2021,
        heat=80,
        quality=55,
        excerpt="What the study found.",
        image="https://img.example.org/a.jpg",
        related=2,  # three sources with the article itself
    )
    html = client.get("/?sort=newest").content.decode()
    assert f'href="{item.get_absolute_url()}"' in html
    assert 'href="/providers/news.example.org/"' in html
    assert f'<time datetime="{item.published_at.isoformat()}">' in html
    assert 'href="/topics/cardiology/">Cardiology</a>' in html
    assert "What the study found." in html
    assert f'href="/articles/{item.slug}/story/">3 sources</a>' in html
    # Quality and heat rank articles; readers are not shown them as scores.
    assert "Reader interest:" not in html and "55/100" not in html
    image = re.search(r"<img [^>]*>", html).group(0)
    for attribute in [
        'src="https://img.example.org/a.jpg"',
        'width="640"',
        'height="360"',
        'alt=""',
        'loading="lazy"',
        'referrerpolicy="no-referrer"',
    ]:
        assert attribute in image


def test_unknown_heat_shows_no_signal_and_one_source_says_nothing(client, db):
    make.published("Minus one", heat=-1)
    make.published("No heat", heat=None)
    html = client.get("/").content.decode()
    assert "Reader interest:" not in html and 'class="signal' not in html
    assert "sources</span>" not in html


def test_hostile_title_is_escaped(client, db):
    make.published('<script>alert("x")</script> & <b>bold</b>', excerpt="<img src=x onerror=alert(1)>")
    html = client.get("/?sort=newest").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//evil.example/x.jpg",
        "ftp://example.com/a.jpg",
        " JaVaScRiPt:alert(1)",
    ],
)
def test_only_http_urls_reach_src(client, db, url):
    make.published("Has a strange image", image=url)
    html = client.get("/").content.decode()
    assert "<img" not in html
    assert "javascript" not in html.lower() and "data:image" not in html


def test_every_href_and_src_is_relative_or_http(client, small):
    html = client.get("/?q=heart&topic=x").content.decode()
    for value in re.findall(r'(?:href|src)="([^"]*)"', html):
        value = unescape(value)
        assert value.startswith(("/", "?", "#", "http://", "https://")), value


# --- Pagination ---------------------------------------------------------------------------------


@pytest.fixture
def many(db):
    make.save(
        *(
            make.record(f"Story {n:02d}", domain="a.com" if n % 2 else "b.com", topics=["x"], when=2021)
            for n in range(45)
        )
    )


def test_twenty_a_page_with_numbers_and_rel_links_keeping_filters(client, many):
    first = client.get("/?topic=x&sort=oldest")
    assert len(card_titles(first)) == 20
    assert card_titles(first)[0] == "Story 00"
    (next_href,) = hrefs(first, rel="next")
    assert params(next_href) == {"topic": ["x"], "sort": ["oldest"], "page": ["2"]}
    assert hrefs(first, rel="prev") == []
    assert '<link rel="next"' in first.content.decode()

    second = client.get(next_href)
    assert card_titles(second)[0] == "Story 20"
    (prev_href,) = hrefs(second, rel="prev")
    assert params(prev_href) == {"topic": ["x"], "sort": ["oldest"], "page": ["1"]}
    pages = [params(h)["page"][0] for h in hrefs(second, css_class="pagination__page")]
    assert pages == ["1", "3"]
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in second.content.decode()

    third = client.get("/?topic=x&sort=oldest&page=3")
    assert len(card_titles(third)) == 5
    assert hrefs(third, rel="next") == []


# Not `page`: that name is pytest-playwright's browser page fixture.
@pytest.mark.parametrize("number", ["abc", "0", "-1", "4", "99999", "1.5", "9" * 40, "%00", "2e3"])
def test_bad_page_numbers_answer_a_clear_404(client, many, number):
    response = client.get("/", {"page": number, "topic": "x"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no page" in html
    assert "This list has 3 pages." in html
    first = next(
        h for h in hrefs(response) if "Go to the first page" in html and params(h).get("topic") == ["x"]
    )
    assert "page" not in params(first)


def test_the_way_back_from_a_bad_page_number_drops_it(client, many):
    response = client.get("/?page=abc")
    assert response.status_code == 404
    assert '<a href="?">Go to the first page</a>' in response.content.decode()


def test_empty_list_page_one_is_fine(client, db):
    response = client.get("/?page=1")
    assert response.status_code == 200
    assert "Nothing has been published here yet." in response.content.decode()


# --- Facets, chips and sort ---------------------------------------------------------------------


def test_facet_links_toggle_one_value_and_keep_the_rest(client, small):
    response = client.get("/?topic=x&q=imaging&sort=oldest&page=1")
    links = {
        tuple(sorted((k, tuple(v)) for k, v in params(h).items()))
        for h in hrefs(response, css_class="facet__value")
    }
    # Removing x from the topics keeps q and sort, drops the page.
    assert (("q", ("imaging",)), ("sort", ("oldest",))) in links
    # Adding y keeps x (OR inside the facet).
    assert (("q", ("imaging",)), ("sort", ("oldest",)), ("topic", ("x", "y"))) in links


def test_facet_counts_shown(client, small):
    html = client.get("/?topic=x").content.decode()
    sources = html[html.index('id="facet-provider"') : html.index('id="facet-year"')]
    assert re.search(r'facet__label">Acme Health</span> <span class="facet__count">2<', sources)
    assert "b.com" not in sources  # b.com has no published article in topic x


def test_chips_remove_one_value_and_clear_all_keeps_sort(client, small):
    response = client.get("/?topic=x&topic=y&provider=a.com&q=news&sort=oldest")
    chips = [params(h) for h in hrefs(response, css_class="chip")]
    assert {"provider": ["a.com"], "q": ["news"], "sort": ["oldest"], "topic": ["y"]} in chips  # x removed
    assert {"topic": ["x", "y"], "q": ["news"], "sort": ["oldest"]} in chips  # provider removed
    assert {"topic": ["x", "y"], "provider": ["a.com"], "sort": ["oldest"]} in chips  # search removed
    (clear,) = hrefs(response, css_class="chips__clear")
    assert params(clear) == {"sort": ["oldest"]}
    assert "Topic: X" in response.content.decode()


def test_sort_links_keep_filters_and_reset_page(client, many):
    response = client.get("/?topic=x&page=2")
    html = response.content.decode()
    nav = html[html.index('<nav class="sort"') :]
    nav = nav[: nav.index("</nav>")]
    sorts = [params(unescape(h)) for h in re.findall(r'href="([^"]*)"', nav)]
    assert sorts == [{"topic": ["x"], "sort": [key]} for key in ("oldest", "quality", "trending")]
    assert '<span class="sort__current" aria-current="true">Latest</span>' in nav


def test_search_form_carries_the_current_filters(client, small):
    html = client.get("/?topic=x&provider=a.com&sort=oldest&q=heart").content.decode()
    form = html[html.index('<form class="site-search"') : html.index("</form>")]
    assert '<input type="hidden" name="topic" value="x">' in form
    assert '<input type="hidden" name="provider" value="a.com">' in form
    assert '<input type="hidden" name="sort" value="oldest">' in form
    assert 'value="heart"' in form


@pytest.mark.parametrize(
    "query, message",
    [
        ("topic=nonexistent", "There is no topic “nonexistent”"),
        ("provider=nowhere.example", "There is no source “nowhere.example”"),
        ("year=abc", "There is no year “abc”"),
        ("topic=x&year=1999", "No articles match these filters"),
    ],
)
def test_filters_matching_nothing_explain_themselves(client, small, query, message):
    response = client.get("/?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert card_titles(response) == []
    assert "clear all filters" in html


@pytest.mark.parametrize(
    "query",
    [
        "sort=bogus",
        "sort=",
        "sort=relevance",
        "q=%22",
        "q=*",
        "q=AND(",
        "q=NEAR(heart+study)",
        "q=heart+OR+-x",
        "q=%27%3B+DROP+TABLE+articles_article%3B--",
        "q=" + "heart+" * 400,
        "q=%C3%A9t%C3%A9+%E6%97%A5%E6%9C%AC+%F0%9F%AB%80",
        "q=%00",
        "topic=%00",
        "provider=%FF",
        "year=%00",
        "year=99999999999999999999",
        "year=0000",
        "year=9999",
        "page=%00&topic=x",
        "topic=" + "x" * 5000,
        "q[]=1",
        "topic[]=x&provider[]=y",
        "q=title:heart",
        "q=^heart",
    ],
)
def test_bad_query_strings_never_500(client, small, query):
    response = client.get("/?" + query)
    assert response.status_code in (200, 404)
    assert b"<main" in response.content


def test_unknown_sort_falls_back_to_newest(client, small):
    assert card_titles(client.get("/?sort=bogus")) == card_titles(client.get("/?sort=newest"))


def test_values_that_are_no_choice_are_not_echoed_into_links(client, many):
    junk = "x" * 3000
    response = client.get(f"/?topic=x&sort={junk}&utm_source={junk}&page=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert junk not in html
    links = hrefs(response, css_class="facet__value") + hrefs(response, css_class="pagination__page")
    assert links and all(set(params(h)) <= {"topic", "provider", "year", "q", "sort", "page"} for h in links)
    assert all("sort" not in params(h) for h in links)


def test_an_overlong_search_is_cut_in_links_too(client, small):
    response = client.get("/?q=" + "heart+" * 400)
    (chip,) = [h for h in hrefs(response, css_class="chip")]
    clear_search = hrefs(response, css_class="facet__value")
    assert all(len(params(h).get("q", [""])[0]) <= 200 for h in clear_search)
    assert "q" not in params(chip)


# --- Search -------------------------------------------------------------------------------------


def test_search_combines_with_facets(client, small):
    assert card_titles(client.get("/?q=news")) == ["Beta imaging news"]
    assert card_titles(client.get("/?q=news&topic=y")) == ["Beta imaging news"]
    assert card_titles(client.get("/?q=news&provider=b.com")) == []
    assert "1 article matching “news”" in client.get("/?q=news").content.decode()


def test_search_finds_provider_and_topic_names(client, small):
    assert set(card_titles(client.get("/?q=acme"))) == {"Alpha heart study", "Beta imaging news"}
    assert card_titles(client.get("/?q=Y")) == ["Gamma calcium score", "Beta imaging news"]


# --- Topic and provider pages -------------------------------------------------------------------


def test_topic_page_is_the_list_prefiltered(client, small):
    response = client.get("/topics/y/")
    assert response.status_code == 200
    assert card_titles(response) == ["Gamma calcium score", "Beta imaging news"]
    html = response.content.decode()
    assert "<h1>Y</h1>" in html
    assert 'action="/topics/y/"' in html  # search within the topic
    narrowed = client.get("/topics/y/?provider=b.com")
    assert card_titles(narrowed) == ["Gamma calcium score"]


def test_provider_page_is_the_list_prefiltered(client, small):
    response = client.get("/providers/a.com/")
    assert response.status_code == 200
    assert card_titles(response) == ["Beta imaging news", "Alpha heart study"]
    assert "<h1>Acme Health</h1>" in response.content.decode()
    assert 'id="facet-provider"' not in response.content.decode()
    assert client.get("/providers/A.COM/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/topics/nope/", "/providers/nowhere.example/", "/topics/%00/", "/providers/a%00.com/"]
)
def test_unknown_topic_or_provider_is_404(client, small, url):
    assert client.get(url).status_code == 404


# --- Query budget -------------------------------------------------------------------------------


@pytest.fixture
def crowd(db):
    make.save(
        *(
            make.record(
                f"Crowd {n}",
                domain=f"p{n % 7}.example.com",
                topics=[f"t{n % 5}", f"t{(n + 1) % 5}"],
                when=2018 + n % 6,
                image=f"https://img.example.com/{n}.jpg",
                heat=n,
                quality=n,
            )
            for n in range(60)
        )
    )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?page=2",
        "/?topic=t1&topic=t2&provider=p1.example.com&year=2019&sort=heat",
        "/?sort=trending",
        "/topics/t3/?sort=trending&provider=p1.example.com",
        "/?q=crowd&topic=t1",
        "/?q=crowd&sort=quality&page=2",
        "/topics/t3/",
        "/providers/p2.example.com/?topic=t2",
        "/?topic=none",
        "/?page=999",
    ],
)
def test_list_pages_stay_within_the_query_budget(client, crowd, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code in (200, 404)


def test_query_count_does_not_grow_with_the_page(client, crowd, django_assert_num_queries):
    with django_assert_num_queries(6):
        client.get("/?sort=newest")
    for n in range(40):
        make.published(
            f"More {n}", domain=f"q{n}.example.com", topics=[f"u{n}"], image=f"https://i.example.com/{n}"
        )
    with django_assert_num_queries(6):
        client.get("/?page=3")


def test_article_listed_count_matches_database(client, crowd):
    html = client.get("/?sort=newest").content.decode()
    assert f"{Article.objects.published().count()} articles" in html


def test_cached_facet_counts_skip_the_counting_but_not_the_live_list(
    client, crowd, settings, django_assert_num_queries
):
    from django.core.cache import cache

    settings.FACET_CACHE_SECONDS = 60
    settings.CONTENT_VERSION_TTL = 60  # as between two reads of the content version in production
    cache.clear()
    try:
        before = client.get("/?topic=t1")  # counts and caches
        make.published("Brand new", domain="p1.example.com", topics=["t1"], when=2030)
        with django_assert_num_queries(3):  # the page and its two prefetches: no counting
            response = client.get("/?topic=t1")
        assert card_titles(response)[0] == "Brand new"  # the list itself is live
        count = re.search(r"(\d+) articles", before.content.decode()).group(0)
        assert count in response.content.decode()  # the counts are as cached, for a minute at most
        assert client.get("/?topic=t2").status_code == 200  # another key: counted afresh
    finally:
        cache.clear()


@pytest.mark.parametrize("path", ["/", "/topics/ai/", "/providers/nature.com/"])
def test_reader_pages_refuse_posts(client, seeded, path):
    response = client.post(path, {"q": "x"})
    assert response.status_code == 405
