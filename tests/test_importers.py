"""`import_articles` end to end: rows written, lines printed, exit codes, atomicity, editors' decisions."""

import io
import shutil

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from articles.importing import pipeline, writer
from articles.importing.pipeline import import_paths
from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic

from .conftest import BAD, DUPLICATE, GOOD, REJECTIONS, SEEDS, table_counts

pytestmark = pytest.mark.django_db

MINIMAL = GOOD / "minimal.txt"
# What importing MINIMAL alone writes.
MINIMAL_COUNTS = {
    "Article": 1,
    "ArticleImage": 0,
    "Provider": 1,
    "RelatedLink": 0,
    "Topic": 0,
    "Article_topics": 0,
}


@pytest.fixture(autouse=True)
def quick_render_limit(monkeypatch):
    """bad/body_too_complex.txt is refused after 0.2 s instead of the real limit."""
    monkeypatch.setattr("articles.importing.rendering.RENDER_SECONDS", 0.2)


def summary(out):
    return out.strip().splitlines()[-1]


def lines_about(err, path):
    return [line for line in err.splitlines() if line.startswith(f"{path}: ")]


@pytest.mark.parametrize("name", sorted(REJECTIONS) + ["body_too_complex.txt"])
def test_rejected_file_gives_one_line_no_rows_and_the_good_file_still_goes_in(name, run_import):
    bad = BAD / name
    code, out, err = run_import(MINIMAL, bad)
    assert code == 1
    assert summary(out) == "1 created, 0 updated, 0 unchanged, 1 rejected"
    assert len(lines_about(err, bad)) == 1
    assert err.splitlines() == [*lines_about(err, bad), "CommandError: 1 of 2 files rejected"]
    assert "Traceback" not in err
    assert table_counts() == MINIMAL_COUNTS
    assert Article.objects.get().title == "Only the required fields"


def test_rejection_line_names_the_reason(run_import):
    code, _, err = run_import(BAD / "web_url_javascript.txt")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{BAD / 'web_url_javascript.txt'}: webUrl is not an http(s) URL: 'javascript:alert(1)'"
    )


def test_a_whole_folder_of_bad_files_writes_nothing(run_import):
    code, out, err = run_import(BAD)
    assert code == 1
    rejected = len(list(BAD.iterdir()))
    assert summary(out) == f"0 created, 0 updated, 0 unchanged, {rejected} rejected"
    assert len([line for line in err.splitlines() if line.startswith(str(BAD))]) == rejected
    assert set(table_counts().values()) == {0}


def test_file_larger_than_the_limit_is_rejected(run_import, tmp_path):
    huge = tmp_path / "huge.txt"
    huge.write_bytes(
        b"---\ntitle: big\nwebUrl: https://e.com/big\npublishedDateTime: 2024-01-01\n---\n"
        + b"word " * 300_000
    )
    code, _, err = run_import(huge, MINIMAL)
    assert code == 1
    assert lines_about(err, huge) == [f"{huge}: file is larger than 1024 KiB"]
    assert table_counts() == MINIMAL_COUNTS


def test_second_file_with_the_same_web_url_is_rejected_naming_the_first(run_import):
    code, out, err = run_import(DUPLICATE)
    assert code == 1
    assert summary(out) == "1 created, 0 updated, 0 unchanged, 1 rejected"
    assert lines_about(err, DUPLICATE / "b_second.txt") == [
        f"{DUPLICATE / 'b_second.txt'}: same webUrl as {DUPLICATE / 'a_first.txt'}"
    ]
    assert Article.objects.get().title == "The first file with this URL"
    assert not Topic.objects.exists()


def test_duplicate_of_an_unchanged_file_is_rejected_too(run_import):
    run_import(DUPLICATE / "a_first.txt")
    code, out, err = run_import(DUPLICATE)
    assert code == 1
    assert summary(out) == "0 created, 0 updated, 1 unchanged, 1 rejected"
    assert lines_about(err, DUPLICATE / "b_second.txt") == [
        f"{DUPLICATE / 'b_second.txt'}: same webUrl as {DUPLICATE / 'a_first.txt'}"
    ]


