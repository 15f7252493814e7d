"""Atom feeds: /feed/ and /topics/<slug>/feed/."""

import re
import xml.etree.ElementTree as ET

from . import factories as make

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # raises on invalid XML
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.findtext(f"{ATOM}published"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_feed_has_the_50_newest_published_articles_only(client, db, django_assert_max_num_queries):
    for day in range(60):
        make.published(title=f"Published {day}", when=make.day(day), topics=["MRI"])
    make.draft(title="Draft", when=make.day(100))
    with django_assert_max_num_queries(3):
        found = entries(client.get("/feed/"))
    assert len(found) == 50
    assert [e["title"] for e in found] == [f"Published {day}" for day in range(59, 9, -1)]
    assert found[0]["link"].startswith("http://testserver/articles/published-59-")
    assert found[0]["categories"] == ["MRI"]


def test_seed_feed_lists_the_two_published_seeds(client, seeded):
    titles = [e["title"] for e in entries(client.get("/feed/"))]
    assert titles == [
        "Deep learning with SPECT accurately predicts major adverse cardiac events",
        "Novel deep learning system can predict cardiovascular risk from CT scans",
    ]


def test_topic_feed_lists_only_that_topics_published_articles(client, db):
    make.published(title="MRI one", topics=["MRI"], when=make.day(1))
    make.published(title="MRI and CT", topics=["MRI", "CT"], when=make.day(2))
    make.published(title="CT only", topics=["CT"], when=make.day(3))
    make.draft(title="MRI draft", topics=["MRI"], when=make.day(4))
    titles = [e["title"] for e in entries(client.get("/topics/mri/feed/"))]
    assert titles == ["MRI and CT", "MRI one"]


def test_unknown_topic_feed_is_404(client, db):
    assert client.get("/topics/no-such-topic/feed/").status_code == 404


def test_hostile_and_control_characters_give_valid_xml(client, db):
    make.published(
        title='Bad \x01\x08 title </title><script>alert(1)</script> & "q"',
        excerpt="Excerpt \x0b with <b>tags</b>",
        topics=["A & B"],
    )
    found = entries(client.get("/feed/"))
    assert found[0]["title"] == 'Bad  title </title><script>alert(1)</script> & "q"'
    assert found[0]["categories"] == ["A & B"]
    assert entries(client.get("/topics/a-b/feed/"))[0]["categories"] == ["A & B"]


def feed_links(response):
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">',
        response.content.decode(),
    )


def test_pages_advertise_the_site_feed_and_topic_pages_their_topic_feed(client, db):
    article = make.published(topics=["MRI"])
    assert feed_links(client.get("/")) == ["/feed/", "/stories/feed/"]
    assert feed_links(client.get("/topics/mri/")) == ["/feed/", "/topics/mri/feed/"]
    assert feed_links(client.get(article.get_absolute_url())) == ["/feed/", "/topics/mri/feed/"]
    assert feed_links(client.get("/topics/no-such-topic/")) == []  # the 404 page
