"""PostgreSQL: article rows kept narrow, their long texts in TOAST.

An article row held its body, rendered body, search text and excerpt inline up to ~2 KB (the
default TOAST threshold), so the table's heap was 2.3 GB at a million articles. A search reads the
heap row of every match (GIN gives no index-only scan): a common word's matches read most of it.
With toast_tuple_target 128 the long values go out of line (compressed), and the heap holds the
short columns; the search vector stays in the row (STORAGE MAIN), as every search tests it. At
100,000 articles, cold one-word searches of common words (median of 10, load ~4): 138 -> 86 ms;
with a topic 195 -> 89 ms.

Rows written before this migration keep their layout until rewritten: run
`VACUUM FULL articles_article` once (it locks the table while it runs).
"""

from django.db import migrations


def narrow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_article SET (toast_tuple_target = 128)")
        schema_editor.execute("ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN")


def widen(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_article RESET (toast_tuple_target)")
        schema_editor.execute("ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_postgresql_quality_order_index")]

    operations = [migrations.RunPython(narrow, widen, elidable=False)]
