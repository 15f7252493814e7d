"""What scaling to a million articles changed that a reader or an operator notices."""

import pytest

import articles.importing as importing
from articles.importing import import_paths
from articles.models import Article, ContentVersion
from bench.corpus import generate

pytestmark = pytest.mark.django_db


def version():
    return ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first() or 0


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """30 generated documents, written by the importer in batches of 5."""
    monkeypatch.setattr(importing, "BATCH_SIZE", 5)
    return generate(tmp_path / "corpus", 30)


def test_a_long_import_bumps_the_content_version_once_not_per_batch(corpus):
    before = version()
    report = import_paths([corpus], workers=1)
    assert report.created == 30
    # Six batches, one bump: readers' cached pages stayed valid while it ran.
    assert version() == before + 1


def test_bumps_come_every_interval_while_an_import_runs(corpus, settings):
    settings.CONTENT_VERSION_COALESCE_SECONDS = 0
    before = version()
    import_paths([corpus], workers=1)
    assert version() == before + 6


def test_a_re_import_of_unchanged_files_bumps_nothing(corpus):
    import_paths([corpus], workers=1)
    before = version()
    import_paths([corpus], workers=1)
    assert version() == before
    assert Article.objects.count() == 30
