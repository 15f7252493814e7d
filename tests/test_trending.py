"""Trending: the most-covered and hottest articles of the last days of news, not of all time.

The window is the seven days up to the newest *published* article (not the clock), so a corpus
that stops growing keeps a meaningful Trending; the list and every facet count stay within it."""

import datetime as dt
import re
from html import unescape

import pytest

from articles.filters import parse_list_query
from articles.selectors import article_listing, trending_window

from . import factories as make

NEWEST = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)


def days_before(days, minutes=0):
    return NEWEST - dt.timedelta(days=days, minutes=minutes)


@pytest.fixture
def news(db):
    """Old articles as hot and as covered as can be, recent ones of every kind.

    title             published           sources  heat  topics
    Old blockbuster   30 days before      6        99    x
    Just too old      7 days 1 min before 3        95    x
    Edge of the week  7 days before       1        10    y
    Wide coverage     3 days before       4        20    x
    Warm pair         2 days before       2        50    x, y
    Hot single        1 day before        1        90    y
    Newest            NEWEST              1        -     x
    (a draft, newer and hotter than all, is neither listed nor the window's end)
    """
    make.published("Old blockbuster", when=days_before(30), related=5, heat=99, topics=["x"])
    make.published("Just too old", when=days_before(7, minutes=1), related=2, heat=95, topics=["x"])
    make.published("Edge of the week", when=days_before(7), heat=10, topics=["y"], domain="b.example")
    make.published("Wide coverage", when=days_before(3), related=3, heat=20, topics=["x"])
    make.published("Warm pair", when=days_before(2), related=1, heat=50, topics=["x", "y"])
    make.published("Hot single", when=days_before(1), heat=90, topics=["y"], domain="b.example")
    make.published("Newest", when=NEWEST, heat=None, topics=["x"])
    make.draft("Unpublished scoop", when=NEWEST + dt.timedelta(days=1), related=9, heat=100, topics=["x"])


TRENDING = ["Wide coverage", "Warm pair", "Hot single", "Edge of the week", "Newest"]


def card_titles(response):
    return [
        unescape(t)
        for t in re.findall(r'<h2 class="card__title"><a [^>]*>([^<]*)</a>', response.content.decode())
    ]


def test_the_window_is_the_week_up_to_the_newest_published_article(news):
    window = trending_window()
    assert (window.start, window.end) == (days_before(7), NEWEST)


def test_trending_ranks_the_window_only_most_covered_then_hottest(news):
    listing = article_listing(parse_list_query({"sort": "trending"}))
    assert [article.title for article in listing.articles] == TRENDING
    assert listing.total == 5 and listing.window.end == NEWEST


def test_old_hot_articles_never_top_the_trending_page(client, news):
    response = client.get("/?sort=trending")
    assert card_titles(response) == TRENDING
    html = response.content.decode()
    assert "Old blockbuster" not in html and "Just too old" not in html and "Unpublished scoop" not in html
    assert "5 articles" in html
    assert "of the 7 days up to the newest one (<time" in html and "10 March 2025</time>" in html


def test_the_older_name_of_the_sort_still_works_and_links_use_the_new_one(client, news):
    response = client.get("/?sort=heat&topic=x")
    assert card_titles(response) == ["Wide coverage", "Warm pair", "Newest"]
    html = response.content.decode()
    assert "sort=heat" not in html
    assert 'name="sort" value="trending"' in html  # the search form keeps the sort


def test_facet_counts_are_the_windows(client, news):
    listing = article_listing(parse_list_query({"sort": "trending", "topic": ["x"]}))
    topics = {v.value: v.count for v in next(f for f in listing.facets if f.name == "topic").values}
    providers = {v.value: v.count for v in next(f for f in listing.facets if f.name == "provider").values}
    years = {v.value: v.count for v in next(f for f in listing.facets if f.name == "year").values}
    assert topics == {"x": 3, "y": 3}  # y: Edge of the week, Warm pair, Hot single (all in the window)
    assert providers == {"example.com": 3}
    assert years == {"2025": 3}
    assert listing.total == 3


def test_cached_counts_of_another_sort_are_not_the_windows(client, news, settings):
    from django.core.cache import cache

    settings.FACET_CACHE_SECONDS = 60
    cache.clear()
    try:
        assert "7 articles" in client.get("/?sort=newest").content.decode()
        assert "5 articles" in client.get("/?sort=trending").content.decode()
        assert "7 articles" in client.get("/?sort=newest").content.decode()
    finally:
        cache.clear()


def test_topic_and_provider_pages_trend_within_the_window_too(client, news):
    assert card_titles(client.get("/topics/y/?sort=trending")) == [
        "Warm pair",
        "Hot single",
        "Edge of the week",
    ]
    assert card_titles(client.get("/providers/b.example/?sort=trending")) == [
        "Hot single",
        "Edge of the week",
    ]


def test_filters_that_leave_the_window_empty_say_so(client, news):
    response = client.get("/?sort=trending&year=2024")
    html = response.content.decode()
    assert response.status_code == 200 and card_titles(response) == []
    assert "Trending covers the last 7 days of news only" in html
    assert "sort=newest" in unescape(html)


def test_nothing_published_means_no_window_and_an_empty_trending(client, db):
    make.draft("Only a draft", when=NEWEST)
    assert trending_window() is None
    response = client.get("/?sort=trending")
    assert response.status_code == 200 and card_titles(response) == []


def test_the_nav_links_trending_by_its_name(client, news):
    html = client.get("/?sort=trending").content.decode()
    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    assert 'href="/?sort=trending" aria-current="page">Trending<' in nav


def test_trending_stays_within_the_list_query_budget(client, news, django_assert_max_num_queries):
    for url in ["/?sort=trending", "/?sort=trending&topic=x&provider=example.com&year=2025&q=excerpt"]:
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
