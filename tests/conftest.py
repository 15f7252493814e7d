"""Shared fixtures: the sample seeds, imported, and small factories for one article per state."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BAD, GOOD, DUPLICATE = DOCUMENTS / "bad", DOCUMENTS / "good", DOCUMENTS / "duplicate"


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}".rstrip()


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


@pytest.fixture
def editor(seeded):
    """A staff user in the Editors group, over the imported seeds."""
    from .editorial import make_editor

    return make_editor()


@pytest.fixture
def editor_client(editor):
    """A client signed in as `editor`, apart from the anonymous `client`."""
    from django.test import Client

    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (pages, facet counts, login failures) and reads the
    content version afresh."""
    from django.core.cache import cache

    from articles import content_version

    cache.clear()
    content_version.forget_local()
    yield
    cache.clear()
