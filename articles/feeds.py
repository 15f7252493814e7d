"""Atom feeds: the newest published articles, site-wide, per topic, per source and per story; the
top stories; and an OPML list of them for feed readers.

Each entry carries the excerpt as its content, the first image as an enclosure, our page as its
link and the original story as a `via` link, the source as author, and the story's own
publication time as both `published` and `updated`: the import time or an editor's toggle never
makes an old story look new to a feed reader.
"""

import mimetypes
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import escape
from django.views.decorators.http import require_safe

from .domains import normalize_domain
from .models import Article, Provider, Story, Topic
from .selectors import provider_counts, topic_counts
from .story_selectors import find_story
from .templatetags.safe_urls import http_url

FEED_SIZE = 50
# XML 1.0 refuses these; Django's feed writer raises on them, so they are dropped from seed text.
XML_INVALID_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    return XML_INVALID_RE.sub("", value or "")


def image_type(url):
    """The image's media type from its file name; JPEG when the name does not say."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed if guessed and guessed.startswith("image/") else "image/jpeg"


class PortalAtomFeed(Atom1Feed):
    """Atom with each entry's text as `<content>` and a `via` link to the original story."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "text"})
        if item.get("original_url"):
            handler.addQuickElement(
                "link", "", {"rel": "via", "href": item["original_url"], "type": "text/html"}
            )


class LatestArticlesFeed(Feed):
    feed_type = PortalAtomFeed

    def title(self):
        return settings.PORTAL_NAME

    def subtitle(self):
        return f"The newest articles on {settings.PORTAL_NAME}"

    def link(self):
        return reverse("articles:list")

    def feed_url(self):
        return reverse("articles:feed")

    def items(self):
        articles = Article.objects.published().newest_first()
        return _for_feed(articles)

    def item_title(self, item):
        return xml_text(item.title)

    def item_description(self, item):
        # Atom's summary is typed HTML here: escaped, so markup in seed text shows as text.
        return escape(xml_text(item.excerpt))

    def item_extra_kwargs(self, item):
        return {"content": xml_text(item.excerpt), "original_url": http_url(item.web_url)}

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        # The story's own time, not `updated_at` (the import's): a re-import or an editor's
        # toggle must not bring an old story back to the top of a reader's feed.
        return item.published_at

    def item_author_name(self, item):
        return xml_text(item.provider.name or item.provider.domain)

    def item_author_link(self, item):
        return f"https://{item.provider.domain}/"

    def item_enclosures(self, item):
        image = item.first_image
        url = http_url(image.url) if image else ""
        return [Enclosure(url, "0", image_type(url))] if url else []

    def item_categories(self, item):
        return [xml_text(topic.name) for topic in item.topics.all()]


class TopicArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return xml_text(f"{topic.name} — {settings.PORTAL_NAME}")

    def subtitle(self, topic):
        return xml_text(f"The newest articles about {topic.name}")

    def link(self, topic):
        return topic.get_absolute_url()

    def feed_url(self, topic):
        return reverse("articles:topic_feed", kwargs={"slug": topic.slug})

    def items(self, topic):
        return _for_feed(Article.objects.published().in_topics([topic], newest_few=True).newest_first())


class ProviderArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, domain):
        return get_object_or_404(Provider, domain=normalize_domain(domain.replace("\x00", "")))

    def title(self, provider):
        return xml_text(f"{provider.name or provider.domain} — {settings.PORTAL_NAME}")

    def subtitle(self, provider):
        return xml_text(f"The newest articles from {provider.name or provider.domain}")

    def link(self, provider):
        return provider.get_absolute_url()

    def feed_url(self, provider):
        return reverse("articles:provider_feed", kwargs={"domain": provider.domain})

    def items(self, provider):
        return _for_feed(Article.objects.published().from_providers([provider.domain]).newest_first())


class StoryArticlesFeed(LatestArticlesFeed):
    """One story's published articles, newest first. A merged story's retired slug answers 301 to
    the survivor's feed; a story with no public article is 404, as its page is."""

    def __call__(self, request, slug):
        story, survivor = find_story(slug)
        if survivor is not None:
            return redirect(reverse("articles:story_feed", kwargs={"slug": survivor.slug}), permanent=True)
        if story is None or story.lead is None or not story.lead.is_public:
            raise Http404("No such story")
        return super().__call__(request, story=story)

    def get_object(self, request, story):
        return story

    def title(self, story):
        return xml_text(f"{story.lead.title} — {settings.PORTAL_NAME}")

    def subtitle(self, story):
        return xml_text(f"Every article on {settings.PORTAL_NAME} reporting this story, newest first")

    def link(self, story):
        return story.get_absolute_url()

    def feed_url(self, story):
        return reverse("articles:story_feed", kwargs={"slug": story.slug})

    def items(self, story):
        return _for_feed(Article.objects.published().filter(story=story).newest_first())


class TopStoriesFeed(LatestArticlesFeed):
    """The front page's top stories: one entry per story, linking the story page, built from its
    lead (headline, excerpt, image, source, original), dated from its first to its latest report."""

    def title(self):
        return xml_text(f"Top stories — {settings.PORTAL_NAME}")

    def subtitle(self):
        return xml_text(f"The top stories on {settings.PORTAL_NAME}, each with every source reporting it")

    def feed_url(self):
        return reverse("articles:stories_feed")

    def items(self):
        stories = Story.objects.published().top().select_related("lead", "lead__provider")
        stories = list(stories.prefetch_related("lead__topics", "lead__images")[:FEED_SIZE])
        for story in stories:
            story.lead.entry_story = story
        return [story.lead for story in stories]

    def item_link(self, item):
        return item.entry_story.get_absolute_url()

    def item_pubdate(self, item):
        return item.entry_story.first_at or item.published_at

    def item_updateddate(self, item):
        # The story's latest report: it moves when the story grows, never on an import's clock.
        return item.entry_story.latest_at or item.published_at


def _for_feed(articles):
    return articles.select_related("provider").prefetch_related("topics", "images")[:FEED_SIZE]


@require_safe
def feeds_opml(request):
    """Every feed: the site's and the top stories', then one per topic and per source with published
    articles, by name. (Not one per story: a story's news is over in days.)"""
    published = Article.objects.published()
    topics = sorted(topic_counts(published, limit=None), key=lambda row: (row[1].casefold(), row[0]))
    providers = sorted(
        provider_counts(published, limit=None), key=lambda row: ((row[1] or row[0]).casefold(), row[0])
    )
    context = {
        "portal_name": settings.PORTAL_NAME,
        "topics": [{"name": xml_text(name), "slug": slug} for slug, name, _ in topics],
        "providers": [{"name": xml_text(name or domain), "domain": domain} for domain, name, _ in providers],
    }
    return render(request, "feeds/feeds.opml", context, content_type="text/x-opml; charset=utf-8")
