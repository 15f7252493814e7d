"""Security headers, cookies and the Content Security Policy on real responses."""

import re

import pytest

PAGES = ["/", "article", "/admin/login/"]
ALL_RESPONSES = [*PAGES, "/feed/", "/sitemap.xml", "/healthz", "/?q=deep&topic=ai&page=1"]
# Data blocks (JSON, JSON-LD) are not run, so the policy does not concern them.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle=", re.I)


def page_url(path):
    """The path, or for "article" the page of a published seed article."""
    if path == "article":
        from articles.models import Article

        return Article.objects.published().first().get_absolute_url()
    return path


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ALL_RESPONSES)
def test_pages_carry_the_security_headers(client, seeded, path):
    response = client.get(page_url(path))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.parametrize("path", ALL_RESPONSES)
def test_content_security_policy_allows_only_own_scripts_and_styles(client, seeded, path):
    response = client.get(page_url(path))
    directives = csp_directives(response)

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "https:", "http:", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style(client, seeded, path):
    html = client.get(page_url(path)).content.decode()

    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)


@pytest.mark.parametrize("path", ["/admin/", "/admin/articles/article/", "/admin/articles/relatedlink/"])
def test_the_admin_works_under_the_policy(admin_client, seeded, path):
    response = admin_client.get(page_url(path))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)


def test_article_change_page_works_under_the_policy(admin_client, seeded):
    from articles.models import Article

    article = Article.objects.first()
    response = admin_client.get(f"/admin/articles/article/{article.pk}/change/")
    html = response.content.decode()

    assert response.status_code == 200
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_STYLE.findall(html)


def test_https_responses_carry_hsts(client, seeded):
    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_csrf_and_session_cookies_are_secure_and_http_only(client, django_user_model):
    django_user_model.objects.create_superuser("editor", "e@example.org", "a-long-password-1")

    login_page = client.get("/admin/login/", secure=True)
    csrf = login_page.cookies["csrftoken"]
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "a-long-password-1", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    session = response.cookies["sessionid"]

    assert response.status_code == 302
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
