"""axe-core finds no serious or critical violation on the main pages, in light and dark mode and on a
phone; each page is also saved as a screenshot (screenshots/, git-ignored) for people to look at."""

import pytest

from .checks import axe_violations

pytestmark = pytest.mark.e2e

PAGES = [
    "front",
    "compact",
    "story",
    "topics",
    "providers",
    "list",
    "filtered",
    "search",
    "topic",
    "provider",
    "article",
    "article-rich",
    "not-found",
]


def check(page, main_pages, name, screenshot, shot_name):
    response = page.goto(main_pages[name])
    assert response.status == (404 if name == "not-found" else 200), main_pages[name]
    violations = axe_violations(page)
    screenshot(page, shot_name)
    assert violations == [], f"{main_pages[name]}:\n" + "\n".join(violations)


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_violations_in_light_mode(page, main_pages, screenshot, name):
    check(page, main_pages, name, screenshot, f"desktop-{name}")


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_violations_in_dark_mode(dark_page, main_pages, screenshot, name):
    check(dark_page, main_pages, name, screenshot, f"desktop-dark-{name}")


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_violations_on_a_phone(phone_page, main_pages, screenshot, name):
    check(phone_page, main_pages, name, screenshot, f"phone-{name}")
