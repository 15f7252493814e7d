"""Reads for the reader's pages: a list page (one page of the filtered, ordered articles with its
facets) and an article's page (the article with its related coverage and more on its topics).

    listing = article_listing(parse_list_query(request.GET))                # the front page
    listing = article_listing(parse_list_query(request.GET), topic=topic)   # a topic's page, ...
    detail = article_detail(slug, request.user)                             # an article's page

Takes plain values (a ListQuery, a slug, model instances), knows no request or template, and
returns plain objects: a complete `Listing`, an `ArticleDetail`. Every facet's counts come from
one grouped query over the articles filtered by every *other* facet (OR inside a facet, AND across
facets), so a reader sees what each choice would add.
"""

import datetime as dt
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.text import Truncator

from . import content_version, facet_index, search
from .canonical import canonical_url, clean_url, related_stories
from .filters import FACETS, RELEVANCE, SORTS, TRENDING, TRENDING_DAYS, ArticleFilter, ListQuery, valid_years
from .models import Article, ArticleImage, Provider, Topic
from .story_selectors import story_link

PAGE_SIZE = 20
# Ranking by relevance sorts every match and keeps page x 20 of them: a deep page of a common
# word costs several times the first (bench/expensive.py). Nobody reads past this far.
MAX_SEARCH_PAGE = 50
MAX_SEARCH_RESULTS = MAX_SEARCH_PAGE * PAGE_SIZE
FACET_LIMIT = 30  # values listed per facet (the most frequent; selected ones are always shown)
FACET_TITLES = {"topic": "Topics", "provider": "Sources", "year": "Years"}
SUGGEST_BELOW = 3  # results under which a search offers "did you mean"
# A filtered list is read by id (see _ordered) when at most this many articles match, and at most
# 1/SPARSE_SHARE of those published: a denser list finds its page soon enough walking an index.
SPARSE_LIST, SPARSE_SHARE = 5000, 20
CHIP_TITLES = {"topic": "Topic", "provider": "Source", "year": "Year"}
HEADING_QUERY_CHARS = 60  # of a search, in a page's heading and title


@dataclass
class FacetValue:
    """One value of a facet: `toggled` is the facet's selection once the reader clicks it."""

    value: str
    label: str
    count: int
    selected: bool
    toggled: list


@dataclass
class Facet:
    """One facet ("topic", "provider" or "year"): its values, most frequent first (years newest
    first), and the values selected, in the order given."""

    name: str
    title: str
    values: list[FacetValue]
    selected: list[str]


@dataclass
class Chip:
    """One selected filter value the reader can remove; `remaining` is the facet without it."""

    name: str
    title: str
    value: str
    label: str
    remaining: list[str]


@dataclass(frozen=True)
class TrendingWindow:
    """The articles "Trending" ranks: published from `start` to `end`, the newest published
    article's time (not the clock's: a corpus that stops growing keeps a Trending)."""

    start: datetime
    end: datetime
    days: int = TRENDING_DAYS


