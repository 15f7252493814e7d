"""Machine-facing pages: sitemap, robots.txt, health check; and the 404 and 500 pages."""

import re
import xml.etree.ElementTree as ET
from unittest import mock

from django.db import OperationalError
from django.test import RequestFactory

from portal.views import server_error

from . import factories as make

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(response):
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_index_lists_the_sections(client, db):
    assert locations(client.get("/sitemap.xml")) == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-topics.xml",
        "http://testserver/sitemap-providers.xml",
        "http://testserver/sitemap-news.xml",
    ]


def test_sitemap_lists_only_published_articles_and_their_topics_and_providers(client, db):
    shown = make.published(title="Shown", topics=["MRI"], source=make.provider("a.example", "A"))
    hidden = make.draft(title="Hidden", topics=["Genomics"], source=make.provider("b.example", "B"))
    articles = locations(client.get("/sitemap-articles.xml"))
    assert articles == [f"http://testserver{shown.get_absolute_url()}"]
    assert f"http://testserver{hidden.get_absolute_url()}" not in articles
    assert locations(client.get("/sitemap-topics.xml")) == ["http://testserver/topics/mri/"]
    assert locations(client.get("/sitemap-providers.xml")) == ["http://testserver/providers/a.example/"]


def test_seed_sitemap_has_the_two_published_seeds(client, seeded):
    assert len(locations(client.get("/sitemap-articles.xml"))) == 2


def test_unknown_sitemap_section_is_404(client, db):
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_admin(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_healthz_answers_ok_and_is_never_cached(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_fails(client, db):
    with mock.patch("portal.views.connection.cursor", side_effect=OperationalError("database is locked")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"database unavailable" in response.content
    assert "no-store" in response["Cache-Control"]


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_404_page_uses_the_site_design(client, db):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<a class="skip-link" href="#main">' in html
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in html
    assert '<h1 id="error-title">Page not found</h1>' in html
    assert '<a href="/">Go to the latest news</a>' in html


def test_500_page_uses_the_site_design_without_a_request_context(db):
    request = RequestFactory().get("/boom/")
    response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert '<a class="skip-link" href="#main">' in html
    assert '<h1 id="error-title">Something went wrong</h1>' in html
    assert "Edit in admin" not in html


def test_an_unhandled_error_renders_the_500_page(client, db, settings):
    client.raise_request_exception = False
    with mock.patch("articles.views.read_article_detail", side_effect=RuntimeError("boom")):
        response = client.get("/articles/anything/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_the_site_name_comes_from_the_portal_name_setting(client, db, settings):
    settings.PORTAL_NAME = "Heart Wire"
    settings.PAGE_CACHE_SECONDS = 0
    client.raise_request_exception = False
    pages = [client.get("/").content.decode(), client.get("/no/such/page/").content.decode()]
    with mock.patch("articles.views.read_article_detail", side_effect=RuntimeError("boom")):
        pages.append(client.get("/articles/anything/").content.decode())
    for html in pages:
        assert re.search(r"<title>[^<]* · Heart Wire</title>", html)
        assert '<a class="site-name" href="/">Heart Wire</a>' in html
        assert "Cardio AI News" not in html


def test_sitemaps_may_be_cached_by_proxies(client, db):
    assert "max-age=3600" in client.get("/sitemap.xml")["Cache-Control"]
    assert "public" in client.get("/sitemap-articles.xml")["Cache-Control"]
