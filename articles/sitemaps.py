"""Sitemaps: published articles, and the topics and providers that have published articles.

Built for large corpora: no per-section "latest lastmod" in the index (it would read every
published row) and topic/provider sections found with EXISTS, not a join over all memberships.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from .models import Article, Provider, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    # URLs per sitemap page (the index lists the pages, ?p=N): small enough that a page is built
    # in tens of milliseconds even uncached, and each page is cached on its own (the page cache).
    limit = 1_000

    def items(self):
        return Article.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at

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


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "providers": ProviderSitemap}
