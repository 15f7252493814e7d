"""`manage.py import_articles PATH [PATH ...]`: arguments, output and exit codes only."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.importing.pipeline import import_paths
from articles.importing.runs import record_run


class Command(BaseCommand):
    help = (
        "Import article documents (YAML front matter between '---' lines, then a body). "
        "PATH is a file or a folder searched recursively for .txt and .md files. "
        "Exit status: 0 all imported, 1 some rejected, 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="document files or folders")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that read and validate files (default: one per core, at most 4)",
        )

    def handle(self, *args, paths, dry_run, workers, verbosity, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1", returncode=2)
        show_progress = verbosity >= 1 and self.stderr.isatty()
        started_at = timezone.now()
        try:
            report = import_paths(
                paths, dry_run=dry_run, workers=workers, on_progress=self._progress if show_progress else None
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if show_progress:
            self.stderr.write("", style_func=str)  # end the progress line
        if not dry_run:
            record_run(report, paths, self._started_by(), started_at)
        for problem in report.problems:
            if problem.is_error:
                self.stderr.write(self.style.ERROR(str(problem)))
            elif verbosity >= 1:
                self.stderr.write(self.style.WARNING(str(problem)))
        summary = report.summary + (" (dry run: nothing written)" if dry_run else "")
        self.stdout.write(self.style.SUCCESS(summary) if not report.rejected else summary)
        if report.rejected:
            raise CommandError(f"{report.rejected} of {report.total} files rejected", returncode=1)

    @staticmethod
    def _started_by():
        """Who or what ran the import: DJANGO_IMPORT_STARTED_BY (e.g. "cron") or the OS user."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = f"uid {os.getuid()}"
        return os.environ.get("DJANGO_IMPORT_STARTED_BY") or f"import_articles, run by {user}"

    def _progress(self, done, total):
        self.stderr.write(
            f"\r{done}/{total} files ({done * 100 // max(total, 1)}%)", ending="", style_func=str
        )
        self.stderr.flush()
