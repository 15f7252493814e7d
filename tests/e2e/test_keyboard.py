"""Keyboard alone: the skip link comes first and works, Tab follows the page in reading order, and
whatever has focus shows it (a computed outline or box-shadow)."""

import re

import pytest
from playwright.sync_api import expect

from .checks import focus_indicator, focus_is_visible
from .reading import cards, chips, facet, facet_value, result_count

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
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
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


def tab_to(page, target, limit=300):
    """Press Tab until `target` has focus (it must be reachable, in order); check its focus shows."""
    element = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if element.evaluate("(el) => el === document.activeElement"):
            focused = focus_indicator(page)
            assert focus_is_visible(focused), focused
            return
    raise AssertionError(f"{target} is not reached with Tab in {limit} presses")


def test_keyboard_only_journey(page):
    page.goto("/?sort=newest")
    total = result_count(page)

    topic = facet_value(facet(page, "Topics"), index=1)
    tab_to(page, topic["link"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]topic="))
    assert result_count(page) == topic["count"]

    provider = facet_value(facet(page, "Sources"), index=0)
    tab_to(page, provider["link"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]provider="))
    expect(chips(page)).to_have_count(2)

    tab_to(page, chips(page).filter(has_text=topic["label"]))
    page.keyboard.press("Enter")
    expect(chips(page)).to_have_count(1)

    tab_to(page, page.get_by_role("link", name="Clear all"))
    page.keyboard.press("Enter")
    expect(chips(page)).to_have_count(0)
    assert result_count(page) == total

    tab_to(page, page.get_by_role("searchbox", name="Search articles"))
    page.keyboard.type("heart")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=heart"))

    tab_to(page, page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    tab_to(page, page.get_by_role("navigation", name="Pages").get_by_role("link", name="Previous"))
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"page=2"))

    title_link = cards(page).first.get_by_role("heading").get_by_role("link")
    title = title_link.inner_text()
    tab_to(page, title_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    topic_link = page.get_by_role("main").get_by_role("list", name="Topics").get_by_role("link").first
    topic_name = topic_link.inner_text()
    tab_to(page, topic_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/topics/[^/?]+/$|[?&]topic="))
    expect(cards(page).first.get_by_role("link", name=topic_name, exact=True)).to_have_count(1)
