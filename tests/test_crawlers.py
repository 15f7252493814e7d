"""List URLs and search engines: only simple lists are indexed, the rest point to their simplest form."""

import re

import pytest

from articles.models import Article

NOINDEX = '<meta name="robots" content="noindex,follow">'


def canonical(page):
    match = re.search(r'<link rel="canonical" href="([^"]*)">', page)
    return match and match.group(1)


@pytest.fixture
def topics(seeded):
    return list(Article.objects.published().values_list("topics__slug", flat=True).distinct()[:2])


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/", "http://testserver/"),
        ("/?sort=newest", "http://testserver/"),
        ("/?junk=1", "http://testserver/"),
    ],
)
def test_simple_lists_are_indexed_with_their_own_canonical(client, seeded, url, expected):
    page = client.get(url).content.decode()

    assert NOINDEX not in page
    assert canonical(page) == expected


def test_one_filter_value_is_indexed(client, topics):
    page = client.get(f"/?topic={topics[0]}").content.decode()

    assert NOINDEX not in page
    assert canonical(page) == f"http://testserver/?topic={topics[0]}"


def test_two_filter_values_are_not_indexed_and_point_to_the_bare_list(client, topics):
    page = client.get(f"/?topic={topics[0]}&topic={topics[1]}").content.decode()

    assert NOINDEX in page
    assert canonical(page) == "http://testserver/"


@pytest.mark.parametrize("query", ["q=heart", "sort=oldest", "sort=quality"])
def test_a_search_or_another_sort_is_not_indexed(client, seeded, query):
    page = client.get(f"/?{query}").content.decode()

    assert NOINDEX in page
    assert canonical(page) == "http://testserver/"


def test_pages_beyond_the_fifth_are_not_indexed(client, seeded, monkeypatch):
    from articles import selectors, views

    assert views.INDEXED_PAGES == 5
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)  # the two published seeds make two pages
    second = client.get("/?page=2").content.decode()
    monkeypatch.setattr(views, "INDEXED_PAGES", 1)
    beyond = client.get("/?page=2").content.decode()

    assert NOINDEX not in second and canonical(second) == "http://testserver/?page=2"
    assert NOINDEX in beyond and canonical(beyond) == "http://testserver/"


def test_facet_and_sort_links_are_nofollow_once_a_filter_is_applied(client, topics):
    plain = client.get("/?sort=newest").content.decode()
    filtered = client.get(f"/?topic={topics[0]}").content.decode()

    assert not re.search(r'class="facet__value[^"]*" href="[^"]*" rel="nofollow"', plain)
    assert re.search(r'class="facet__value[^"]*" href="[^"]*" rel="nofollow"', filtered)
    assert re.search(r'href="\?[^"]*sort=oldest[^"]*" rel="nofollow"', plain)
