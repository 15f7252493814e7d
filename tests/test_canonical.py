"""articles/canonical.py: when two links are the same story."""

import pytest

from articles.canonical import canonical_url, clean_url, count_sources, group_stories, story_title_key
from articles.importing.documents import parse_document

from .conftest import SEEDS

NATURE = "https://www.nature.com/articles/s41467-021-20966-2"


@pytest.mark.parametrize(
    "variant",
    [
        NATURE,
        NATURE + "?code=a58cc095-5fcc-4e77-8915-d06e2f192c44&error=cookies_not_supported",
        NATURE + "/",
        NATURE + "#Abs1",
        NATURE + "?utm_source=twitter&utm_medium=social&utm_campaign=x",
        NATURE + "?fbclid=IwAR0abc&gclid=xyz",
        "HTTPS://WWW.NATURE.COM/articles/s41467-021-20966-2",
        "http://nature.com/articles/s41467-021-20966-2",
        "https://www.nature.com:443/articles/s41467-021-20966-2",
        "  https://www.nature.com//articles/s41467-021-20966-2  ",
    ],
)
def test_noisy_variants_share_one_canonical_url(variant):
    assert canonical_url(variant) == "nature.com/articles/s41467-021-20966-2"


def test_meaningful_differences_stay_different():
    assert canonical_url("https://a.com/story?id=1") != canonical_url("https://a.com/story?id=2")
    assert canonical_url("https://a.com/Story") != canonical_url("https://a.com/story")
    assert canonical_url("https://a.com:8080/x") != canonical_url("https://a.com/x")
    assert canonical_url("https://a.com/x?b=2&a=1") == canonical_url("https://a.com/x?a=1&b=2")


@pytest.mark.parametrize(
    "junk", ["", None, "not a url", "http://[::1", "http://x.com:abc/", "javascript:alert(1)"]
)
def test_bad_urls_never_raise(junk):
    assert isinstance(canonical_url(junk), str)
    assert isinstance(clean_url(junk), str)


def test_clean_url_drops_noise_and_keeps_the_rest_byte_for_byte():
    url = "https://Example.com/a%20b/?q=heart%20ai&utm_source=x&page=2&error=cookies_not_supported#top"
    assert clean_url(url) == "https://Example.com/a%20b/?q=heart%20ai&page=2"


def test_title_key_ignores_publisher_suffix_case_space_and_punctuation():
    plain = "Deep convolutional neural networks to predict cardiovascular risk from computed tomography"
    assert story_title_key(plain + " | Nature Communications") == story_title_key(plain)
    assert story_title_key(
        "  DEEP   convolutional neural networks, to predict cardiovascular risk from computed tomography!"
    ) == story_title_key(plain)
    # A suffix is not stripped down to a stub that would match unrelated stories.
    assert story_title_key("AI news | Daily") != story_title_key("AI news | Weekly")
    assert story_title_key("") == ""


def firsts(items):
    """The first item of each story, in order of first appearance."""
    return [group[0] for group in group_stories(items)]


def test_seed_001_related_links_are_one_story_and_two_sources():
    record = parse_document((SEEDS / "001_eaa275ea85e408ae.txt").read_bytes())
    assert len(record.related_links) == 3
    assert len(firsts(record.related_links)) == 1
    assert firsts(record.related_links)[0] is record.related_links[0]
    pairs = [(link.web_url, link.title) for link in record.related_links]
    assert count_sources(record.web_url, pairs) == 2


def test_stories_keep_their_first_item_in_order_and_chains_merge():
    items = [
        {"web_url": "https://a.com/1", "title": "First story about hearts"},
        {"web_url": "https://b.com/2", "title": "Second story about lungs"},
        {"web_url": "https://c.com/3", "title": "Third story about kidneys"},
        # Same URL as the first, same title as the second: the two stories are one.
        {"web_url": "http://www.a.com/1/", "title": "Second story about lungs | B News"},
    ]
    groups = group_stories(items)
    assert [len(group) for group in groups] == [3, 1]
    assert firsts(items) == [items[0], items[2]]


def test_empty_titles_do_not_make_stories_equal():
    items = [{"web_url": "https://a.com/1", "title": ""}, {"web_url": "https://b.com/2", "title": ""}]
    assert len(firsts(items)) == 2