@dataclass
class Listing:
    """Everything a list page shows, read in one pass by `article_listing`.

    - `query`: the ListQuery it answers (its `params` are the base of every link on the page).
    - `articles`: this page's articles, provider, topics and images prefetched, in the order of
      `sort`; [] when `page` is None.
    - `page`, `paginator`, `page_range`: Django's Page (None when the page number asked for is not a
      page of this list: the page answers 404), its Paginator and the page numbers to link (elided).
    - `total`: how many articles match (every page).
    - `facets`: [Facet] for topic, provider (not on a provider's page) and year.
    - `chips`: [Chip], one per selected facet value.
    - `unknown`: [(facet, value)] selected topics, providers or years that name nothing, listed
      when nothing matches (the page explains them).
    - `sort`, `sort_choices`: the sort in effect and [(key, label)] of those to choose from.
    - `topic`, `provider`: the page's own topic or provider (topic and provider pages), else None.
    - `suggestion`: "did you mean": the search with its unknown words replaced by the corpus's
      nearest ones, when it found fewer than SUGGEST_BELOW articles; else "".
    - `window`: the TrendingWindow the list (and every count) is restricted to when sorted by
      trending, else None.
    """

    query: ListQuery
    articles: list
    page: Page | None
    paginator: Paginator
    page_range: list
    total: int
    facets: list[Facet]
    chips: list[Chip]
    unknown: list[tuple[str, str]]
    sort: str
    sort_choices: list[tuple[str, str]]
    topic: Topic | None = None
    provider: Provider | None = None
    suggestion: str = ""  # "did you mean": the query with unknown words replaced, when little matched
    window: TrendingWindow | None = None

    @property
    def filtered(self):
        """True when the reader narrowed the list (a facet value or a search)."""
        return bool(self.chips or self.query.q)

    @property
    def heading(self):
        """The page's name, for its `<h1>` and `<title>` (plain text: the template escapes it):
        what narrows the list, sources before topics before years ("Nature · Machine Learning",
        "Search: calcium"), led by the sort when one other than the default is asked for
        ("Trending · Nature"); the sort alone when nothing narrows the list ("Latest", "Trending")."""
        chips = {name: [chip.label for chip in self.chips if chip.name == name] for name in FACETS}
        parts = []
        if self.query.q:
            parts.append(f"Search: {Truncator(self.query.q).chars(HEADING_QUERY_CHARS)}")
        if self.provider is not None:
            parts.append(str(self.provider))
        parts += chips["provider"]
        if self.topic is not None:
            parts.append(self.topic.name)
        parts += chips["topic"] + chips["year"]
        sort = dict(self.sort_choices)[self.sort]
        if not parts:
            return sort
        if self.sort != self.query.default_sort:
            parts.insert(0, sort)
        return " · ".join(parts)


class UtcYear(ExtractYear):
    """The UTC year of a datetime. On SQLite, read straight from the stored text: no per-row
    Python function, which Django's ExtractYear uses there."""

    def __init__(self, expression):
        super().__init__(expression, tzinfo=dt.UTC)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(SUBSTR({sql}, 1, 4) AS INTEGER)", params


