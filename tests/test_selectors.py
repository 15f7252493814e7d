"""Disjunctive facet counts on a small fixture whose right numbers are known by hand."""

import pytest

from articles.filters import MAX_VALUES, parse_list_query
from articles.selectors import article_listing as listing_of

from . import factories as make


def article_listing(data, **page):
    return listing_of(parse_list_query(data), **page)


@pytest.fixture
def corpus(db):
    """Seven articles; the unpublished one (#6) must never count.

    #  provider  topics  year
    1  a.com     x       2020
    2  a.com     x, y    2021
    3  b.com     y       2021
    4  b.com     x, z    2022
    5  c.com     z       2022
    6  c.com     x       2020   unpublished
    7  a.com     y, z    2022
    """
    rows = [
        ("One", "a.com", ["x"], 2020, True),
        ("Two", "a.com", ["x", "y"], 2021, True),
        ("Three", "b.com", ["y"], 2021, True),
        ("Four", "b.com", ["x", "z"], 2022, True),
        ("Five", "c.com", ["z"], 2022, True),
        ("Six", "c.com", ["x"], 2020, False),
        ("Seven", "a.com", ["y", "z"], 2022, True),
    ]
    return {
        title: (make.published if p else make.draft)(title, domain=d, topics=t, when=y)
        for title, d, t, y, p in rows
    }


def test_total_comes_from_the_year_facet(corpus):
    for data in [
        {},
        {"topic": ["x"]},
        {"topic": ["x", "y"], "year": ["2021", "2022"]},
        {"year": ["abc"]},
        {"year": ["2021", "nope"]},
        {"provider": ["b.com"], "year": ["1999"]},
    ]:
        listing = article_listing(data)
        assert listing.total == len(listing.articles), data


def counts(listing):
    return {facet.name: {value.value: value.count for value in facet.values} for facet in listing.facets}


def titles(listing):
    return {article.title for article in listing.articles}


def test_no_filter_counts_every_published_article(corpus):
    listing = article_listing({})
    assert titles(listing) == {"One", "Two", "Three", "Four", "Five", "Seven"}
    assert counts(listing) == {
        "topic": {"x": 3, "y": 3, "z": 3},
        "provider": {"a.com": 3, "b.com": 2, "c.com": 1},
        "year": {"2022": 3, "2021": 2, "2020": 1},
    }


def test_a_facet_keeps_its_own_counts_while_the_others_narrow(corpus):
    listing = article_listing({"topic": ["x"]})
    assert titles(listing) == {"One", "Two", "Four"}
    assert counts(listing) == {
        "topic": {"x": 3, "y": 3, "z": 3},  # what each other topic would add
        "provider": {"a.com": 2, "b.com": 1},
        "year": {"2020": 1, "2021": 1, "2022": 1},
    }


def test_or_inside_a_facet_counts_each_article_once(corpus):
    # Article Two is in both x and y: counted over a topic-joined queryset it would count twice.
    listing = article_listing({"topic": ["x", "y"]})
    assert titles(listing) == {"One", "Two", "Three", "Four", "Seven"}
    assert counts(listing)["provider"] == {"a.com": 3, "b.com": 2}
    assert counts(listing)["year"] == {"2022": 2, "2021": 2, "2020": 1}


def test_and_across_facets_each_counted_with_the_other_facets(corpus):
    listing = article_listing({"topic": ["x"], "provider": ["b.com"]})
    assert titles(listing) == {"Four"}
    assert counts(listing) == {
        "topic": {"x": 1, "y": 1, "z": 1},  # over b.com's articles 3 and 4
        "provider": {"a.com": 2, "b.com": 1},  # over topic x's articles 1, 2 and 4
        "year": {"2022": 1},
    }


def test_years_combine_with_or_and_with_topics(corpus):
    listing = article_listing({"year": ["2020", "2021"], "topic": ["y"]})
    assert titles(listing) == {"Two", "Three"}
    assert counts(listing)["year"] == {"2022": 1, "2021": 2, "2020": 0}  # selected, so listed
    assert counts(listing)["topic"] == {"x": 2, "y": 2}


