"""Facet counts from compressed bitmaps: exact, disjunctive, and about as cheap at a million
articles as at a thousand.

    counts = facet_counts(filterset, query, "topic", topic=None, provider=None)   # [(value, label, count)]

Why bitmaps. Counting with GROUP BY over the articles a filter leaves reads every one of them (and
every topic membership): the front page of a million articles counts ~750,000 membership rows on
every cold request, and no index makes a grouped count cheaper than the rows it groups.
Precomputed per-value counts are exact only for the combinations they were kept for: OR within a
facet (two topics) and AND across facets double-count an article in both topics unless every
intersection is kept too. A bitmap of the published article ids per facet value (roaring bitmaps,
pyroaring: runs and dense blocks of 65,536 ids compress to a few KiB) answers any combination
exactly: OR within a facet is a union, AND across facets an intersection, and each value's count
is one intersection's cardinality, computed block by block without listing an id. Its cost grows
with the number of facet values and the span of ids, not with the articles matching.

The index lives in each process's memory, built from three grouped queries (index reads)
and kept for one content version (articles.content_version's token: the number and the
next scheduled publication, which changes what is published with no writer): every writer bumps
it, so a process updates its index once after a change, a few seconds late at most, as the page
cache does. When the change only added articles (an import's batches), it reads just those
(`extended`); any other change (an editor's decision, an update) builds it again. With
CONTENT_VERSION_TTL 0 (the test suite, where rows change without a bump) it is rebuilt on every
use. A text query is the one filter it cannot answer: its matches are listed by the search index
once per request and intersected like any other value. They are read live, so a search is never
late: matches the index does not know yet (committed by an import since the last bump) are added
to it for that request, their facets read by id. The first process to build an index for a
content version also puts it in the cache, so that with a shared cache (Redis) one process reads
the articles per version, not every worker of every app server.
"""

import threading
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Value
from pyroaring import BitMap

from . import content_version, search
from .filters import FACETS, valid_years
from .id_lists import IdList, id_bitmap
from .models import Article, Provider, Topic

FACET_LIMIT = 30
FRESH_CHUNK = 500  # ids per query when reading the facets of articles the index lacks


@dataclass
class FacetIndex:
    version: str  # content_version.token() when built or brought up to date
    published: BitMap
    shape: str = ""  # content_version.shape() then: while it stands, `extended` brings it up to date
    high_water: int = 0  # the highest published id it holds: newer ones are what `extended` reads
    topics: dict = field(default_factory=dict)  # id -> (slug, name, BitMap)
    providers: dict = field(default_factory=dict)  # id -> (domain, name, BitMap)
    years: dict = field(default_factory=dict)  # year -> BitMap
    topic_ids: dict = field(default_factory=dict)  # slug -> id
    provider_ids: dict = field(default_factory=dict)  # domain -> id
    from_cache: bool = False

    def topic(self, slugs):
        return _union(self.topics[self.topic_ids[s]][2] for s in slugs if s in self.topic_ids)

    def provider(self, domains):
        return _union(self.providers[self.provider_ids[d]][2] for d in domains if d in self.provider_ids)

    def year(self, years):
        return _union(self.years[y] for y in years if y in self.years)


def _union(bitmaps):
    return BitMap.union(BitMap(), *bitmaps)


