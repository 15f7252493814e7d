"""The text index behind search: its tables, how it stays in step with the articles, its repair.

- SQLite: two FTS5 tables, `articles_article_fts` for the published articles and
  `articles_article_fts_unpublished` for the rest (external content over `articles_article`:
  columns `title` and `search_text`, Porter stemming over unicode61, diacritics folded; the title
  column lets a query ask for title matches), kept in step by triggers on every write (an
  editor's decision moves the article from one to the other), and `fts5vocab` over the published
  one for "did you mean" (no suggestion ever comes from a word only unpublished articles hold).
  Split as PostgreSQL's table is: a reader's search lists only the published matches, a third of
  a common word's in the generated corpus. The triggers are never dropped, not even for a large
  import: each committed batch carries its index rows, so a process killed at any moment leaves
  an index equal to the articles. Migrations that rebuild `articles_article` drop its triggers,
  so `ensure_index` runs after every `migrate` (the app config), at the start of every import
  and of the server (portal.wsgi), and puts them back, rebuilding the index if it is out of step.
- PostgreSQL: a narrow table `articles_article_search` (article id, published, tsvector with the
  title weighted 'A' and the rest 'C'), kept by triggers on every write to the articles,
  partitioned by `published`, each partition with a GIN index. Matching reads only those narrow
  rows, never the wide article rows (a common word's matches, listed for the facet counts, are a
  third of the corpus: reading them from `articles_article` made PostgreSQL's searches 2-3x slower
  than SQLite's), and a reader's search only the published partition: its rows lie together,
  where in one table they were spread over every page (at a million articles, 64,000 pages read
  for a common word instead of 19,000, 4x the time). As on SQLite, the triggers commit with each
  batch, so an index in step stays in step; `ensure_index` repairs one that is not. Suggestions
  read `articles_search_vocabulary` (the published articles' lexemes and their document counts,
  with a trigram index when pg_trgm exists), which imports bring up to date (`refresh_vocabulary`).

`index_problems` says what is out of step (a system check reports it), `rebuild` repairs it (the
`rebuild_search_index` command). The migration that creates the index, the app config, the
importer and the query side (articles.search) use this module.
"""

import contextlib

from django.db import DatabaseError, transaction
from django.db import connection as default_connection

FTS_PUBLISHED = "articles_article_fts"
FTS_UNPUBLISHED = "articles_article_fts_unpublished"
FTS_TABLES = (FTS_PUBLISHED, FTS_UNPUBLISHED)
FTS_VOCABULARY = "articles_article_fts_vocab"
# The FTS5 tables' tokenizer, as the migration that creates them has it (a test compares the
# two): a scratch table that must split words as the index does (articles.search) uses it.
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_VOCABULARY = "articles_search_vocabulary"
REPAIR_COMMAND = "python manage.py rebuild_search_index"

_COLUMNS = "rowid, title, search_text"


def _fts_writes(row, command=""):
    """INSERTs of `row` ('new' or 'old') into the FTS5 table its `published` names; with
    `command` ('delete'), that command instead (an external content table is told the values it
    indexed)."""
    statements = []
    for table, condition in ((FTS_PUBLISHED, f"{row}.published"), (FTS_UNPUBLISHED, f"NOT {row}.published")):
        columns, values = _COLUMNS, f"{row}.id, {row}.title, {row}.search_text"
        if command:
            columns, values = f"{table}, {columns}", f"'{command}', {values}"
        statements.append(f"INSERT INTO {table}({columns}) SELECT {values} WHERE {condition};")
    return "\n".join(statements)


