"""The feeds as a real feed reader sees them (feedparser): content, image, links, author, dates;
per-source feeds and the OPML list of every feed."""

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser

from articles import services

from . import factories as make
from .editorial import make_editor


def parse(response):
    assert response.status_code == 200, response.status_code
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def link(entry, rel):
    return [item["href"] for item in entry.links if item["rel"] == rel]


def test_entry_has_content_image_links_author_and_the_storys_own_dates(client, db):
    source = make.provider("heart.example", "Heart News")
    article = make.published(
        "Cardiac AI",
        excerpt="Plain <b>text</b> & more",
        when=make.day(-2000),
        source=source,
        web_url="https://heart.example/s/1",
        images=["https://img.example/0.png", "https://img.example/1.png"],
    )
    entry = parse(client.get("/feed/")).entries[0]
    assert entry.content[0].value == "Plain <b>text</b> & more"
    assert entry.content[0].type == "text/plain"
    assert link(entry, "alternate") == [f"http://testserver{article.get_absolute_url()}"]
    assert link(entry, "via") == ["https://heart.example/s/1"]
    enclosures = [item for item in entry.links if item["rel"] == "enclosure"]
    assert [(e["href"], e["type"]) for e in enclosures] == [("https://img.example/0.png", "image/png")]
    assert entry.author_detail == {"name": "Heart News", "href": "https://heart.example/"}
    assert entry.published == entry.updated == article.published_at.isoformat()


def test_an_editors_toggle_or_a_reimport_does_not_make_an_old_story_new(client, db):
    old = make.published("Old story", when=make.day(-3000))
    make.published("Newer story", when=make.day(-10))
    editor = make_editor()
    services.set_published([old.pk], False, editor)
    services.set_published([old.pk], True, editor)
    old.refresh_from_db()
    old.updated_at = dt.datetime.now(dt.UTC)  # as an import would set it
    old.save()
    feed = parse(client.get("/feed/"))
    assert [entry.title for entry in feed.entries] == ["Newer story", "Old story"]
    assert feed.entries[1].updated == old.published_at.isoformat()
    assert feed.feed.updated == feed.entries[0].updated  # the feed is as new as its newest story


def test_a_non_http_original_or_image_is_left_out(client, db):
    article = make.published(web_url="https://ok.example/1", images=["data:image/png;base64,AAAA0"])
    article.web_url = "javascript:alert(1)"
    article.save()
    entry = parse(client.get("/feed/")).entries[0]
    assert link(entry, "via") == [] and link(entry, "enclosure") == []


def test_per_source_feed_lists_only_that_sources_published_articles(client, db):
    ours = make.provider("ours.example", "Ours")
    make.published("From ours", source=ours, when=make.day(1))
    make.draft("Draft from ours", source=ours, when=make.day(2))
    make.published("From elsewhere", when=make.day(3))
    feed = parse(client.get("/providers/OURS.example/feed/"))
    assert [entry.title for entry in feed.entries] == ["From ours"]
    assert feed.feed.title == "Ours — Cardio AI News"
    assert client.get("/providers/nobody.example/feed/").status_code == 404


def test_opml_lists_the_site_every_topic_and_every_source_feed(client, db):
    make.published(topics=["MRI", "A & B"], source=make.provider("x.example", "X <News>"))
    make.draft(topics=["Hidden"], source=make.provider("hidden.example", "Hidden"))
    response = client.get("/feeds.opml")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/x-opml")
    root = ET.fromstring(response.content)
    feeds = {o.get("text"): o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")}
    assert feeds == {
        "Cardio AI News: newest articles": "http://testserver/feed/",
        "Cardio AI News: top stories": "http://testserver/stories/feed/",
        "A & B": "http://testserver/topics/a-b/feed/",
        "MRI": "http://testserver/topics/mri/feed/",
        "X <News>": "http://testserver/providers/x.example/feed/",
    }
    for url in feeds.values():  # every listed feed answers, and parses
        parse(client.get(url.removeprefix("http://testserver")))


def test_source_pages_advertise_their_feed(client, db):
    make.published(source=make.provider("x.example", "X"))
    page = client.get("/providers/x.example/").content.decode()
    assert 'href="/providers/x.example/feed/"' in page
