"""Stories in a browser: the top-stories front page, its compact view, a story page, and a merged
story's old URL (axe and the Nu checker cover these pages in test_accessibility and
test_html_validity, light, dark and phone)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_front_page_leads_with_a_story_and_its_other_sources(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Top stories")).to_be_visible()
    lead = page.locator(".top-story")
    expect(lead.get_by_role("heading", level=2)).to_be_visible()
    assert page.locator(".day__title").count() >= 2


def test_compact_view_shows_at_least_15_stories_above_the_fold(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/?view=compact")
    bottoms = page.locator("[data-nav-item]").evaluate_all(
        "items => items.map(item => item.getBoundingClientRect().bottom)"
    )
    assert sum(1 for bottom in bottoms if bottom <= 800) >= 15, bottoms[:20]


def test_story_page_links_every_published_member(page, stories):
    page.goto(stories["story"])
    expect(page.get_by_role("heading", level=1, name=stories["headline"])).to_be_visible()
    expect(page.locator(".meta__sources").first).to_contain_text("sources")
    member_links = page.locator('.timeline a[href^="/articles/"]')
    assert member_links.count() >= 2
    member_links.first.click()
    expect(page.locator(".article__story")).to_have_attribute("href", stories["story"])


def test_a_merged_story_url_redirects_to_the_survivor(page, stories):
    response = page.request.get(stories["retired"], max_redirects=0)
    assert response.status == 301
    assert response.headers["location"].endswith(stories["survivor"])
    page.goto(stories["retired"])
    expect(page).to_have_url(page.url.split("/stories/")[0] + stories["survivor"])
