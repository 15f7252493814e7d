"""The article page: content, related coverage, staff preview, head tags, escaping, query budget."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from articles.models import Article, RelatedLink, Topic
from articles.selectors import article_detail

from . import factories as make

SEED_TITLE = "Novel deep learning system can predict cardiovascular risk from CT scans"
HOSTILE = '</script><script>alert(1)</script> "><img src=x onerror=alert(2)>'


class HeadParser(HTMLParser):
    """Collects <meta>, <link> and JSON-LD scripts as the browser would see them (entities decoded)."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self.title = {}, [], [], ""
        self._in, self._data = None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag in ("title", "script"):
            self._in, self._data = (tag, attrs), []

    def handle_data(self, data):
        if self._in:
            self._data.append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            text = "".join(self._data)
            if tag == "title":
                self.title = text
            elif self._in[1].get("type") == "application/ld+json":
                self.json_ld.append(text)
            self._in = None


def head_of(response):
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


def page(client, article):
    return client.get(article.get_absolute_url())


def section(html, heading_id):
    """The HTML of the <section> labelled by `heading_id` ("" when absent)."""
    match = re.search(rf'<section [^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def seed_001(seeded):
    return Article.objects.get(web_url__contains="news-medical.net")


# --- Content ---------------------------------------------------------------------------------------


def test_seed_article_page_shows_its_parts(client, seed_001):
    response = page(client, seed_001)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 id="article-title">{SEED_TITLE}</h1>' in html
    assert '<time datetime="2021-01-29T23:41:00+00:00">29 January 2021</time>' in html
    assert '<a class="tag" href="/topics/ai/" rel="tag">AI</a>' in html
    assert '<a class="tag" href="/topics/machine-learning/" rel="tag">Machine Learning</a>' in html
    assert "Coronary artery calcification" in html
    assert 'width="620" height="480" referrerpolicy="no-referrer"' in html
    assert re.search(
        r'<a class="button" href="https://www\.news-medical\.net/news/20210129/[^"]+" '
        r'rel="noopener noreferrer">Read at News Medical</a>',
        html,
    )


def test_body_html_is_shown_as_html(client, db):
    article = make.published(body="Some **bold** text", body_html="<p>Some <strong>bold</strong> text</p>")
    assert "<p>Some <strong>bold</strong> text</p>" in page(client, article).content.decode()


def test_seed_001_related_coverage_collapses_three_nature_links_into_one_story(client, seed_001):
    assert RelatedLink.objects.filter(article=seed_001).count() == 3
    html = page(client, seed_001).content.decode()
    related = section(html, "related-title")
    assert related.count('<li class="related__item">') == 1
    assert related.count("nature.com/articles/s41467-021-20966-2") == 1
    # The link carries no cookie-wall noise and the title no " | Publisher" suffix.
    assert 'href="https://www.nature.com/articles/s41467-021-20966-2"' in related
    assert "cookies_not_supported" not in related
    assert "| Nature Communications" not in related
    assert 'Nature <span aria-hidden="true">·</span> <time' in related
    assert "2 sources cover this story." in related


def test_related_coverage_is_newest_first_with_undated_last(db):
    article = make.published()
    for position, (day, title) in enumerate([(2, "Two"), (None, "Undated"), (5, "Five"), (1, "One")]):
        RelatedLink.objects.create(
            article=article,
            position=position,
            title=f"Story {title} about hearts",
            web_url=f"https://r.example.org/{position}",
            published_at=None if day is None else make.BASE_DATE.replace(day=day),
        )
    titles = [link.title for link in article_detail(article.slug, AnonymousUser()).related]
    assert titles == [
        "Story Five about hearts",
        "Story Two about hearts",
        "Story One about hearts",
        "Story Undated about hearts",
    ]


def test_related_link_to_one_of_our_published_articles_links_to_our_page(client, db):
    ours = make.published(title="Our copy", web_url="https://www.nature.com/articles/abc")
    hidden = make.draft(title="Hidden copy", web_url="https://other.example/hidden")
    article = make.published()
    RelatedLink.objects.create(
        article=article,
        position=0,
        title="Nature story",
        web_url="http://nature.com/articles/abc/?utm_source=feed",
    )
    RelatedLink.objects.create(
        article=article, position=1, title="Hidden story", web_url="https://other.example/hidden"
    )
    html = page(client, article).content.decode()
    assert f'<a href="{ours.get_absolute_url()}">Nature story</a>' in html
    assert hidden.get_absolute_url() not in html
    assert '<a href="https://other.example/hidden" rel="noopener noreferrer">Hidden story</a>' in html


def test_related_link_to_the_article_itself_is_not_related_coverage(client, db):
    article = make.published(title="A story about hearts", web_url="https://a.example/story")
    RelatedLink.objects.create(
        article=article,
        position=0,
        title="A story about hearts | A Example",
        web_url="https://a.example/story?utm_medium=x",
    )
    html = page(client, article).content.decode()
    assert not section(html, "related-title")


def test_more_on_these_topics_lists_four_newest_published_sharing_a_topic(client, db):
    article = make.published(title="The article", topics=["Cardiology", "MRI"], when=make.day(0))
    others = [make.published(title=f"Sharing {n}", topics=["MRI"], when=make.day(n)) for n in range(1, 7)]
    make.draft(title="Sharing but unpublished", topics=["MRI"], when=make.day(50))
    make.published(title="Other topic", topics=["Genomics"], when=make.day(60))
    html = page(client, article).content.decode()
    found = re.findall(
        r">(Sharing \d|Sharing but unpublished|Other topic|The article)</a>", section(html, "more-title")
    )
    assert found == [a.title for a in reversed(others)][:4]


def test_every_query_shape_for_articles_in_topics_agrees(db, monkeypatch):
    from articles import models

    names = ["MRI", "CT", "Genomics"]
    for n in range(12):
        make.published(topics=[names[n % 3]], when=make.day(n))
    make.draft(topics=["MRI"], when=make.day(99))
    topics = list(Topic.objects.filter(name__in=["MRI", "CT"]))
    slugs = [topic.slug for topic in topics]
    published = Article.objects.published()
    shapes = [
        list(published.in_topics(topics).newest_first()),
        list(published.in_topics(slugs).newest_first()),
    ]
    for small_limit in (2000, 0):  # the few members fetched by id, then an EXISTS per row
        monkeypatch.setattr(models, "SMALL_TOPIC_MEMBERS", small_limit)
        shapes += [list(published.in_topics(t, newest_few=True).newest_first()) for t in (topics, slugs)]
    assert len(shapes[0]) == 8
    assert all(shape == shapes[0] for shape in shapes)
    assert Topic.objects.are_small(topics, limit=9) is True  # the unpublished one counts too
    assert Topic.objects.are_small(slugs, limit=8) is False
    assert published.in_topics([]).count() == 12


# --- Publishing and staff ----------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(user)
    return client


def test_unpublished_article_is_404_for_visitors_and_plain_users(client, db, django_user_model):
    article = make.draft(title="Secret draft")
    response = page(client, article)
    assert response.status_code == 404
    assert b"Secret draft" not in response.content
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    assert page(client, article).status_code == 404


def test_staff_preview_unpublished_article_with_a_banner_and_noindex(staff_client, db):
    article = make.draft(title="Secret draft")
    response = page(staff_client, article)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Secret draft" in html
    assert "<strong>Not public:</strong> this article is unpublished." in html
    assert head_of(response).meta["robots"] == "noindex"


def test_published_article_has_no_banner(staff_client, db):
    html = page(staff_client, make.published()).content.decode()
    assert "Not public" not in html


def test_staff_see_edit_in_admin_link_to_the_article_change_page(staff_client, db):
    article = make.published()
    html = page(staff_client, article).content.decode()
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    assert f'<a href="{change_url}">Edit in admin</a>' in html


def test_staff_see_edit_in_admin_link_to_admin_index_on_other_pages(staff_client, db):
    html = staff_client.get(reverse("articles:list")).content.decode()
    assert f'<a href="{reverse("admin:index")}">Edit in admin</a>' in html


def test_visitors_and_plain_users_see_no_edit_link(client, db, django_user_model):
    article = make.published()
    assert b"Edit in admin" not in page(client, article).content
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    assert b"Edit in admin" not in page(client, article).content
    assert b"Edit in admin" not in client.get(reverse("articles:list")).content


# --- Head ------------------------------------------------------------------------------------------


def test_head_has_title_description_canonical_social_cards_and_feeds(client, seed_001):
    response = page(client, seed_001)
    head = head_of(response)
    url = f"http://testserver{seed_001.get_absolute_url()}"
    assert head.title == f"{SEED_TITLE} · Cardio AI News"
    assert head.meta["description"].startswith("Coronary artery calcification -- the buildup")
    assert len(head.meta["description"]) <= 160
    links = {(link["rel"], link.get("type", "")): link["href"] for link in head.links}
    assert links[("canonical", "")] == url
    assert links[("amphtml", "")].startswith("https://www.news-medical.net/amp/news/")
    feeds = [link["href"] for link in head.links if link.get("type") == "application/atom+xml"]
    assert feeds == ["/feed/", "/topics/ai/feed/", "/topics/machine-learning/feed/"]
    assert head.meta["og:type"] == "article"
    assert head.meta["og:title"] == seed_001.title
    assert head.meta["og:url"] == url
    assert head.meta["og:image"].startswith("https://d2jx2rerrg6sh3.cloudfront.net/")
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["twitter:title"] == seed_001.title


def test_json_ld_is_a_news_article_that_parses(client, seed_001):
    head = head_of(page(client, seed_001))
    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == seed_001.title
    assert data["datePublished"] == "2021-01-29T23:41:00+00:00"
    assert data["url"] == f"http://testserver{seed_001.get_absolute_url()}"
    assert data["author"] == [
        {"@type": "Organization", "name": "News Medical", "url": "https://news-medical.net/"}
    ]
    assert data["publisher"]["name"] == "Cardio AI News"  # this portal publishes the page
    assert data["image"][0].startswith("https://")
    assert set(data["keywords"]) == {"AI", "Machine Learning"}


def test_no_amphtml_link_or_large_card_without_amp_or_image(client, db):
    head = head_of(page(client, make.published()))
    assert not [link for link in head.links if link["rel"] == "amphtml"]
    assert head.meta["twitter:card"] == "summary"
    assert "og:image" not in head.meta


def test_hostile_strings_are_escaped_everywhere(client, db):
    source = make.provider("evil.example", name=HOSTILE)
    article = make.published(title=HOSTILE, excerpt=HOSTILE, topics=[HOSTILE], source=source)
    RelatedLink.objects.create(
        article=article,
        position=0,
        title=HOSTILE + " related",
        web_url="https://r.example/x",
        provider=source,
    )
    response = page(client, article)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert '"><img' not in html
    head = head_of(response)
    assert head.title.startswith(HOSTILE)  # shown as text, intact
    assert head.meta["og:title"] == HOSTILE
    assert head.meta["twitter:title"] == HOSTILE
    # One JSON-LD script (besides our keyboard script), still one element (the title could not
    # close it), parsing to the title.
    assert html.count("<script") - html.count('<script src="/static/') == 1
    data = json.loads(head.json_ld[0])
    assert data["headline"] == HOSTILE
    assert data["author"][0]["name"] == HOSTILE
    assert "\\u003C/script\\u003E" in head.json_ld[0]


@pytest.mark.parametrize(
    "bad_url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "//evil.example/x",
        "java\tscript:alert(1)",
        "ftp://files.example/x",
    ],
)
def test_only_http_urls_reach_href_and_src(client, db, bad_url):
    # Written straight to the database, bypassing the importer's checks.
    article = make.published(web_url="https://ok.example/a", amp_web_url=bad_url)
    Article.objects.filter(pk=article.pk).update(web_url=bad_url + "0")
    article.images.create(position=0, url=bad_url, width=10, height=10)
    RelatedLink.objects.create(article=article, position=0, title="Bad link story", web_url=bad_url)
    response = page(client, article)
    html = response.content.decode()
    assert response.status_code == 200
    for attribute in re.findall(r'(?:href|src|content)="([^"]*)"', html):
        assert not attribute.lower().lstrip().startswith(("javascript", "data:", "//", "ftp", "java\t"))
    assert "Read at" not in html  # no source link at all rather than a bad one
    assert "Bad link story" in html  # shown, unlinked


# --- Query budget ------------------------------------------------------------------------------------


@pytest.mark.parametrize("images,related,topics", [(0, 0, 0), (1, 1, 1), (20, 40, 5)])
def test_article_page_queries_do_not_grow_with_images_related_or_topics(
    client, db, django_assert_max_num_queries, images, related, topics
):
    names = [f"Topic {n}" for n in range(topics)]
    links = [f"https://other{n}.example.org/story/budget" for n in range(related)]
    article = make.published(topics=names, images=images, related=links)
    for n in range(3):
        make.published(topics=names[:1])
        make.published(web_url=f"https://other{n}.example.org/story/budget")
    # article+provider, topics, images, related links+providers, our articles, more on topics
    # (a capped count, then the articles)
    with django_assert_max_num_queries(7):
        response = page(client, article)
    assert response.status_code == 200


def test_staff_article_page_query_budget(staff_client, db, django_assert_max_num_queries):
    article = make.published(topics=["MRI"], images=10, related=10)
    # + session and user, and the permissions (may this user publish? the staff bar's button)
    with django_assert_max_num_queries(11):
        assert page(staff_client, article).status_code == 200


def test_unknown_slug_is_404(client, db):
    assert client.get("/articles/no-such-article/").status_code == 404
