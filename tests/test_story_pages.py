"""Story pages, the story link on article pages, retired story URLs, the A-to-Z indexes."""

import pytest

from articles.importing import import_paths
from articles.models import Article, Story
from tests import story_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path):
    story_corpus.import_two_stories(tmp_path)


def by_url(url):
    return Article.objects.get(web_url=url)


def test_story_page_shows_the_lead_published_members_and_coverage(client, corpus):
    story = by_url("https://one.example/afib-watch").story
    html = client.get(f"/stories/{story.slug}/").content.decode()
    assert f'<h1 id="story-title">{story.lead.title}</h1>' in html
    assert "2 sources" in html  # a and b (a links b); c is not published
    for url in ("https://one.example/afib-watch", "https://two.example/watch-afib"):
        assert f'href="{by_url(url).get_absolute_url()}"' in html
    assert by_url("https://three.example/rhythm").get_absolute_url() not in html  # unpublished
    assert 'href="https://www.news.example/"' not in html  # only the unpublished member links it


def test_a_story_with_no_published_member_is_404_for_readers_not_staff(client, admin_client, tmp_path):
    path = story_corpus.write(tmp_path, ["i"])
    (path / "i.txt").write_text(story_corpus.document("i", *story_corpus.CORPUS[8][1:], published=False))
    import_paths([path], workers=1)
    slug = Story.objects.get().slug
    assert client.get(f"/stories/{slug}/").status_code == 404
    assert admin_client.get(f"/stories/{slug}/").status_code == 200
    assert client.get("/stories/no-such-story/").status_code == 404


def test_a_merged_story_url_answers_301_to_the_survivor(client, tmp_path):
    import_paths([story_corpus.write(tmp_path / "1", ["b", "d"])], workers=1)
    retired = by_url("https://one.example/cxr").story.slug
    overrides = {"j": {"related": ["https://two.example/watch-afib", "https://one.example/cxr"]}}
    import_paths([story_corpus.write(tmp_path / "2", ["j"], **overrides)], workers=1)
    response = client.get(f"/stories/{retired}/")
    assert response.status_code == 301
    assert response["Location"] == Story.objects.get().get_absolute_url()


def test_article_page_links_its_story_only_when_there_is_more_coverage(client, corpus, tmp_path):
    story = by_url("https://one.example/afib-watch").story
    html = client.get(by_url("https://one.example/afib-watch").get_absolute_url()).content.decode()
    assert f'href="/stories/{story.slug}/"' in html
    import_paths([story_corpus.write(tmp_path / "alone", ["h"])], workers=1)
    alone = by_url("https://six.example/scd-score-2")
    assert "/stories/" not in client.get(alone.get_absolute_url()).content.decode()


def test_topic_and_source_indexes_list_everything_a_to_z_with_counts(client, corpus):
    html = client.get("/providers/").content.decode()
    assert html.index(">four.example<") < html.index(">one.example<") < html.index(">two.example<")
    assert 'href="/providers/one.example/">one.example</a> <span class="facet__count">2<' in html
    assert ">three.example<" not in html  # no published article
    assert client.get("/topics/").status_code == 200
    assert 'href="/providers/"' in client.get("/?q=watch").content.decode()


def test_a_story_led_by_a_scheduled_article_appears_at_its_time_with_no_writer(client, settings):
    """Scheduled publishing and stories: nothing public leaks before the time, and the story is
    on the front page and its own page once the time has passed, though nothing ran then."""
    from datetime import timedelta

    from django.utils import timezone

    from . import factories as make

    settings.PAGE_CACHE_SECONDS = 0
    article = make.scheduled(
        "A scheduled scoop on cardiac imaging", publish_at=timezone.now() + timedelta(hours=1)
    )
    story = Article.objects.get(pk=article.pk).story
    assert story.lead_id == article.pk  # it leads, hidden until its time
    assert article.title not in client.get("/").content.decode()
    assert client.get(story.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert article.title in client.get("/").content.decode()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_public_member_keeps_leading_while_a_better_one_is_scheduled(client):
    from datetime import timedelta

    from django.utils import timezone

    from articles import services

    from . import factories as make

    public = make.published("Echo AI flags valve disease early", web_url="https://a.example/echo", quality=10)
    better = make.draft(
        "Echo AI flags valve disease early | Other", web_url="https://b.example/echo", quality=90
    )
    services.schedule([better.pk], timezone.now() + timedelta(hours=1))
    story = Article.objects.get(pk=public.pk).story
    assert Article.objects.get(pk=better.pk).story_id == story.pk
    assert story.lead_id == public.pk
    assert client.get(story.get_absolute_url()).status_code == 200


def test_story_pages_and_the_front_page_come_from_the_page_cache(
    client, corpus, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 60
    settings.CONTENT_VERSION_TTL = 60
    story = by_url("https://one.example/afib-watch").story
    for url in (story.get_absolute_url(), "/", "/?view=compact", "/topics/", "/providers/"):
        first = client.get(url)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            assert client.get(url).content == first.content
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/?view=junk")
    with CaptureQueriesContext(connection) as captured:
        client.get("/?view=junk")  # a value the page does not take: answered, never stored
    assert len(captured) > 0
