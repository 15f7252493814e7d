"""The portal's data: articles, their providers, topics, images and related coverage.

The model knows no file format, page or admin. "Published" is defined once, in
`ArticleQuerySet.published()`; every public read starts from it.
"""

import hashlib

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

URL_MAX_LENGTH = 2048


def normalize_domain(domain):
    """A provider's identity: its domain lower-cased, without surrounding space or a trailing dot."""
    return (domain or "").strip().lower().rstrip(".")


class Provider(models.Model):
    domain = models.CharField(max_length=253, unique=True)
    name = models.CharField(max_length=200)
    # True once an article's own `provider` block has named it: that name then wins over
    # names that related links give the same domain.
    name_from_article = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "domain"]

    def __str__(self):
        return self.name or self.domain

    def get_absolute_url(self):
        return reverse("articles:provider", kwargs={"domain": self.domain})


class Topic(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})

    @staticmethod
    def slug_for(name):
        """One slug per topic whatever its case or spacing: "AI" and "ai" are one topic."""
        slug = slugify(name) or slugify(name, allow_unicode=True)
        return slug[:120] or "topic-" + hashlib.sha1(name.casefold().encode()).hexdigest()[:10]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def for_topics(self, slugs):
        """Articles in any of the topics (OR within the facet)."""
        return self.filter(topics__slug__in=list(slugs)).distinct() if slugs else self

    def from_providers(self, domains):
        return self.filter(provider__domain__in=list(domains)) if domains else self

    def newest_first(self):
        return self.order_by("-published_at", "-id")


class Article(models.Model):
    title = models.CharField(max_length=500)
    excerpt = models.TextField(blank=True)
    published_at = models.DateTimeField()
    original_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    web_url = models.URLField(max_length=URL_MAX_LENGTH, unique=True)
    amp_web_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    cdn_amp_web_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    type = models.CharField(max_length=50, blank=True)
    category = models.CharField(max_length=50, blank=True)
    quality = models.IntegerField(null=True, blank=True)
    # -1 in the documents means "unknown"; stored as given.
    heat = models.IntegerField(null=True, blank=True)
    published = models.BooleanField(default=False)
    # Set when an editor decides the published state; from then on imports leave it alone.
    published_decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="articles")
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    secured = models.TextField(blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    # Title, excerpt, provider name and topic names, kept for text search.
    search_text = models.TextField(blank=True, editable=False)
    source_path = models.CharField(max_length=1024, blank=True)
    # Fingerprint of the imported document's data: an unchanged re-import writes nothing.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["published", "-published_at"], name="article_pub_date_idx"),
            models.Index(fields=["provider", "published"], name="article_provider_pub_idx"),
            models.Index(fields=["published", "-quality"], name="article_pub_quality_idx"),
            models.Index(fields=["published", "-heat"], name="article_pub_heat_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @staticmethod
    def slug_for(title, web_url):
        """Readable and stable: the title's words plus a short hash of the article's identity."""
        words = slugify(title)[:80].strip("-") or "article"
        return f"{words}-{hashlib.sha1(web_url.encode()).hexdigest()[:10]}"

    @property
    def heat_known(self):
        return self.heat is not None and self.heat >= 0


class ArticleImage(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField()
    url = models.URLField(max_length=URL_MAX_LENGTH)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    is_cached = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="unique_article_image_position")
        ]

    def __str__(self):
        return self.url


class RelatedLink(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    excerpt = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    web_url = models.URLField(max_length=URL_MAX_LENGTH)
    amp_web_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    cdn_amp_web_url = models.URLField(max_length=URL_MAX_LENGTH, blank=True)
    type = models.CharField(max_length=50, blank=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="related_links", null=True, blank=True
    )
    quality = models.IntegerField(null=True, blank=True)
    # Ordered list of {"url", "width", "height", "isCached"}, as in the document.
    images = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="unique_related_link_position")
        ]

    def __str__(self):
        return self.title


class ContentVersion(models.Model):
    """One row whose number grows whenever what readers may see changes (import, editor).

    Every app server reads it (articles/cache.py), so caches keyed by it are invalidated in all
    processes at once, whatever the cache backend.
    """

    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"content version {self.value}"