def test_good_documents_are_all_accepted(run_import):
    code, out, err = run_import(GOOD)
    assert code == 0, err
    assert summary(out) == "7 created, 0 updated, 0 unchanged, 0 rejected"
    assert Article.objects.get(web_url="https://example.com/news/offset").published_at.isoformat() == (
        "2024-05-01T10:30:00+00:00"
    )
    dashes = Article.objects.get(web_url="https://example.com/news/dashes")
    assert dashes.body == "Above the rule.\n\n---\n\nBelow the rule."
    assert "<hr" in dashes.body_html and "Below the rule." in dashes.body_html
    assert Article.objects.get(web_url="https://example.com/news/crlf").topics.get().slug == "ai"


def test_optional_urls_that_are_not_http_are_dropped_with_warnings_and_never_stored(run_import):
    path = GOOD / "unsafe_optional_urls.txt"
    code, _, err = run_import(path)
    assert code == 0
    warnings = lines_about(err, path)
    assert len(warnings) == 6 and all(": warning: " in line for line in warnings)
    article = Article.objects.get()
    assert (article.amp_web_url, article.cdn_amp_web_url) == ("", "")
    assert list(ArticleImage.objects.values_list("url", flat=True)) == ["https://img.example.com/kept.jpg"]
    link = RelatedLink.objects.get()
    assert (link.web_url, link.amp_web_url) == ("https://other.example.net/story", "")
    assert link.images == [
        {"url": "https://img.example.net/ok.png", "width": 100, "height": 50, "isCached": False}
    ]


def test_warnings_are_silent_at_verbosity_0(run_import):
    code, _, err = run_import(GOOD / "unsafe_optional_urls.txt", "--verbosity", "0")
    assert code == 0 and err == ""


def test_missing_path_is_a_usage_error_and_writes_nothing(run_import, tmp_path):
    code, out, err = run_import(MINIMAL, tmp_path / "nope")
    assert code == 2
    assert f"{tmp_path / 'nope'}: no such file or folder" in err
    assert out == ""
    assert not Article.objects.exists()


def test_workers_below_one_is_a_usage_error(run_import):
    code, _, err = run_import(MINIMAL, "--workers", "0")
    assert code == 2 and "--workers must be at least 1" in err


def test_dry_run_writes_nothing(run_import):
    code, out, _ = run_import(GOOD, SEEDS, "--dry-run")
    assert code == 0
    assert summary(out) == "12 created, 0 updated, 0 unchanged, 0 rejected (dry run: nothing written)"
    assert set(table_counts().values()) == {0}


def test_dry_run_reports_changes_without_making_them(run_import, tmp_path):
    copy = tmp_path / "doc.txt"
    shutil.copy(MINIMAL, copy)
    run_import(copy)
    copy.write_text(copy.read_text().replace("Only the required fields", "A new title"))
    code, out, _ = run_import(copy, "--dry-run")
    assert summary(out).startswith("0 created, 1 updated, 0 unchanged")
    assert Article.objects.get().title == "Only the required fields"


def test_reimport_of_unchanged_files_writes_nothing(run_import, django_assert_max_num_queries):
    run_import(GOOD, SEEDS)
    before = list(Article.objects.values_list("id", "updated_at"))
    with django_assert_max_num_queries(13):  # 6 are the import session's PRAGMAs, 1 the files' URLs
        code, out, _ = run_import(GOOD, SEEDS)
    assert code == 0
    assert summary(out) == "0 created, 0 updated, 12 unchanged, 0 rejected"
    assert list(Article.objects.values_list("id", "updated_at")) == before


def test_unchanged_file_is_not_parsed_again(run_import, monkeypatch):
    path = GOOD / "unsafe_optional_urls.txt"
    run_import(path)

    def fail(data):
        raise AssertionError("parsed again")

    monkeypatch.setattr(pipeline, "parse_document", fail)
    code, out, err = run_import(path)
    assert code == 0 and err == ""  # its warnings were given on the first import
    assert summary(out) == "0 created, 0 updated, 1 unchanged, 0 rejected"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_large_import_leaves_the_planner_statistics_of_what_it_wrote(monkeypatch):
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 2)
    import_paths([GOOD])
    written = Article.objects.count()
    assert written >= 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Article._meta.db_table])
        assert cursor.fetchone()[0] == written  # -1 (never analyzed) before


def test_same_bytes_at_another_path_or_under_new_rules_count_as_updated(run_import, tmp_path, monkeypatch):
    run_import(MINIMAL)
    moved = tmp_path / "moved.txt"
    shutil.copy(MINIMAL, moved)
    code, out, _ = run_import(moved)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"
    assert Article.objects.get().source_path == str(moved)
    monkeypatch.setattr("articles.importing.documents.FORMAT_VERSION", b"articles-next\n")
    code, out, _ = run_import(moved)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"


