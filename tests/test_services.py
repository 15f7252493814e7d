"""`articles.services`: the one write path for editors' decisions (publish, keep, schedule, cancel,
follow the document again, delete with a tombstone)."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from articles import services
from articles.models import Article, EditorialAction
from articles.services import set_published

from .editorial import PUBLISHED_TITLE, UNPUBLISHED_TITLE, article, changed_seeds, make_editor


def test_publishes_what_differs_and_records_every_decision_keeps_included(seeded):
    editor = make_editor()
    changed = set_published(Article.objects.all(), True, editor)
    assert changed == 3
    assert Article.objects.published().count() == 5
    actions = EditorialAction.objects.all()
    assert sorted((a.user, a.action, a.from_state, a.to_state) for a in actions) == sorted(
        [(editor, "publish", False, True)] * 3 + [(editor, "keep_published", True, True)] * 2
    )
    # Already published: the state is kept, and the decision is recorded and holds.
    assert article(PUBLISHED_TITLE).editorial_actions.get().action == "keep_published"
    assert article(PUBLISHED_TITLE).published_decided_at is not None
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Article))
    assert sorted(e.get_change_message() for e in entries if e.action_flag == CHANGE) == sorted(
        ["Published: unpublished → published."] * 3 + ["Kept published: published → published."] * 2
    )


def test_a_second_identical_decision_changes_nothing_but_is_recorded(seeded):
    editor = make_editor()
    assert set_published(Article.objects.all(), False, editor) == 2
    assert set_published(Article.objects.all(), False, editor) == 0
    assert EditorialAction.objects.filter(action="unpublish").count() == 2
    assert EditorialAction.objects.filter(action="keep_unpublished").count() == 3 + 5
    assert LogEntry.objects.count() == 10


def test_takes_ids_and_marks_the_decision(seeded):
    target = article(UNPUBLISHED_TITLE)
    assert set_published([target.pk], True, make_editor()) == 1
    target.refresh_from_db()
    assert target.published is True
    assert target.published_decided_at is not None


def test_joined_distinct_querysets_are_accepted(seeded):
    selection = Article.objects.filter(topics__slug__in=["ai", "machine-learning"]).distinct()
    assert set_published(selection, False, make_editor()) == 2
    assert Article.objects.published().count() == 0


def test_without_a_user_the_action_is_still_recorded(seeded):
    assert set_published([article(UNPUBLISHED_TITLE).pk], True, None) == 1
    action = EditorialAction.objects.get()
    assert action.user is None
    assert LogEntry.objects.count() == 0


def test_a_deleted_editor_leaves_the_record(seeded):
    editor = make_editor()
    set_published([article(UNPUBLISHED_TITLE).pk], True, editor)
    editor.delete()
    assert EditorialAction.objects.get().user is None


def test_the_content_version_is_bumped_once_per_change(
    seeded, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(services.content_version, "bump", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        set_published(Article.objects.all(), True, make_editor())
    with django_capture_on_commit_callbacks(execute=True):
        set_published(Article.objects.all(), True, make_editor("other"))  # kept: readers see no change
    assert calls == [1]


def test_reimport_keeps_the_decision(seeded, run_import, tmp_path):
    editor = make_editor()
    set_published([article(PUBLISHED_TITLE).pk], False, editor)
    set_published([article(UNPUBLISHED_TITLE).pk], True, editor)
    code, out, err = run_import(changed_seeds(tmp_path))
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "0 created, 5 updated, 0 unchanged, 0 rejected"
    assert article(PUBLISHED_TITLE).published is False
    assert article(UNPUBLISHED_TITLE).published is True
    assert Article.objects.published().count() == 2  # the other four follow their documents


def test_a_row_changed_meanwhile_is_neither_changed_nor_recorded(seeded, monkeypatch):
    """The UPDATE filters on the current state: a concurrent decision between reading the
    candidates and writing them is not overwritten, and no action is recorded for it."""
    other = article(UNPUBLISHED_TITLE)
    chunks = services._chunks

    def concurrent_editor_first(items, size=services.CHUNK):
        Article.objects.filter(pk=other.pk).update(published=True)  # another editor, just before us
        return chunks(items, size)

    monkeypatch.setattr(services, "_chunks", concurrent_editor_first)
    changed = set_published(Article.objects.all(), True, make_editor())
    assert changed == 2
    assert Article.objects.published().count() == 5
    assert EditorialAction.objects.filter(action="publish").count() == 2
    assert not EditorialAction.objects.filter(article=other).exists()
    assert LogEntry.objects.count() == 2 + 2  # two published, two kept published
