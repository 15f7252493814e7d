from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    from django.db import connections

    from .search_index import ensure_index

    ensure_index(connections[using])


def check_search_index(app_configs=None, databases=None, **kwargs):
    """The full-text index is in step with the articles (else every search misses silently)."""
    from django.db import connections

    from .search_index import REPAIR_COMMAND, index_problems

    errors = []
    for alias in databases or []:  # none unless asked for (`--database`), as Django's own
        for problem in index_problems(connections[alias]):
            errors.append(
                # A warning, not an error: errors would stop the very commands that repair it
                # (import_articles, migrate, rebuild_search_index). `check --fail-level WARNING`
                # exits non-zero on it.
                checks.Warning(
                    f"Search is out of step with the articles in database '{alias}': {problem}.",
                    hint=f"Run `{REPAIR_COMMAND}` (or any `import_articles`) to rebuild it.",
                    id="articles.W001",
                )
            )
    return errors


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        # SQLite loses the full-text triggers when a migration rebuilds articles_article.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="articles_search_index")
        # Tagged `database`, as Django's own checks that read a database are: `check --database
        # default` and `migrate` run it; commands that need no database (`check --deploy` on a
        # build machine) never connect for it, nor count a million rows at every start.
        checks.register(check_search_index, checks.Tags.database)