SQLITE_TRIGGERS = {
    f"{FTS_PUBLISHED}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_PUBLISHED}_ai AFTER INSERT ON articles_article BEGIN
            {_fts_writes("new")}
        END""",
    f"{FTS_PUBLISHED}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_PUBLISHED}_ad AFTER DELETE ON articles_article BEGIN
            {_fts_writes("old", "delete")}
        END""",
    f"{FTS_PUBLISHED}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_PUBLISHED}_au
        AFTER UPDATE OF title, search_text, published ON articles_article BEGIN
            {_fts_writes("old", "delete")}
            {_fts_writes("new")}
        END""",
}
SQLITE_REFILL = [
    *(f"INSERT INTO {table}({table}) VALUES ('delete-all')" for table in FTS_TABLES),
    f"INSERT INTO {FTS_PUBLISHED}({_COLUMNS}) "
    "SELECT id, title, search_text FROM articles_article WHERE published",
    f"INSERT INTO {FTS_UNPUBLISHED}({_COLUMNS}) "
    "SELECT id, title, search_text FROM articles_article WHERE NOT published",
]

PG_SEARCH_TABLE = "articles_article_search"
PG_SEARCH_PUBLISHED = f"{PG_SEARCH_TABLE}_published"  # its partition of the published articles
PG_SYNC_FUNCTION = f"{PG_SEARCH_TABLE}_sync"


def _pg_vector(row):
    return (
        f"setweight(to_tsvector('english'::regconfig, coalesce({row}.title, '')), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, coalesce({row}.search_text, '')), 'C')"
    )


# One function for every row-level write: an unchanged text keeps its vector (an import's update of
# an article's other fields), and an editor's decision moves the row to the other partition.
PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION {PG_SYNC_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {PG_SEARCH_TABLE} WHERE article_id = OLD.id;
        ELSIF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.title IS NOT DISTINCT FROM OLD.title
                AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
            IF NEW.published IS DISTINCT FROM OLD.published THEN
                UPDATE {PG_SEARCH_TABLE} SET published = NEW.published WHERE article_id = NEW.id;
            END IF;
        ELSE
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM {PG_SEARCH_TABLE} WHERE article_id = OLD.id;
            END IF;
            INSERT INTO {PG_SEARCH_TABLE} (article_id, published, search_vector)
            VALUES (NEW.id, NEW.published, {_pg_vector("NEW")})
            ON CONFLICT (article_id, published) DO UPDATE SET search_vector = excluded.search_vector;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION {PG_SEARCH_TABLE}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {PG_SEARCH_TABLE};
        RETURN NULL;
    END $$""",
]
PG_TRIGGERS = {
    f"{PG_SEARCH_TABLE}_aiud": f"""CREATE OR REPLACE TRIGGER {PG_SEARCH_TABLE}_aiud
        AFTER INSERT OR UPDATE OR DELETE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION {PG_SYNC_FUNCTION}()""",
    f"{PG_SEARCH_TABLE}_at": f"""CREATE OR REPLACE TRIGGER {PG_SEARCH_TABLE}_at
        AFTER TRUNCATE ON articles_article
        FOR EACH STATEMENT EXECUTE FUNCTION {PG_SEARCH_TABLE}_truncate()""",
}
PG_REFILL = [
    f"DELETE FROM {PG_SEARCH_TABLE}",
    f"INSERT INTO {PG_SEARCH_TABLE} (article_id, published, search_vector) "
    f"SELECT id, published, {_pg_vector('articles_article')} FROM articles_article",
]


# Per engine: the tables the index is made of, how many rows it holds, its triggers.
_INDEX = {
    "sqlite": (
        FTS_TABLES,
        " + ".join(f"(SELECT COUNT(*) FROM {table}_docsize)" for table in FTS_TABLES),
        SQLITE_TRIGGERS,
    ),
    "postgresql": ((PG_SEARCH_TABLE,), f"(SELECT COUNT(*) FROM {PG_SEARCH_TABLE})", PG_TRIGGERS),
}


