"""How a reader finds things on the list pages, by role and accessible name (see test_reader_journey)."""

import re

from playwright.sync_api import expect

_COUNT = re.compile(r"^(\d[\d,]*) articles?\b")
_VALUE = re.compile(r"^(?:Remove filter: )?(?P<label>.+?)\s+(?P<count>\d[\d,]*)(?: articles?)?$", re.DOTALL)


def cards(page):
    """The article cards of a list page."""
    return page.get_by_role("main").get_by_role("article")


def result_count(page):
    """The number of matching articles the list says it has ("123 articles")."""
    text = page.get_by_role("main").get_by_text(_COUNT).first.inner_text()
    return int(_COUNT.match(text.strip()).group(1).replace(",", ""))


def chips(page):
    """The selected filters, shown as links that remove them (under the "Active filters" heading)."""
    active = page.get_by_role("heading", name="Active filters").locator("xpath=following-sibling::ul[1]")
    return active.get_by_role("link", name=re.compile(r"^Remove\b"))


def open_filters(page):
    """Make the facet panel visible where a small screen tucks it away."""
    panel = page.get_by_role("complementary", name="Refine")
    if not panel.is_visible():
        page.get_by_role("button", name=re.compile("filters", re.IGNORECASE)).first.click()
    expect(panel).to_be_visible()
    return panel


def facet(page, title):
    return page.get_by_role("complementary", name="Refine").get_by_role("region", name=title)


def _parse(text):
    match = _VALUE.match(" ".join(text.split()))
    assert match, f"not a facet value with a count: {text!r}"
    return match["label"], int(match["count"].replace(",", ""))


def facet_values(facet_locator):
    """The facet's visible values: [{"label", "count", "link"}], in the order shown."""
    values = []
    for link in facet_locator.get_by_role("link").all():
        if link.is_visible():
            label, count = _parse(link.inner_text())
            values.append({"label": label, "count": count, "link": link})
    return values


def facet_value(facet_locator, index=0):
    return facet_values(facet_locator)[index]


def value_count(facet_locator, label):
    return next(v["count"] for v in facet_values(facet_locator) if v["label"] == label)
