"""What a list page is asked for, parsed once into plain values, and the FilterSet that applies them.

    query = parse_list_query(request.GET)     # a ListQuery: topics, providers, years, q, sort, page
    filterset = ArticleFilter(query.filter_data(), queryset=articles)   # what the selector does:
    filterset.qs, filterset.qs_without("topic")                         # the list, a facet's base

Lenient by design: a query string never fails. Values are cleaned (trimmed, lower-cased where
case carries no meaning, cut to their column's length, at most MAX_VALUES per facet). A topic,
source or year that names nothing stays selected and matches nothing (the page says so). A sort
that is not a choice is dropped, as is every parameter the list does not know: links are built
from the ListQuery, never from the raw query string, so nothing a reader typed is echoed into them.
"""

import copy
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.db.models import F, Q
from django.http import QueryDict

from . import search
from .domains import normalize_domain
from .models import Article

FACETS = ("topic", "provider", "year")
MAX_VALUES = 10  # values kept per facet: each costs the facet counts a little more
MAX_PAGE_CHARS = 20
DEFAULT_SORT = "newest"
RELEVANCE = "relevance"
SORTS = {
    "newest": ("Latest", ("-published_at", "-id")),
    "oldest": ("Oldest", ("published_at", "id")),
    "quality": ("Best rated", (F("quality").desc(nulls_last=True), "-published_at", "-id")),
    # Among the articles of the trending window only (`trending_window`): the most-covered (the
    # "N sources" a card shows), then the hottest.
    "trending": (
        "Trending",
        ("-source_count", F("heat").desc(nulls_last=True), "-published_at", "-id"),
    ),
}
TRENDING = "trending"
TRENDING_DAYS = 7
# Sorts known by an older name: links and bookmarks made with it keep working (and are answered
# with the current name in every link the page builds).
SORT_ALIASES = {"heat": TRENDING}
YEAR_RE = re.compile(r"[0-9]{4}")
MIN_YEAR, MAX_YEAR = 1000, 9998


def _slug(value):
    return value.strip().lower()


# How each facet's values are cleaned: (ListQuery field, normalizer, longest value kept).
FACET_VALUES = {
    "topic": ("topics", _slug, 120),
    "provider": ("providers", normalize_domain, 253),
    "year": ("years", str.strip, 4),
}


class LinkParams(QueryDict):
    """A QueryDict whose copy is shallow. `{% querystring %}` copies its base for every link it
    builds (a list page has about seventy) and only replaces values, never changes one in place;
    Django's deep copy would cost as much as the rest of the link."""

    def copy(self):
        return copy.copy(self)


@dataclass(frozen=True)
class ListQuery:
    """A list page's query as plain values, every one already cleaned (see `parse_list_query`).

    `topics`, `providers` and `years` are the selected values of each facet, in the order given,
    without duplicates (OR inside a facet, AND across facets). `q` is the search text (at most
    `search.MAX_QUERY_CHARS`), `sort` the sort asked for when it is a choice ("" otherwise: see
    `effective_sort`), `page` the page number as asked (a string: the paginator judges it).
    """

    topics: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    q: str = ""
    sort: str = ""
    page: str = "1"

    @cached_property
    def terms(self):
        """The search words of `q` (see `search.search_terms`); [] when there is no search."""
        return search.search_terms(self.q)

    @property
    def default_sort(self):
        """The sort when none is asked for: relevance for a search, else newest."""
        return RELEVANCE if self.terms else DEFAULT_SORT

    @property
    def effective_sort(self):
        """The sort in effect: the one asked for, else `default_sort`."""
        return self.sort or self.default_sort

    @property
    def sort_choices(self):
        """[(key, label)] of the sorts a reader can pick: relevance only for a search."""
        choices = [(RELEVANCE, "Relevance")] if self.terms else []
        return choices + [(key, label) for key, (label, _) in SORTS.items()]

    def selected(self, facet):
        """The selected values of `facet` ("topic", "provider" or "year"), as a list."""
        return list(getattr(self, FACET_VALUES[facet][0]))

    def filter_data(self, exclude=()):
        """The data `ArticleFilter` takes: every filter but the facets named in `exclude`."""
        data = {facet: self.selected(facet) for facet in FACETS if facet not in exclude}
        if "q" not in exclude:
            data["q"] = self.q
        return data

    @cached_property
    def params(self):
        """The query as a QueryDict, the base of every link on the page (`{% querystring %}`): the
        cleaned values only, the page left out (each link sets or drops it). Every facet is a key,
        even when empty: `{% querystring %}` answers "" for an empty base, and href="" would be
        the current address, page number and all."""
        params = LinkParams(mutable=True)
        for facet in FACETS:
            params.setlist(facet, self.selected(facet))
        if self.q:
            params["q"] = self.q
        if self.sort:
            params["sort"] = self.sort
        params._mutable = False
        return params


