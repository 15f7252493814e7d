"""Shared fixtures: the sample seeds, imported, and small factories for one article per state."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BAD, GOOD, DUPLICATE = DOCUMENTS / "bad", DOCUMENTS / "good", DOCUMENTS / "duplicate"


@pytest.fixture
def run_import():
    """Run `import_articles` as a user would; return (exit code, stdout, stderr)."""
    return _runner("import_articles")


@pytest.fixture
def run_export():
    """Run `export_articles` as a user would; return (exit code, stdout, stderr)."""
    return _runner("export_articles")


def _runner(command):
    def run(*args):
        out, err = StringIO(), StringIO()
        try:
            call_command(command, *map(str, args), stdout=out, stderr=err)
            code = 0
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:  # CommandError carries the exit status
            if not hasattr(exc, "returncode"):
                raise
            err.write(f"CommandError: {exc}\n")  # as manage.py prints it
            code = exc.returncode
        return code, out.getvalue(), err.getvalue()

    return run


def table_counts():
    """Rows in every table the importer writes."""
    from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic

    return {
        model.__name__: model.objects.count()
        for model in (Article, ArticleImage, Provider, RelatedLink, Topic, Article.topics.through)
    }


@pytest.fixture
def seeded(db, run_import):
    """The five sample documents, imported."""
    code, out, err = run_import(SEEDS)
    assert code == 0, err
    return out
