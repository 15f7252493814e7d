"""Sitemaps: published articles, and the topics and providers that have published articles; a
Google News sitemap of the newest articles.

An article's `lastmod` is its own publication date: the import time (`updated_at`) says when we
last read the document, not when the story changed, and would make a 2018 story look new.

Built for large corpora: no per-section "latest lastmod" in the index (it would read every
published row) and topic/provider sections found with EXISTS, not a join over all memberships.
"""

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from .models import Article, Provider, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    # URLs per sitemap page (the index lists the pages, ?p=N): small enough that a page is built
    # in tens of milliseconds even uncached, and each page is cached on its own (the page cache).
    limit = 500

    def items(self):
        return Article.objects.published().order_by("pk").only("slug", "published_at")

    def location(self, article):
        # reverse() once per page, not once per URL: it was most of the page's cost. A slug is
        # made of URL-safe characters only (the URL pattern's `slug` converter), so no quoting.
        if not hasattr(self, "_detail_prefix"):
            self._detail_prefix = reverse("articles:detail", kwargs={"slug": "-"})[:-2]
        return f"{self._detail_prefix}{article.slug}/"

    def lastmod(self, article):
        return article.published_at

    def get_latest_lastmod(self):
        return None


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Topic.objects.with_published_articles().order_by("slug")


class ProviderSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(provider=OuterRef("pk"))
        return Provider.objects.filter(Exists(published)).order_by("domain")


class NewsSitemap(Sitemap):
    """Google News: the articles of the last two days before the newest one (not before today: a
    corpus that stopped a while ago still has its latest news listed), at most 1,000 as Google
    allows. Served with its own template (news: tags) at /sitemap-news.xml."""

    limit = 1_000
    WINDOW = dt.timedelta(days=2)

    def items(self):
        published = Article.objects.published()
        newest = published.newest_first().values_list("published_at", flat=True).first()
        if newest is None:
            return published.none()
        recent = published.filter(published_at__gte=newest - self.WINDOW).newest_first()
        return recent.only("slug", "title", "published_at")[: self.limit]

    def lastmod(self, article):
        return article.published_at

    def get_latest_lastmod(self):
        return None


SITEMAPS = {
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "providers": ProviderSitemap,
    "news": NewsSitemap,
}
