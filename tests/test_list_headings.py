"""A list page names what it lists: its `<h1>` and `<title>` follow the filters and the sort."""

import re

import pytest

from . import factories as make


@pytest.fixture
def shelf(db):
    make.provider("nature.com", "Nature")
    make.provider("b.example", "Bolt Medical")
    make.published(
        "Calcium scoring by deep learning", domain="nature.com", topics=["Machine Learning"], when=2024
    )
    make.published("Echo segmentation", domain="b.example", topics=["Echo"], when=2023)


def heading_and_title(client, url):
    html = client.get(url).content.decode()
    [h1] = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    [title] = re.findall(r"<title>(.*?)</title>", html, re.S)
    return h1.strip(), title


@pytest.mark.parametrize(
    "url, heading",
    [
        ("/?sort=newest", "Latest"),
        ("/?sort=trending", "Trending"),
        ("/?sort=heat", "Trending"),
        ("/?sort=quality", "Best rated"),
        ("/?page=1&year=", "Latest"),
        ("/?q=calcium", "Search: calcium"),
        ("/?q=calcium&sort=newest", "Latest · Search: calcium"),
        ("/?provider=nature.com&topic=machine-learning", "Nature · Machine Learning"),
        (
            "/?topic=machine-learning&provider=nature.com&sort=trending",
            "Trending · Nature · Machine Learning",
        ),
        ("/topics/machine-learning/", "Machine Learning"),
        ("/topics/machine-learning/?provider=nature.com", "Nature · Machine Learning"),
        ("/providers/nature.com/", "Nature"),
        ("/providers/nature.com/?topic=machine-learning&year=2024", "Nature · Machine Learning · 2024"),
        ("/providers/nature.com/?sort=trending", "Trending · Nature"),
        ("/?q=calcium&provider=nature.com", "Search: calcium · Nature"),
    ],
)
def test_heading_and_title_follow_filters_and_sort(client, shelf, url, heading):
    h1, title = heading_and_title(client, url)
    assert h1 == heading.replace("&", "&amp;")
    assert title == f"{heading} · Cardio AI News"


def test_a_later_page_says_so_in_the_title_only(client, db):
    for n in range(25):
        make.published(f"Story {n}")
    h1, title = heading_and_title(client, "/?sort=newest&page=2")
    assert (h1, title) == ("Latest", "Latest — page 2 · Cardio AI News")


def test_what_the_reader_typed_is_escaped_in_heading_and_title(client, shelf):
    h1, title = heading_and_title(client, "/?q=%3Cscript%3Ealert(1)%3C/script%3E+%22calcium%22")
    assert h1 == "Search: &lt;script&gt;alert(1)&lt;/script&gt; &quot;calcium&quot;"
    assert title.startswith("Search: &lt;script&gt;")


def test_a_long_search_is_cut_in_the_heading(client, shelf):
    h1, _ = heading_and_title(client, "/?q=" + "calcium+" * 20)
    assert h1.startswith("Search: calcium calcium") and h1.endswith("…") and len(h1) < 80


def test_an_unknown_filter_value_is_named_as_given(client, shelf):
    h1, _ = heading_and_title(client, "/?topic=no-such-topic")
    assert h1 == "no-such-topic"
