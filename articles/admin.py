"""The editorial admin: editors decide what is public; imported content stays as the documents say.

Editors (the "Editors" group, see migration 0004) view everything and hold `publish_article`;
they change nothing else. Imported content is read-only for superusers too (`ImportedContent`):
superusers may also delete articles. Every publish/unpublish goes through `articles.services.set_published`,
which records an `EditorialAction` and an admin `LogEntry`. State changes are POST-only.

Built for 100,000 articles: the changelist loads providers with a join and topics with one
prefetch, defers the heavy text columns, never counts the whole table twice, and filters by topic
through a subquery rather than a DISTINCT over a join.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_value, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst

from . import search
from .cache import content_changed
from .models import Article, ArticleImage, EditorialAction, Provider, RelatedLink, Topic
from .services import set_published

admin.site.site_header = f"{settings.PORTAL_NAME} — editorial admin"
admin.site.site_title = f"{settings.PORTAL_NAME} admin"

PUBLISH_PERMISSION = "articles.publish_article"
# The admin builds forms even for view-only pages: addresses without a scheme would be taken as
# https (Django 6's default, set now to silence Django 5's warning).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}
# The heavy text columns of an article, never needed in a list.
HEAVY_ARTICLE_FIELDS = ["body", "body_html", "secured", "search_text", "excerpt"]


class ImportedContent:
    """Imported content is read-only for everyone, superusers included: the documents are its
    source of truth, and an edit here would leave the fields derived from it at import
    (search_text, url_key, source_count, body_html) stale, and be kept by re-imports of an
    unchanged document. Change the document and import it again instead."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ViewOnly(ImportedContent):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "domain", "name_from_article"]
    search_fields = ["name", "domain"]


@admin.register(Topic)
class TopicAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(RelatedLink)
class RelatedLinkAdmin(ViewOnly, admin.ModelAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["title", "article", "provider", "published_at"]
    list_select_related = ["article", "provider"]
    search_fields = ["title"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"article__{name}" for name in HEAVY_ARTICLE_FIELDS))


# --- Article changelist filters -------------------------------------------------------------


class ProviderFilter(admin.RelatedFieldListFilter):
    """Only providers with articles: related links name many more. One index probe per provider."""

    def field_choices(self, field, request, model_admin):
        has_articles = Exists(Article.objects.filter(provider=OuterRef("pk")))
        return [(provider.pk, str(provider)) for provider in Provider.objects.filter(has_articles)]


class QualityBandFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality_band"
    BANDS = {
        "high": ("High (70–100)", {"quality__gte": 70}),
        "medium": ("Medium (40–69)", {"quality__gte": 40, "quality__lt": 70}),
        "low": ("Low (0–39)", {"quality__lt": 40}),
        "unknown": ("Unknown", {"quality__isnull": True}),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        return queryset.filter(**band[1]) if band else queryset


class YearFilter(admin.SimpleListFilter):
    """Years from the first to the last article: two index lookups, not a scan of every date."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = _year_range(request)
        return [(str(year), str(year)) for year in range(years[1], years[0] - 1, -1)] if years else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            start = datetime(int(value), 1, 1, tzinfo=timezone.get_current_timezone())
            end = start.replace(year=start.year + 1)
        except (ValueError, OverflowError):
            raise IncorrectLookupParameters(f"not a year: {value!r}") from None
        return queryset.filter(published_at__gte=start, published_at__lt=end)


class TopicFilter(admin.SimpleListFilter):
    """Articles in one topic, through a correlated EXISTS: no join, so no DISTINCT over the list,
    and walking the newest-first index stops at a page's worth of members."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return list(Topic.objects.order_by("name").values_list("slug", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        membership = Article.topics.through.objects.filter(
            article_id=OuterRef("pk"), topic__slug=self.value()
        )
        return queryset.filter(Exists(membership))


# --- Article admin --------------------------------------------------------------------------


def _year_range(request):
    """(first, last) year of all articles: two index lookups, no scan; once per request."""
    if not hasattr(request, "_article_year_range"):
        request._article_year_range = _compute_year_range()
    return request._article_year_range


