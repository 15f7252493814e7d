from django.db import migrations, models
from django.db.models import Exists, F, OuterRef


def known_for_never_decided(apps, schema_editor):
    """Articles no editor ever decided show their document's value as last imported; the others'
    document value is not known here and is read at the next import."""
    Article = apps.get_model("articles", "Article")
    EditorialAction = apps.get_model("articles", "EditorialAction")
    decided_once = Exists(EditorialAction.objects.filter(article=OuterRef("pk")))
    Article.objects.filter(published_decided_at__isnull=True).exclude(decided_once).update(
        document_published=F("published")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_content_version_owed_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="document_published",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="The document's own `published` value at its last import (empty: not known yet). "
                "“Follow the document again” applies it at once.",
                null=True,
            ),
        ),
        migrations.RunPython(known_for_never_decided, migrations.RunPython.noop, elidable=True),
    ]