def _ids(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return BitMap([row[0] for row in cursor.fetchall()])


def build():
    """A new index of the published articles, as the database has them now: three queries, the
    ids grouped by the database."""
    from .selectors import UtcYear  # the year as the year facet has it (selectors imports this module)

    version = content_version.token() if settings.CONTENT_VERSION_TTL > 0 else None
    shape = content_version.shape() if version is not None else ""
    # One group per provider and year (a few hundred), each with its ids: unions give both facets
    # and the published articles (every article has one provider and a date).
    groups = (
        Article.objects.published()
        .order_by()
        .values_list("provider_id", UtcYear("published_at"))
        .annotate(ids=IdList("id"))
    )
    by_provider, years = {}, {}
    for provider_id, year, ids in groups:
        bitmap = id_bitmap(ids)
        by_provider.setdefault(provider_id, []).append(bitmap)
        years.setdefault(year, []).append(bitmap)
    by_provider = {pk: _union(bitmaps) for pk, bitmaps in by_provider.items()}
    published = _union(by_provider.values())
    index = FacetIndex(
        version=version, published=published, shape=shape, high_water=published.max() if published else 0
    )
    index.years = {year: _union(bitmaps) for year, bitmaps in years.items()}
    # Memberships of published articles only, read through the (topic, article) index.
    members = Article.topics.through.objects.filter(article_id__in=Article.objects.published().values("id"))
    by_topic = {
        pk: id_bitmap(ids)
        for pk, ids in members.order_by().values_list("topic_id").annotate(ids=IdList("article_id"))
    }
    # The labels of both facets in one query.
    labels = (
        Topic.objects.order_by()
        .values_list("id", "slug", "name")
        .annotate(kind=Value("topic"))
        .union(
            Provider.objects.order_by().values_list("id", "domain", "name").annotate(kind=Value("provider")),
            all=True,
        )
    )
    for pk, value, label, kind in labels:
        if kind == "topic" and pk in by_topic:
            index.topics[pk] = (value, label, by_topic[pk])
            index.topic_ids[value] = pk
        elif kind == "provider" and pk in by_provider:
            index.providers[pk] = (value, label, by_provider[pk])
            index.provider_ids[value] = pk
    return index


_lock = threading.Lock()
_current = {"index": None}


def current_index(filterset=None):
    """This process's index for the current content version, built when it is missing or older.
    With CONTENT_VERSION_TTL 0, built afresh for each listing (`filterset`) instead."""
    if settings.CONTENT_VERSION_TTL <= 0:
        index = getattr(filterset, "_facet_index", None)
        if index is None:
            index = build()
            if filterset is not None:
                filterset._facet_index = index
        return index
    version = content_version.token()
    index = _current["index"]
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _current["index"]
        if index is None or index.version != version:
            shared = _shared(version)
            if shared is not None:
                index = shared
            elif index is not None and index.shape == content_version.shape():
                index = extended(index, version)
            else:
                index = build()
            _current["index"] = index
            if not index.from_cache:
                _share(index)
    return index


def extended(index, version):
    """`index` brought up to content version `version` when only new articles came since (an
    import's batches: see content_version.shape): the published articles after its highest id
    are read and added, instead of every article again. During a long import, each of its bumps
    then costs the readers a batch or two's worth of rows, not the whole table."""
    added = BitMap(Article.objects.published().filter(pk__gt=index.high_water).values_list("id", flat=True))
    updated = _patched(index, added) if added else replace(index)
    updated.version, updated.from_cache = version, False
    updated.high_water = max(index.high_water, added.max() if added else 0)
    return updated


SHARED_KEY = "articles:facet-index:v2:{version}"
SHARED_SECONDS = 3600


def _share(index):
    """Put the index in the shared cache (Redis with several app servers): the other processes
    load it (a few MiB, milliseconds) instead of each reading the articles again."""

    def pack(entries):
        return {pk: (value, label, bitmap.serialize()) for pk, (value, label, bitmap) in entries.items()}

    payload = {
        "shape": index.shape,
        "high_water": index.high_water,
        "published": index.published.serialize(),
        "topics": pack(index.topics),
        "providers": pack(index.providers),
        "years": {year: bitmap.serialize() for year, bitmap in index.years.items()},
    }
    cache.set(SHARED_KEY.format(version=index.version), payload, SHARED_SECONDS)


def _shared(version):
    payload = cache.get(SHARED_KEY.format(version=version))
    if not payload:
        return None

    def unpack(entries):
        return {pk: (value, label, BitMap.deserialize(data)) for pk, (value, label, data) in entries.items()}

    index = FacetIndex(
        version=version,
        published=BitMap.deserialize(payload["published"]),
        shape=payload["shape"],
        high_water=payload["high_water"],
        from_cache=True,
    )
    index.topics, index.providers = unpack(payload["topics"]), unpack(payload["providers"])
    index.years = {year: BitMap.deserialize(data) for year, data in payload["years"].items()}
    index.topic_ids = {value: pk for pk, (value, _, _) in index.topics.items()}
    index.provider_ids = {value: pk for pk, (value, _, _) in index.providers.items()}
    return index


def forget():
    _current["index"] = None


def _matched(filterset, query, index):
    """The published ids matching the text query (None without one), listed once per listing
    (`filterset` is the listing's own: it holds them).

    On SQLite and PostgreSQL, the matches are listed from the text index alone
    (`search.every_match`) and narrowed to the published articles by `index`; matches newer than
    the index (an import's last batches) are checked in the database. Elsewhere the database
    filters the published articles by the query."""
    if not query.terms:
        return None
    found = getattr(filterset, "_facet_index_matched", None)
    if found is not None:
        return found
    every = search.every_match(query.terms)
    if every is None:
        matches = search.matching(Article.objects.published(), query.terms)
        sql, params = matches.order_by().values("id").query.sql_with_params()
        found = _ids(sql, params)
    else:
        found = every & index.published
        if every and every.max() > index.high_water:
            newer = list(every & BitMap(range(index.high_water + 1, every.max() + 1)))
            for start in range(0, len(newer), FRESH_CHUNK):
                chunk = newer[start : start + FRESH_CHUNK]
                found |= BitMap(Article.objects.published().filter(pk__in=chunk).values_list("id", flat=True))
    filterset._facet_index_matched = found
    return found


def listed_match_count(filterset):
    """How many published articles match the listing's text query alone, if its facet counts
    have listed them (None otherwise: never listed just for this)."""
    found = getattr(filterset, "_facet_index_matched", None)
    return None if found is None else len(found)


def matching_ids(filterset, query, topic=None, provider=None):
    """(ids, newer_than, published): the ids of the published articles matching every filter of
    `query` and the page's topic or provider (a BitMap), as the listing's facet counts have them,
    the highest id the index holds (articles above it are newer than the index) and how many
    articles it holds."""
    index, ids = _matching(filterset, query, topic, provider)
    return ids, index.high_water, len(index.published)


def _matching(filterset, query, topic, provider, but=None):
    """(index, BitMap of the published ids matching every filter but the facet `but`)."""
    index = current_index(filterset)
    matched = _matched(filterset, query, index)
    if matched is not None:
        index = _with_fresh(filterset, index, matched)
    base = index.published
    if topic is not None:
        base = base & index.topic([topic.slug])
    if provider is not None:
        base = base & index.provider([provider.domain])
    if matched is not None:
        base = base & matched
    for other in FACETS:
        selected = query.selected(other)
        if other == but or not selected:
            continue
        if other == "topic":
            base = base & index.topic(selected)
        elif other == "provider":
            base = base & index.provider(selected)
        else:
            base = base & index.year(valid_years(selected))
    return index, base


def _with_fresh(filterset, index, matched):
    """`index` with the matched articles it does not know yet: published since it was built.

    The index is a content version old, and a long import bumps the version only every few
    seconds (content_version.coalesced). A search's matches are read live, so an article a batch
    has just committed is among them: left out of the counts, the search would show fewer
    articles than the text holds (the kill test's plain scan). Their facets are read here, by id:
    none in the steady state (no query), a batch or two's worth while an import runs. Kept on the
    listing's `filterset`, like the matches."""
    patched = getattr(filterset, "_facet_index_fresh", None)
    if patched is not None:
        return patched
    fresh = matched - index.published
    patched = filterset._facet_index_fresh = _patched(index, fresh) if fresh else index
    return patched


def _patched(index, fresh):
    """A copy of `index` with the articles `fresh` (ids, all published) added to its bitmaps."""
    from .selectors import UtcYear

    ids = list(fresh)
    by_provider, by_year, by_topic = {}, {}, {}
    members = Article.topics.through
    for start in range(0, len(ids), FRESH_CHUNK):
        chunk = ids[start : start + FRESH_CHUNK]
        rows = Article.objects.filter(pk__in=chunk).values_list("id", "provider_id", UtcYear("published_at"))
        for pk, provider_id, year in rows.order_by():
            by_provider.setdefault(provider_id, []).append(pk)
            by_year.setdefault(year, []).append(pk)
        for topic_id, pk in members.objects.filter(article_id__in=chunk).values_list(
            "topic_id", "article_id"
        ):
            by_topic.setdefault(topic_id, []).append(pk)
    patched = replace(
        index,
        published=index.published | fresh,
        topics=dict(index.topics),
        providers=dict(index.providers),
        years=dict(index.years),
        topic_ids=dict(index.topic_ids),
        provider_ids=dict(index.provider_ids),
    )
    for year, pks in by_year.items():
        patched.years[year] = patched.years.get(year, BitMap()) | BitMap(pks)
    for model, entries, value_ids, added, field_name in (
        (Topic, patched.topics, patched.topic_ids, by_topic, "slug"),
        (Provider, patched.providers, patched.provider_ids, by_provider, "domain"),
    ):
        new = [pk for pk in added if pk not in entries]
        labels = (
            {
                pk: (value, label)
                for pk, value, label in model.objects.filter(pk__in=new).values_list("id", field_name, "name")
            }
            if new
            else {}
        )
        for pk, pks in added.items():
            value, label, bitmap = entries.get(pk) or (*labels.get(pk, (None, None)), BitMap())
            if value is None:
                continue  # deleted since: nothing to list
            entries[pk] = (value, label, bitmap | BitMap(pks))
            value_ids[value] = pk
    return patched


def facet_counts(filterset, query, name, topic=None, provider=None, limit=FACET_LIMIT):
    """[(value, label, count)] of the facet `name` over the published articles matching every
    filter of `query` (a ListQuery) but this facet's own (and the page's topic or provider): what
    each value would add. Non-zero counts only; topics and providers the `limit` most frequent.
    `filterset` is the listing's: the index and the text matches are kept on it for the listing."""
    index, base = _matching(filterset, query, topic, provider, but=name)
    if name == "year":
        counts = ((year, base.intersection_cardinality(bitmap)) for year, bitmap in index.years.items())
        return [(str(year), str(year), count) for year, count in sorted(counts, reverse=True) if count]
    values = index.topics if name == "topic" else index.providers
    counts = []
    for pk, (value, label, bitmap) in values.items():
        count = base.intersection_cardinality(bitmap)
        if count:
            counts.append((pk, value, label, count))
    if name == "topic":
        top = sorted(counts, key=lambda row: (-row[3], row[0]))[:limit]
        return sorted(((value, label, count) for _, value, label, count in top), key=lambda r: (-r[2], r[1]))
    top = sorted(counts, key=lambda row: (-row[3], row[2]))[:limit]
    return [(value, label, count) for _, value, label, count in top]
