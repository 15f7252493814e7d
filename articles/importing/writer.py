"""Write validated articles to the database in batches, upserting by `web_url`.

Reading workers turn each `ArticleRecord` into a `Pending` (`pending_from`): plain tuples of
database-ready values, cheap to send between processes and written without per-field work here.

Every record reaching here has been validated, so a batch is written in one transaction. Should the
database still refuse a batch, it is retried one record at a time so that a bad record is rejected
alone and never leaves a partial row.
"""

import contextlib
import functools
from typing import NamedTuple

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic
from articles.search_index import drop_write_triggers, ensure_sqlite_index

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
IMPORT_CACHE_KIB = -64 * 1024  # SQLite page cache during an import (negative: KiB)
# SQLite: from this many new files (and at least as many as the articles already stored), the
# text index is rebuilt once at the end instead of row by row (see `deferred_search_index`).
DEFER_INDEX_FROM = 5000

# Fields the document owns, in the order of `Pending.values`; then the two the writer supplies.
# `published` is handled apart because editors may own it.
DOCUMENT_FIELDS = [
    "title",
    "excerpt",
    "published_at",
    "original_url",
    "web_url",
    "amp_web_url",
    "cdn_amp_web_url",
    "type",
    "category",
    "quality",
    "heat",
    "secured",
    "body",
    "body_html",
    "search_text",
    "source_count",
    "source_path",
    "content_hash",
    "url_key",
]
CONTENT_FIELDS = [*DOCUMENT_FIELDS, "provider", "updated_at"]
RELATED_FIELDS = [
    "article",
    "position",
    "title",
    "excerpt",
    "published_at",
    "web_url",
    "amp_web_url",
    "cdn_amp_web_url",
    "type",
    "provider",
    "quality",
    "images",
]


class Pending(NamedTuple):
    """A validated article on its way to the database, as plain values (see `pending_from`)."""

    path: str
    content_hash: str
    web_url: str
    published: bool
    warnings: list  # of str
    provider: tuple  # (domain, name)
    topics: list  # of names
    values: tuple  # for DOCUMENT_FIELDS, database-ready
    slug: str  # for a new article
    images: list  # of (position, url, width, height, is_cached)
    related: list  # of (position, title, excerpt, published_at, web_url, amp_web_url,
    #   cdn_amp_web_url, type, (provider domain, name), quality, images as a JSON list)


def pending_from(record, path, content_hash, body_html, slug, source_count, url_key):
    """The `Pending` for a validated `ArticleRecord`; runs in the reading workers. Datetimes
    are converted as the database takes them (a pure function of the backend: no query)."""
    adapt = _datetime_adapter()
    provider = record.provider
    values = (
        record.title,
        record.excerpt,
        adapt(record.published_at),
        record.original_url,
        record.web_url,
        record.amp_web_url,
        record.cdn_amp_web_url,
        record.type,
        record.category,
        record.quality,
        record.heat,
        record.secured,
        record.body,
        body_html,
        " ".join([record.title, record.excerpt, provider.name, provider.domain, *record.topics]),
        source_count,
        path,
        content_hash,
        url_key,
    )
    images = [
        (position, image.url, image.width, image.height, image.is_cached)
        for position, image in enumerate(record.images)
    ]
    related = [
        (
            position,
            link.title,
            link.excerpt,
            None if link.published_at is None else adapt(link.published_at),
            link.web_url,
            link.amp_web_url,
            link.cdn_amp_web_url,
            link.type,
            (link.provider.domain, link.provider.name),
            link.quality,
            [
                {"url": image.url, "width": image.width, "height": image.height, "isCached": image.is_cached}
                for image in link.images
            ],
        )
        for position, link in enumerate(record.related)
    ]
    return Pending(
        path=path,
        content_hash=content_hash,
        web_url=record.web_url,
        published=record.published,
        warnings=record.warnings,
        provider=(provider.domain, provider.name),
        topics=record.topics,
        values=values,
        slug=slug,
        images=images,
        related=related,
    )


@functools.cache
def _datetime_adapter():
    """The backend's datetime conversion, looked up once per process (`connection.ops` costs
    more than the conversion itself)."""
    return connection.ops.adapt_datetimefield_value


