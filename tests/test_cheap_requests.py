"""Cheap requests must not cost a lot: junk URLs never fill the page cache, sitemaps come in small
pages, methods other than GET and HEAD are refused everywhere."""

import pytest
from django.test import override_settings

from articles.models import Article

from .conftest import SEEDS

FIRST_TITLE = "Deep learning with SPECT accurately predicts major adverse cardiac events"
page_cache_on = override_settings(PAGE_CACHE_SECONDS=60)


def retitle_behind_the_cache(new_title="Retitled quietly"):
    Article.objects.filter(title=FIRST_TITLE).update(title=new_title)


def served_from_the_cache(client, url):
    """True when the second request for `url` is the stored copy of the first."""
    client.get(url)
    retitle_behind_the_cache()
    return "Retitled quietly" not in client.get(url).content.decode()


@page_cache_on
@pytest.mark.parametrize(
    "url",
    [
        "/?junk=1",
        "/?utm_source=x&topic=ai",
        "/?sort=" + "x" * 3000,
        "/?sort=newest&sort=oldest",
        "/?page=1&page=1",
        "/topics/ai/?junk=1",
    ],
)
def test_a_url_with_junk_in_its_query_is_answered_but_never_stored(client, seeded, url):
    response = client.get(url)

    assert response.status_code == 200
    assert not served_from_the_cache(client, url)


@page_cache_on
@pytest.mark.parametrize(
    "url", ["/", "/?topic=ai&year=2024", "/?q=spect&sort=relevance", "/?sort=oldest&page=1"]
)
def test_a_url_with_only_what_the_page_reads_is_still_cached(client, seeded, url):
    assert served_from_the_cache(client, url)


@page_cache_on
def test_many_junk_urls_leave_the_page_cache_as_it_was(client, seeded):
    from django.core.cache import caches

    client.get("/")
    before = caches["default"].bytes_held
    for n in range(30):
        assert client.get(f"/?junk={n}").status_code == 200

    assert caches["default"].bytes_held == before


def test_a_long_sort_value_is_not_echoed_into_the_page(client, seeded):
    junk = "x" * 3000
    response = client.get(f"/?sort={junk}")

    assert response.status_code == 200
    assert junk not in response.content.decode()


def test_sitemap_pages_are_small_and_listed_in_the_index(client, db, run_import, tmp_path):
    from articles.sitemaps import ArticleSitemap

    assert ArticleSitemap.limit <= 500
    run_import(SEEDS)
    ArticleSitemap.limit = 1  # two published seeds: two pages
    try:
        index = client.get("/sitemap.xml").content.decode()
        first = client.get("/sitemap-articles.xml").content.decode()
        second = client.get("/sitemap-articles.xml?p=2").content.decode()
    finally:
        ArticleSitemap.limit = 500
    assert "sitemap-articles.xml?p=2" in index
    assert first.count("<url>") == second.count("<url>") == 1
    assert first != second


@page_cache_on
def test_each_sitemap_page_is_cached_on_its_own(client, seeded):
    client.get("/sitemap-articles.xml?p=1")
    Article.objects.filter(title=FIRST_TITLE).update(slug="moved-quietly")

    assert "moved-quietly" not in client.get("/sitemap-articles.xml?p=1").content.decode()
    assert "moved-quietly" in client.get("/sitemap-articles.xml?p=1&junk=1").content.decode()


@pytest.mark.parametrize("method", ["trace", "options", "post", "delete"])
@pytest.mark.parametrize(
    "path", ["/feed/", "/topics/ai/feed/", "/sitemap.xml", "/sitemap-articles.xml", "/", "/topics/ai/"]
)
def test_feeds_and_sitemaps_answer_other_methods_like_the_pages_do(client, seeded, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert b"<rss" not in response.content and b"<urlset" not in response.content


def test_too_many_values_for_one_facet_are_capped_with_a_message(client, seeded):
    topics = "&".join(f"topic=t{n}" for n in range(15))

    page = client.get(f"/?{topics}").content.decode()

    assert "Only the first 10 topics you chose were used." in page


def test_too_many_words_in_a_search_are_capped_with_a_message(client, seeded):
    words = "+".join(f"word{n}" for n in range(20))

    page = client.get(f"/?q={words}").content.decode()

    assert "Only the first 12 words (at most 200 characters) of your search were used." in page


def test_a_reasonable_request_gets_no_cap_message(client, seeded):
    page = client.get("/?q=heart+disease&topic=ai&topic=mri").content.decode()

    assert "Only the first" not in page


def test_search_results_stop_at_the_last_allowed_page_with_a_message(client, seeded, monkeypatch):
    from articles import selectors, views

    assert selectors.MAX_SEARCH_PAGE == 50
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    for module in (selectors, views):
        monkeypatch.setattr(module, "MAX_SEARCH_PAGE", 1)
        monkeypatch.setattr(module, "MAX_SEARCH_RESULTS", 1)
    query = "q=learning"
    assert client.get(f"/?{query}").status_code == 200
    assert client.get("/?page=2").status_code == 200  # not a search: every page

    beyond = client.get(f"/?{query}&page=2")

    assert beyond.status_code == 404
    assert "Search results are listed up to page 1" in client.get(f"/?{query}").content.decode()