def test_import_is_batched(run_import, django_assert_max_num_queries):
    # 6 are the import session's PRAGMAs, 1 the search index's check, 2 the editorial desk's
    # (tombstones read, the run recorded), 12 keep the stories
    with django_assert_max_num_queries(37):
        code, _, _ = run_import(GOOD, SEEDS)
    assert code == 0
    assert Article.objects.count() == 12


def test_changed_document_replaces_its_children_in_order(run_import, tmp_path):
    doc = tmp_path / "doc.txt"
    shutil.copy(SEEDS / "001_eaa275ea85e408ae.txt", doc)
    run_import(doc)
    article = Article.objects.get()
    text = doc.read_text()
    # Drop the second related link and the AI topic.
    start = text.index(
        '  - title: "Deep convolutional neural networks to predict cardiovascular risk from computed'
        ' tomography"\n    excerpt',
        text.index("related:") + 30,
    )
    end = text.index("  - title:", start + 10)
    doc.write_text((text[:start] + text[end:]).replace("  - AI\n", ""))
    code, out, _ = run_import(doc)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"
    article.refresh_from_db()
    assert list(article.related_links.values_list("position", "quality")) == [(0, 14), (1, 2)]
    assert list(article.topics.values_list("name", flat=True)) == ["Machine Learning"]
    assert article.images.count() == 1
    assert RelatedLink.objects.count() == 2


def test_editor_decision_survives_reimport(run_import, tmp_path):
    doc = tmp_path / "doc.txt"
    shutil.copy(GOOD / "dash_line_in_body.txt", doc)  # published: true
    run_import(doc)
    Article.objects.update(published=False, published_decided_at=timezone.now())
    doc.write_text(doc.read_text().replace("A rule inside the body", "A changed title"))
    code, out, _ = run_import(doc)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"
    article = Article.objects.get()
    assert article.title == "A changed title"
    assert article.published is False


def test_publish_decided_through_the_editors_service_survives_reimport(run_import, tmp_path):
    from articles.services import set_published

    doc = tmp_path / "doc.txt"
    shutil.copy(MINIMAL, doc)  # published missing: false
    run_import(doc)
    set_published(Article.objects.all(), True)
    doc.write_text(doc.read_text().replace("Only the required fields", "Retitled"))
    code, out, _ = run_import(doc)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"
    assert Article.objects.get().published is True


def test_seed_published_applies_on_update_while_no_editor_decided(run_import, tmp_path):
    doc = tmp_path / "doc.txt"
    shutil.copy(MINIMAL, doc)  # published missing: false
    run_import(doc)
    assert Article.objects.get().published is False
    doc.write_text(doc.read_text().replace("---\n", "---\npublished: true\n", 1))
    code, out, _ = run_import(doc)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 0 rejected"
    assert Article.objects.get().published is True


def test_database_refusing_one_record_leaves_no_rows_for_it(run_import, monkeypatch):
    real_insert = writer._insert

    def refuse_one(model, fields, rows):
        if model is RelatedLink and any(
            row[2] == "Realising enterprise-scale machine learning with data governance" for row in rows
        ):
            raise DatabaseError("simulated failure")
        real_insert(model, fields, rows)

    monkeypatch.setattr(writer, "_insert", refuse_one)
    code, out, err = run_import(SEEDS)
    assert code == 1
    assert summary(out) == "4 created, 0 updated, 0 unchanged, 1 rejected"
    assert lines_about(err, SEEDS / "003_61cd986f4dd0a3ec.txt") == [
        f"{SEEDS / '003_61cd986f4dd0a3ec.txt'}: database refused it: simulated failure"
    ]
    assert not Article.objects.filter(web_url="https://www.nature.com/articles/s41746-021-00460-1").exists()
    assert RelatedLink.objects.filter(article__isnull=True).count() == 0
    assert Article.objects.count() == 4


def test_worker_processes_give_the_same_result(monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 3)
    monkeypatch.setattr(pipeline, "READ_AHEAD", 5)
    report = import_paths([BAD, DUPLICATE, GOOD, SEEDS], workers=2)
    assert (report.created, report.rejected) == (13, len(list(BAD.iterdir())) + 1)
    assert [p.path for p in report.problems if p.is_error][-1] == str(DUPLICATE / "b_second.txt")
    assert Article.objects.count() == 13


