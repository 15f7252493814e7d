"""Reads for the reader's list pages: the filtered, ordered articles and their disjunctive facets.

    listing = article_listing(request.GET)                 # the front page
    listing = article_listing(request.GET, topic=topic)    # a topic's page, and so on

Takes plain values (a query mapping, model instances), knows no request or template. Every
facet's counts come from one grouped query over the articles filtered by every *other* facet
(OR inside a facet, AND across facets), so a reader sees what each choice would add.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear

from . import content_version, facet_index, search
from .filters import FACETS, ArticleFilter, valid_years
from .models import Article, ArticleImage, Provider, Topic

FACET_LIMIT = 30  # values listed per facet (the most frequent; selected ones are always shown)
FACET_TITLES = {"topic": "Topics", "provider": "Sources", "year": "Years"}
CHIP_TITLES = {"topic": "Topic", "provider": "Source", "year": "Year"}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggled: list  # the facet's selection once this value is clicked


@dataclass
class Facet:
    name: str
    title: str
    values: list
    selected: list

    @property
    def label_for(self):
        return {value.value: value.label for value in self.values}


@dataclass
class Chip:
    """One selected filter value the reader can remove; `remaining` is the facet without it."""

    name: str
    title: str
    value: str
    label: str
    remaining: list


@dataclass
class Listing:
    filterset: ArticleFilter
    articles: object  # QuerySet, ordered, with what the cards show prefetched
    facets: list
    chips: list
    query: str
    sort: str
    sort_choices: list
    topic: Topic | None = None
    provider: Provider | None = None
    unknown: list = field(default_factory=list)  # (facet, value) pairs that name nothing

    @property
    def filtered(self):
        return bool(self.chips or self.query)

    @property
    def total(self):
        """How many articles match, without a COUNT query: every article has exactly one year, so
        the year facet (counted under every other filter) adds up to the total over the selected
        years, or over all of them when none is selected. As fresh as the facet counts (see
        `_cached_counts`)."""
        years = next(facet for facet in self.facets if facet.name == "year")
        return sum(value.count for value in years.values if value.selected or not years.selected)


class UtcYear(ExtractYear):
    """The UTC year of a datetime. On SQLite, read straight from the stored text: no per-row
    Python function, which Django's ExtractYear uses there."""

    def __init__(self, expression):
        super().__init__(expression, tzinfo=dt.UTC)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(SUBSTR({sql}, 1, 4) AS INTEGER)", params


def article_listing(data, *, topic=None, provider=None):
    """The published articles matching `data` (topic, provider, year, q, sort), with facets."""
    base = Article.objects.published()
    if topic is not None:
        base = base.for_topics([topic.slug])
    if provider is not None:
        base = base.from_providers([provider.domain])
    filterset = ArticleFilter(data, queryset=base)
    articles = filterset.qs.select_related("provider").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("name")),
        Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
    )
    counts = {}
    for name in FACETS:
        if provider is not None and name == "provider":
            continue  # a provider's page needs no provider facet
        counts[name] = _cached_counts(filterset, name, topic, provider)
    facets = [
        _facet(
            filterset,
            name,
            values,
            by_count=name != "year",
            hide=topic.slug if topic is not None and name == "topic" else None,
        )
        for name, values in counts.items()
    ]
    chips = _chips(filterset, facets)
    return Listing(
        filterset=filterset,
        articles=articles,
        facets=facets,
        chips=chips,
        query=(filterset.cleaned.get("q") or "")[: search.MAX_QUERY_CHARS],
        sort=filterset.current_sort,
        sort_choices=filterset.sort_choices(),
        topic=topic,
        provider=provider,
    )


def unknown_values(listing):
    """Selected topics and providers that do not exist: worth telling the reader (2 queries at most;
    call it only when a listing comes back empty)."""
    selected = {facet.name: facet.selected for facet in listing.facets}
    unknown = []
    if selected.get("topic"):
        known = set(Topic.objects.filter(slug__in=selected["topic"]).values_list("slug", flat=True))
        unknown += [("topic", slug) for slug in selected["topic"] if slug not in known]
    if selected.get("provider"):
        known = set(Provider.objects.filter(domain__in=selected["provider"]).values_list("domain", flat=True))
        unknown += [("provider", domain) for domain in selected["provider"] if domain not in known]
    valid = {str(year) for year in valid_years(selected.get("year", []))}
    unknown += [("year", year) for year in selected.get("year", []) if year not in valid]
    return unknown


