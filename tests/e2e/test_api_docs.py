"""The API's documentation page works under the portal's strict Content-Security-Policy: Swagger UI
from our own static files, started by a same-origin script, nothing blocked, no script error."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_api_docs_render_every_operation_under_the_csp(browser, live_site):
    # Its own context: the shared one bypasses the CSP (for axe), which would hide a violation here.
    context = browser.new_context(base_url=live_site.url, bypass_csp=False)
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        offsite = []
        page.on("request", lambda r: r.url.startswith(live_site.url) or offsite.append(r.url))
        response = page.goto("/api/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator(".opblock")).to_have_count(6)  # articles x2, stories x2, topics, sources
        page.locator(".opblock-summary").first.click()
        expect(page.get_by_text("Words to search for (all must match).")).to_be_visible()
        assert problems == [] and offsite == []
    finally:
        context.close()
