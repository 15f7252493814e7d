"""Sitemaps: published articles, and the topics and providers that have published articles.

Built for large corpora: no per-section "latest lastmod" in the index (it would read every
published row) and topic/provider sections found with EXISTS, not a join over all memberships.
"""

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
        return Article.objects.published().order_by("pk").only("slug", "updated_at")

    def location(self, article):
        # reverse() once per page, not once per URL: it was most of the page's cost. A slug is
        # made of URL-safe characters only (the URL pattern's `slug` converter), so no quoting.
        if not hasattr(self, "_detail_prefix"):
            self._detail_prefix = reverse("articles:detail", kwargs={"slug": "-"})[:-2]
        return f"{self._detail_prefix}{article.slug}/"

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return None


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        memberships = Article.topics.through.objects.filter(topic_id=OuterRef("pk"), article__published=True)
        return Topic.objects.filter(Exists(memberships)).order_by("slug")


class ProviderSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Article.objects.published().filter(provider=OuterRef("pk"))
        return Provider.objects.filter(Exists(published)).order_by("domain")


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "providers": ProviderSitemap}