def _compute_year_range():
    dates = Article.objects.order_by("published_at").values_list("published_at", flat=True)
    first, last = dates.first(), dates.last()
    if first is None:
        return None
    return timezone.localtime(first).year, timezone.localtime(last).year


def _buckets_with_rows(queryset, field, bounds):
    """For each [start, end) of `bounds`, whether `queryset` has a row with `field` in it.

    One query of EXISTS probes, each an index range lookup that stops at the first row. Django's
    own date hierarchy instead truncates every row's date (in Python, on SQLite): seconds at
    100,000 rows; counting rows per bucket would still read every row.
    """
    probes = {
        f"b{i}": Exists(queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end}))
        for i, (start, end) in enumerate(bounds)
    }
    row = Article.objects.annotate(**probes).values(*probes).first()  # any one row carries them
    return [bool(row and row[f"b{i}"]) for i in range(len(bounds))]


def _aware(year, month=1, day=1):
    return timezone.make_aware(datetime(year, month, day))


def _next_month(start):
    return (start + timedelta(days=32)).replace(day=1)


class ArticleChangeList(ChangeList):
    """The changelist's rows: heavy text columns deferred, topics in one prefetch query.

    `date_drilldown` replaces the admin's date hierarchy tag (see the change_list template) with
    the same links, found without a per-row date function.
    """

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(request, *args, **kwargs)

    def get_queryset(self, request, exclude_parameters=None):
        try:
            queryset = super().get_queryset(request, exclude_parameters)
        except (ValueError, OverflowError) as exc:  # e.g. the date hierarchy's year 9999 + 1
            raise IncorrectLookupParameters(exc) from exc
        return queryset.defer(*HEAVY_ARTICLE_FIELDS).prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("id", "name").order_by("name"))
        )

    # Date drill-down: {"show", "back": {"link", "title"} or None, "choices": [{"link", "title"}]},
    # what the admin's date_hierarchy.html expects.

    @cached_property
    def date_drilldown(self):
        field = self.date_hierarchy
        year, month, day = (self.params.get(f"{field}__{part}") for part in ("year", "month", "day"))
        if year and month and day:
            when = date(int(year), int(month), int(day))
            back = self._date_link(year, month)
            return self._drilldown(
                (back, capfirst(formats.date_format(when, "YEAR_MONTH_FORMAT"))),
                [{"title": capfirst(formats.date_format(when, "MONTH_DAY_FORMAT"))}],
            )
        if year and month:
            return self._drilldown((self._date_link(year), str(year)), self._days(int(year), int(month)))
        if year:
            return self._drilldown((self._date_link(), "All dates"), self._months(int(year)))
        years = self._years()
        if len(years) == 1:  # a single year: show its months, as the admin does
            return self._drilldown(None, self._months(years[0]["year"]))
        return self._drilldown(None, years)

    @staticmethod
    def _drilldown(back, choices):
        return {
            "show": True,
            "back": {"link": back[0], "title": back[1]} if back else None,
            "choices": choices,
        }

    def _date_link(self, year=None, month=None, day=None):
        field = self.date_hierarchy
        params = {f"{field}__year": year, f"{field}__month": month, f"{field}__day": day}
        return self.get_query_string({k: v for k, v in params.items() if v is not None}, [f"{field}__"])

    def _choices(self, starts, ends, title, link):
        """A choice per [start, end) that holds articles."""
        found = _buckets_with_rows(self.queryset, self.date_hierarchy, list(zip(starts, ends, strict=True)))
        return [
            {"link": link(start), "title": title(start), "year": start.year}
            for start, has_rows in zip(starts, found, strict=True)
            if has_rows
        ]

    def _years(self):
        years = _year_range(self.request)
        if years is None:
            return []
        starts = [_aware(year) for year in range(years[0], years[1] + 1)]
        ends = [_aware(start.year + 1) for start in starts]
        return self._choices(starts, ends, lambda s: str(s.year), lambda s: self._date_link(s.year))

    def _months(self, year):
        starts = [_aware(year, month) for month in range(1, 13)]
        return self._choices(
            starts,
            [_next_month(start) for start in starts],
            lambda s: formats.date_format(s, "F"),
            lambda s: self._date_link(year, s.month),
        )

    def _days(self, year, month):
        first = _aware(year, month)
        starts = [first + timedelta(days=n) for n in range((_next_month(first) - first).days)]
        return self._choices(
            starts,
            [start + timedelta(days=1) for start in starts],
            lambda s: capfirst(formats.date_format(s, "MONTH_DAY_FORMAT")),
            lambda s: self._date_link(year, month, s.day),
        )


