"""PostgreSQL: the English text vector of each article stored once, in a generated column.

Ranking a search computed `to_tsvector('english', search_text)` again for every matching article
(the GIN index was on that expression, so matching was cheap but ranking parsed every match's
text): a common word at 100,000 articles took seconds. The column is computed by the server on
insert and update, the GIN index moves onto it, and articles.search reads it (EnglishVector).
Nothing on SQLite, whose FTS5 table already stores its index and ranks from it.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin ON articles_article USING gin (search_vector)",
    "DROP INDEX IF EXISTS article_search_text_gin",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS article_search_text_gin "
    "ON articles_article USING gin (to_tsvector('english'::regconfig, search_text))",
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_topic_members_index"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