def _names(cursor, vendor):
    """The tables and triggers that exist."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
    return {row[0] for row in cursor.fetchall()}


def _counts(cursor, rows):
    """(articles, index rows)."""
    cursor.execute(f"SELECT (SELECT COUNT(*) FROM articles_article), {rows}")
    return cursor.fetchone()


def _state(cursor, vendor):
    """(how to count the index's rows, its missing triggers), or None before the index exists
    (migrations not applied yet) or on another engine."""
    if vendor not in _INDEX:
        return None
    tables, rows, triggers = _INDEX[vendor]
    present = _names(cursor, vendor)
    if not present.issuperset([*tables, "articles_article"]):
        return None
    return rows, [name for name in triggers if name not in present]


def index_problems(connection=default_connection):
    """What is out of step between the articles and their text index, as sentences; [] when
    nothing is, or before the index exists (migrations not applied yet)."""
    try:
        with connection.cursor() as cursor:
            state = _state(cursor, connection.vendor)
            if state is None:
                return []
            rows, missing = state
            problems = []
            if missing:
                problems.append(
                    f"the triggers that keep the search index in step are missing ({', '.join(missing)})"
                )
            articles, indexed = _counts(cursor, rows)
            if articles != indexed:
                problems.append(f"the search index holds {indexed} articles of {articles}")
    except DatabaseError:
        return []  # no database yet: nothing to compare
    return problems


def ensure_index(connection=default_connection, count=True):
    """Recreate the sync triggers if missing, and rebuild the index if they were or (with `count`)
    if it holds another number of rows than the articles. Two queries, three with `count`, when
    all is well. Returns True when something was repaired."""
    with connection.cursor() as cursor:
        state = _state(cursor, connection.vendor)
        if state is None:
            return False  # before the search-index migration, or it was unapplied
        rows, missing = state
        if not missing and (not count or len(set(_counts(cursor, rows))) == 1):
            return False
    _rebuild_rows(connection)
    return True


def _rebuild_rows(connection):
    """The triggers (re)created and the index's rows rebuilt from the articles, in one transaction:
    readers see the old rows until it commits."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in [*SQLITE_TRIGGERS.values(), *SQLITE_REFILL]:
                cursor.execute(statement)
        else:
            for statement in [*PG_FUNCTIONS, *PG_TRIGGERS.values(), *PG_REFILL]:
                cursor.execute(statement)


def rebuild(connection=default_connection):
    """Rebuild the index from the articles, whatever its state (the repair command), and on
    PostgreSQL the suggestions' vocabulary."""
    if connection.vendor in _INDEX:
        _rebuild_rows(connection)
    refresh_vocabulary(connection)


def refresh_vocabulary(connection=default_connection, since=None):
    """PostgreSQL: bring the suggestions' vocabulary up to date: whole (`since` None), or adding
    the words of the articles written since `since` (document counts then only grow: they rank
    suggestions, nothing more)."""
    if connection.vendor != "postgresql":
        return
    # The published articles' words, as SQLite's vocabulary (over its published index) has them.
    words = (
        f"SELECT lexeme, COUNT(*) FROM {PG_SEARCH_TABLE}, unnest(tsvector_to_array(search_vector)) AS lexeme "
        "WHERE published"
    )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if since is None:
            cursor.execute(f"TRUNCATE {PG_VOCABULARY}")
            cursor.execute(f"INSERT INTO {PG_VOCABULARY} (word, documents) {words} GROUP BY lexeme")
        else:
            cursor.execute(
                f"INSERT INTO {PG_VOCABULARY} (word, documents) {words} AND article_id IN "
                "(SELECT id FROM articles_article WHERE updated_at >= %s) "
                f"GROUP BY lexeme ON CONFLICT (word) DO UPDATE "
                f"SET documents = {PG_VOCABULARY}.documents + excluded.documents",
                [since],
            )


@contextlib.contextmanager
def kept_in_step_during_import(connection=default_connection):
    """Around an import: first repair an index left out of step (by an older version's killed
    import, or a migration); afterwards merge PostgreSQL's pending index entries and add the new
    words to its vocabulary. The triggers stay on throughout (see the module's docstring)."""
    from django.utils import timezone

    started = timezone.now()
    # Missing triggers are what a killed import of an older version left (with an emptied index).
    ensure_index(connection, count=False)
    yield
    merge_pending_entries(connection)
    refresh_vocabulary(connection, since=started)


def merge_pending_entries(connection=default_connection):
    """PostgreSQL: merge the entries an import left in its GIN indexes' pending lists (fast update:
    a write appends there, up to 4 MB by default) into the indexes proper. Every search scans
    those lists whole until (auto)vacuum merges them, minutes after a large import."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
            [PG_SEARCH_TABLE],
        )


# --- the vocabulary, for "did you mean" ----------------------------------------------------------


class _SqliteVocabulary:
    def __init__(self, connection):
        self.connection = connection

    def knows(self, stem, prefix=False):
        with self.connection.cursor() as cursor:
            if prefix:
                cursor.execute(
                    f"SELECT 1 FROM {FTS_VOCABULARY} WHERE term >= %s AND term < %s LIMIT 1",
                    [stem, stem + "\U0010ffff"],
                )
            else:
                cursor.execute(f"SELECT 1 FROM {FTS_VOCABULARY} WHERE term = %s", [stem])
            return cursor.fetchone() is not None

    def near(self, stem, limit):
        """(stem, documents) of the words that share `stem`'s first letter and about its length."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term, doc FROM {FTS_VOCABULARY} WHERE term >= %s AND term < %s "
                "AND length(term) BETWEEN %s AND %s",
                [stem[0], stem[0] + "\U0010ffff", len(stem) - limit, len(stem) + limit],
            )
            return cursor.fetchall()


class _PostgresVocabulary(_SqliteVocabulary):
    def knows(self, stem, prefix=False):
        with self.connection.cursor() as cursor:
            if prefix:
                cursor.execute(
                    f"SELECT 1 FROM {PG_VOCABULARY} WHERE word LIKE %s LIMIT 1", [_like_prefix(stem)]
                )
            else:
                cursor.execute(f"SELECT 1 FROM {PG_VOCABULARY} WHERE word = %s", [stem])
            return cursor.fetchone() is not None

    def near(self, stem, limit):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone():
                # The trigram index finds similar words anywhere in the vocabulary.
                cursor.execute(
                    f"SELECT word, documents FROM {PG_VOCABULARY} WHERE word %% %s "
                    "ORDER BY similarity(word, %s) DESC LIMIT 50",
                    [stem, stem],
                )
            else:
                cursor.execute(
                    f"SELECT word, documents FROM {PG_VOCABULARY} WHERE word LIKE %s "
                    "AND length(word) BETWEEN %s AND %s",
                    [_like_prefix(stem[0]), len(stem) - limit, len(stem) + limit],
                )
            return cursor.fetchall()


def _like_prefix(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def vocabulary(connection=default_connection):
    """The index's words (stems) with their document counts: `knows(stem)`, `near(stem, limit)`."""
    if connection.vendor == "postgresql":
        return _PostgresVocabulary(connection)
    return _SqliteVocabulary(connection)


def repair_on_start(connection=default_connection):
    """At a server's start: put the index back in step if it is not (see `ensure_index`).
    A database that cannot be reached yet is left for the pages to report."""
    try:
        ensure_index(connection)
    except DatabaseError:
        pass
    finally:
        if not connection.in_atomic_block:
            connection.close()  # opened before the workers fork: each opens its own
