"""Write validated `ArticleRecord`s to the database in batches, upserting by `web_url`.

Every record reaching here has been validated, so a batch is written in one transaction. Should the
database still refuse a batch, it is retried one record at a time so that a bad record is rejected
alone and never leaves a partial row.
"""

import contextlib
import functools
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic

from .documents import ArticleRecord

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
IMPORT_CACHE_KIB = -64 * 1024  # SQLite page cache during an import (negative: KiB)

# Fields the document owns; `published` is handled apart because editors may own it.
CONTENT_FIELDS = [
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
    "provider",
    "secured",
    "body",
    "body_html",
    "search_text",
    "source_count",
    "source_path",
    "content_hash",
    "updated_at",
    "url_key",
]


@dataclass
class Pending:
    """A validated record on its way to the database."""

    record: ArticleRecord
    path: str
    content_hash: str
    body_html: str = ""  # rendered by the reading worker, off the writing process
    # Derived in the reading worker too (see read_file), off the writing process:
    slug: str = ""  # for a new article
    source_count: int = 1
    url_key: str = ""


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


def write_batch(batch, dry_run=False):
    """Write a list of `Pending`; return [(pending, status or None, error or None)]."""
    if dry_run:
        existing = _existing(batch)
        return [(item, _status(item, existing.get(item.record.web_url)), None) for item in batch]
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
    urls = [item.record.web_url for item in batch]
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
    statuses = [(item, _status(item, existing.get(item.record.web_url))) for item in batch]
    changed = [(item, status) for item, status in statuses if status != UNCHANGED]
    providers = _upsert_providers([item.record for item in batch])
    if changed:
        topics = _upsert_topics([item.record for item, _ in changed])
        db_datetime = _datetime_adapter()
        now = db_datetime(timezone.now())
        created = [item for item, status in changed if status == CREATED]
        updated = [item for item, status in changed if status == UPDATED]
        if created:
            _insert(
                Article,
                [*CONTENT_FIELDS, "slug", "published", "created_at"],
                [
                    (
                        *_article_values(item, providers, now, db_datetime),
                        item.slug,
                        item.record.published,
                        now,
                    )
                    for item in created
                ],
            )
            ids = dict(
                Article.objects.filter(web_url__in=[item.record.web_url for item in created]).values_list(
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
                    (*_article_values(item, providers, now, db_datetime), existing[item.record.web_url]["id"])
                    for item in updated
                ],
            )
            _apply_published_unless_decided(changed, existing)
            old_ids = [existing[item.record.web_url]["id"] for item in updated]
            ArticleImage.objects.filter(article_id__in=old_ids).delete()
            RelatedLink.objects.filter(article_id__in=old_ids).delete()
            Article.topics.through.objects.filter(article_id__in=old_ids).delete()
            ids.update((item.record.web_url, existing[item.record.web_url]["id"]) for item in updated)
        _write_children(
            [(ids[item.record.web_url], item) for item, _ in changed], providers, topics, db_datetime
        )
    return [(item, status, None) for item, status in statuses]


def _datetime_adapter():
    """A function giving datetimes (or None) as the database takes them; looked up once per batch,
    as every access through `connection` costs more than the conversion itself."""
    adapt = connection.ops.adapt_datetimefield_value
    return lambda value: None if value is None else adapt(value)


def _article_values(item, providers, now, db_datetime):
    """Values for CONTENT_FIELDS, in that order, ready for the database."""
    record = item.record
    return (
        record.title,
        record.excerpt,
        db_datetime(record.published_at),
        record.original_url,
        record.web_url,
        record.amp_web_url,
        record.cdn_amp_web_url,
        record.type,
        record.category,
        record.quality,
        record.heat,
        providers[record.provider.domain],
        record.secured,
        record.body,
        item.body_html,
        " ".join(
            [record.title, record.excerpt, record.provider.name, record.provider.domain, *record.topics]
        ),
        item.source_count,
        item.path,
        item.content_hash,
        now,
        item.url_key,
    )


def _insert(model, fields, rows):
    """INSERT rows of database-ready values in one executemany: the ORM's per-object work
    (model instances, per-field preparation) costs more than the database does on big imports."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", rows
        )


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
        row = existing.get(item.record.web_url)
        if (
            status == UPDATED
            and row["published_decided_at"] is None
            and row["published"] != item.record.published
        ):
            wanted[item.record.published].append(row["id"])
    for value, ids in wanted.items():
        if ids:
            Article.objects.filter(pk__in=ids, published_decided_at__isnull=True).update(published=value)


def _write_children(articles, providers, topics, db_datetime):
    """Images, related links and topic memberships of [(article id, Pending)], in document order."""
    images, links, memberships = [], [], []
    json_value = connection.ops.adapt_json_value
    for article_id, item in articles:
        record = item.record
        for position, image in enumerate(record.images):
            images.append((article_id, position, image.url, image.width, image.height, image.is_cached))
        for position, related in enumerate(record.related):
            links.append(
                (
                    article_id,
                    position,
                    related.title,
                    related.excerpt,
                    db_datetime(related.published_at),
                    related.web_url,
                    related.amp_web_url,
                    related.cdn_amp_web_url,
                    related.type,
                    providers[related.provider.domain],
                    related.quality,
                    json_value(
                        [
                            {"url": i.url, "width": i.width, "height": i.height, "isCached": i.is_cached}
                            for i in related.images
                        ],
                        None,
                    ),
                )
            )
        for topic_id in dict.fromkeys(topics[_topic_slug(name)] for name in record.topics):
            memberships.append((article_id, topic_id))
    _insert(ArticleImage, ["article", "position", "url", "width", "height", "is_cached"], images)
    _insert(
        RelatedLink,
        [
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
        ],
        links,
    )
    _insert(Article.topics.through, ["article", "topic"], memberships)


_topic_slug = functools.lru_cache(maxsize=4096)(Topic.slug_for)


def _upsert_providers(records):
    """Return {domain: provider id}. An article's own provider name wins over a related link's."""
    names = {}  # domain -> (name, from_article)
    for record in records:
        for related in record.related:
            domain, name = related.provider.domain, related.provider.name
            if names.get(domain, (domain,))[0] == domain:  # a real name beats the bare domain
                names[domain] = (name, False)
    for record in records:
        names[record.provider.domain] = (record.provider.name, True)
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


def _upsert_topics(records):
    """Return {slug: topic id}; a topic's first name is kept."""
    names = {}
    for record in records:
        for name in record.topics:
            names.setdefault(_topic_slug(name), name)
    existing = dict(Topic.objects.filter(slug__in=list(names)).values_list("slug", "id"))
    missing = [Topic(slug=slug, name=name) for slug, name in names.items() if slug not in existing]
    if missing:
        Topic.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(Topic.objects.filter(slug__in=[t.slug for t in missing]).values_list("slug", "id"))
    return existing
