"""A reader's journey through the portal, on a desktop and on a 390 px phone: the front page, a topic
then a provider (the counts change, chips appear), removing a chip, clearing all, a search, paging
forward and back, an article, and its topic link back into the list.

Locators go by role and accessible name, as a screen reader would find things; counts are read from
the page itself, so the journey holds whatever the editors have published.
"""

import re

import pytest
from playwright.sync_api import expect

from .reading import (
    cards,
    chips,
    facet,
    facet_value,
    open_filters,
    result_count,
    value_count,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["desktop", "phone"])
def reader(request):
    return request.getfixturevalue("page" if request.param == "desktop" else "phone_page"), request.param


def test_reader_filters_searches_pages_and_reads(reader, screenshot):
    page, device = reader

    # The front page: newest published articles, 20 a page.
    page.goto("/?sort=newest")
    expect(page.get_by_role("heading", level=1, name="Latest", exact=True)).to_be_visible()
    expect(cards(page)).to_have_count(20)
    total = result_count(page)
    assert total > 20
    expect(chips(page)).to_have_count(0)

    # A topic: the list narrows to exactly the count the facet promised, and a chip appears.
    open_filters(page)
    topic = facet_value(facet(page, "Topics"), index=1)
    topic_name, topic_count = topic["label"], topic["count"]
    assert 0 < topic_count < total
    topic["link"].click()
    expect(page).to_have_url(re.compile(r"[?&]topic="))
    assert result_count(page) == topic_count
    expect(chips(page)).to_have_count(1)
    expect(chips(page).first).to_contain_text(topic_name)

    # Then a provider (sources are counted within the chosen topic): both chips, the counts narrow.
    open_filters(page)
    provider = facet_value(facet(page, "Sources"), index=0)
    provider_name, provider_count = provider["label"], provider["count"]
    assert 0 < provider_count <= topic_count
    provider["link"].click()
    expect(page).to_have_url(re.compile(r"[?&]provider="))
    assert result_count(page) == provider_count
    expect(chips(page)).to_have_count(2)
    # Within this provider, the selected topic's own count is now the provider's count.
    open_filters(page)
    assert value_count(facet(page, "Topics"), topic_name) == provider_count
    screenshot(page, f"{device}-journey-filtered")

    # Remove the topic chip: the provider filter stays.
    chips(page).filter(has_text=topic_name).click()
    expect(page).not_to_have_url(re.compile(r"[?&]topic="))
    expect(page).to_have_url(re.compile(r"[?&]provider="))
    expect(chips(page)).to_have_count(1)
    expect(chips(page).first).to_contain_text(provider_name)
    assert result_count(page) >= provider_count

    # Clear all: back to everything.
    page.get_by_role("link", name="Clear all").click()
    expect(chips(page)).to_have_count(0)
    assert result_count(page) == total

    # Search: a word many articles share, so there are pages to turn.
    search = page.get_by_role("searchbox", name="Search articles")
    search.fill("heart")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=heart"))
    expect(page.get_by_role("heading", level=1, name=re.compile(r"\bSearch: heart$"))).to_be_visible()
    found = result_count(page)
    assert 20 < found < total
    expect(search).to_have_value("heart")
    first_page_titles = cards(page).get_by_role("heading").all_inner_texts()
    screenshot(page, f"{device}-journey-search")

    # Page forward and back: the search is kept, the articles differ, then come back.
    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"q=heart"))
    assert result_count(page) == found
    second_page_titles = cards(page).get_by_role("heading").all_inner_texts()
    assert second_page_titles and not set(second_page_titles) & set(first_page_titles)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Previous").click()
    expect(page).to_have_url(re.compile(r"q=heart"))
    assert cards(page).get_by_role("heading").all_inner_texts() == first_page_titles
    page.go_back()
    expect(page).to_have_url(re.compile(r"page=2"))
    page.go_forward()

    # Open the first article; its page has the title as its heading.
    card = cards(page).first
    title = card.get_by_role("heading").inner_text()
    card_topics = card.get_by_role("list", name="Topics").get_by_role("link").all_inner_texts()
    card.get_by_role("heading").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/articles/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    screenshot(page, f"{device}-journey-article")

    # Follow one of its topic links: back in the list, every article there is in that topic.
    topic_name = card_topics[0]
    page.get_by_role("main").get_by_role("link", name=topic_name, exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/topics/[^/?]+/$|[?&]topic="))
    assert result_count(page) >= 1
    for card in cards(page).all():
        expect(
            card.get_by_role("list", name="Topics").get_by_role("link", name=topic_name, exact=True)
        ).to_have_count(1)
