"""The text index behind search: its tables, how it stays in step with the articles, its repair.

- SQLite: an FTS5 table `articles_article_fts` (external content over `articles_article`: columns
  `title` and `search_text`, Porter stemming over unicode61, diacritics folded; the title column
  lets a query ask for title matches), kept in step by triggers on every write, and `fts5vocab` over it for
  "did you mean". The triggers are never dropped, not even for a large import: each committed
  batch carries its index rows, so a process killed at any moment leaves an index equal to the
  articles. Migrations that rebuild `articles_article` drop its triggers, so `ensure_sqlite_index`
  runs after every `migrate` (the app config), at the start of every import and of the server
  (portal.wsgi), and puts them back, rebuilding the index if it is out of step.
- PostgreSQL: the stored generated column `search_vector` (title weighted 'A', the rest 'C') with
  a GIN index: the database computes it on every write, so it cannot fall out of step. Suggestions
  read `articles_search_vocabulary` (the vector's lexemes and their document counts, with a trigram
  index when pg_trgm exists), which imports bring up to date (`refresh_vocabulary`).

`index_problems` says what is out of step (a system check reports it), `rebuild` repairs it (the
`rebuild_search_index` command). The migration that creates the index, the app config, the
importer and the query side (articles.search) use this module.
"""

import contextlib

from django.db import DatabaseError, transaction
from django.db import connection as default_connection

FTS_TABLE = "articles_article_fts"
FTS_VOCABULARY = "articles_article_fts_vocab"
PG_VOCABULARY = "articles_search_vocabulary"
FTS_COLUMNS = ("title", "search_text")
FTS_RANK = "bm25(10.0, 1.0)"  # a title match weighs ten times a match in the rest
REPAIR_COMMAND = "python manage.py rebuild_search_index"

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title, search_text, content='articles_article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('rank', '{FTS_RANK}')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCABULARY} USING fts5vocab({FTS_TABLE}, 'row')",
]
_OLD = "old.id, old.title, old.search_text"
_NEW = "new.id, new.title, new.search_text"
_COLUMNS = "rowid, title, search_text"
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON articles_article BEGIN
            INSERT INTO {FTS_TABLE}({_COLUMNS}) VALUES ({_NEW});
        END""",
    f"{FTS_TABLE}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON articles_article BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) VALUES ('delete', {_OLD});
        END""",
    f"{FTS_TABLE}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au
        AFTER UPDATE OF title, search_text ON articles_article BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, {_COLUMNS}) VALUES ('delete', {_OLD});
            INSERT INTO {FTS_TABLE}({_COLUMNS}) VALUES ({_NEW});
        END""",
}

PG_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'C')"
)
POSTGRESQL_CREATE = [
    f"ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin ON articles_article USING gin (search_vector)",
    f"CREATE TABLE IF NOT EXISTS {PG_VOCABULARY} (word text PRIMARY KEY, documents integer NOT NULL)",
]
PG_TRIGRAM_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {PG_VOCABULARY}_trgm ON {PG_VOCABULARY} USING gin (word gin_trgm_ops)"
)


def _names(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    return {row[0] for row in cursor.fetchall()}


def _sqlite_counts(cursor):
    """(articles, index rows): the index's own row count is its `docsize` shadow table's."""
    cursor.execute(
        f"SELECT (SELECT COUNT(*) FROM articles_article), (SELECT COUNT(*) FROM {FTS_TABLE}_docsize)"
    )
    return cursor.fetchone()


def index_problems(connection=default_connection):
    """What is out of step between the articles and their text index, as sentences; [] when
    nothing is, or before the index exists (migrations not applied yet)."""
    if connection.vendor != "sqlite":
        return []
    try:
        with connection.cursor() as cursor:
            present = _names(cursor)
            if FTS_TABLE not in present or "articles_article" not in present:
                return []
            problems = []
            missing = [name for name in SQLITE_TRIGGERS if name not in present]
            if missing:
                problems.append(
                    f"the triggers that keep the search index in step are missing ({', '.join(missing)})"
                )
            articles, indexed = _sqlite_counts(cursor)
            if articles != indexed:
                problems.append(f"the search index holds {indexed} articles of {articles}")
    except DatabaseError:
        return []  # no database yet: nothing to compare
    return problems


def ensure_sqlite_index(connection=default_connection, count=True):
    """SQLite: recreate the sync triggers if missing, and rebuild the index if they were or (with
    `count`) if it holds another number of rows than the articles. One query, two with `count`,
    when all is well. Returns True when something was repaired."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        present = _names(cursor)
        if FTS_TABLE not in present or "articles_article" not in present:
            return False  # before the search-index migration, or it was unapplied
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        if not missing and (not count or len(set(_sqlite_counts(cursor))) == 1):
            return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return True


def rebuild(connection=default_connection):
    """Rebuild the index from the articles, whatever its state (the repair command). PostgreSQL:
    the vector needs nothing; the suggestions' vocabulary is recomputed."""
    if connection.vendor == "sqlite":
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif connection.vendor == "postgresql":
        refresh_vocabulary(connection)


def refresh_vocabulary(connection=default_connection, since=None):
    """PostgreSQL: bring the suggestions' vocabulary up to date: whole (`since` None), or adding
    the words of the articles written since `since` (document counts then only grow: they rank
    suggestions, nothing more)."""
    if connection.vendor != "postgresql":
        return
    words = (
        "SELECT lexeme, COUNT(*) FROM articles_article, unnest(tsvector_to_array(search_vector)) AS lexeme"
    )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if since is None:
            cursor.execute(f"TRUNCATE {PG_VOCABULARY}")
            cursor.execute(f"INSERT INTO {PG_VOCABULARY} (word, documents) {words} GROUP BY lexeme")
        else:
            cursor.execute(
                f"INSERT INTO {PG_VOCABULARY} (word, documents) {words} WHERE updated_at >= %s "
                f"GROUP BY lexeme ON CONFLICT (word) DO UPDATE "
                f"SET documents = {PG_VOCABULARY}.documents + excluded.documents",
                [since],
            )


@contextlib.contextmanager
def kept_in_step_during_import(connection=default_connection):
    """Around an import: first repair an index left out of step (by an older version's killed
    import, or a migration); afterwards add the new words to PostgreSQL's vocabulary. The
    triggers stay on throughout (see the module's docstring)."""
    from django.utils import timezone

    started = timezone.now()
    # Missing triggers are what a killed import of an older version left (with an emptied index).
    ensure_sqlite_index(connection, count=False)
    yield
    refresh_vocabulary(connection, since=started)


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
    """At a server's start: put the index back in step if it is not (see `ensure_sqlite_index`).
    A database that cannot be reached yet is left for the pages to report."""
    try:
        ensure_sqlite_index(connection)
    except DatabaseError:
        pass
    finally:
        if not connection.in_atomic_block:
            connection.close()  # opened before the workers fork: each opens its own
