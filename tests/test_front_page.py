"""The front page: top stories with no filters, the faceted list with any."""

import re

import pytest

from articles.importing import import_paths
from articles.models import Article, Story
from tests import story_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path):
    names = ["a", "b", "d", "e", "f", "g", "h", "i", "j"]
    import_paths([story_corpus.write(tmp_path, names)], workers=1)


def test_front_page_leads_with_the_newest_biggest_story_then_days_newest_first(client, corpus):
    html = client.get("/").content.decode()
    assert "<h1>Top stories</h1>" in html
    top = Story.objects.published().top().first()
    assert top.lead.web_url == "https://six.example/scd-score-2"  # day 35: the newest
    lead_block = html[html.index('class="top-story"') : html.index("</article>")]
    assert top.lead.title in lead_block
    days = re.findall(r'<h2 class="day__title" id="day-\d+"><time datetime="([0-9-]+)">', html)
    assert len(days) >= 2 and days == sorted(days, reverse=True)
    # Within a day the story with more sources comes first; "More:" names the other sources.
    assert 'More:</span> <a href="' in html
    afib = Article.objects.get(web_url="https://one.example/afib-watch").story
    assert f'href="{afib.get_absolute_url()}"' in html


def test_compact_view_lists_headlines(client, corpus):
    html = client.get("/?view=compact").content.decode()
    assert "front--compact" in html and "top-story__excerpt" not in html
    assert html.count('class="story-item"') == Story.objects.published().count() - 1


def test_any_filter_or_search_keeps_the_article_list_whose_cards_link_their_story(client, corpus):
    html = client.get("/?q=smartwatch").content.decode()
    assert "<h1>Top stories</h1>" not in html
    a = Article.objects.get(web_url="https://one.example/afib-watch")
    link = f"/articles/{a.slug}/story/"
    assert f'href="{link}"' in html
    assert client.get(link)["Location"] == a.story.get_absolute_url()
    assert "<h1>Top stories</h1>" not in client.get("/?sort=heat").content.decode()


def test_front_page_query_budget(client, corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("value", ["0", "abc", "99999", "50"])
def test_bad_or_missing_story_pages_are_404(client, corpus, value):
    assert client.get(f"/?stories={value}").status_code == 404


def test_no_internal_scores_on_reader_pages(client, corpus):
    html = client.get("/?q=smartwatch").content.decode()
    assert "Quality 50/100" not in html and "Reader interest: " not in html and "signal--" not in html


@pytest.mark.parametrize(
    "url, current",
    [("/", "Top stories"), ("/?sort=newest", "Latest"), ("/?sort=heat", "Trending"), ("/topics/", "Topics")],
)
def test_the_nav_marks_the_current_section(client, corpus, url, current):
    nav = client.get(url).content.decode().split('aria-label="Main"')[1].split("</nav>")[0]
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == [current]


def test_every_page_loads_the_keyboard_script_from_our_own_origin(client, corpus):
    html = client.get("/").content.decode()
    assert '<script src="/static/js/keys.js" defer></script>' in html and "<script>" not in html
    assert "data-nav-item" in html
