from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    from django.db import connections

    from .search_index import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        # SQLite loses the full-text triggers when a migration rebuilds articles_article.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="articles_search_index")
