"""The Nu Html Checker (vnu-jar, run once with Java over every page) reports no error."""

import urllib.error
import urllib.request

import pytest

from .checks import vnu_errors
from .conftest import PAGES

pytestmark = pytest.mark.e2e


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as error:  # the 404 page is a page too
        return error.read()


def test_main_pages_are_valid_html(live_site, main_pages, tmp_path):
    files = []
    for name in PAGES:
        path = tmp_path / f"{name}.html"
        path.write_bytes(fetch(live_site.url + main_pages[name]))
        files.append(path)
    errors = vnu_errors(files)
    assert errors == [], "\n".join(errors)
