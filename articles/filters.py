"""The reader's filters: topic, provider, year (each repeatable), a text query and the sort order.

Lenient by design: a query string never makes the form invalid. Unknown values simply match
nothing (the page explains it), an unknown sort falls back to the default.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import F, Q

from . import search
from .models import Article, normalize_domain

FACETS = ("topic", "provider", "year")
DEFAULT_SORT = "newest"
RELEVANCE = "relevance"
SORTS = {
    "newest": ("Latest", ("-published_at", "-id")),
    "oldest": ("Oldest", ("published_at", "id")),
    "quality": ("Best rated", (F("quality").desc(nulls_last=True), "-published_at", "-id")),
    "heat": ("Trending", (F("heat").desc(nulls_last=True), "-published_at", "-id")),
}
YEAR_RE = re.compile(r"[0-9]{4}")
MIN_YEAR, MAX_YEAR = 1000, 9998


class MultipleValueField(forms.Field):
    """Every value given for a repeated parameter (`?topic=a&topic=b`), cleaned, de-duplicated."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, normalize=str.strip, max_values=30, max_length=253, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.normalize, self.max_values, self.max_length = normalize, max_values, max_length

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [value]
        values = []
        for item in value:
            item = self.normalize(str(item).replace("\x00", ""))[: self.max_length]
            if item and item not in values:
                values.append(item)
        return values[: self.max_values]


class MultipleValueFilter(django_filters.Filter):
    field_class = MultipleValueField


def valid_years(values):
    """The years among `values` that name a year the filter can match, sorted."""
    return sorted({int(v) for v in values if YEAR_RE.fullmatch(v) and MIN_YEAR <= int(v) <= MAX_YEAR})


def _slug(value):
    return value.strip().lower()


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    topic = MultipleValueFilter(method="filter_topic", normalize=_slug, max_length=120)
    provider = MultipleValueFilter(method="filter_provider", normalize=normalize_domain)
    year = MultipleValueFilter(method="filter_year", max_length=4)
    # Applied last, by `order()`, once every filter is in.
    sort = django_filters.CharFilter(method="keep", label="Sort")

    class Meta:
        model = Article
        fields = []

    # --- filters: OR inside one facet, AND across facets -------------------------------------------

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, self.terms)

    def filter_topic(self, queryset, name, slugs):
        return queryset.for_topics(slugs)

    def filter_provider(self, queryset, name, domains):
        return queryset.from_providers(domains)

    def filter_year(self, queryset, name, values):
        years = valid_years(values)
        if not years:
            return queryset.none()
        condition = Q()
        for year in years:
            condition |= Q(
                published_at__gte=dt.datetime(year, 1, 1, tzinfo=dt.UTC),
                published_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC),
            )
        return queryset.filter(condition)

    def keep(self, queryset, name, value):
        return queryset

    # --- reading the request --------------------------------------------------------------------

    @property
    def cleaned(self):
        self.errors  # noqa: B018 - validates the form (it never fails, values are only cleaned)
        return self.form.cleaned_data

    @property
    def terms(self):
        return search.search_terms(self.cleaned.get("q") or "")

    def selected(self, facet):
        return list(self.cleaned.get(facet) or [])

    @property
    def current_sort(self):
        """The sort in effect: the one asked for if known, else relevance for a search, else newest."""
        asked = self.cleaned.get("sort") or ""
        if asked in SORTS or (asked == RELEVANCE and self.terms):
            return asked
        return RELEVANCE if self.terms else DEFAULT_SORT

    def sort_choices(self):
        choices = [(RELEVANCE, "Relevance")] if self.terms else []
        return choices + [(key, label) for key, (label, _) in SORTS.items()]

    # --- querysets ----------------------------------------------------------------------------

    def filtered(self, exclude=()):
        """The queryset with every filter applied except the facets named in `exclude`; unordered."""
        queryset = self.queryset.all()
        for name, value in self.cleaned.items():
            if name not in exclude and name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_queryset(self, queryset):
        """Every filter, then the sort. Ranking by relevance applies the text search itself."""
        sort = self.current_sort
        if sort == RELEVANCE:
            return search.ranked(self.filtered(exclude={"q"}), self.terms)
        return self.filtered().order_by(*SORTS[sort][1])
