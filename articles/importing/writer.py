"""Write prepared `ArticleRecord`s to the database in batches, upserting by `web_url`.

The columns come from the document table (`fields.ARTICLE`); rows are written with one executemany per
table, without the ORM's per-object work. Runs in the importing process only.

Every record reaching here has been validated, so a batch is written in one transaction. Should the
database still refuse a batch, it is retried one record at a time so that a bad record is rejected
alone and never leaves a partial row.
"""

import contextlib
import functools
import operator

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from articles import search_index, stories
from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic

from .fields import (
    ARTICLE,
    ARTICLE_COLUMNS,
    DOCUMENT_PUBLISHED,
    IMAGE,
    IMAGE_COLUMNS,
    RELATED,
    RELATED_COLUMNS,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
IMPORT_CACHE_KIB = -64 * 1024  # SQLite page cache during an import (negative: KiB)
IMPORT_CHECKPOINT_PAGES = 100_000  # SQLite: log pages between checkpoints during an import
STALE_SHARE = 0.1  # of the articles, written by one import: PostgreSQL's statistics are refreshed

# The article's columns written from a record; `published` is apart because editors may own it,
# while the document's own value of it is always written.
CONTENT_FIELDS = [*ARTICLE_COLUMNS, DOCUMENT_PUBLISHED, "provider", "updated_at"]
RELATED_FIELDS = ["article", "position", *RELATED_COLUMNS, "provider", "images"]
IMAGE_FIELDS = ["article", "position", *IMAGE_COLUMNS]
_article_values = operator.attrgetter(*ARTICLE_COLUMNS)
_related_values = operator.attrgetter(*RELATED_COLUMNS)
_image_values = operator.attrgetter(*IMAGE_COLUMNS)
# Where the datetimes are in those values: converted as the database takes them.
_ARTICLE_DATES = [ARTICLE_COLUMNS.index(field.name) for field in ARTICLE if field.kind == "date"]
_RELATED_DATES = [RELATED_COLUMNS.index(field.name) for field in RELATED if field.kind == "date"]


def _row(values, dates, adapt):
    """`values` with the datetimes at `dates` adapted for the database (a pure function of the backend)."""
    values = list(values)
    for index in dates:
        if values[index] is not None:
            values[index] = adapt(values[index])
    return values


@contextlib.contextmanager
def import_session():
    """Database settings for the length of an import, restored afterwards. SQLite only:

    - a 64 MiB page cache instead of 2 MiB, so index pages stay in memory while 100,000s of rows
      go in;
    - the write-ahead log checkpointed every IMPORT_CHECKPOINT_PAGES pages instead of 1,000
      (4 MiB). Each batch dirties a page of every index for most of its rows (web URL, slug,
      dates, scores: random places in each). Checkpointed after every batch or two, the same
      hot pages were copied into the database file again and again; now once per 400 MiB of
      log. At 1,000,000 articles, 20,000 more went in 18% faster (30.4 s -> 25.2 s).

    Memory and disk only: durability, locking and what a crash leaves are unchanged (the log is
    the database's until checkpointed, and the next connection checkpoints what is left)."""
    if connection.vendor != "sqlite":
        yield
        return
    pragmas = {"cache_size": IMPORT_CACHE_KIB, "wal_autocheckpoint": IMPORT_CHECKPOINT_PAGES}
    with connection.cursor() as cursor:
        previous = {}
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            previous[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def refresh_statistics(written):
    """PostgreSQL: the tables an import fills, vacuumed and analyzed, when its `written` articles
    (created and updated) are at least STALE_SHARE of what the planner believes the table holds.

    ANALYZE: autovacuum gets there too, but a minute or more later; until then a large import is
    planned as the tables were before it (empty, the first time: nested loops over tens of
    thousands of rows). VACUUM: it marks the new rows visible to all, so index-only scans (a list
    page's walk of the date index) skip the table, and sets their hint bits once; otherwise the
    first readers do that, then autovacuum rewrites every page while they wait. Inside a
    transaction (the tests' own) VACUUM cannot run: ANALYZE alone.

    Below that share (autovacuum's own rule for analyzing) the statistics still hold, and both
    commands cost the time of the whole tables: at 1,000,000 articles, 7-8 s after a re-import
    of 1,000 changed documents that took 5."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Article._meta.db_table])
        believed = cursor.fetchone()[0]  # -1: never analyzed
        if believed > 0 and written < STALE_SHARE * believed:
            return
        tables = ", ".join(
            [
                *(model._meta.db_table for model in (Article, Article.topics.through)),
                search_index.PG_SEARCH_TABLE,
            ]
        )
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{command} {tables}")


@contextlib.contextmanager
def deferred_search_index():
    """The text index around an import (articles.search_index keeps it in step, whatever the
    import's size; nothing is deferred any more). Yields False: the index is never behind."""
    with search_index.kept_in_step_during_import(connection):
        yield False


def write_batch(batch, dry_run=False):
    """Write a list of prepared `ArticleRecord`s; return [(record, status or None, error or None)]."""
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
            "id",
            "web_url",
            "content_hash",
            "source_path",
            "published",
            "published_decided_at",
            DOCUMENT_PUBLISHED,
        )
    }


def _status(item, row):
    if row is None:
        return CREATED
    same = row["content_hash"] == item.content_hash and row["source_path"] == item.source_path
    # An article whose document's `published` is not known yet (imported before it was kept,
    # or made another way) is written once more, so that it becomes known.
    if same and row[DOCUMENT_PUBLISHED] is not None:
        return UNCHANGED
    return UPDATED


def _write(batch):
    existing = _existing(batch)
    statuses = [(item, _status(item, existing.get(item.web_url))) for item in batch]
    changed = [(item, status) for item, status in statuses if status != UNCHANGED]
    providers = _upsert_providers(batch)
    if changed:
        topics = _upsert_topics([item for item, _ in changed])
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(timezone.now())
        created = [item for item, status in changed if status == CREATED]
        updated = [item for item, status in changed if status == UPDATED]
        if created:
            _insert(
                Article,
                [*CONTENT_FIELDS, "slug", "published", "created_at"],
                [
                    (
                        *_row(_article_values(item), _ARTICLE_DATES, adapt),
                        item.published,
                        providers[item.provider.domain],
                        now,
                        item.slug,
                        item.published,
                        now,
                    )
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
                    (
                        *_row(_article_values(item), _ARTICLE_DATES, adapt),
                        item.published,
                        providers[item.provider.domain],
                        now,
                        existing[item.web_url]["id"],
                    )
                    for item in updated
                ],
            )
            _apply_published_unless_decided(changed, existing)
            old_ids = [existing[item.web_url]["id"] for item in updated]
            ArticleImage.objects.filter(article_id__in=old_ids).delete()
            RelatedLink.objects.filter(article_id__in=old_ids).delete()
            Article.topics.through.objects.filter(article_id__in=old_ids).delete()
            ids.update((item.web_url, existing[item.web_url]["id"]) for item in updated)
        _write_children([(ids[item.web_url], item) for item, _ in changed], providers, topics, adapt)
        stories.cluster_articles(
            [ids[item.web_url] for item, _ in changed],
            created={ids[item.web_url]: item for item in created},
        )
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


def _write_children(articles, providers, topics, adapt):
    """Images, related links and topic memberships of [(article id, record)], in document order."""
    images, links, memberships = [], [], []
    json_value = connection.ops.adapt_json_value
    for article_id, item in articles:
        images.extend(
            (article_id, position, *_image_values(image)) for position, image in enumerate(item.images)
        )
        for position, link in enumerate(item.related_links):
            links.append(
                (
                    article_id,
                    position,
                    *_row(_related_values(link), _RELATED_DATES, adapt),
                    providers[link.provider.domain],
                    json_value([_image_data(image) for image in link.images], None),
                )
            )
        for topic_id in dict.fromkeys(topics[_topic_slug(name)] for name in item.topics):
            memberships.append((article_id, topic_id))
    _insert(ArticleImage, IMAGE_FIELDS, images)
    _insert(RelatedLink, RELATED_FIELDS, links)
    _insert(Article.topics.through, ["article", "topic"], memberships)


def _image_data(image):
    """A related link's image as its JSON column keeps it: by document key, as in the document."""
    return {field.key: getattr(image, field.name) for field in IMAGE}


_topic_slug = functools.lru_cache(maxsize=4096)(Topic.slug_for)


def _upsert_providers(batch):
    """Return {domain: provider id}. An article's own provider name wins over a related link's."""
    names = {}  # domain -> (name, from_article)
    for item in batch:
        for link in item.related_links:
            domain, name = link.provider.domain, link.provider.name
            if names.get(domain, (domain,))[0] == domain:  # a real name beats the bare domain
                names[domain] = (name, False)
    for item in batch:
        names[item.provider.domain] = (item.provider.name, True)
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
