"""Metadata as machine clients read it: JSON-LD through extruct (Google's required and recommended
properties), sitemaps' dates, the Google News sitemap, the favicon, icons and web manifest."""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import extruct
import pytest
from django.contrib.staticfiles import finders

from articles.importing import import_paths
from articles.models import Article

from . import factories as make
from . import story_corpus

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# Google's Article structured data: no property is required; these are recommended.
ARTICLE_RECOMMENDED = {"author", "dateModified", "datePublished", "headline", "image"}


def json_ld(response):
    assert response.status_code == 200
    return extruct.extract(response.content.decode(), base_url="http://testserver/", syntaxes=["json-ld"])[
        "json-ld"
    ]


def of_type(items, kind):
    found = [item for item in items if item.get("@type") == kind]
    assert len(found) == 1, [item.get("@type") for item in items]
    return found[0]


def test_article_news_article_has_author_publisher_original_and_the_storys_dates(client, db):
    source = make.provider("heart.example", "Heart News")
    article = make.published(
        "A story", source=source, web_url="https://heart.example/a", when=make.day(-2000), images=1
    )
    article.updated_at = dt.datetime.now(dt.UTC)  # re-imported today
    article.save()
    data = of_type(json_ld(client.get(article.get_absolute_url())), "NewsArticle")
    assert ARTICLE_RECOMMENDED <= set(data)
    assert data["author"] == [
        {"@type": "Organization", "name": "Heart News", "url": "https://heart.example/"}
    ]
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "Cardio AI News"
    assert (
        publisher["logo"]["url"].startswith("http://testserver/static/icons/")
        and publisher["logo"]["width"] == 512
    )
    assert data["isBasedOn"] == data["sameAs"] == "https://heart.example/a"
    assert data["datePublished"] == data["dateModified"] == article.published_at.isoformat()


def test_front_page_has_a_website_with_search_and_the_items_shown(client, db):
    older = make.published("Older", when=make.day(1))
    newer = make.published("Newer", when=make.day(2))
    items = json_ld(client.get("/"))
    site = of_type(items, "WebSite")
    assert site["url"] == "http://testserver/"
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://testserver/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"
    listed = of_type(items, "ItemList")["itemListElement"]  # the stories shown, lead first
    newer.refresh_from_db()
    older.refresh_from_db()
    assert [(i["position"], i["url"]) for i in listed] == [
        (1, f"http://testserver{newer.story.get_absolute_url()}"),
        (2, f"http://testserver{older.story.get_absolute_url()}"),
    ]


def test_later_pages_number_their_items_from_where_they_start(client, db):
    for day in range(25):
        make.published(when=make.day(day), topics=["MRI"])
    items = json_ld(client.get("/topics/mri/?page=2"))
    assert [item["@type"] for item in items] == ["ItemList"]  # WebSite is the front page's
    assert [i["position"] for i in items[0]["itemListElement"]] == [21, 22, 23, 24, 25]


def test_article_sitemap_lastmod_is_the_storys_date_not_the_import(client, db):
    article = make.published(when=make.day(-2000))
    article.updated_at = dt.datetime.now(dt.UTC)
    article.save()
    root = ET.fromstring(client.get("/sitemap-articles.xml").content)
    assert [e.text for e in root.iter(f"{SITEMAP}lastmod")] == [article.published_at.date().isoformat()]


def test_news_sitemap_lists_the_two_days_before_the_newest_article(client, db):
    make.published("Newest & best", when=make.day(0))
    make.published("Yesterday", when=make.day(-1))
    make.published("Two days", when=make.day(-2))
    make.published("Three days", when=make.day(-3))
    make.draft("Draft", when=make.day(0))
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    titles = [e.text for e in root.iter(f"{NEWS}title")]
    assert titles == ["Newest & best", "Yesterday", "Two days"]
    assert {e.text for e in root.iter(f"{NEWS}name")} == {"Cardio AI News"}
    assert [e.text for e in root.iter(f"{NEWS}publication_date")][0] == "2024-01-01T12:00:00+00:00"


def test_news_sitemap_of_an_empty_site_is_an_empty_urlset(client, db):
    root = ET.fromstring(client.get("/sitemap-news.xml").content)
    assert list(root) == []


@pytest.mark.parametrize(
    "name", ["icons/favicon.ico", "icons/favicon.svg", "icons/apple-touch-icon.png", "site.webmanifest"]
)
def test_pages_link_our_own_icons_and_manifest(client, db, name):
    page = client.get("/").content.decode()
    assert f'href="/static/{name}"' in page
    assert finders.find(name), name


def test_manifest_icons_exist_and_favicon_ico_redirects(client, db):
    manifest = json.loads(Path(finders.find("site.webmanifest")).read_text())
    assert manifest["name"] == "Cardio AI News" and manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"]), icon["src"]
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/icons/favicon.ico"


def test_story_page_has_an_item_list_of_its_published_articles(client, db, tmp_path):
    path = story_corpus.write(tmp_path, ["a", "b", "c"], c={"published": False})
    import_paths([path], workers=1)
    story = Article.objects.get(web_url="https://one.example/afib-watch").story
    listed = of_type(json_ld(client.get(story.get_absolute_url())), "ItemList")["itemListElement"]
    members = Article.objects.published().filter(story=story).order_by("published_at", "id")
    assert [(i["position"], i["url"]) for i in listed] == [
        (n, f"http://testserver{m.get_absolute_url()}") for n, m in enumerate(members, 1)
    ]
    assert len(listed) == 2  # c is not published
