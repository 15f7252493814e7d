"""Sitemaps: published articles, and the topics and providers that have published articles.

Built for large corpora: no per-section "latest lastmod" in the index (it would read every
published row) and topic/provider sections found with EXISTS, not a join over all memberships.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from .models import Article, Provider, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5_000  # URLs per sitemap page; the index lists the pages

    def items(self):
        return Article.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return None


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(topics=OuterRef("pk"))
        return Topic.objects.filter(Exists(published)).order_by("slug")


class ProviderSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(provider=OuterRef("pk"))
        return Provider.objects.filter(Exists(published)).order_by("domain")


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "providers": ProviderSitemap}
