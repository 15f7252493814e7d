"""What a reader notices first: the original story within reach, no broken images, and the
keyboard shortcuts (j, k, o) on the front page and the list pages."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}

_LONGEST_TITLE_CODE = """
import json
from django.db.models import Count
from django.db.models.functions import Length
from articles.models import Article
article = (Article.objects.published().exclude(web_url="")
           .annotate(n_topics=Count("topics"), title_length=Length("title"))
           .order_by("-title_length", "-n_topics").first())
print(json.dumps(article.get_absolute_url()))
"""


@pytest.fixture(params=["desktop", "phone"])
def device_page(request):
    """A page at 1280x800, or on a phone (390x844)."""
    if request.param == "phone":
        return request.getfixturevalue("phone_page")
    page = request.getfixturevalue("page")
    page.set_viewport_size(DESKTOP)
    return page


# --- "Read at <source>" above the fold ----------------------------------------------------------


@pytest.mark.parametrize("name", ["article", "article-rich", "longest-title"])
def test_read_at_the_source_is_above_the_fold(device_page, live_site, main_pages, name):
    page = device_page
    path = live_site.query(_LONGEST_TITLE_CODE) if name == "longest-title" else main_pages[name]
    page.goto(path)
    link = page.get_by_role("link", name=re.compile(r"^Read at "))
    expect(link).to_be_visible()
    box = link.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (box, viewport)


# --- images that fail to load ---------------------------------------------------------------------

_BROKEN = """() => Array.from(document.images).filter(img => img.complete && img.naturalWidth === 0).length"""


def _boxes(page, selector):
    return page.locator(selector).evaluate_all(
        "els => els.map(el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; })"
    )


@pytest.fixture
def failing_images(new_context, live_site):
    """A desktop page on which every image from another host fails (as http://127.0.0.1:9/ would:
    nothing listens there), while the site itself answers."""
    context = new_context(viewport=DESKTOP)
    local = re.compile("^" + re.escape(live_site.url) + "(/|$)")
    context.route(lambda url: not local.match(url), lambda route: route.abort("connectionrefused"))
    return context.new_page()


@pytest.mark.parametrize(
    "path, selector",
    [("/?sort=newest", ".card__thumb"), ("/", ".top-story__image")],
)
def test_a_failed_image_leaves_a_placeholder_of_the_same_size(
    page, failing_images, screenshot, path, selector
):
    page.set_viewport_size(DESKTOP)
    page.goto(path)
    expected = _boxes(page, f"img{selector}")
    assert expected, f"no {selector} image on {path}"

    failing_images.goto(path)
    expect(failing_images.locator(f"{selector}.img-missing").first).to_be_attached()
    images = failing_images.locator(f"img{selector}")
    for _ in range(len(expected)):  # lazy images fail once scrolled to
        if not images.count():
            break
        images.first.scroll_into_view_if_needed()
        failing_images.wait_for_timeout(100)
    expect(images).to_have_count(0)
    assert failing_images.evaluate(_BROKEN) == 0
    placeholders = _boxes(failing_images, f"{selector}.img-missing")
    assert len(placeholders) == len(expected)
    for (width, height), (want_width, want_height) in zip(placeholders, expected, strict=True):
        assert abs(width - want_width) <= 1 and abs(height - want_height) <= 1, (placeholders, expected)
    # The placeholder is a neutral box, not an empty gap: it has a background colour.
    background = failing_images.locator(f"{selector}.img-missing").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    failing_images.evaluate("window.scrollTo(0, 0)")
    screenshot(failing_images, "failed-images" + selector.replace(".", "-"))


def test_without_javascript_a_failed_image_keeps_its_box(new_context, live_site, screenshot):
    context = new_context(viewport=DESKTOP, java_script_enabled=False)
    local = re.compile("^" + re.escape(live_site.url) + "(/|$)")
    context.route(lambda url: not local.match(url), lambda route: route.abort("connectionrefused"))
    page = context.new_page()
    page.goto("/?sort=newest")
    thumb = page.locator("img.card__thumb").first
    box = thumb.bounding_box()
    assert box["width"] > 100 and abs(box["height"] - box["width"] * 3 / 4) <= 1, box
    # The broken-image icon is covered by the stylesheet's neutral box (a broken image's ::after).
    cover = thumb.evaluate(
        """img => { const after = getComputedStyle(img, "::after");
                    return [img.naturalWidth, after.content, after.position, after.backgroundColor]; }"""
    )
    assert cover[:3] == [0, '""', "absolute"] and cover[3] not in ("rgba(0, 0, 0, 0)", "transparent"), cover
    screenshot(page, "failed-images-no-script")


def test_an_article_image_that_fails_gives_way_to_a_placeholder(failing_images, main_pages, page):
    page.goto(main_pages["article-rich"])
    if not page.locator(".figure img").count():
        pytest.skip("the richest article has no image")
    failing_images.goto(main_pages["article-rich"])
    expect(failing_images.locator(".figure .img-missing").first).to_be_visible()
    assert failing_images.evaluate(_BROKEN) == 0


# --- j, k and o ---------------------------------------------------------------------------------------

_FOCUSED_ITEM = """() => {
  const items = Array.from(document.querySelectorAll("[data-nav-item]"));
  const el = document.activeElement;
  return [items.findIndex(item => item.contains(el)), el.getAttribute("href")];
}"""


@pytest.mark.parametrize("path", ["/", "/?sort=newest", "/?view=compact"])
def test_j_and_k_move_between_items_and_o_opens_one(page, path):
    page.goto(path)
    assert page.locator("[data-nav-item]").count() >= 3
    page.keyboard.press("j")
    assert page.evaluate(_FOCUSED_ITEM)[0] == 0
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(_FOCUSED_ITEM)[0] == 2
    expect(page.locator("[data-nav-item].is-current")).to_have_count(1)
    page.keyboard.press("k")
    index, href = page.evaluate(_FOCUSED_ITEM)
    assert index == 1 and href
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def test_keys_typed_into_the_search_box_stay_there(page):
    page.goto("/?sort=newest")
    search = page.get_by_role("searchbox", name="Search articles")
    search.click()
    page.keyboard.type("jko")
    expect(search).to_have_value("jko")
    expect(page).to_have_url(re.compile(r"/\?sort=newest$"))
    expect(page.locator("[data-nav-item].is-current")).to_have_count(0)
