"""What keeps the article changelist fast at 100,000 articles: bounded filters, a date hierarchy
found by index probes, deferred text columns with topics in one prefetch, and a capped count.
The editorial rules (who may do what) are in `articles.admin`.
"""

import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst

from ..models import Article, ArticleImage, Provider, Topic

# The heavy text columns of an article, never needed in a list.
HEAVY_ARTICLE_FIELDS = ["body", "body_html", "secured", "search_text", "excerpt"]


# --- Article changelist filters -------------------------------------------------------------


def natural_key(text):
    """ "Provider 2" before "Provider 10": digits compare as numbers, letters without case."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text or "")]


class SourceCounts(NamedTuple):
    counts: dict  # provider id -> number of articles (exact, or an estimate)
    exact: bool

    def label(self, provider_id):
        """ "12" when exact (0 included), "about 1,200" for an estimate, "" when not known."""
        count = self.counts.get(provider_id)
        if self.exact:
            return f"{count or 0:,}"
        return f"about {_two_figures(count):,}" if count else ""


def _two_figures(number):
    """1234 -> 1200: an estimate shows no more figures than it knows."""
    digits = len(str(int(number)))
    return int(round(number, 2 - digits)) if digits > 2 else int(number)


def source_counts(queryset, budget=None):
    """Articles per provider in `queryset` (every filter but the source one), for the source list.

    Exact when the filtered rows are few enough to count at every page load; else an estimate.
    The unfiltered table is counted whole (one grouped count over the provider index). Filtered,
    one query takes the first `budget` + 1 matching ids in id order and groups them by provider:
    its cost is bounded by the budget (`ADMIN_SOURCE_COUNT_ROWS`, sized to stay well under 50 ms)
    instead of by the rows matching. Within the budget the counts are exact; past it, each
    provider's count in that sample is scaled by the share of the id range the sample covered
    (two index lookups), and the counts are labelled as estimates."""
    budget = settings.ADMIN_SOURCE_COUNT_ROWS if budget is None else budget
    queryset = queryset.order_by()
    if not queryset.query.where:
        rows = Article.objects.order_by().values_list("provider_id").annotate(models.Count("id"))
        return SourceCounts(dict(rows), exact=True)
    sample = queryset.order_by("pk").values("pk")[: budget + 1]
    rows = list(
        Article.objects.filter(pk__in=sample)
        .order_by()
        .values_list("provider_id")
        .annotate(models.Count("id"), models.Max("id"))
    )
    counts = {provider: count for provider, count, _ in rows}
    if sum(counts.values()) <= budget:
        return SourceCounts(counts, exact=True)
    last = max(highest for _, _, highest in rows)
    ids = Article.objects.order_by().aggregate(first=models.Min("id"), last=models.Max("id"))
    covered = (last - ids["first"] + 1) / (ids["last"] - ids["first"] + 1)
    return SourceCounts({provider: count / covered for provider, count in counts.items()}, exact=False)


class ProviderFilter(admin.RelatedFieldListFilter):
    """Only providers with articles (related links name many more), sorted by name as people
    read them, with a search box over the list (see its template): one index probe per provider.

    Each provider shows its number of articles under every other filter (`source_counts`):
    exact when cheap to count, else an estimate labelled "about"."""

    template = "admin/articles/article/provider_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.other_params = [
            (name, value)
            for name, values in request.GET.lists()
            if not name.startswith(field_path + "__") and name not in ("p", "source", "_changelist_filters")
            for value in values
        ]
        self.counts = None
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [*super().expected_parameters(), "source"]

    def queryset(self, request, queryset):
        """The chosen provider, or `source`: a domain or a name typed in the search box."""
        source = self.source.strip()[:253]
        if source:
            named = models.Q(domain=source.lower()) | models.Q(name__iexact=source)
            queryset = queryset.filter(provider__in=Provider.objects.filter(named).values("pk"))
        used = {name: value for name, value in self.used_parameters.items() if name != "source"}
        try:
            return queryset.filter(build_q_object_from_lookup_parameters(used))
        except (ValueError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    @property
    def source(self):
        value = self.used_parameters.get("source")
        return (value[-1] if isinstance(value, list) and value else value) or ""

    def field_choices(self, field, request, model_admin):
        # Once per request: counting builds the changelist's filters a second time.
        if not hasattr(request, "_article_sources"):
            has_articles = Exists(Article.objects.filter(provider=OuterRef("pk")))
            request._article_sources = sorted(
                Provider.objects.filter(has_articles),
                key=lambda provider: (natural_key(provider.name), provider.domain),
            )
        self.providers = providers = request._article_sources
        return [(provider.pk, str(provider)) for provider in providers]

    def choices(self, changelist):
        """The admin's choices ("All", then one per provider in order), counts added."""
        # The list as filtered by everything but this filter, as the admin's own facets count.
        others = changelist.get_queryset(changelist.request, exclude_parameters=self.expected_parameters())
        self.counts = source_counts(others)
        choices = super().choices(changelist)
        yield next(choices)
        for (pk, _), choice in zip(self.lookup_choices, choices, strict=False):
            label = self.counts.label(pk)
            if label:
                choice = {**choice, "display": f"{choice['display']} ({label})"}
            yield choice
        yield from choices


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
    """Articles in one topic (`ArticleQuerySet.in_topics`, shaped as for the reader's list, which
    also counts its matches and pages newest first): no join, so no DISTINCT over the list."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        # Once per request: the source filter's counts build the changelist's filters again.
        if not hasattr(request, "_article_topics"):
            request._article_topics = list(Topic.objects.order_by("name").values_list("slug", "name"))
        return request._article_topics

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.in_topics([self.value()])


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
        # The title column shows the excerpt; the thumbnail is the first image, a subquery per row.
        thumbnail = ArticleImage.objects.filter(article=OuterRef("pk")).order_by("position").values("url")[:1]
        return (
            queryset.defer(*(name for name in HEAVY_ARTICLE_FIELDS if name != "excerpt"))
            .annotate(thumbnail_url=Subquery(thumbnail))
            .prefetch_related(Prefetch("topics", queryset=Topic.objects.only("id", "name").order_by("name")))
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


class CappedCount(int):
    """A count that stopped at its cap: a number to page by, "more than N" wherever it is shown
    (the admin's pagination and search form print `cl.result_count` as they are)."""

    def __str__(self):
        return f"more than {int(self)}"


class CappedCountPaginator(Paginator):
    """Counts a filtered list only up to CAP rows; the whole table is counted exactly.

    Counting every article in a topic or matching a search reads the whole table at each page
    load; counting the first CAP + 1 stops early. Past CAP the count is a `CappedCount`, which
    the changelist shows as "more than CAP" (the actions template also says so), and CAP /
    per-page pages are offered: enough to browse, while the filters narrow the rest. Bulk
    actions on "all" still apply to every matching article: only the count shown is capped.
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
        return CappedCount(self.CAP) if self.capped else count
