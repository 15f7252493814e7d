"""Atom feeds: the newest published articles, site-wide and per topic."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Article, Topic

FEED_SIZE = 50
# XML 1.0 refuses these; Django's feed writer raises on them, so they are dropped from seed text.
XML_INVALID_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    return XML_INVALID_RE.sub("", value or "")


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed

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
        return articles.select_related("provider").prefetch_related("topics")[:FEED_SIZE]

    def item_title(self, item):
        return xml_text(item.title)

    def item_description(self, item):
        return xml_text(item.excerpt)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return xml_text(item.provider.name)

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
        return (
            Article.objects.published()
            .in_topics([topic], newest_few=True)
            .newest_first()
            .select_related("provider")
            .prefetch_related("topics")[:FEED_SIZE]
        )