@contextlib.contextmanager
def import_session():
    """Database settings for the length of an import. SQLite: a 64 MiB page cache instead of
    2 MiB, so index pages stay in memory while 100,000s of rows go in (memory only: durability
    and locking are unchanged); the previous size is restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


@contextlib.contextmanager
def deferred_search_index(file_count):
    """SQLite, imports of DEFER_INDEX_FROM new files or more (`file_count`: the files no article
    was imported from yet; re-importing known files writes little): the FTS5 text index is brought
    up to date once, at the end, instead of by triggers on every written row (they cost a third of
    the writing process's time).

    Only the insert and update triggers are dropped, in their own committed transaction (DDL is
    transactional in SQLite); batches are still committed one by one, each file all-or-nothing.
    Afterwards the triggers are re-created and the index rebuilt from the articles table
    (`ensure_sqlite_index`), whatever happened. Meanwhile, searches from other connections do not
    see the articles this import writes (or other edits to titles and excerpts) until it ends.
    Should the process die first, the next large import or `migrate` repairs the index
    (`ensure_sqlite_index` runs at the start of those). Yields whether the index is deferred."""
    if connection.vendor != "sqlite" or file_count < DEFER_INDEX_FROM:
        yield False
        return
    ensure_sqlite_index(connection)  # repair after a large import that was killed mid-way
    if file_count < Article.objects.count():
        yield False
        return
    with transaction.atomic():
        drop_write_triggers(connection)
    try:
        yield True
    finally:
        with transaction.atomic():
            ensure_sqlite_index(connection)


def write_batch(batch, dry_run=False):
    """Write a list of `Pending`; return [(pending, status or None, error or None)]."""
    if dry_run:
        existing = _existing(batch)
        return [(item, _status(item, existing.get(item.web_url)), None) for item in batch]
    try:
        with transaction.atomic():
            return _write(batch)
    except DatabaseError:
        results = []
        for item in batch:
            try:
                with transaction.atomic():
                    results.extend(_write([item]))
            except DatabaseError as exc:
                results.append((item, None, f"database refused it: {' '.join(str(exc).split())[:200]}"))
        return results


def _existing(batch):
    urls = [item.web_url for item in batch]
    return {
        row["web_url"]: row
        for row in Article.objects.filter(web_url__in=urls).values(
            "id", "web_url", "content_hash", "source_path", "published", "published_decided_at"
        )
    }


def _status(item, row):
    if row is None:
        return CREATED
    if row["content_hash"] == item.content_hash and row["source_path"] == item.path:
        return UNCHANGED
    return UPDATED


def _write(batch):
    existing = _existing(batch)
    statuses = [(item, _status(item, existing.get(item.web_url))) for item in batch]
    changed = [(item, status) for item, status in statuses if status != UNCHANGED]
    providers = _upsert_providers(batch)
    if changed:
        topics = _upsert_topics([item for item, _ in changed])
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        created = [item for item, status in changed if status == CREATED]
        updated = [item for item, status in changed if status == UPDATED]
        if created:
            _insert(
                Article,
                [*CONTENT_FIELDS, "slug", "published", "created_at"],
                [
                    (*item.values, providers[item.provider[0]], now, item.slug, item.published, now)
                    for item in created
                ],
            )
            ids = dict(
                Article.objects.filter(web_url__in=[item.web_url for item in created]).values_list(
                    "web_url", "id"
                )
            )
        else:
            ids = {}
        if updated:
            _update(
                Article,
                CONTENT_FIELDS,
                [
                    (*item.values, providers[item.provider[0]], now, existing[item.web_url]["id"])
                    for item in updated
                ],
            )
            _apply_published_unless_decided(changed, existing)
            old_ids = [existing[item.web_url]["id"] for item in updated]
            ArticleImage.objects.filter(article_id__in=old_ids).delete()
            RelatedLink.objects.filter(article_id__in=old_ids).delete()
            Article.topics.through.objects.filter(article_id__in=old_ids).delete()
            ids.update((item.web_url, existing[item.web_url]["id"]) for item in updated)
        _write_children([(ids[item.web_url], item) for item, _ in changed], providers, topics)
    return [(item, status, None) for item, status in statuses]


def _insert(model, fields, rows):
    """INSERT rows of database-ready values in bulk: the ORM's per-object work (model instances,
    per-field preparation) costs more than the database does on big imports."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_rows(cursor, table, columns, rows)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _copy_rows(cursor, table, columns, rows):
    """PostgreSQL: the rows through COPY (psycopg 3's `cursor.copy()`), one stream per batch: the
    server parses no statement per row and executemany's round trips go, which made importing into
    PostgreSQL half as fast as into SQLite. Values are adapted by psycopg as for an INSERT."""
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _update(model, fields, rows):
    """UPDATE by primary key; each row is the values of `fields` followed by the id."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)


def _apply_published_unless_decided(changed, existing):
    """On update the document's `published` applies only while no editor has decided.

    The condition is in the UPDATE itself, so an editor's decision taken while the import
    runs is not overwritten either.
    """
    wanted = {True: [], False: []}
    for item, status in changed:
        row = existing.get(item.web_url)
        if status == UPDATED and row["published_decided_at"] is None and row["published"] != item.published:
            wanted[item.published].append(row["id"])
    for value, ids in wanted.items():
        if ids:
            Article.objects.filter(pk__in=ids, published_decided_at__isnull=True).update(published=value)


def _write_children(articles, providers, topics):
    """Images, related links and topic memberships of [(article id, Pending)], in document order."""
    images, links, memberships = [], [], []
    json_value = connection.ops.adapt_json_value
    for article_id, item in articles:
        images.extend((article_id, *image) for image in item.images)
        for link in item.related:
            *head, (domain, _name), quality, pictures = link
            links.append((article_id, *head, providers[domain], quality, json_value(pictures, None)))
        for topic_id in dict.fromkeys(topics[_topic_slug(name)] for name in item.topics):
            memberships.append((article_id, topic_id))
    _insert(ArticleImage, ["article", "position", "url", "width", "height", "is_cached"], images)
    _insert(RelatedLink, RELATED_FIELDS, links)
    _insert(Article.topics.through, ["article", "topic"], memberships)


_topic_slug = functools.lru_cache(maxsize=4096)(Topic.slug_for)


def _upsert_providers(batch):
    """Return {domain: provider id}. An article's own provider name wins over a related link's."""
    names = {}  # domain -> (name, from_article)
    for item in batch:
        for related in item.related:
            domain, name = related[8]
            if names.get(domain, (domain,))[0] == domain:  # a real name beats the bare domain
                names[domain] = (name, False)
    for item in batch:
        domain, name = item.provider
        names[domain] = (name, True)
    existing = {p.domain: p for p in Provider.objects.filter(domain__in=list(names))}
    missing = [
        Provider(domain=domain, name=name, name_from_article=from_article)
        for domain, (name, from_article) in names.items()
        if domain not in existing
    ]
    if missing:
        Provider.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(
            {p.domain: p for p in Provider.objects.filter(domain__in=[p.domain for p in missing])}
        )
    renamed = []
    for domain, (name, from_article) in names.items():
        provider = existing[domain]
        if from_article and (provider.name != name or not provider.name_from_article):
            provider.name, provider.name_from_article = name, True
            renamed.append(provider)
        elif not provider.name_from_article and provider.name == domain and name != domain:
            provider.name = name
            renamed.append(provider)
    if renamed:
        Provider.objects.bulk_update(renamed, ["name", "name_from_article"])
    return {domain: provider.pk for domain, provider in existing.items()}


def _upsert_topics(batch):
    """Return {slug: topic id}; a topic's first name is kept."""
    names = {}
    for item in batch:
        for name in item.topics:
            names.setdefault(_topic_slug(name), name)
    existing = dict(Topic.objects.filter(slug__in=list(names)).values_list("slug", "id"))
    missing = [Topic(slug=slug, name=name) for slug, name in names.items() if slug not in existing]
    if missing:
        Topic.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(Topic.objects.filter(slug__in=[t.slug for t in missing]).values_list("slug", "id"))
    return existing
