"""Story feeds as a feed reader sees them (feedparser): one story's articles, and the top stories."""

import pytest

from articles.importing import import_paths
from articles.models import Article, Story
from tests import story_corpus

from .test_feeds import feed_links
from .test_feeds_readers import link, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path):
    story_corpus.import_two_stories(tmp_path)


def by_url(url):
    return Article.objects.get(web_url=url)


def test_story_feed_has_its_published_articles_newest_first_built_like_every_entry(client, corpus):
    story = by_url("https://one.example/afib-watch").story
    Article.objects.filter(web_url="https://two.example/watch-afib").update(excerpt="B's <i>excerpt</i>")
    feed = parse(client.get(f"/stories/{story.slug}/feed/"))
    assert feed.feed.title == f"{story.lead.title} — Cardio AI News"
    assert feed.feed.link == f"http://testserver/stories/{story.slug}/"
    members = list(Article.objects.published().filter(story=story).newest_first())
    assert len(members) == 2  # c is not published
    assert [entry.title for entry in feed.entries] == [m.title for m in members]
    entry = next(e for e in feed.entries if e.title == by_url("https://two.example/watch-afib").title)
    article = by_url("https://two.example/watch-afib")
    assert entry.content[0].value == "B's <i>excerpt</i>"
    assert link(entry, "alternate") == [f"http://testserver{article.get_absolute_url()}"]
    assert link(entry, "via") == ["https://two.example/watch-afib"]
    assert entry.author_detail == {"name": "two.example", "href": "https://two.example/"}
    assert entry.published == entry.updated == article.published_at.isoformat()


def test_story_feed_404s_and_a_retired_slug_301s_to_the_survivors_feed(client, tmp_path):
    import_paths([story_corpus.write(tmp_path / "1", ["b", "d"])], workers=1)
    retired = by_url("https://one.example/cxr").story.slug
    overrides = {"j": {"related": ["https://two.example/watch-afib", "https://one.example/cxr"]}}
    import_paths([story_corpus.write(tmp_path / "2", ["j"], **overrides)], workers=1)
    response = client.get(f"/stories/{retired}/feed/")
    assert response.status_code == 301
    assert response["Location"] == f"/stories/{Story.objects.get().slug}/feed/"
    parse(client.get(response["Location"]))
    assert client.get("/stories/no-such-story/feed/").status_code == 404
    import_paths([story_corpus.write(tmp_path / "3", ["h"], h={"published": False})], workers=1)
    hidden = by_url("https://six.example/scd-score-2").story
    assert client.get(f"/stories/{hidden.slug}/feed/").status_code == 404


def test_top_stories_feed_has_one_entry_per_story_linking_its_page(client, corpus):
    for article in Article.objects.all():
        Article.objects.filter(pk=article.pk).update(excerpt=f"About {article.title}")
    feed = parse(client.get("/stories/feed/"))
    stories = list(Story.objects.published().top().select_related("lead"))
    assert [entry.title for entry in feed.entries] == [story.lead.title for story in stories]
    for entry, story in zip(feed.entries, stories, strict=True):
        assert link(entry, "alternate") == [f"http://testserver/stories/{story.slug}/"]
        assert link(entry, "via") == [story.lead.web_url]
        assert entry.published == story.first_at.isoformat()
        assert entry.updated == story.latest_at.isoformat()
        assert entry.content[0].value == story.lead.excerpt


def test_story_page_advertises_its_feed_and_the_front_page_the_top_stories(client, corpus):
    story = by_url("https://one.example/afib-watch").story
    assert feed_links(client.get(f"/stories/{story.slug}/")) == ["/feed/", f"/stories/{story.slug}/feed/"]
    assert "/stories/feed/" in feed_links(client.get("/"))