def test_selected_values_marked_and_toggle_lists(corpus):
    listing = article_listing({"topic": ["x"]})
    topic = next(facet for facet in listing.facets if facet.name == "topic")
    by_value = {value.value: value for value in topic.values}
    assert by_value["x"].selected and by_value["x"].toggled == []
    assert not by_value["y"].selected and by_value["y"].toggled == ["x", "y"]
    assert [(chip.name, chip.value, chip.remaining) for chip in listing.chips] == [("topic", "x", [])]


def test_unknown_values_match_nothing_without_error(corpus):
    listing = article_listing({"topic": ["nope"], "provider": ["a.com"], "year": ["abc"]})
    assert list(listing.articles) == []
    topic = next(facet for facet in listing.facets if facet.name == "topic")
    assert [(value.value, value.count) for value in topic.values] == [("nope", 0)]


def test_a_listing_that_matches_nothing_names_its_unknown_values(corpus):
    listing = article_listing(
        {"topic": ["nope", "x"], "provider": ["a.com", "z.org"], "year": ["abc", "2023"]}
    )
    assert listing.total == 0 and listing.articles == []
    assert listing.unknown == [("topic", "nope"), ("provider", "z.org"), ("year", "abc")]
    assert article_listing({"topic": ["nope", "x"]}).unknown == []  # something matches: nothing to explain


def test_the_listing_is_one_page_with_its_total(corpus):
    listing = article_listing({"sort": "oldest", "page": "1"})
    assert [article.title for article in listing.articles] == ["One", "Two", "Three", "Four", "Five", "Seven"]
    assert listing.total == listing.paginator.count == 6 and listing.page.number == 1
    assert article_listing({"page": "2"}).page is None  # not a page of this list


def test_parsing_cleans_values_and_drops_what_is_no_choice():
    query = parse_list_query(
        {"topic": [" X ", "x", "y\x00"], "provider": "WWW.A.com.", "sort": "bogus", "q": " hi "}
    )
    assert (query.topics, query.providers, query.q, query.sort) == (("x", "y"), ("www.a.com",), "hi", "")
    assert query.effective_sort == "relevance"
    assert parse_list_query({"sort": "relevance"}).sort == ""  # relevance without a search is no choice
    assert parse_list_query({"topic": [f"t{n}" for n in range(50)]}).topics == tuple(
        f"t{n}" for n in range(MAX_VALUES)
    )
    assert dict(parse_list_query({"topic": "x", "sort": "heat", "page": "3", "utm": "z"}).params.lists()) == {
        "topic": ["x"],
        "provider": [],
        "year": [],
        "sort": ["trending"],  # the older name, answered under the current one
    }


def test_topic_page_facets_leave_out_the_page_topic(corpus):
    from articles.models import Topic

    listing = article_listing({}, topic=Topic.objects.get(slug="z"))
    assert titles(listing) == {"Four", "Five", "Seven"}
    assert counts(listing)["topic"] == {"x": 1, "y": 1}


def test_provider_page_has_no_provider_facet(corpus):
    from articles.models import Provider

    listing = article_listing({}, provider=Provider.objects.get(domain="a.com"))
    assert titles(listing) == {"One", "Two", "Seven"}
    assert [facet.name for facet in listing.facets] == ["topic", "year"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("newest", ["Seven", "Five", "Four", "Three", "Two", "One"]),
        ("oldest", ["One", "Two", "Three", "Four", "Five", "Seven"]),
        ("bogus", ["Seven", "Five", "Four", "Three", "Two", "One"]),
        ("", ["Seven", "Five", "Four", "Three", "Two", "One"]),
    ],
)
def test_sorts_and_unknown_sort_falls_back_to_newest(corpus, sort, expected):
    listing = article_listing({"sort": sort})
    assert [article.title for article in listing.articles] == expected
    assert listing.sort == ("oldest" if sort == "oldest" else "newest")


def test_heat_and_quality_sorts_put_unknown_last(db):
    make.published("Cold", heat=5, quality=90)
    make.published("Unknown", heat=None, quality=None)
    make.published("Hot", heat=95, quality=10)
    assert [a.title for a in article_listing({"sort": "trending"}).articles] == ["Hot", "Cold", "Unknown"]
    assert [a.title for a in article_listing({"sort": "quality"}).articles] == ["Cold", "Hot", "Unknown"]


def test_the_latest_article_is_the_newest_published(corpus):
    from articles.models import Article

    assert Article.objects.published().latest().title == "Seven"
    assert Article.objects.latest().title == "Seven"