class CappedCountPaginator(Paginator):
    """Counts a filtered list only up to CAP rows; the whole table is counted exactly.

    Counting every article in a topic or matching a search reads the whole table at each page
    load; counting the first CAP + 1 stops early. Past CAP the changelist says "more than CAP"
    (see the pagination, search_form and actions templates) and offers CAP / per-page pages:
    enough to browse, while the filters narrow the rest. Bulk actions on "all" still apply to
    every matching article: only the count shown is capped.
    """

    CAP = 2000
    capped = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where:  # the whole table: databases count it from an index
            return queryset.count()
        count = queryset.order_by()[: self.CAP + 1].count()
        self.capped = count > self.CAP
        return min(count, self.CAP)


class ArticleImageInline(ViewOnly, admin.TabularInline):
    formfield_overrides = URL_FIELDS_HTTPS
    model = ArticleImage
    extra = 0


class RelatedLinkInline(ViewOnly, admin.StackedInline):
    formfield_overrides = URL_FIELDS_HTTPS
    model = RelatedLink
    extra = 0
    fk_name = "article"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")


@admin.register(Article)
class ArticleAdmin(ImportedContent, admin.ModelAdmin):
    """View-only for everyone; the published state changes through `set_published` (the buttons
    and actions), which keeps the record. Superusers may delete an article (a later import of
    its document brings it back)."""

    formfield_overrides = URL_FIELDS_HTTPS
    list_display_links = ["title"]
    list_filter = ["published", ("provider", ProviderFilter), TopicFilter, YearFilter, QualityBandFilter]
    date_hierarchy = "published_at"
    # The search box matches words through the portal's text index (articles.search), over the
    # title, excerpt, provider and topics; `search_fields` only turns the box on.
    search_fields = ["title", "excerpt", "provider__name"]
    search_help_text = "Words from the title, excerpt, provider or topics; every word must match."
    list_select_related = ["provider"]
    list_per_page = 50
    paginator = CappedCountPaginator
    # The filtered count is shown; the count of the whole table is not worth a second query, nor
    # are facet counts (one COUNT per topic, year and band on every page).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    inlines = [ArticleImageInline, RelatedLinkInline]
    actions = ["publish_selected", "unpublish_selected"]
    view_on_site = True
    fieldsets = [
        (None, {"fields": ["title", "excerpt", "provider", "topics", "published_at", "slug"]}),
        ("Published state", {"fields": ["published", "published_decided_at"]}),
        ("Scores", {"fields": ["type", "category", "quality", "heat"]}),
        ("Addresses", {"fields": ["web_url", "original_url", "amp_web_url", "cdn_amp_web_url"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": ["source_path", "body", "secured", "created_at", "updated_at"],
            },
        ),
    ]
    class Media:
        css = {"all": ["css/admin_articles.css"]}

    # Permissions

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def get_search_results(self, request, queryset, search_term):
        terms = search.search_terms(search_term)
        if not terms:
            return queryset, False
        return search.matching(queryset, terms), False

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(content_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(content_changed)

    def get_deleted_objects(self, objs, request):
        # An article's images, related links and editorial actions go with it (its deletion is
        # logged); they are read-only in the admin, which would otherwise forbid the deletion.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed -= {model._meta.verbose_name for model in (ArticleImage, RelatedLink, EditorialAction)}
        return deleted, model_count, perms_needed, protected

    # Changelist

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_list_display(self, request):
        can_publish = self.has_publish_permission(request) and IS_POPUP_VAR not in request.GET
        state = self._state_column(request) if can_publish else "published"
        return [
            "title",
            "provider",
            "published_date",
            state,
            "quality",
            "heat_display",
            "topic_names",
            "site_link",
        ]

    @admin.display(description="published at", ordering="published_at")
    def published_date(self, obj):
        return timezone.localtime(obj.published_at).date().isoformat()

    @admin.display(description="heat", ordering="heat")
    def heat_display(self, obj):
        return obj.heat if obj.heat_known else "–"

    @admin.display(description="topics")
    def topic_names(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all())

    @admin.display(description="on site")
    def site_link(self, obj):
        return format_html('<a href="{}">View on site</a>', obj.get_absolute_url())

    def _state_column(self, request):
        """The published state with a Publish/Unpublish button, bound to this request's filters.

        The changelist is one big <form> (for the actions) carrying the CSRF token; a nested form
        is not valid HTML, so the button posts that form to the toggle URL with `formaction`.
        """
        preserved = self.get_preserved_filters(request)

        @admin.display(description="published", ordering="published")
        def state(obj):
            url = reverse("admin:articles_article_toggle_published", args=[obj.pk])
            if preserved:
                url = f"{url}?{preserved}"
            return format_html(
                '{} <button type="submit" class="button" formaction="{}" formmethod="post" '
                'name="published" value="{}">{}</button>',
                display_for_value(obj.published, "", boolean=True),
                url,
                "0" if obj.published else "1",
                "Unpublish" if obj.published else "Publish",
            )

        return state

    # Publishing

    @admin.action(description="Publish selected %(verbose_name_plural)s", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Unpublish selected %(verbose_name_plural)s", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._decide(request, queryset, False)

    def _decide(self, request, queryset, published):
        selected = queryset.count()
        changed = set_published(queryset, published, request.user)
        verb = "published" if published else "unpublished"
        message = f"{changed} {'article' if changed == 1 else 'articles'} {verb}."
        if selected > changed:
            already = selected - changed
            message += f" {already} {'was' if already == 1 else 'were'} already {verb}."
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)

    def get_urls(self):
        toggle = path(
            "<path:object_id>/toggle-published/",
            self.admin_site.admin_view(self.toggle_published_view),
            name="articles_article_toggle_published",
        )
        return [toggle, *super().get_urls()]

    def toggle_published_view(self, request, object_id):
        """POST published=1|0: set one article's state, then go back where the editor was."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_publish_permission(request, article):
            raise PermissionDenied
        wanted = request.POST.get("published")
        if wanted not in ("0", "1"):
            self.message_user(request, "Nothing changed: choose Publish or Unpublish.", messages.ERROR)
        else:
            published = wanted == "1"
            verb = "published" if published else "unpublished"
            if set_published([article.pk], published, request.user):
                self.message_user(request, f"“{article}” {verb}.", messages.SUCCESS)
            else:
                self.message_user(request, f"“{article}” was already {verb}.", messages.WARNING)
        if request.POST.get("_return") == "change":
            url = reverse("admin:articles_article_change", args=[article.pk])
        else:
            url = reverse("admin:articles_article_changelist")
        return redirect(
            add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
            )
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_publish": self.has_publish_permission(request),
            "toggle_query": self.get_preserved_filters(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(EditorialAction)
class EditorialActionAdmin(admin.ModelAdmin):
    """The record of decisions: read-only for everyone, editors included."""

    list_display = ["at", "user", "action", "state_change", "article_link"]
    list_display_links = ["at"]
    # "at" filters by Today / Past 7 days / This month / This year. No date hierarchy: Django's
    # truncates every row's date, and bulk actions make this table grow fast.
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "action", "at"]
    list_select_related = ["user", "article"]
    search_fields = ["article__title"]
    show_full_result_count = False
    fields = ["at", "user", "action", "state_change", "article_link"]
    readonly_fields = fields
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"article__{name}" for name in HEAVY_ARTICLE_FIELDS))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="change")
    def state_change(self, obj):
        return f"{EditorialAction.state_label(obj.from_state)} → {EditorialAction.state_label(obj.to_state)}"

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article)