def test_progress_is_shown_on_a_terminal_only(run_import):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    from django.core.management import call_command

    err = Terminal()
    call_command("import_articles", str(SEEDS), stdout=io.StringIO(), stderr=err)
    assert "\r5/5 files (100%)" in err.getvalue()
    _, _, plain_err = run_import(SEEDS)
    assert "files" not in plain_err


def test_provider_named_by_its_own_article_wins_over_related_links(run_import):
    run_import(SEEDS)
    assert Provider.objects.get(domain="nature.com").name_from_article is True


def test_missing_path_exits_2_before_writing_anything(run_import, tmp_path):
    code, out, err = run_import(MINIMAL, tmp_path / "missing")
    assert code == 2
    assert err.strip() == f"CommandError: {tmp_path / 'missing'}: no such file or folder"
    assert Article.objects.count() == 0


# --- Editor intent that imports must keep (the editorial desk) -------------------------------


def test_a_keep_unpublished_decision_holds_when_the_document_says_published(
    editor_client, client, run_import, tmp_path
):
    """An editor who looks at an unpublished article and keeps it hidden has decided: the
    decision is recorded, and a later import of its document with `published: true` leaves it
    unpublished."""
    from articles.models import EditorialAction

    from .editorial import UNPUBLISHED_TITLE, article, messages_of, published_seeds

    target = article(UNPUBLISHED_TITLE)
    url = f"/admin/articles/article/{target.pk}/toggle-published/"
    response = editor_client.post(url, {"published": "0"}, follow=True)
    assert f"“{UNPUBLISHED_TITLE}” was already unpublished: kept unpublished (recorded)." in messages_of(
        response
    )
    assert EditorialAction.objects.get(article=target).action == "keep_unpublished"
    code, out, err = run_import(published_seeds(tmp_path))
    assert code == 0, err
    assert summary(out) == "0 created, 5 updated, 0 unchanged, 0 rejected"
    assert article(UNPUBLISHED_TITLE).published is False
    assert client.get(target.get_absolute_url()).status_code == 404
    assert Article.objects.published().count() == 4  # the undecided ones follow their documents


def test_a_deleted_article_stays_deleted_until_its_tombstone_is_lifted(admin_client, seeded, run_import):
    from articles.models import Tombstone

    from .editorial import PUBLISHED_TITLE, article

    target = article(PUBLISHED_TITLE)
    response = admin_client.post(
        f"/admin/articles/article/{target.pk}/delete/", {"post": "yes", "reason": "a press release"}
    )
    assert response.status_code == 302
    tombstone = Tombstone.objects.get()
    assert (tombstone.web_url, tombstone.deleted_by.username, tombstone.reason) == (
        target.web_url,
        "admin",
        "a press release",
    )

    code, out, err = run_import(SEEDS)
    assert code == 0, err
    assert summary(out) == "0 created, 0 updated, 4 unchanged, 0 rejected, 1 suppressed"
    assert f"{target.source_path}: suppressed: deleted by admin on " in err
    assert err.rstrip().endswith(": a press release")
    assert not Article.objects.filter(web_url=target.web_url).exists()

    # A superuser lifts the tombstone: the next import brings the article back, new and undecided.
    response = admin_client.post(
        "/admin/articles/tombstone/", {"action": "lift_selected", "_selected_action": [tombstone.pk]}
    )
    assert response.status_code == 302 and not Tombstone.objects.exists()
    code, out, err = run_import(SEEDS)
    assert code == 0, err
    assert summary(out) == "1 created, 0 updated, 4 unchanged, 0 rejected"
    back = Article.objects.get(web_url=target.web_url)
    assert back.pk != target.pk and back.published is True and back.published_decided_at is None
    assert back in Article.objects.undecided()


def _copy_as(source, target, title):
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    target.write_text(text.replace("The first file with this URL", title), encoding="utf-8")


