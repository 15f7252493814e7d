"""Sitemaps: published articles, and the topics and providers that have published articles."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef

from .models import Article, Provider, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000  # URLs per sitemap page; the index lists the pages

    def items(self):
        return Article.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        """For the index: one aggregate instead of Django's default walk over every item."""
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return (
            Topic.objects.filter(articles__published__in=[True])  # indexable on SQLite, see published()
            .annotate(last_published=Max("articles__published_at"))
            .order_by("slug")
        )

    def lastmod(self, topic):
        return topic.last_published


class ProviderSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(provider=OuterRef("pk"))
        return Provider.objects.filter(Exists(published)).order_by("domain")


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "providers": ProviderSitemap}
