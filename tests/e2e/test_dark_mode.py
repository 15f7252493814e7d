"""Dark mode (prefers-color-scheme: dark) is really dark, and its text stays readable: every visible
piece of text has a WCAG AA contrast with the background it is drawn on (4.5:1, or 3:1 when large)."""

import pytest

from .checks import contrasts, page_background_luminance

pytestmark = pytest.mark.e2e


def unreadable(page):
    return [
        f"{c['tag']} {c['text']!r}: {c['ratio']:.2f}:1"
        for c in contrasts(page)
        if c["ratio"] < (3.0 if c["large"] else 4.5)
    ]


@pytest.mark.parametrize("name", ["list", "filtered", "article-rich", "not-found"])
def test_dark_mode_is_dark_and_readable(dark_page, main_pages, name):
    dark_page.goto(main_pages[name])
    assert page_background_luminance(dark_page) < 0.2, "the page does not switch to a dark background"
    assert unreadable(dark_page) == []


@pytest.mark.parametrize("name", ["list", "article-rich"])
def test_light_mode_is_light_and_readable(page, main_pages, name):
    page.goto(main_pages[name])
    assert page_background_luminance(page) > 0.5
    assert unreadable(page) == []
