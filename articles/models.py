"""The portal's data: articles, their providers, topics, images and related coverage.

The model knows no file format, page or admin. "Published" is defined once, in
`ArticleQuerySet.published()`; every public read starts from it.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Exists, Func, OuterRef
from django.db.models.lookups import In
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .canonical import MAX_URL_LENGTH as URL_MAX_LENGTH


class Provider(models.Model):
    domain = models.CharField(
        max_length=253, unique=True, help_text="The provider's identity: its domain, lower-cased."
    )
    name = models.CharField(max_length=200)
    # That name then wins over names that related links give the same domain.
    name_from_article = models.BooleanField(
        default=False, help_text="The name comes from an article's own provider block, not a related link."
    )

    class Meta:
        ordering = ["name", "domain"]

    def __str__(self):
        return self.name or self.domain

    def get_absolute_url(self):
        return reverse("articles:provider", kwargs={"domain": self.domain})


# Topics with at most this many articles between them are "small" (see `ArticleQuerySet.in_topics`).
SMALL_TOPIC_MEMBERS = 2000


def _memberships(topics):
    """The (topic, article) rows of `topics`: Topic instances (by id), or slugs."""
    topics = list(topics)
    through = Article.topics.through.objects
    if all(isinstance(topic, Topic) for topic in topics):
        return through.filter(topic_id__in=[topic.pk for topic in topics])
    if any(isinstance(topic, Topic) for topic in topics):
        raise TypeError("in_topics takes Topic instances or slugs, not both")
    return through.filter(topic__slug__in=topics)


class TopicQuerySet(models.QuerySet):
    def are_small(self, topics, limit=None):
        """True when `topics` (Topic instances or slugs) have at most `limit` articles between them
        (default SMALL_TOPIC_MEMBERS): a capped count, it reads at most `limit + 1` index entries
        whatever the topics' size."""
        limit = SMALL_TOPIC_MEMBERS if limit is None else limit
        return _memberships(topics).values("pk")[: limit + 1].count() <= limit

    def with_published_articles(self):
        """Topics with at least one article public now (an EXISTS per topic)."""
        return self.filter(Exists(Article.objects.published().filter(topics=OuterRef("pk"))))


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
        return self.select_related("provider", "story").prefetch_related(
            "topics",
            models.Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
            models.Prefetch(
                "related_links", queryset=RelatedLink.objects.select_related("provider").order_by("position")
            ),
        )

    def in_topics(self, topics, *, newest_few=False):
        """Articles in any of `topics` (Topic instances, or slugs): OR within the facet, no
        duplicates and no DISTINCT, so the result can still be ordered, counted and grouped.

        The query shape follows what is read:
        - By default (a list page, whose facets count every match and whose page walks the date
          index), the topics' member ids are listed once from the (topic, article) index and each
          article is only probed against that list (`Unindexed`): counting every match costs a
          list probe per article instead of an EXISTS subquery.
        - `newest_few=True` (a feed, "more on these topics", an admin page: only the newest rows
          are read): one capped count (`Topic.objects.are_small`) picks. The few members of small
          topics are fetched by id (walking the date index would check nearly every article);
          for large topics an EXISTS per row finds the first matches within a few rows.
        """
        topics = list(topics)
        if not topics:
            return self
        members = _memberships(topics).values("article_id")
        if not newest_few:
            return self.filter(In(Unindexed("pk", output_field=models.BigIntegerField()), members))
        if Topic.objects.are_small(topics):
            return self.filter(pk__in=members)
        return self.filter(Exists(_memberships(topics).filter(article_id=OuterRef("pk"))))

    def from_providers(self, domains):
        return self.filter(provider__domain__in=list(domains)) if domains else self

    def newest_first(self):
        return self.order_by("-published_at", "-id")


