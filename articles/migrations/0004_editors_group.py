"""The "Editors" group with exactly the permissions an editor needs.

Editors view everything the admin shows about an article and decide its published state
(`publish_article`); they do not add, change or delete imported content. Permissions are created
here explicitly (content types included) because on a fresh database the post-migrate signal that
normally creates them has not run yet.
"""

from django.db import migrations

GROUP = "Editors"
PERMISSIONS = [
    # (model, codename, name)
    ("article", "view_article", "Can view article"),
    ("article", "publish_article", "Can publish and unpublish articles"),
    ("articleimage", "view_articleimage", "Can view article image"),
    ("relatedlink", "view_relatedlink", "Can view related link"),
    ("provider", "view_provider", "Can view provider"),
    ("topic", "view_topic", "Can view topic"),
    ("editorialaction", "view_editorialaction", "Can view editorial action"),
]


def create_editors_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    permissions = []
    for model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.using(db).get_or_create(app_label="articles", model=model)
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        permissions.append(permission)
    group, _ = Group.objects.using(db).get_or_create(name=GROUP)
    group.permissions.set(permissions)


def delete_editors_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_editorialaction_publish_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
