"""Rebuild the full-text search index from the articles (the repair `manage.py check` names)."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from articles import content_version, search_index


class Command(BaseCommand):
    requires_system_checks = []  # the search index's own check would only say what this repairs
    help = "Rebuild the search index from the articles (after a crash or a manual database change)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database to repair")

    def handle(self, *args, database, **options):
        connection = connections[database]
        before = search_index.index_problems(connection)
        search_index.rebuild(connection)
        content_version.bump()
        after = search_index.index_problems(connection)
        for problem in after:
            self.stderr.write(self.style.ERROR(f"still out of step: {problem}"))
        if after:
            raise SystemExit(1)
        if options["verbosity"]:
            state = "repaired: " + "; ".join(before) if before else "it was in step"
            self.stdout.write(self.style.SUCCESS(f"Search index rebuilt ({state})."))