def test_a_duplicate_webUrl_in_a_later_batch_names_the_first_file(run_import, tmp_path, monkeypatch):
    """The import keeps nothing per file between batches (a million files, flat memory): the first
    file of a URL is found through the article it wrote."""
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    first = DUPLICATE / "a_first.txt"
    _copy_as(first, tmp_path / "a" / "one.txt", "First")
    shutil.copy(MINIMAL, tmp_path / "b.txt")
    _copy_as(first, tmp_path / "c" / "d" / "two.txt", "Second")
    code, out, err = run_import(tmp_path)
    assert code == 1
    assert summary(out) == "2 created, 0 updated, 0 unchanged, 1 rejected"
    assert lines_about(err, tmp_path / "c" / "d" / "two.txt") == [
        f"{tmp_path / 'c' / 'd' / 'two.txt'}: same webUrl as {tmp_path / 'a' / 'one.txt'}"
    ]
    assert Article.objects.get(web_url__endswith="/twice").title == "First"


def test_a_new_file_read_before_an_unchanged_one_of_its_webUrl_takes_the_article(
    run_import, tmp_path, monkeypatch
):
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    _copy_as(DUPLICATE / "a_first.txt", tmp_path / "b.txt", "Imported first")
    run_import(tmp_path / "b.txt")
    _copy_as(DUPLICATE / "a_first.txt", tmp_path / "a.txt", "Comes first")
    code, out, err = run_import(tmp_path)
    assert code == 1
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 1 rejected"
    assert lines_about(err, tmp_path / "b.txt") == [
        f"{tmp_path / 'b.txt'}: same webUrl as {tmp_path / 'a.txt'}"
    ]
    assert Article.objects.get().title == "Comes first"


def test_a_rejected_file_claims_no_webUrl(run_import, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 1)
    _copy_as(DUPLICATE / "a_first.txt", tmp_path / "a.txt", "Was good")
    run_import(tmp_path / "a.txt")
    (tmp_path / "a.txt").write_text("---\ntitle: broken now\n", encoding="utf-8")
    _copy_as(DUPLICATE / "a_first.txt", tmp_path / "b.txt", "Now from b")
    code, out, err = run_import(tmp_path)
    assert summary(out) == "0 created, 1 updated, 0 unchanged, 1 rejected"
    assert Article.objects.get().title == "Now from b"


def test_files_are_read_in_the_order_of_their_path_components(tmp_path):
    for name in ["b/z.txt", "b.txt", "a/c/x.md", "a/b.txt", "a/.hidden.txt", "a/notes.pdf", "c.TXT"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [path[len(str(tmp_path)) + 1 :] for path in pipeline.iter_files([tmp_path])]
    assert found == ["a/b.txt", "a/c/x.md", "b/z.txt", "b.txt", "c.TXT"]
    with pytest.raises(FileNotFoundError, match="nowhere"):
        list(pipeline.iter_files([tmp_path, tmp_path / "nowhere"]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_its_rows_visible_to_index_only_scans(monkeypatch):
    """Vacuumed at the end of the import: a list page's walk of the date index reads no table
    page, from the first request on (not minutes later, once autovacuum has passed)."""
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 2)
    import_paths([GOOD])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", [Article._meta.db_table]
        )
        pages, visible = cursor.fetchone()
    assert pages >= 1
    assert visible == pages  # 0 after ANALYZE alone


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache and checkpoints")
@pytest.mark.django_db(transaction=True)
def test_an_import_checkpoints_sqlite_seldom_and_gives_the_connection_back_as_it_was(monkeypatch):
    def pragma(name):
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name}")
            return cursor.fetchone()[0]

    before = pragma("cache_size"), pragma("wal_autocheckpoint")
    seen = []
    real_write = writer.write_batch

    def write_batch(batch, dry_run=False):
        seen.append((pragma("cache_size"), pragma("wal_autocheckpoint")))
        return real_write(batch, dry_run)

    monkeypatch.setattr(pipeline, "write_batch", write_batch)
    report = import_paths([SEEDS])
    assert report.created == 5
    assert seen == [(writer.IMPORT_CACHE_KIB, writer.IMPORT_CHECKPOINT_PAGES)]
    assert (pragma("cache_size"), pragma("wal_autocheckpoint")) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_an_import_small_beside_the_table_leaves_its_statistics_to_autovacuum(monkeypatch):
    """Statistics of a million articles hold after a thousand more: analyzing them again cost a
    small import more than its writes did."""
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 2)
    import_paths([GOOD])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = 1000000 WHERE oid = %s::regclass", [Article._meta.db_table]
        )
    report = import_paths([SEEDS])
    assert report.created == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Article._meta.db_table])
        assert cursor.fetchone()[0] == 1000000  # not analyzed again: it would say how many there are