# --- counting: one grouped query per facet ---------------------------------------------------------


def topic_counts(articles, limit=FACET_LIMIT):
    """[(slug, name, count)] over `articles`, counted from a subquery of their ids (never over a
    queryset already joined through topics, which would count the wrong rows). Grouped by topic id
    alone, names fetched afterwards for the few topics listed: joining the topic table before
    grouping costs a lookup per membership row (tens of thousands on the front page)."""
    memberships = Article.topics.through.objects.filter(article_id__in=articles.order_by().values("id"))
    rows = memberships.values("topic_id").annotate(count=Count("id")).order_by("-count", "topic_id")[:limit]
    counts = {row["topic_id"]: row["count"] for row in rows}
    if not counts:
        return []
    topics = Topic.objects.filter(id__in=list(counts)).values_list("id", "slug", "name")
    return sorted(((slug, name, counts[pk]) for pk, slug, name in topics), key=lambda row: (-row[2], row[1]))


def provider_counts(articles, limit=FACET_LIMIT):
    rows = (
        articles.order_by()
        .values("provider__domain", "provider__name")
        .annotate(count=Count("id"))
        .order_by("-count", "provider__name")[:limit]
    )
    return [(row["provider__domain"], row["provider__name"], row["count"]) for row in rows]


def year_counts(articles):
    rows = (
        articles.order_by().values(year=UtcYear("published_at")).annotate(count=Count("id")).order_by("-year")
    )
    return [(str(row["year"]), str(row["year"]), row["count"]) for row in rows]


COUNTERS = {"topic": topic_counts, "provider": provider_counts, "year": year_counts}


def _cached_counts(filterset, name, topic, provider):
    """A facet's counts, remembered for `PORTAL_FACET_CACHE_SECONDS` (default 60; 0 turns it off).

    Counting the front page's 30,000 published articles by topic takes tens of milliseconds; the
    same few filter combinations are asked for again and again. The key is everything the counts
    depend on: the page's topic or provider, and every filter but this facet's own, plus the
    content version (articles.content_version): an import or an editor's decision makes the old counts
    unreachable in every app server within CONTENT_VERSION_TTL seconds."""

    def count():
        if getattr(settings, "PORTAL_FACET_INDEX", True):  # bitmaps: see articles.facet_index
            return facet_index.facet_counts(filterset, name, topic, provider, limit=FACET_LIMIT)
        return COUNTERS[name](filterset.filtered(exclude={name}))

    timeout = getattr(settings, "PORTAL_FACET_CACHE_SECONDS", 60)
    if not timeout:
        return count()
    cleaned = filterset.cleaned
    state = {
        "facet": name,
        "page": [topic and topic.slug, provider and provider.domain],
        "terms": [term.casefold() for term in filterset.terms],
        **{other: sorted(filterset.selected(other)) for other in FACETS if other != name},
    }
    if not cleaned.get("q"):
        state.pop("terms")
    return content_version.cached(
        "articles:facets:v2",
        json.dumps(state, sort_keys=True),
        count,
        timeout=timeout,
    )


def _facet(filterset, name, counts, by_count=True, hide=None):
    selected = filterset.selected(name)
    values = []
    for value, label, count in counts:
        if value == hide:
            continue
        values.append(_value(selected, value, label or value, count))
    listed = {value.value for value in values}
    # A selected value always shows, even when the other filters leave it nothing.
    for value in selected:
        if value not in listed and value != hide:
            values.append(_value(selected, value, value, 0))
    if not by_count:
        values.sort(key=lambda value: value.value, reverse=True)
    return Facet(name=name, title=FACET_TITLES[name], values=values, selected=selected)


def _value(selected, value, label, count):
    is_selected = value in selected
    toggled = [v for v in selected if v != value] if is_selected else [*selected, value]
    return FacetValue(value=value, label=label, count=count, selected=is_selected, toggled=toggled)


def _chips(filterset, facets):
    chips = []
    for facet in facets:
        labels = facet.label_for
        for value in facet.selected:
            remaining = [v for v in facet.selected if v != value]
            chips.append(
                Chip(
                    name=facet.name,
                    title=CHIP_TITLES[facet.name],
                    value=value,
                    label=labels.get(value, value),
                    remaining=remaining,
                )
            )
    return chips


__all__ = [
    "FACETS",
    "Listing",
    "article_listing",
    "provider_counts",
    "topic_counts",
    "unknown_values",
    "year_counts",
]
