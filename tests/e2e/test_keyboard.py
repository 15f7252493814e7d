"""Keyboard alone: the skip link comes first and works, Tab follows the page in reading order, and
whatever has focus shows it (a computed outline or box-shadow)."""

import pytest
from playwright.sync_api import expect

from .checks import focus_indicator, focus_is_visible

pytestmark = pytest.mark.e2e

# Which element had focus before, and does the focused one come after it in the document?
_FOLLOWS_PREVIOUS = """() => {
  const el = document.activeElement, prev = window.__e2ePrevFocus;
  window.__e2ePrevFocus = el;
  return !prev || !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


@pytest.mark.parametrize("name", ["list", "article-rich", "not-found"])
def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page, main_pages, name):
    page.goto(main_pages[name])
    page.keyboard.press("Tab")
    focused = focus_indicator(page)
    assert focused and focused["tag"] == "a" and "skip" in focused["text"].lower(), focused
    assert focus_is_visible(focused), focused
    skip = page.locator(":focus")
    expect(skip).to_be_in_viewport()
    target = skip.get_attribute("href")
    assert target.startswith("#")
    page.keyboard.press("Enter")
    assert page.url.endswith(target)
    # The next Tab lands inside the main content, past the header and its navigation.
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => !!document.activeElement.closest({target!r})"), focus_indicator(page)


@pytest.mark.parametrize("name", ["list", "filtered", "article-rich"])
def test_tab_follows_reading_order_and_focus_is_always_visible(page, main_pages, name):
    page.goto(main_pages[name])
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = focus_indicator(page)
        if focused is None:  # past the last stop, focus went back to the browser
            break
        stops.append(focused)
        assert focus_is_visible(focused), f"no visible focus on stop {len(stops)}: {focused}"
        assert page.evaluate(_FOLLOWS_PREVIOUS), f"stop {len(stops)} jumps back in the page: {focused}"
    assert len(stops) >= 3, stops
