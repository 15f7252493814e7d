"""Same story or not: canonical URLs, comparable titles, and the source count stored at import."""

import pytest

from articles.canonical import canonical_url, count_sources, group_stories, story_title_key
from articles.models import Article


@pytest.mark.parametrize(
    "a, b",
    [
        (
            "https://www.nature.com/articles/s41467-021-20966-2?code=a58cc095&error=cookies_not_supported",
            "https://www.nature.com/articles/s41467-021-20966-2",
        ),
        ("http://Example.com/a/", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a#comments", "https://www.example.com/a"),
    ],
)
def test_noisy_variants_share_a_canonical_url(a, b):
    assert canonical_url(a) == canonical_url(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://example.com/a?id=3", "https://example.com/a?id=4"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com/a", "https://example.com/b"),
    ],
)
def test_different_pages_stay_different(a, b):
    assert canonical_url(a) != canonical_url(b)


def test_publisher_suffix_does_not_make_a_new_title():
    plain = "Deep convolutional neural networks to predict cardiovascular risk from computed tomography"
    assert story_title_key(plain + " | Nature Communications") == story_title_key(plain)
    assert story_title_key("AI | ML") == "ai ml"  # too short to lose a part


def test_grouping_merges_by_url_or_title():
    links = [
        ("https://x.com/1?utm_source=a", "The first story"),
        ("https://x.com/1", "The first story, updated"),  # same URL
        ("https://y.com/9", "The first story | Y News"),  # same title as the first
        ("https://z.com/2", "Another story"),
    ]
    groups = group_stories(links, url=lambda item: item[0], title=lambda item: item[1])
    assert [len(group) for group in groups] == [3, 1]


def test_count_sources_counts_the_article_and_distinct_related_stories():
    own = "https://www.medicalxpress.com/news/a.html"
    assert count_sources(own, []) == 1
    assert count_sources(own, [("https://medicalxpress.com/news/a.html?utm_source=rss", "Same page")]) == 1
    assert (
        count_sources(
            own,
            [
                ("https://a.com/1", "One"),
                ("https://a.com/1?code=x&error=y", "One"),
                ("https://b.com/2", "Two | B"),
            ],
        )
        == 3
    )


def test_seeds_get_their_source_counts(seeded):
    counts = {a.web_url.split("/")[2]: a.source_count for a in Article.objects.all()}
    assert counts["medicalxpress.com"] == 3  # healthitanalytics + miragenews
    assert counts["www.news-medical.net"] == 2  # three Nature links that are one story
