"""An index on the article-topic table by topic, then article: a topic's member ids straight from
the index (see `ArticleQuerySet.in_topics`). The table is the one Django creates for
`Article.topics`, which takes no Meta.indexes, hence plain SQL (valid on SQLite and PostgreSQL)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_content_version"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX article_topics_topic_article_idx ON articles_article_topics (topic_id, article_id)",
            reverse_sql="DROP INDEX article_topics_topic_article_idx",
        ),
    ]
