"""Shared fixtures: the sample seeds, imported, and small factories for one article per state."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
BAD, GOOD, DUPLICATE = DOCUMENTS / "bad", DOCUMENTS / "good", DOCUMENTS / "duplicate"

# Every rejection class, each with a fixture of its own, and the reason the reader is given.
REJECTIONS = {
    "unparseable_yaml.txt": "invalid YAML: found unexpected end of stream",
    "no_front_matter.txt": "no front matter",
    "unclosed_front_matter.txt": "front matter is not closed",
    "front_matter_empty.txt": "front matter is empty",
    "front_matter_list.txt": "front matter must be a mapping of keys, not a list",
    "front_matter_text.txt": "front matter must be a mapping of keys, not text",
    "not_utf8.txt": "not UTF-8 text",
    "nul_byte.txt": "contains NUL characters",
    "missing_title.txt": "missing title",
    "blank_title.txt": "missing title",
    "missing_web_url.txt": "missing webUrl",
    "web_url_javascript.txt": "webUrl is not an http(s) URL: 'javascript:alert(1)'",
    "web_url_ftp.txt": "webUrl is not an http(s) URL: 'ftp://",
    "web_url_relative.txt": "webUrl is not an http(s) URL: '/news/relative'",
    "date_words.txt": "publishedDateTime is not a date: 'last Tuesday'",
    "date_impossible.txt": "invalid date '2021-13-45T00:00:00Z'",
    "date_out_of_range.txt": "publishedDateTime 9999-01-01 is outside 1900-2100",
    "date_missing.txt": "missing publishedDateTime",
    "type_title_mapping.txt": "title must be text, not a mapping",
    "type_quality_word.txt": "quality must be a whole number, not 'high'",
    "type_published_maybe.txt": "published must be true or false, not 'maybe'",
    "type_topics_mapping.txt": "topics must be a list, not a mapping",
    "type_provider_list.txt": "provider must be a mapping with name and domain, not a list",
    "tag_python_apply.txt": "YAML tag !!python/object/apply:os.system is not allowed",
    "tag_python_object.txt": "YAML tag !!python/object:collections.OrderedDict is not allowed",
    "tag_python_name.txt": "YAML tag !!python/name:os.system is not allowed",
    "alias_bomb.txt": "YAML aliases (*name) are not allowed",
    "huge_title.txt": "title is longer than 500 characters",
    "deep_nesting.txt": "YAML is nested deeper than 20 levels",
}


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

    from articles import content_version, facet_index

    cache.clear()
    content_version.forget_local()
    facet_index.forget()
    yield
    cache.clear()
