"""PostgreSQL: the text index moves out of the article rows into a narrow table of its own.

`articles_article_search` (article id, published, tsvector) is kept by triggers on
`articles_article` and partitioned by `published`, each partition with its GIN index; the
article's generated `search_vector` column and its GIN index go. A reader's search then reads
only the published partition's narrow rows, never the wide article rows (see
articles.search_index).
SQLite is unchanged. The statements are this migration's own: later versions of the triggers
live in articles.search_index, which repairs them.
"""

from django.db import migrations

TABLE = "articles_article_search"
VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}.title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({row}.search_text, '')), 'C')"
)

FORWARD = [
    f"CREATE TABLE {TABLE} (article_id bigint NOT NULL, published boolean NOT NULL, "
    "search_vector tsvector NOT NULL, PRIMARY KEY (article_id, published)) PARTITION BY LIST (published)",
    f"CREATE TABLE {TABLE}_published PARTITION OF {TABLE} FOR VALUES IN (true)",
    f"CREATE TABLE {TABLE}_unpublished PARTITION OF {TABLE} FOR VALUES IN (false)",
    f"""CREATE OR REPLACE FUNCTION {TABLE}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {TABLE} WHERE article_id = OLD.id;
        ELSIF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.title IS NOT DISTINCT FROM OLD.title
                AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
            IF NEW.published IS DISTINCT FROM OLD.published THEN
                UPDATE {TABLE} SET published = NEW.published WHERE article_id = NEW.id;
            END IF;
        ELSE
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM {TABLE} WHERE article_id = OLD.id;
            END IF;
            INSERT INTO {TABLE} (article_id, published, search_vector)
            VALUES (NEW.id, NEW.published, {VECTOR.format(row="NEW")})
            ON CONFLICT (article_id, published) DO UPDATE SET search_vector = excluded.search_vector;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION {TABLE}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_aiud AFTER INSERT OR UPDATE OR DELETE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_sync()""",
    f"""CREATE TRIGGER {TABLE}_at AFTER TRUNCATE ON articles_article
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_truncate()""",
    # The vectors the generated column already holds: nothing is parsed again.
    f"INSERT INTO {TABLE} (article_id, published, search_vector) "
    "SELECT id, published, search_vector FROM articles_article",
    f"CREATE INDEX {TABLE}_gin ON {TABLE} USING gin (search_vector)",
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_aiud ON articles_article",
    f"DROP TRIGGER IF EXISTS {TABLE}_at ON articles_article",
    f"DROP FUNCTION IF EXISTS {TABLE}_sync()",
    f"DROP FUNCTION IF EXISTS {TABLE}_truncate()",
    f"DROP TABLE IF EXISTS {TABLE}",
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    + VECTOR.format(row="articles_article").replace("articles_article.", "")
    + ") STORED",
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin ON articles_article USING gin (search_vector)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_postgresql_quality_order_index"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
