"""Search, second version: stemming, the title weighted over the rest, a vocabulary for suggestions.

SQLite: the FTS5 table is re-created with two columns (title, search_text) and the Porter
tokenizer, its triggers follow both columns, bm25 weighs the title ten times the rest, and an
fts5vocab table lists its words. PostgreSQL: a stored generated tsvector (title 'A', the rest 'C')
with a GIN index replaces the expression index, pg_trgm is created when the server allows it, and
a vocabulary table (with a trigram index when pg_trgm exists) is filled from the vectors.
"""

from django.db import DatabaseError, migrations, transaction

FTS = "articles_article_fts"
VOCABULARY = "articles_search_vocabulary"
COLUMNS = "rowid, title, search_text"

SQLITE_FORWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        title, search_text, content='articles_article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"INSERT INTO {FTS}({FTS}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS}_vocab USING fts5vocab({FTS}, 'row')",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON articles_article BEGIN
        INSERT INTO {FTS}({COLUMNS}) VALUES (new.id, new.title, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON articles_article BEGIN
        INSERT INTO {FTS}({FTS}, {COLUMNS}) VALUES ('delete', old.id, old.title, old.search_text);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF title, search_text ON articles_article BEGIN
        INSERT INTO {FTS}({FTS}, {COLUMNS}) VALUES ('delete', old.id, old.title, old.search_text);
        INSERT INTO {FTS}({COLUMNS}) VALUES (new.id, new.title, new.search_text);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    f"DROP TABLE IF EXISTS {FTS}_vocab",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        search_text, content='articles_article', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON articles_article BEGIN
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON articles_article BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_text ON articles_article BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]

POSTGRESQL_FORWARD = [
    "DROP INDEX IF EXISTS article_search_text_gin",
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'C')) STORED",
    "CREATE INDEX article_search_vector_gin ON articles_article USING gin (search_vector)",
    f"CREATE TABLE {VOCABULARY} (word text PRIMARY KEY, documents integer NOT NULL)",
    f"INSERT INTO {VOCABULARY} (word, documents) SELECT lexeme, COUNT(*) FROM articles_article, "
    "unnest(tsvector_to_array(search_vector)) AS lexeme GROUP BY lexeme",
]
POSTGRESQL_TRIGRAM = [
    f"CREATE INDEX {VOCABULARY}_trgm ON {VOCABULARY} USING gin (word gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = [
    f"DROP TABLE IF EXISTS {VOCABULARY}",
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS article_search_text_gin "
    "ON articles_article USING gin (to_tsvector('english'::regconfig, search_text))",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
    elif vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement, params=None)
        try:
            # Needs the contrib package and the right to create it; without it, suggestions fall
            # back to scanning the vocabulary by first letter and length.
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
        except DatabaseError:
            return
        for statement in POSTGRESQL_TRIGRAM:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_topic_members_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
