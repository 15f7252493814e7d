"""The text index behind search: its table, how it stays in step with the articles, its repair.

- SQLite: an FTS5 table `articles_article_fts` (external content over `articles_article`), kept in
  step by triggers. Migrations that rebuild `articles_article` drop its triggers, so
  `ensure_sqlite_index` runs after every `migrate` (the app config) and puts them back.
- PostgreSQL: a GIN index on `to_tsvector('english', search_text)`, kept by the database itself.

The migration that creates the index, the app config and the importer use this module; the
query side (articles.search) only reads the table's name.
"""

FTS_TABLE = "articles_article_fts"

_DELETE_OLD = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
)
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON articles_article BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    f"{FTS_TABLE}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON articles_article BEGIN
            {_DELETE_OLD}
        END""",
    f"{FTS_TABLE}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text ON articles_article BEGIN
            {_DELETE_OLD}
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
# Dropped during a large SQLite import, whose index is rebuilt once at the end instead.
WRITE_TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_au")


def ensure_sqlite_index(connection):
    """Recreate the FTS5 sync triggers if missing, and then rebuild the index.

    Returns True when something was repaired."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if FTS_TABLE not in present or "articles_article" not in present:
            return False  # before the search-index migration, or it was unapplied
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return bool(missing)


def drop_write_triggers(connection):
    """SQLite: stop maintaining the index row by row (a large import rebuilds it at the end)."""
    with connection.cursor() as cursor:
        for name in WRITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