class Article(models.Model):
    title = models.CharField(max_length=500)
    excerpt = models.TextField(blank=True, help_text="The summary shown on cards and in search results.")
    published_at = models.DateTimeField(help_text="When the publisher published it; lists are newest first.")
    original_url = models.URLField(
        max_length=URL_MAX_LENGTH, blank=True, help_text="The document's originalUrl, when it gives one."
    )
    web_url = models.URLField(
        max_length=URL_MAX_LENGTH, unique=True, help_text="The article at its publisher: its identity here."
    )
    amp_web_url = models.URLField(
        max_length=URL_MAX_LENGTH, blank=True, help_text="The publisher's AMP page."
    )
    cdn_amp_web_url = models.URLField(
        max_length=URL_MAX_LENGTH, blank=True, help_text="The AMP page on a CDN."
    )
    type = models.CharField(max_length=50, blank=True, help_text="The document's type, e.g. “article”.")
    category = models.CharField(max_length=50, blank=True)
    quality = models.IntegerField(
        null=True, blank=True, help_text="Editorial quality score, 0–100 (empty: unknown). Sorts “Quality”."
    )
    # -1 in the documents means "unknown"; stored as given.
    heat = models.IntegerField(
        null=True,
        blank=True,
        help_text="Reader interest, 0–100 (-1 or empty: unknown). Sorts “Trending”; 70+ shows as high.",
    )
    published = models.BooleanField(
        default=False,
        help_text="Shown to readers. Change it with Publish or Unpublish: imports then leave it alone.",
    )
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set by an editor: a published article stays hidden from readers until this time.",
    )
    published_decided_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor last decided the published state; empty while imports decide it.",
    )
    document_published = models.BooleanField(
        null=True,
        blank=True,
        editable=False,
        help_text="The document's own `published` value at its last import (empty: not known yet). "
        "“Follow the document again” applies it at once.",
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="articles")
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    secured = models.TextField(
        blank=True, help_text="The document's `secured` text, kept as given; not shown."
    )
    body = models.TextField(blank=True, help_text="The article's text in Markdown, shown on its page.")
    body_html = models.TextField(blank=True, editable=False)
    # Title, excerpt, provider name and topic names, kept for text search.
    search_text = models.TextField(blank=True, editable=False)
    # Distinct stories covering this one: the article itself plus its related links, deduplicated
    # by canonical URL and title (see `canonical.count_sources`). Derived at import, shown on cards.
    source_count = models.PositiveIntegerField(default=1, editable=False)
    source_path = models.CharField(
        max_length=1024, blank=True, help_text="The document this article was imported from: edit it there."
    )
    # Fingerprint of the imported document's data: an unchanged re-import writes nothing.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True, help_text="The article's address on this site.")
    # `canonical.canonical_url(web_url)`: finds the article a related link points at, whatever tracking
    # parameters, scheme or trailing slash the link carries. Set by the importer.
    url_key = models.CharField(max_length=URL_MAX_LENGTH, blank=True, editable=False)
    # The story this article reports, kept by `articles.stories` (on import, and by `recluster_stories`).
    story = models.ForeignKey(
        "Story", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="members"
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When the article was first imported."
    )
    updated_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="When an import or an editor last changed the article.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = ["published_at", "id"]
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
            # An import reads the articles of its own files (unchanged ones are skipped unread):
            # by range on SQLite, by prefix on PostgreSQL (text_pattern_ops: whatever the
            # database's collation), instead of every article of the table.
            models.Index(
                fields=["source_path"], name="article_source_path_idx", opclasses=["text_pattern_ops"]
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
    # Set when a long writer (an import) skips a bump to bump once every few seconds, cleared by
    # the next bump. A writer killed in between leaves it set: readers then stop trusting caches
    # keyed by the number until a bump comes (articles.content_version.token).
    owed_since = models.DateTimeField(null=True, blank=True)
    # Grows with `value` on every change but new articles (an editor's decision, an update, a
    # deletion): an index of the published articles (articles.facet_index) built since the last
    # such change needs only the articles added since to be current again.
    reshaped = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"content version {self.value}"


class StoryQuerySet(models.QuerySet):
    def published(self, now=None):
        """Stories with a lead public now: the ones readers may see. (A lead scheduled for later
        leads only a story with no public member yet: `stories.rules.lead_of`.)"""
        return self.filter(lead__isnull=False).exclude(lead__publish_at__gt=now or timezone.now())

    def top(self):
        """Newest report day first, then the most covered and hottest within a day."""
        return self.order_by("-latest_day", "-source_count", "-heat", "-latest_at", "-id")


class Story(models.Model):
    """Articles reporting one event, grouped by `articles.stories`. Every field below is derived
    there, from the members and their related links; nothing here is edited by hand."""

    # The slug of the member that founded the story (its oldest article): kept while the story grows.
    slug = models.SlugField(max_length=120, unique=True)
    # The best published member (quality, then heat, then recency); None while none is published.
    lead = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    article_count = models.PositiveIntegerField(default=1)
    published_count = models.PositiveIntegerField(default=0)
    # Distinct sources: members plus their related coverage, deduplicated as `canonical.group_stories` does.
    source_count = models.PositiveIntegerField(default=1)
    heat = models.IntegerField(default=-1)
    first_at = models.DateTimeField(null=True, blank=True)
    latest_at = models.DateTimeField(null=True, blank=True)
    # The published members' latest report date (UTC): the front page's day headers.
    latest_day = models.DateField(null=True, blank=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-latest_at", "-id"]
        verbose_name_plural = "stories"
        indexes = [
            models.Index(
                fields=["-latest_day", "-source_count", "-heat", "-latest_at", "-id"],
                condition=models.Q(lead__isnull=False),
                name="story_top_idx",
            )
        ]

    def __str__(self):
        return self.lead.title if self.lead_id else self.slug

    def get_absolute_url(self):
        return reverse("articles:story", kwargs={"slug": self.slug})


class StoryAlias(models.Model):
    """A retired story URL (the story merged into another): answered by a 301 to the survivor."""

    slug = models.SlugField(max_length=120, unique=True)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "story aliases"

    def __str__(self):
        return f"{self.slug} -> {self.story.slug}"


class StoryKey(models.Model):
    """What clustering compares: one row per (article, key), the key a 63-bit hash of a canonical
    URL (the article's own or a related link's) or of a title key. Looked up by key. Written only
    by `articles.stories`, which never repeats a pair: no constraint to maintain on every insert."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()

    class Meta:
        ordering = ["key", "article"]
        # By key (who holds it); by article through the foreign key's own index.
        indexes = [models.Index(fields=["key", "article"], name="storykey_key_idx")]

    def __str__(self):
        return f"{self.article_id}:{self.key}"
