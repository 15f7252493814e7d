"""The editorial desk in a browser: an editor works the review queue with the keyboard (j/k, p, u)
and, with JavaScript off, with the plain buttons; the article changelist fits a laptop screen and
keeps the state button in reach on a phone."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import SEEDS
from .test_editor_journey import log_in

pytestmark = pytest.mark.e2e


def import_new_documents(live_site, tmp_path, prefix, count=3):
    """`count` new unpublished documents (copies of a seed with their own title and address),
    imported as a run of their own: the queue's "New in the last run" shows exactly them."""
    source = (SEEDS / "000_88890ea03cf470f1.txt").read_text(encoding="utf-8")
    titles = []
    for n in range(count):
        title = f"{prefix} desk story {n}"
        text = re.sub(r'\ntitle: ".*"', f'\ntitle: "{title}"', source, count=1)
        text = re.sub(r'\nwebUrl: ".*"', f'\nwebUrl: "https://desk.example/{prefix}/{n}"', text, count=1)
        text = text.replace("\npublished: true", "\npublished: false")
        (tmp_path / f"{prefix}-{n}.txt").write_text(text, encoding="utf-8")
        titles.append(title)
    live_site.manage("import_articles", tmp_path)
    return titles


def actions_for(live_site, titles):
    code = (
        "import json; from articles.models import EditorialAction as A; "
        f"print(json.dumps(sorted(A.objects.filter(article__title__in={titles!r})"
        ".values_list('article__title', 'action'))))"
    )
    return [tuple(row) for row in live_site.query(code)]


def queue_titles(page):
    return page.locator(".review-row h2").all_inner_texts()


def test_editor_works_the_queue_with_the_keyboard(page, live_site, editor, tmp_path, screenshot):
    titles = import_new_documents(live_site, tmp_path, "keys")
    log_in(page, *editor)
    page.goto("/admin/")
    expect(page.get_by_role("link", name=re.compile(r"^\d+ to review$"))).to_be_visible()
    page.get_by_role("link", name="New in the last run").click()
    expect(page.locator(".review-row")).to_have_count(3)
    shown = queue_titles(page)
    assert sorted(shown) == sorted(titles)
    screenshot(page, "desktop-admin-review-queue")

    page.keyboard.press("j")  # the first article
    expect(page.locator(".review-row").first).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the first
    expect(page.locator(".review-row").first).to_be_focused()
    page.keyboard.press("u")  # keep it unpublished
    expect(page.get_by_text(f"“{shown[0]}” kept unpublished.")).to_be_visible()
    expect(page.locator(".review-row")).to_have_count(2)
    # The same position now holds the next article, focused: publish it.
    expect(page.locator(".review-row").first).to_be_focused()
    page.keyboard.press("p")
    expect(page.get_by_text(f"“{shown[1]}” published.")).to_be_visible()
    expect(page.locator(".review-row")).to_have_count(1)

    # Typing in a filter box is typing, not a decision.
    page.get_by_label("Source").fill("pu")
    expect(page.locator(".review-row")).to_have_count(1)

    assert actions_for(live_site, titles) == sorted([(shown[0], "keep_unpublished"), (shown[1], "publish")])


def test_the_queue_works_without_javascript(new_context, live_site, editor, tmp_path):
    titles = import_new_documents(live_site, tmp_path, "nojs")
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, *editor)
    page.goto("/admin/review/?run=last")
    expect(page.locator(".review-row")).to_have_count(3)
    row = page.locator(".review-row").filter(has_text=titles[2])
    row.get_by_role("button", name="Keep unpublished").click()
    expect(page.get_by_text(f"“{titles[2]}” kept unpublished.")).to_be_visible()
    row = page.locator(".review-row").filter(has_text=titles[0])
    row.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(f"“{titles[0]}” published.")).to_be_visible()
    expect(page.locator(".review-row")).to_have_count(1)
    # Filters are a plain GET form.
    page.get_by_label("Sort by").select_option("quality")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"sort=quality"))
    assert actions_for(live_site, titles) == sorted([(titles[2], "keep_unpublished"), (titles[0], "publish")])


def test_the_changelist_fits_a_laptop_and_a_phone(new_context, live_site, editor, screenshot):
    laptop = new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(laptop, *editor)
    laptop.goto("/admin/articles/article/")
    headers = laptop.locator("#result_list thead th")
    expect(headers.first).to_be_visible()
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        assert box and box["x"] + box["width"] <= 1280, headers.nth(index).inner_text()
    screenshot(laptop, "desktop-admin-changelist-1280")

    phone = new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    ).new_page()
    log_in(phone, *editor)
    phone.goto("/admin/articles/article/")
    button = phone.locator("#result_list tbody tr").first.locator(".field-state button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(phone, "phone-admin-changelist")