def parse_list_query(params):
    """The ListQuery of a query string: `params` is a QueryDict (request.GET) or a plain mapping of
    names to a value or a list of values. Never fails: what cannot be used is dropped."""

    def values(name):
        if hasattr(params, "getlist"):
            return params.getlist(name)
        value = params.get(name)
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)

    def last(name):
        given = values(name)
        return str(given[-1]) if given else None

    facets = {}
    for facet, (field, normalize, max_length) in FACET_VALUES.items():
        cleaned = []
        for value in values(facet):
            value = normalize(str(value).replace("\x00", ""))[:max_length]
            if value and value not in cleaned:
                cleaned.append(value)
        facets[field] = tuple(cleaned[:MAX_VALUES])
    q = (last("q") or "").strip()
    if "\x00" in q:  # as a form field would: a value with a NUL character is no value
        q = ""
    q = q[: search.MAX_QUERY_CHARS]
    sort = (last("sort") or "").strip()
    sort = SORT_ALIASES.get(sort, sort)
    if not (sort in SORTS or (sort == RELEVANCE and search.search_terms(q))):
        sort = ""
    return ListQuery(**facets, q=q, sort=sort, page=(last("page") or "1")[:MAX_PAGE_CHARS])


def valid_years(values):
    """The years among `values` that name a year the filter can match, sorted."""
    return sorted({int(v) for v in values if YEAR_RE.fullmatch(v) and MIN_YEAR <= int(v) <= MAX_YEAR})


# --- applying the values ---------------------------------------------------------------------------


class ValueListField(forms.Field):
    """A list of values, taken as given: `parse_list_query` has cleaned them."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return []
        return [value] if isinstance(value, str) else list(value)


class ValueListFilter(django_filters.Filter):
    field_class = ValueListField


class ArticleFilter(django_filters.FilterSet):
    """The list filters over a queryset: OR inside one facet, AND across facets. Takes the data of
    a ListQuery (`ListQuery.filter_data`); ordering is the selector's. `qs` applies every filter;
    `qs_without(name)` all but one, the base a facet is counted on."""

    q = django_filters.CharFilter(method="filter_q", label="Search")
    topic = ValueListFilter(method="filter_topic")
    provider = ValueListFilter(method="filter_provider")
    year = ValueListFilter(method="filter_year")

    class Meta:
        model = Article
        fields = []

    def get_form_class(self):
        # The same fields every time: build the form class once, not on every page. Each form
        # still gets its own copies of the fields.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def qs_without(self, *names, newest_few=False):
        """The queryset with every filter applied but those named (unordered, like `qs`).

        `newest_few`: shaped for reading only its newest rows (a search's window of the newest
        articles), not for walking or counting all of them: the topics as
        `ArticleQuerySet.in_topics(newest_few=True)` has them."""
        if not self.is_valid():  # never happens: the values come cleaned
            return self.queryset.none()
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name in names:
                continue
            if newest_few and name == "topic" and value:
                queryset = queryset.in_topics(value, newest_few=True)
            else:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, search.search_terms(value))

    def filter_topic(self, queryset, name, slugs):
        return queryset.in_topics(slugs)

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
