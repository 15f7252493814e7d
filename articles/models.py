"""The portal's data: articles, their providers, topics, images and related coverage.

The model knows no file format, page or admin. "Published" is defined once, in
`ArticleQuerySet.published()`; every public read starts from it.
"""

import hashlib
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Exists, Func, OuterRef
from django.db.models.lookups import In
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .canonical import MAX_URL_LENGTH as URL_MAX_LENGTH
from .canonical import canonical_url, clean_url, related_stories


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


SMALL_TOPIC_MEMBERS = 2000


class TopicQuerySet(models.QuerySet):
    def are_small(self, topic_ids, limit=SMALL_TOPIC_MEMBERS):
        """True when the topics have at most `limit` articles between them (a capped count:
        it reads at most `limit + 1` index entries whatever the topics' size)."""
        memberships = Topic.articles.through.objects.filter(topic_id__in=topic_ids)
        return memberships.values("pk")[: limit + 1].count() <= limit


class Topic(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)

    objects = TopicQuerySet.as_manager()

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


class Unindexed(Func):
    """An expression's value, never an index to search by: `+expr` on SQLite (its documented way to
    keep the planner from driving a query from that column), unchanged elsewhere. `pk IN (list)`
    would make SQLite fetch every listed row and sort them; `+pk IN (list)` probes the list while
    it walks the index it would walk anyway."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Public now: published, and not scheduled for later (`publish_at` empty or past).

        Compared with the current time on every read, so a scheduled article goes public at its
        time with no scheduler process. Written as "published, except the few scheduled for later"
        (`NOT id IN (...)`, the list found through the `publish_at` index) rather than a test of
        `publish_at` per row: every index holds the id, so the partial indexes below (`WHERE
        published`) still drive reads and counts without reading the rows."""
        later = self.model.objects.scheduled(now).order_by().values("pk")
        return self.filter(published=True).exclude(pk__in=later)

    def scheduled(self, now=None):
        """Published by an editor for a time still to come: not public yet."""
        return self.filter(published=True, publish_at__gt=now or timezone.now())

    def undecided(self):
        """No editor has decided their state: the documents still decide (the review queue)."""
        return self.filter(published_decided_at__isnull=True)

    def next_scheduled_time(self, now=None):
        """The earliest time a scheduled article goes public, or None. One index probe."""
        return self.scheduled(now).order_by("publish_at").values_list("publish_at", flat=True).first()

    def visible_to(self, user):
        """Staff preview every article; everyone else sees the published ones only."""
        return self if getattr(user, "is_staff", False) else self.published()

    def with_page_data(self):
        """What the article page shows, in a fixed number of queries whatever the counts.
        (Children are ordered by position alone: their Meta ordering starts with `article`, which
        would join the article table again just to sort.)"""
        return self.select_related("provider").prefetch_related(
            "topics",
            models.Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
            models.Prefetch(
                "related_links", queryset=RelatedLink.objects.select_related("provider").order_by("position")
            ),
        )

    def sharing_topics(self, topic_ids, small_topics=None):
        """Articles in any of the topics, shaped for newest-first reads that walk the date index.

        For large topics an EXISTS per row finds the first matches within a few rows. For small
        topics that walk would check nearly every article, so the few member ids are listed once
        and the walk only probes that list. `small_topics=None` asks `Topic.objects.are_small`
        (one capped count query); True or False forces a shape."""
        memberships = Article.topics.through.objects.filter(topic_id__in=topic_ids)
        if small_topics is None:
            small_topics = Topic.objects.are_small(topic_ids)
        if small_topics:
            return self.filter(pk__in=memberships.values("article_id"))
        return self.filter(Exists(memberships.filter(article_id=OuterRef("pk"))))

    def for_topics(self, slugs):
        """Articles in any of the topics (OR within the facet): no duplicates and no DISTINCT, so
        the result can still be ordered, counted and grouped freely.

        The topics' member ids are listed once, from the (topic, article) index (migration 0006),
        and each article is only probed against that list (`Unindexed`): a newest-first page still
        walks the date index, and counting every match (the facets) costs a list probe per article
        instead of an EXISTS subquery (topic page at 100k articles: ~3x cheaper facet counts)."""
        if not slugs:
            return self
        members = Article.topics.through.objects.filter(topic__slug__in=list(slugs)).values("article_id")
        return self.filter(In(Unindexed("pk", output_field=models.BigIntegerField()), members))

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
    # Set by an editor: a published article stays hidden from readers until this time.
    publish_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when an editor decides the published state; from then on imports leave it alone.
    published_decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="articles")
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    secured = models.TextField(blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    # Title, excerpt, provider name and topic names, kept for text search.
    search_text = models.TextField(blank=True, editable=False)
    # Distinct stories covering this one: the article itself plus its related links, deduplicated
    # by canonical URL and title (see articles/stories.py). Derived at import, shown on cards.
    source_count = models.PositiveIntegerField(default=1, editable=False)
    source_path = models.CharField(max_length=1024, blank=True)
    # Fingerprint of the imported document's data: an unchanged re-import writes nothing.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    # `canonical.canonical_url(web_url)`: finds the article a related link points at, whatever tracking
    # parameters, scheme or trailing slash the link carries. Set by the importer.
    url_key = models.CharField(max_length=URL_MAX_LENGTH, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        # Reader pages only ever read published articles, in one of four orders: partial indexes
        # over published rows, each ending with the (-published_at, -id) tie-break, let the
        # database walk the index instead of sorting. (A bare `WHERE published` cannot use an
        # index whose first column is `published` on SQLite; a partial index matches it.)
        indexes = [
            *(
                models.Index(
                    fields=[*lead, "-published_at", "-id"], condition=models.Q(published=True), name=name
                )
                for name, lead in [
                    ("article_newest_idx", []),
                    ("article_provider_newest_idx", ["provider"]),
                    ("article_quality_idx", ["-quality"]),
                    ("article_heat_idx", ["-heat"]),
                ]
            ),
            models.Index(fields=["provider", "published"], name="article_provider_pub_idx"),
            models.Index(fields=["url_key"], name="article_url_key_idx"),
            # The admin lists every article, newest first, published or not.
            models.Index(fields=["-published_at", "-id"], name="article_date_idx"),
            # The review queue: undecided articles, newest import first or by date, quality, heat.
            *(
                models.Index(
                    fields=[*lead, "-id"],
                    condition=models.Q(published_decided_at__isnull=True),
                    name=name,
                )
                for name, lead in [
                    ("article_review_new_idx", ["-created_at"]),
                    ("article_review_date_idx", ["-published_at"]),
                    ("article_review_quality_idx", ["-quality"]),
                    ("article_review_heat_idx", ["-heat"]),
                ]
            ),
            # Scheduled articles: few, found by time (the next one sets the caches' horizon).
            models.Index(
                fields=["publish_at"],
                condition=models.Q(publish_at__isnull=False),
                name="article_publish_at_idx",
            ),
        ]
        permissions = [("publish_article", "Can publish and unpublish articles")]

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
    def is_public(self):
        """What `ArticleQuerySet.published()` says of this one article, now."""
        return self.published and (self.publish_at is None or self.publish_at <= timezone.now())

    @property
    def is_scheduled(self):
        return self.published and self.publish_at is not None and self.publish_at > timezone.now()

    @property
    def heat_known(self):
        return self.heat is not None and self.heat >= 0

    @cached_property
    def related_coverage(self):
        """Related links, one per story (see `canonical.related_stories`), newest first, undated
        last. Links back to this article's own page are dropped, so the story has
        `1 + len(related_coverage)` sources, as `source_count` says. Each link gets `href` (its
        URL without tracking parameters) and `portal_url` (our page when the link is a published
        article of ours, else ""). One query beyond the prefetched links."""
        links = related_stories(self.web_url, self.related_links.all())
        keys = {canonical_url(link.web_url) for link in links} - {""}
        ours = {}
        if keys:
            # No ORDER BY: it would tempt SQLite into walking a date index instead of url_key's.
            matches = (
                Article.objects.published()
                .exclude(pk=self.pk)
                .filter(url_key__in=keys)
                .order_by()
                .values_list("url_key", "published_at", "slug")
            )
            ours = {key: slug for key, _, slug in sorted(matches)}  # the newest wins
        for link in links:
            slug = ours.get(canonical_url(link.web_url))
            link.portal_url = reverse("articles:detail", kwargs={"slug": slug}) if slug else ""
            link.href = clean_url(link.web_url)
        oldest = datetime.min.replace(tzinfo=self.published_at.tzinfo)
        return sorted(
            links, key=lambda link: (link.published_at is not None, link.published_at or oldest), reverse=True
        )

    def more_on_topics(self, limit=4):
        """Other published articles sharing a topic, newest first. Two small queries (topics
        prefetched): a capped count picks the query shape that stays fast for small and large
        topics alike (see `ArticleQuerySet.sharing_topics`)."""
        topic_ids = [topic.pk for topic in self.topics.all()]
        if not topic_ids:
            return []
        return list(
            Article.objects.published()
            .sharing_topics(topic_ids)
            .exclude(pk=self.pk)
            .select_related("provider")
            .newest_first()[:limit]
        )

    @property
    def heat_level(self):
        """Reader interest in words ("high", "moderate", "low"), or None when heat is unknown."""
        if not self.heat_known:
            return None
        return "high" if self.heat >= 70 else "moderate" if self.heat >= 35 else "low"

    @property
    def first_image(self):
        """The first image (uses prefetched `images` when there are; list pages prefetch them)."""
        images = list(self.images.all())
        return min(images, key=lambda image: image.position) if images else None


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


class EditorialAction(models.Model):
    """One editor's decision on an article's published state: who, when, from which state to which.

    Written only by `articles.services.set_published`; never edited afterwards.
    """

    class Action(models.TextChoices):
        PUBLISH = "publish", "Published"
        UNPUBLISH = "unpublish", "Unpublished"
        # A decision that keeps the current state is a decision all the same.
        KEEP_PUBLISHED = "keep_published", "Kept published"
        KEEP_UNPUBLISHED = "keep_unpublished", "Kept unpublished"
        SCHEDULE = "schedule", "Scheduled"
        CANCEL_SCHEDULE = "cancel_schedule", "Cancelled the schedule"
        FOLLOW_DOCUMENT = "follow_document", "Follows the document again"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="editorial_actions")
    # The record outlives the account: a deleted user leaves an anonymous action behind.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="editorial_actions",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.BooleanField(help_text="Published before the action")
    to_state = models.BooleanField(help_text="Published after the action")
    # For a schedule: when the article goes public.
    publish_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        get_latest_by = "at"
        indexes = [
            models.Index(fields=["article", "-at"], name="editorial_article_at_idx"),
            models.Index(fields=["user", "-at"], name="editorial_user_at_idx"),
            models.Index(fields=["action", "-at"], name="editorial_action_at_idx"),
        ]

    def __str__(self):
        who = self.user.get_username() if self.user else "someone"
        return f"{who} {self.get_action_display().lower()} “{self.article}”"

    def get_absolute_url(self):
        return self.article.get_absolute_url()

    @staticmethod
    def state_label(published):
        return "published" if published else "unpublished"


class Tombstone(models.Model):
    """A deleted article's web URL: imports skip its document until a superuser lifts it."""

    web_url = models.URLField(max_length=URL_MAX_LENGTH, unique=True)
    title = models.CharField(max_length=500, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]

    def __str__(self):
        return self.title or self.web_url

    def describe(self):
        """One line for an import report: who deleted it, when and why."""
        who = self.deleted_by.get_username() if self.deleted_by else "someone"
        when = timezone.localtime(self.deleted_at).strftime("%Y-%m-%d %H:%M")
        return f"deleted by {who} on {when}" + (f": {self.reason}" if self.reason else "")


class ImportRun(models.Model):
    """One `import_articles` run: who or what started it, what it read, what became of each file."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=200, blank=True)
    paths = models.JSONField(default=list, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)
    # [{"path", "reason", "kind": "rejected" | "suppressed"}]
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Import run {self.pk} ({timezone.localtime(self.started_at):%Y-%m-%d %H:%M})"

    def new_articles(self):
        """The articles this run created: their creation time falls within the run."""
        articles = Article.objects.filter(created_at__gte=self.started_at)
        return articles.filter(created_at__lte=self.finished_at) if self.finished_at else articles


class ContentVersion(models.Model):
    """One row whose number grows whenever what readers may see changes (import, editor).

    Every app server reads it (articles.content_version), so caches keyed by it are invalidated in all
    processes at once, whatever the cache backend.
    """

    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"content version {self.value}"
