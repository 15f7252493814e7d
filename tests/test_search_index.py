"""The search index never silently falls out of step with the articles: a killed import leaves it
whole, `manage.py check` says when it is not, and an import, a server start or the repair command
puts it back."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from pyroaring import BitMap

from articles import search, search_index
from articles.models import Article

from .conftest import ROOT, SEEDS

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index and triggers")


def found(word):
    return {article.title for article in search.matching(Article.objects.all(), search.parse(f'"{word}"'))}


def break_index_as_an_old_killed_import_did():
    """What a large import of the previous version left when killed (SQLite): no write triggers,
    and the index emptied (its final rebuild never ran). On PostgreSQL, the same state."""
    with connection.cursor() as cursor:
        for statement in DROP_A_TRIGGER[connection.vendor]:
            cursor.execute(statement)
    empty_the_index()


def empty_the_index():
    with connection.cursor() as cursor:
        for statement in EMPTY_THE_INDEX[connection.vendor]:
            cursor.execute(statement)


DROP_A_TRIGGER = {
    "sqlite": ["DROP TRIGGER articles_article_fts_ai", "DROP TRIGGER articles_article_fts_au"],
    "postgresql": [f"DROP TRIGGER {search_index.PG_SEARCH_TABLE}_aiud ON articles_article"],
}
DROPPED = {"sqlite": "articles_article_fts_ai", "postgresql": f"{search_index.PG_SEARCH_TABLE}_aiud"}
EMPTY_THE_INDEX = {
    "sqlite": [f"INSERT INTO {table}({table}) VALUES ('delete-all')" for table in search_index.FTS_TABLES],
    "postgresql": [f"DELETE FROM {search_index.PG_SEARCH_TABLE}"],
}
LEARNING = 5  # the seeds that say "learning" (each has the topic Machine Learning)


def test_seeds_say_learning(seeded):
    assert Article.objects.filter(search_text__icontains="learning").count() == LEARNING
    assert len(found("learning")) == LEARNING


def test_check_reports_an_index_out_of_step_and_names_the_repair(seeded):
    call_command(
        "check", "--database", "default", fail_level="WARNING", stdout=StringIO(), stderr=StringIO()
    )  # in step
    break_index_as_an_old_killed_import_did()
    assert found("learning") == set()  # every search misses
    err = StringIO()
    call_command(
        "check", "--database", "default", stdout=StringIO(), stderr=err
    )  # reported, without stopping commands
    with pytest.raises(SystemCheckError) as error:
        call_command(
            "check", "--database", "default", fail_level="WARNING", stdout=StringIO(), stderr=StringIO()
        )
    message = str(error.value)
    assert "articles.W001" in err.getvalue()
    assert "articles.W001" in message
    assert "holds 0 articles of 5" in message
    assert DROPPED[connection.vendor] in message
    assert "manage.py rebuild_search_index" in message


def test_the_repair_command_rebuilds_the_index(seeded):
    break_index_as_an_old_killed_import_did()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out, stderr=StringIO())
    assert "repaired" in out.getvalue()
    assert search_index.index_problems(connection) == []
    assert len(found("learning")) == LEARNING
    call_command("check", "--database", "default", fail_level="WARNING", stdout=StringIO(), stderr=StringIO())
    # ...and the triggers are back: an edit reaches the index at once.
    Article.objects.filter(pk=Article.objects.first().pk).update(title="Okapi")
    assert found("okapi") == {"Okapi"}


def test_any_import_repairs_what_an_old_killed_import_left(seeded, run_import, tmp_path):
    break_index_as_an_old_killed_import_did()
    one = tmp_path / "one.txt"
    one.write_text(next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run_import(one)  # a single, unchanged file
    assert code == 0, err
    assert search_index.index_problems(connection) == []
    assert len(found("learning")) == LEARNING


def test_a_server_start_repairs_the_index(seeded):
    empty_the_index()
    assert search_index.index_problems(connection) == ["the search index holds 0 articles of 5"]
    search_index.repair_on_start(connection)
    assert search_index.index_problems(connection) == []
    assert len(found("learning")) == LEARNING


def _index_against_a_plain_scan(database):
    """(articles, indexed rows, [(word, index matches, plain-scan matches)]) of the SQLite file."""
    with sqlite3.connect(database) as db:
        articles = db.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
        tables = search_index.FTS_TABLES
        indexed = sum(db.execute(f"SELECT COUNT(*) FROM {table}_docsize").fetchone()[0] for table in tables)
        words = []
        for word in ("cardiac", "arrhythmia", "calcium"):
            matched = sum(
                db.execute(f"SELECT COUNT(*) FROM {table} WHERE {table} MATCH ?", [f'"{word}"']).fetchone()[0]
                for table in tables
            )
            # Whole words of title or search text (the corpus has no inflections of these words).
            scanned = db.execute(
                "SELECT COUNT(*) FROM articles_article WHERE (' ' || lower(search_text) || ' ') GLOB ?",
                [f"*[^a-z]{word}[^a-z]*"],
            ).fetchone()[0]
            words.append((word, matched, scanned))
    return articles, indexed, words


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_way_leaves_search_equal_to_a_plain_scan(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import generate

    # 5,000 files (enough for the previous version to drop its triggers for the import): 500
    # generated documents, each copied ten times under other URLs.
    base = generate(tmp_path / "base", 500)
    corpus = tmp_path / "corpus"
    for copy in range(10):
        folder = corpus / f"{copy:04d}"
        folder.mkdir(parents=True)
        for path in base.glob("*/*.txt"):
            text = path.read_text(encoding="utf-8").replace("/article-", f"/copy{copy}-article-")
            (folder / path.name).write_text(text, encoding="utf-8")
    database = tmp_path / "portal.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"},
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
    }

    def manage(*args, **kwargs):
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )

    assert manage("migrate", "--noinput", "-v0").wait(timeout=300) == 0
    importing = manage("import_articles", str(corpus), "-v0", start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while importing.poll() is None and time.monotonic() < deadline:
            with sqlite3.connect(database, timeout=30) as db:
                if db.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0] >= 1000:
                    break
            time.sleep(0.05)
        assert importing.poll() is None, "the import ended before it could be killed"
        os.killpg(importing.pid, signal.SIGKILL)  # the command and its reading workers
    finally:
        importing.wait(timeout=60)
    assert importing.returncode == -signal.SIGKILL

    articles, indexed, words = _index_against_a_plain_scan(database)
    assert 1000 <= articles < 5000
    assert indexed == articles
    assert all(matched == scanned for _, matched, scanned in words), words
    assert any(matched for _, matched, _ in words)
    check = manage("check", "--database", "default", "--fail-level", "WARNING")
    assert check.wait(timeout=120) == 0, check.stderr.read()

    # The next import, of a few files, completes the articles and their index.
    again = manage("import_articles", str(corpus / "0004"), "-v0")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    articles_after, indexed_after, words = _index_against_a_plain_scan(database)
    assert articles_after > articles
    assert indexed_after == articles_after
    assert all(matched == scanned for _, matched, scanned in words), words


@pytest.mark.django_db
def test_a_search_while_an_import_runs_counts_every_match_committed_so_far(client, settings):
    """A long import bumps the content version only every few seconds, and the facet index (from
    which a page's counts come) is a version old meanwhile. A search's matches are read live: the
    articles a batch has just committed count at once, in the total and in every facet, so a search
    never shows fewer articles than a plain scan of the text (the kill test's rule)."""
    from articles import content_version, facet_index

    from . import factories

    settings.CONTENT_VERSION_TTL = 60
    settings.CONTENT_VERSION_COALESCE_SECONDS = 60
    facet_index.forget()
    factories.published("Calcium scoring in the clinic", domain="nature.com", topics=["CT"], when=2021)
    factories.published("Echo at the bedside", domain="nature.com", topics=["CT"], when=2021)

    def shown(url):
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert "1 article matching" in shown("/?q=calcium")  # the index is built for this version
    with content_version.coalesced():  # an import's batch: its bump is owed, not paid
        factories.published("Calcium and MRI", domain="new-outlet.org", topics=["MRI"], when=2023)
        assert "2 articles matching" in shown("/?q=calcium")
        page = shown("/?q=calcium&topic=mri")
        assert "1 article matching" in page and "<mark>Calcium</mark> and MRI" in page
        assert 'facet__label">New-Outlet</span> <span class="facet__count">1<' in page  # its source, counted
        assert "2 articles matching" in shown("/?q=calcium&year=2021&year=2023")


def test_the_index_follows_every_write_to_an_article(seeded):
    """Edits, editors' decisions and deletions reach the index in the same transaction: a search
    of the published articles, and the desk's of all of them, see each at once."""
    article = Article.objects.published().first()
    everyone, readers = Article.objects.all(), Article.objects.published()

    def matched(queryset, word):
        return set(search.matching(queryset, search.parse(word)).values_list("pk", flat=True))

    article.title = "Okapi sightings rise"
    article.save()
    assert matched(readers, "okapi") == {article.pk}
    assert search.every_match(["okapi"]) == BitMap([article.pk])

    Article.objects.filter(pk=article.pk).update(published=False)  # an editor withdraws it
    assert matched(readers, "okapi") == set()
    assert matched(everyone, "okapi") == {article.pk}
    assert search.every_match(["okapi"]) == BitMap()  # the published articles' index dropped it

    Article.objects.filter(pk=article.pk).update(published=True, search_text="zebra herds")
    assert matched(readers, "zebra") == {article.pk}
    assert matched(readers, "okapi") == {article.pk}  # the title still says it

    article.delete()
    assert matched(everyone, "okapi") == set()
    assert search.every_match(["okapi"]) == BitMap()
    assert search_index.index_problems(connection) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN pending lists")
@pytest.mark.django_db
def test_an_import_leaves_no_index_entries_pending(run_import):
    """Entries left in a GIN index's pending list are scanned whole by every search until
    autovacuum merges them, minutes later: an import merges its own."""
    from django.db import DatabaseError, transaction

    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        except DatabaseError:
            pytest.skip("pgstattuple is not available to measure the pending lists")
        pending = (
            "SELECT sum((pgstatginindex(i.indexrelid)).pending_tuples) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid IN (SELECT inhrelid FROM pg_inherits "
            f"WHERE inhparent = '{search_index.PG_SEARCH_TABLE}'::regclass)"
        )
        code, _, err = run_import(SEEDS)
        assert code == 0, err
        assert Article.objects.count() == 5
        cursor.execute(pending)
        assert cursor.fetchone()[0] == 0
        Article.objects.update(title="Okapi")  # a write outside an import: still pending
        cursor.execute(pending)
        assert cursor.fetchone()[0] > 0
