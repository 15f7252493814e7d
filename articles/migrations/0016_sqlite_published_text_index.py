"""SQLite: the FTS5 index is split in two, the published articles and the rest, as PostgreSQL's
search table is partitioned (0015): a reader's search lists only the published matches.

Triggers route each article by its `published` and move it when an editor decides; the
vocabulary ("did you mean") covers the published articles only. PostgreSQL's vocabulary follows
(its next refresh, at the next import or repair, counts the published articles' words only).
The statements are this migration's own: later versions live in articles.search_index.
"""

from django.db import migrations

FTS = "articles_article_fts"
UNPUBLISHED = "articles_article_fts_unpublished"
COLUMNS = "rowid, title, search_text"
TABLE = """CREATE VIRTUAL TABLE {name} USING fts5(
    title, search_text, content='articles_article', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
)"""


def writes(row, command=""):
    statements = []
    for table, condition in ((FTS, f"{row}.published"), (UNPUBLISHED, f"NOT {row}.published")):
        columns, values = COLUMNS, f"{row}.id, {row}.title, {row}.search_text"
        if command:
            columns, values = f"{table}, {columns}", f"'{command}', {values}"
        statements.append(f"INSERT INTO {table}({columns}) SELECT {values} WHERE {condition};")
    return "\n".join(statements)


DROP_OLD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}_vocab",
    f"DROP TABLE IF EXISTS {FTS}",
]
FORWARD = [
    *DROP_OLD,
    TABLE.format(name=FTS),
    TABLE.format(name=UNPUBLISHED),
    f"INSERT INTO {FTS}({FTS}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    f"INSERT INTO {UNPUBLISHED}({UNPUBLISHED}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    f"CREATE VIRTUAL TABLE {FTS}_vocab USING fts5vocab({FTS}, 'row')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON articles_article BEGIN {writes('new')} END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON articles_article BEGIN {writes('old', 'delete')} END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF title, search_text, published ON articles_article "
    f"BEGIN {writes('old', 'delete')} {writes('new')} END",
    f"INSERT INTO {FTS}({COLUMNS}) SELECT id, title, search_text FROM articles_article WHERE published",
    f"INSERT INTO {UNPUBLISHED}({COLUMNS}) SELECT id, title, search_text FROM articles_article WHERE NOT published",
]
BACKWARD = [
    *DROP_OLD,
    f"DROP TABLE IF EXISTS {UNPUBLISHED}",
    TABLE.format(name=FTS),
    f"INSERT INTO {FTS}({FTS}, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    f"CREATE VIRTUAL TABLE {FTS}_vocab USING fts5vocab({FTS}, 'row')",
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


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_postgresql_search_table"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