class CountedPaginator(Paginator):
    """A Paginator told its count: the facet counts already know it, a COUNT query would repeat them."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.count = count


def article_listing(query, *, topic=None, provider=None):
    """The page of published articles `query` asks for, with its facets: a complete `Listing`.

    `topic` or `provider` narrows the list to that topic's or provider's page (their own facet
    value is then not offered)."""
    # Trending ranks recent articles only: the list and every facet count stay within the window.
    window = trending_window() if query.effective_sort == TRENDING else None

    def listed(newest_few=False):
        """The list's filters; `newest_few`: shaped for reading its newest rows only (a
        search's window: see ArticleFilter.qs_without), the page's topic too."""
        base = Article.objects.published()
        if topic is not None:
            base = base.in_topics([topic], newest_few=newest_few)
        if provider is not None:
            base = base.from_providers([provider.domain])
        if window is not None:
            base = base.filter(published_at__gte=window.start)
        return ArticleFilter(query.filter_data(), queryset=base)

    filterset = listed()
    facets = []
    for name in FACETS:
        if provider is not None and name == "provider":
            continue  # a provider's page needs no provider facet
        counts = _cached_counts(filterset, query, name, topic, provider, window)
        hide = topic.slug if topic is not None and name == "topic" else None
        facets.append(_facet(query.selected(name), name, counts, by_count=name != "year", hide=hide))
    total = _total(facets)

    articles = _ordered(
        filterset,
        query,
        topic,
        provider,
        total,
        window,
        newest=lambda: listed(newest_few=True).qs_without("q", newest_few=True),
    )
    paginator = CountedPaginator(articles, PAGE_SIZE, total)
    try:
        number = paginator.validate_number(query.page)
        if query.terms and number > MAX_SEARCH_PAGE:
            raise InvalidPage
        page = paginator.page(number)
    except InvalidPage:
        page, page_articles, page_range = None, [], []
    else:
        page.object_list = page_articles = list(page.object_list)
        page_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return Listing(
        query=query,
        articles=page_articles,
        page=page,
        paginator=paginator,
        page_range=page_range,
        total=total,
        facets=facets,
        chips=_chips(facets),
        unknown=_unknown(query) if page is not None and not total else [],
        sort=query.effective_sort,
        sort_choices=query.sort_choices,
        topic=topic,
        provider=provider,
        suggestion=search.suggestion(query.terms) if query.terms and total < SUGGEST_BELOW else "",
        window=window,
    )


def trending_window():
    """The TrendingWindow: the TRENDING_DAYS up to the newest published article, or None when
    nothing is published. One index probe (remembered like the facet counts: an import or an
    editor's decision changes the content version, and with it the key)."""

    def newest():
        return Article.objects.published().newest_first().values_list("published_at", flat=True).first()

    end = content_version.cached(
        "articles:newest-published", "", newest, timeout=settings.FACET_CACHE_SECONDS
    )
    if end is None:
        return None
    return TrendingWindow(start=end - dt.timedelta(days=TRENDING_DAYS), end=end)


def _ordered(filterset, query, topic=None, provider=None, total=None, window=None, newest=None):
    """Every filter, then the sort, with what a card shows. Ranking by relevance applies the text
    search itself, a page at a time (`search.RankedPages`; `total`: how many match; `newest`: the
    list without the text query, shaped for its windows).

    A combination of filters that leaves few articles (SPARSE_LIST, SPARSE_SHARE) is read by their ids, from
    the facet index: walking the date (or quality) index for the first 20 that match every filter
    would read every article in between (at a million, two topics and two sources leave one in
    hundreds). Few ids, fetched and sorted, cost less. The index is as fresh as the facet counts
    (a content version); the articles newer than it are checked against the filters, and
    published() applies to all, so the list stays as live as the database."""
    sort = query.effective_sort
    related, prefetched = ("provider",), _card_prefetches()
    if sort == RELEVANCE:
        return search.RankedPages(
            filterset.qs_without("q"),
            query.terms,
            related,
            prefetched,
            count=total,
            matches=facet_index.listed_match_count(filterset),
            newest=newest,
        )
    ids = None
    if (
        settings.FACET_INDEX
        and window is None
        and not query.terms
        and total is not None
        and total <= SPARSE_LIST
        and filterset.is_valid()
    ):
        ids, newer_than, published = facet_index.matching_ids(filterset, query, topic, provider)
    if ids is not None and len(ids) * SPARSE_SHARE <= published:
        # Walked by id from the index's highest (SQLite takes a covering index over the whole
        # table for `id > n` unless the order says otherwise): none at rest, an import's last
        # batches while one runs, which must pass every filter.
        newer = list(
            Article.objects.published().filter(pk__gt=newer_than).order_by("pk").values_list("pk", flat=True)
        )
        if newer:
            newer = list(filterset.qs.filter(pk__in=newer).values_list("pk", flat=True))
        articles = Article.objects.published().filter(pk__in=[*ids, *newer])
    else:
        articles = filterset.qs
    return articles.order_by(*SORTS[sort][1]).select_related(*related).prefetch_related(*prefetched)


def _card_prefetches():
    return (
        Prefetch("topics", queryset=Topic.objects.order_by("name")),
        Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
    )


def _total(facets):
    """How many articles match, without a COUNT query: every article has exactly one year, so
    the year facet (counted under every other filter) adds up to the total over the selected
    years, or over all of them when none is selected. As fresh as the facet counts (see
    `_cached_counts`)."""
    years = next(facet for facet in facets if facet.name == "year")
    return sum(value.count for value in years.values if value.selected or not years.selected)


def _unknown(query):
    """Selected topics, providers and years that name nothing (2 queries at most)."""
    unknown = []
    if query.topics:
        known = set(Topic.objects.filter(slug__in=query.topics).values_list("slug", flat=True))
        unknown += [("topic", slug) for slug in query.topics if slug not in known]
    if query.providers:
        known = set(Provider.objects.filter(domain__in=query.providers).values_list("domain", flat=True))
        unknown += [("provider", domain) for domain in query.providers if domain not in known]
    valid = {str(year) for year in valid_years(query.years)}
    unknown += [("year", year) for year in query.years if year not in valid]
    return unknown


# --- the article page -------------------------------------------------------------------------------

MORE_ON_TOPICS = 4


@dataclass
class ArticleDetail:
    """What an article's page shows.

    - `article`: the Article, provider, topics, images and related links prefetched.
    - `related`: its related coverage, one RelatedLink per story (`canonical.related_stories`),
      newest first, undated last, links back to the article itself left out (so the story has
      `1 + len(related)` sources, as `article.source_count` says). Each link carries `href` (its
      URL without tracking parameters) and `portal_url` (our page when the link is a published
      article of ours, else "").
    - `story`: the story page to link (`story_selectors.story_link`), or None.
    - `more`: up to MORE_ON_TOPICS other published articles sharing a topic, newest first, with
      their provider; each carries `portal_url` (its page), as the related links do.
    """

    article: Article
    related: list
    more: list
    story: object = None  # the Story its page links, when it has other members or coverage


def article_detail(slug, user):
    """The page of article `slug` as `user` may see it (published articles for everyone, every
    article for staff: a preview), or None when there is none. Five queries at most after the
    article's own (its prefetches, the related links' pages of ours, a capped count and the
    articles sharing a topic)."""
    try:
        article = Article.objects.visible_to(user).with_page_data().get(slug=slug)
    except Article.DoesNotExist:
        return None
    return ArticleDetail(
        article=article,
        related=_related_coverage(article),
        more=_more_on_topics(article),
        story=story_link(article),
    )


def _related_coverage(article):
    links = related_stories(article.web_url, article.related_links.all())
    keys = {canonical_url(link.web_url) for link in links} - {""}
    ours = {}
    if keys:
        # No ORDER BY: it would tempt SQLite into walking a date index instead of url_key's.
        matches = (
            Article.objects.published()
            .exclude(pk=article.pk)
            .filter(url_key__in=keys)
            .order_by()
            .values_list("url_key", "published_at", "slug")
        )
        ours = {key: slug for key, _, slug in sorted(matches)}  # the newest wins
    for link in links:
        slug = ours.get(canonical_url(link.web_url))
        link.portal_url = reverse("articles:detail", kwargs={"slug": slug}) if slug else ""
        link.href = clean_url(link.web_url)
    oldest = datetime.min.replace(tzinfo=article.published_at.tzinfo)
    return sorted(
        links, key=lambda link: (link.published_at is not None, link.published_at or oldest), reverse=True
    )


def _more_on_topics(article, limit=MORE_ON_TOPICS):
    topics = list(article.topics.all())
    if not topics:
        return []
    more = list(
        Article.objects.published()
        .in_topics(topics, newest_few=True)
        .exclude(pk=article.pk)
        .select_related("provider")
        .newest_first()[:limit]
    )
    for other in more:
        other.portal_url = other.get_absolute_url()
    return more


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


def _cached_counts(filterset, query, name, topic, provider, window=None):
    """A facet's counts, remembered for `settings.FACET_CACHE_SECONDS` (0 turns it off).

    Counting the front page's published articles by topic is the costliest part of a list page;
    the same few filter combinations are asked for again and again. The key is everything the
    counts depend on: the page's topic or provider, and every filter but this facet's own, plus
    the content version (articles.content_version): an import or an editor's decision makes the
    old counts unreachable in every app server within CONTENT_VERSION_TTL seconds. Sorted by
    trending, the counts are the window's (`window`), so its start is part of the key."""

    def count():
        # Bitmaps (articles.facet_index) for every list but Trending, whose seven days hold few
        # articles: grouped counts over the window cost little and need no window in the index.
        if settings.FACET_INDEX and window is None:
            return facet_index.facet_counts(filterset, query, name, topic, provider, limit=FACET_LIMIT)
        return COUNTERS[name](filterset.qs_without(name))

    timeout = settings.FACET_CACHE_SECONDS
    if not timeout:
        return count()
    state = {
        "facet": name,
        "page": [topic and topic.slug, provider and provider.domain],
        **{other: sorted(query.selected(other)) for other in FACETS if other != name},
    }
    if query.q:
        state["terms"] = [term.casefold() for term in query.terms]
    if window is not None:
        state["since"] = window.start.isoformat()
    return content_version.cached(
        "articles:facets:v2",
        json.dumps(state, sort_keys=True),
        count,
        timeout=timeout,
    )


def _facet(selected, name, counts, by_count=True, hide=None):
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


def _chips(facets):
    chips = []
    for facet in facets:
        labels = {value.value: value.label for value in facet.values}
        for value in facet.selected:
            chips.append(
                Chip(
                    name=facet.name,
                    title=CHIP_TITLES[facet.name],
                    value=value,
                    label=labels.get(value, value),
                    remaining=[v for v in facet.selected if v != value],
                )
            )
    return chips


__all__ = [
    "FACETS",
    "PAGE_SIZE",
    "Chip",
    "Facet",
    "FacetValue",
    "ArticleDetail",
    "Listing",
    "TrendingWindow",
    "article_detail",
    "article_listing",
    "provider_counts",
    "topic_counts",
    "trending_window",
    "year_counts",
]
