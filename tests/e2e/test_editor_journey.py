"""An editor logs in to the admin, unpublishes a public article (it leaves `/`), publishes a private
one (it appears), and finds both decisions on the record."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def log_in(page, username, password):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))  # anonymous: sent to the login page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    log_out = page.get_by_role("button", name="Log out").or_(page.get_by_role("link", name="Log out"))
    expect(log_out).to_be_visible()


def find_in_changelist(page, title):
    """Open the article changelist from the admin home, search for `title`; return its row."""
    page.goto("/admin/")
    page.get_by_role("rowheader", name="Articles", exact=True).get_by_role("link").click()
    page.locator("#searchbar").fill(title)
    page.locator("#searchbar").press("Enter")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_have_count(1)
    return row


def visitor_sees(visitor, sample_article):
    """Is the article on the front page and is its page public, for a visitor who is not logged in?"""
    visitor.goto("/?sort=newest")  # the article list (`/` alone is top stories)
    on_front_page = visitor.get_by_role("link", name=sample_article["title"], exact=True).count() > 0
    status = visitor.goto(sample_article["path"]).status
    return on_front_page, status


def visitor_soon_sees(visitor, sample_article, expected, within=10):
    """Public pages are cached: an editor's decision reaches every server process within
    CONTENT_VERSION_TTL (2 s by default, see articles/cache.py). Look again until then."""
    deadline = time.monotonic() + within
    while (seen := visitor_sees(visitor, sample_article)) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return seen


def test_editor_unpublishes_and_publishes_and_both_are_on_the_record(
    page, visitor, editor, sample, screenshot
):
    public, private = sample["second"], sample["private"]
    assert visitor_sees(visitor, public) == (True, 200)
    assert visitor_sees(visitor, private) == (False, 404)

    log_in(page, *editor)

    # One article, toggled from the list without opening it.
    row = find_in_changelist(page, public["title"])
    row.get_by_role("button", name="Unpublish").click()
    expect(page.get_by_text(f"“{public['title']}” unpublished.")).to_be_visible()
    assert visitor_soon_sees(visitor, public, (False, 404)) == (False, 404)

    # Another, through the bulk action.
    row = find_in_changelist(page, private["title"])
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name=re.compile(r"^Action")).select_option(label="Publish selected articles")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 article published.")).to_be_visible()
    assert visitor_soon_sees(visitor, private, (True, 200)) == (True, 200)

    # The record: each article's admin history, and the list of recent editorial actions.
    for article, verb in ((public, "unpublished"), (private, "published")):
        find_in_changelist(page, article["title"]).get_by_role("link", name=article["title"]).click()
        page.get_by_role("link", name="History").click()
        history = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="User"))
        expect(history).to_contain_text(editor[0])
        expect(history).to_contain_text(re.compile(verb, re.IGNORECASE))
    page.goto("/admin/")
    actions = page.get_by_role("rowheader", name=re.compile("Editorial actions", re.IGNORECASE))
    actions.get_by_role("link").click()
    for article, change in ((public, "published → unpublished"), (private, "unpublished → published")):
        row = page.get_by_role("row").filter(has_text=article["title"])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(editor[0])
        expect(row).to_contain_text(re.compile(change, re.IGNORECASE))
    screenshot(page, "desktop-admin-editorial-actions")
