"""`manage.py export_articles DIR`: arguments, output and exit codes only."""

from django.core.management.base import BaseCommand, CommandError

from articles.exporting import export_articles


class Command(BaseCommand):
    help = (
        "Write every article to DIR as a seed-format document named <slug>.txt "
        "(front matter between '---' lines, then the body). import_articles reads them back."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="folder to write to (created if missing)")

    def handle(self, *args, directory, verbosity, **options):
        show_progress = verbosity >= 1 and self.stderr.isatty()
        try:
            written = export_articles(directory, on_progress=self._progress if show_progress else None)
        except (FileExistsError, NotADirectoryError) as exc:
            raise CommandError(f"{directory}: not a folder ({exc.strerror})", returncode=2) from None
        except PermissionError as exc:
            raise CommandError(f"{directory}: {exc.strerror}", returncode=2) from None
        if show_progress:
            self.stderr.write("", style_func=str)  # end the progress line
        noun = "article" if written == 1 else "articles"
        self.stdout.write(self.style.SUCCESS(f"{written} {noun} exported to {directory}"))

    def _progress(self, done, total):
        self.stderr.write(f"\r{done}/{total} articles", ending="", style_func=str)
        self.stderr.flush()
