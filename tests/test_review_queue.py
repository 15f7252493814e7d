"""The editorial desk through the admin, as an editor: the review queue, decisions that hold,
scheduled publishing, import runs and tombstones."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from articles.models import Article, EditorialAction, ImportRun, Tombstone

from .conftest import BAD, SEEDS
from .editorial import (
    CHANGELIST,
    PASSWORD,
    PUBLISHED_TITLE,
    UNPUBLISHED_TITLE,
    article,
    messages_of,
    published_seeds,
)

QUEUE = "/admin/review/"


def decide_url(obj):
    return f"{QUEUE}{obj.pk}/decide/"


def queue_titles(client, query=""):
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return [
        unescape(title)
        for title in re.findall(r'<h2 id="review-title-\d+"><a [^>]*>([^<]*)</a>', response.content.decode())
    ]


def public_titles(client):
    """Titles on the public list of articles."""
    page = client.get("/?sort=newest").content.decode()
    return {unescape(title) for title in re.findall(r'<a href="/articles/[^"]+">([^<]+)</a>', page)}


# --- The queue -----------------------------------------------------------------------------


def test_the_queue_lists_undecided_articles_newest_import_first(editor_client):
    newest = article(UNPUBLISHED_TITLE)
    Article.objects.filter(pk=newest.pk).update(created_at=timezone.now() + timedelta(minutes=1))
    titles = queue_titles(editor_client)
    assert len(titles) == 5 and titles[0] == UNPUBLISHED_TITLE
    page = editor_client.get(QUEUE).content.decode()
    assert "5 to review" in page
    # Unpublished per their documents: publish or keep unpublished; public ones: keep or take down.
    assert page.count('value="publish" data-key="p">Publish</button>') == 3
    assert page.count('value="keep" data-key="u">Keep unpublished</button>') == 3
    assert page.count('value="publish" data-key="p">Keep published</button>') == 2
    assert page.count('value="unpublish" data-key="u">Unpublish</button>') == 2
    assert '<script src="/static/js/review.js" defer></script>' in page
    # The admin index says how many wait.
    assert "5 to review" in editor_client.get("/admin/").content.decode()


def test_publish_and_keep_unpublished_from_the_queue_are_recorded_and_hold(
    editor_client, client, run_import, tmp_path
):
    publish, keep = (
        article(UNPUBLISHED_TITLE),
        article(
            "Automated coronary calcium scoring using deep learning with multicenter external validation"
        ),
    )
    response = editor_client.post(
        decide_url(publish), {"decision": "publish", "next": QUEUE + "?sort=quality"}
    )
    assert response.status_code == 302 and response["Location"] == QUEUE + "?sort=quality"
    response = editor_client.post(decide_url(keep), {"decision": "keep", "next": QUEUE}, follow=True)
    assert f"“{keep.title}” kept unpublished." in messages_of(response)
    assert list(
        EditorialAction.objects.order_by("id").values_list("article__title", "action", "user__username")
    ) == [
        (publish.title, "publish", "eddie"),
        (keep.title, "keep_unpublished", "eddie"),
    ]
    titles = queue_titles(editor_client)
    assert len(titles) == 3 and publish.title not in titles and keep.title not in titles
    assert "3 to review" in editor_client.get("/admin/").content.decode()
    # The documents now all say "published": the decided articles keep the editor's decision.
    code, _, err = run_import(published_seeds(tmp_path))
    assert code == 0, err
    assert article(keep.title).published is False
    assert client.get(keep.get_absolute_url()).status_code == 404
    assert client.get(publish.get_absolute_url()).status_code == 200


def test_follow_the_document_again_hands_the_decision_back(editor_client, run_import, tmp_path):
    target = article(UNPUBLISHED_TITLE)
    editor_client.post(decide_url(target), {"decision": "keep"})
    page = editor_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert 'value="follow">Follow the document again</button>' in page
    response = editor_client.post(decide_url(target), {"decision": "follow"}, follow=True)
    assert f"“{target.title}” follows its document again." in messages_of(response)
    assert article(UNPUBLISHED_TITLE).published_decided_at is None
    assert UNPUBLISHED_TITLE in queue_titles(editor_client)
    assert EditorialAction.objects.filter(article=target).latest().action == "follow_document"
    run_import(published_seeds(tmp_path))
    assert article(UNPUBLISHED_TITLE).published is True  # its document decides again
    # Handing back an article that already follows its document changes nothing.
    response = editor_client.post(decide_url(target), {"decision": "follow"}, follow=True)
    assert "already follows its document" in messages_of(response)[0]


def test_filters_and_sorts(editor_client, run_import):
    nature = queue_titles(editor_client, "?source=nature.com")
    assert len(nature) == 3
    assert queue_titles(editor_client, "?source=NATURE") == nature  # by name, any case
    assert queue_titles(editor_client, "?source=nowhere.example") == []
    assert set(queue_titles(editor_client, "?topic=ai")) <= set(queue_titles(editor_client))
    by_quality = list(Article.objects.order_by("-quality", "-id").values_list("title", flat=True))
    assert queue_titles(editor_client, "?sort=quality") == by_quality
    high = set(Article.objects.filter(quality__gte=70).values_list("title", flat=True))
    assert set(queue_titles(editor_client, "?quality_band=high")) == high
    page = editor_client.get(QUEUE).content.decode()
    # The source list completes names and domains, sorted by name.
    options = re.findall(
        r'<option value="([^"]+)">([^<]+)</option>',
        page.split('id="review-sources"')[1].split("</datalist>")[0],
    )
    assert [name for _, name in options] == sorted({name for _, name in options}, key=str.casefold)
    # Bad values are ignored, never an error.
    for query in (
        "?sort=nope",
        "?run=abc",
        "?quality_band=x",
        "?p=999",
        "?show=everything",
        "?run=99999999999",
    ):
        assert editor_client.get(QUEUE + query).status_code == 200, query


def test_new_in_the_last_run(editor_client, run_import, tmp_path):
    from bench.corpus import generate

    assert len(queue_titles(editor_client, "?run=last")) == 5  # the seeds' run
    code, _, err = run_import(generate(tmp_path / "corpus", 3))
    assert code == 0, err
    run = ImportRun.objects.first()
    new = set(Article.objects.filter(source_path__startswith=str(tmp_path)).values_list("title", flat=True))
    assert set(queue_titles(editor_client, "?run=last")) == new
    assert set(queue_titles(editor_client, f"?run={run.pk}")) == new
    assert len(queue_titles(editor_client, f"?run={run.pk - 1}")) == 5


def test_the_queue_page_query_budget(
    editor_client, admin_client, run_import, tmp_path, django_assert_max_num_queries
):
    from bench.corpus import generate

    code, _, err = run_import(generate(tmp_path / "corpus", 60))
    assert code == 0, err
    for client in (editor_client, admin_client):
        for query in (
            "",
            "?sort=heat&quality_band=high",
            "?topic=ai&source=nature.com&run=last",
            "?show=scheduled",
        ):
            with django_assert_max_num_queries(9):
                response = client.get(QUEUE + query)
            assert response.status_code == 200
        assert len(response.context["rows"]) <= 50
    with django_assert_max_num_queries(9):
        assert len(editor_client.get(QUEUE).context["rows"]) == 50


# --- Who may do what -----------------------------------------------------------------------


@pytest.fixture
def viewer_client(seeded):
    """Staff who may view articles but not publish."""
    user = get_user_model().objects.create_user("vera", "vera@example.com", PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(user)
    return client


def test_decisions_need_the_publish_permission_and_a_post(viewer_client, editor_client, client):
    target = article(UNPUBLISHED_TITLE)
    page = viewer_client.get(QUEUE).content.decode()
    assert "5 to review" in page and "Keep unpublished" not in page
    assert viewer_client.post(decide_url(target), {"decision": "publish"}).status_code == 403
    assert editor_client.get(decide_url(target)).status_code == 405
    assert editor_client.post(decide_url(target), {"decision": "explode"}).status_code == 400
    assert client.get(QUEUE).status_code == 302  # anonymous: to the login page
    assert not EditorialAction.objects.exists() and article(UNPUBLISHED_TITLE).published is False


def test_an_unsafe_next_address_is_not_followed(editor_client):
    target = article(UNPUBLISHED_TITLE)
    for unsafe in ("https://evil.example/admin/", "//evil.example/admin/", "/admin/\\evil"):
        response = editor_client.post(decide_url(target), {"decision": "keep", "next": unsafe})
        assert response["Location"] == QUEUE


def test_editors_still_cannot_edit_or_delete_content(editor_client):
    target = article(UNPUBLISHED_TITLE)
    response = editor_client.post(f"{CHANGELIST}{target.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    assert editor_client.post(f"{CHANGELIST}{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert article(UNPUBLISHED_TITLE).title == UNPUBLISHED_TITLE


# --- Scheduled publishing ------------------------------------------------------------------


def test_a_scheduled_article_goes_public_at_its_time(editor_client, client, settings):
    settings.PAGE_CACHE_SECONDS = 300  # the page cache on: it must not outlive the schedule
    target = article(UNPUBLISHED_TITLE)
    when = timezone.now() + timedelta(hours=2)
    response = editor_client.post(
        decide_url(target),
        {"decision": "schedule", "publish_at": when.strftime("%Y-%m-%dT%H:%M"), "next": QUEUE},
        follow=True,
    )
    assert f"“{target.title}” scheduled for {when:%Y-%m-%d %H:%M} UTC." in messages_of(response)
    action = EditorialAction.objects.get()
    assert (action.action, action.publish_at.replace(second=0, microsecond=0)) == (
        "schedule",
        when.replace(second=0, microsecond=0),
    )
    assert UNPUBLISHED_TITLE not in public_titles(client)  # cached now, with the schedule ahead
    assert client.get(target.get_absolute_url()).status_code == 404
    scheduled = editor_client.get(QUEUE + "?show=scheduled").content.decode()
    assert unescape(target.title) in unescape(scheduled) and f"{when:%Y-%m-%d %H:%M} UTC" in scheduled
    assert UNPUBLISHED_TITLE not in queue_titles(editor_client)

    # Time passes (no writer runs at that time): every public read shows it.
    Article.objects.filter(pk=target.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert UNPUBLISHED_TITLE in public_titles(client)
    assert client.get(target.get_absolute_url()).status_code == 200
    assert target.get_absolute_url() in client.get("/sitemap-articles.xml").content.decode()
    assert unescape(target.title) in unescape(client.get("/feed/").content.decode())


def test_cancelling_a_schedule_is_recorded(editor_client, client):
    target = article(UNPUBLISHED_TITLE)
    change_page = editor_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert 'type="datetime-local" id="id_schedule_publish_at" name="publish_at"' in change_page
    assert 'name="decision" value="schedule">Schedule</button>' in change_page
    when = timezone.now() + timedelta(days=1)
    editor_client.post(
        decide_url(target), {"decision": "schedule", "publish_at": when.strftime("%Y-%m-%d %H:%M")}
    )
    page = editor_client.get(QUEUE + "?show=scheduled").content.decode()
    assert 'value="cancel" data-key="u">Cancel schedule</button>' in page
    response = editor_client.post(decide_url(target), {"decision": "cancel"}, follow=True)
    assert "no longer scheduled" in messages_of(response)[0]
    target.refresh_from_db()
    assert (target.published, target.publish_at) == (False, None)
    assert list(EditorialAction.objects.order_by("id").values_list("action", flat=True)) == [
        "schedule",
        "cancel_schedule",
    ]
    assert queue_titles(editor_client, "?show=scheduled") == []


@pytest.mark.parametrize("value", ["", "tomorrow", "2020-01-01T10:00", "99999-01-01T00:00"])
def test_a_schedule_needs_a_future_time(editor_client, value):
    target = article(UNPUBLISHED_TITLE)
    response = editor_client.post(
        decide_url(target), {"decision": "schedule", "publish_at": value}, follow=True
    )
    assert response.status_code == 200
    assert "Not scheduled: give a date and time in the future" in messages_of(response)[0]
    assert not EditorialAction.objects.exists()


# --- Import runs and tombstones ------------------------------------------------------------


def test_import_runs_are_on_the_record(editor_client, run_import):
    code, _, _ = run_import(BAD / "blank_title.txt", BAD / "date_words.txt", SEEDS)
    assert code == 1
    run = ImportRun.objects.first()
    assert (run.unchanged, run.rejected) == (5, 2) and run.started_by.startswith("import_articles")
    assert [problem["path"] for problem in run.problems] == [
        str(BAD / "blank_title.txt"),
        str(BAD / "date_words.txt"),
    ]
    assert all(problem["kind"] == "rejected" and problem["reason"] for problem in run.problems)
    listing = editor_client.get("/admin/articles/importrun/").content.decode()
    assert listing.index(f"Import run {run.pk} ") < listing.index(f"Import run {run.pk - 1} ")  # newest first
    page = editor_client.get(f"/admin/articles/importrun/{run.pk}/change/").content.decode()
    assert "5 unchanged" in page and unescape(run.problems[0]["path"]) in unescape(page)
    assert f'href="/admin/review/?run={run.pk}"' in page
    assert (
        editor_client.post(f"/admin/articles/importrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_only_a_superuser_lifts_a_tombstone(editor_client, admin_client):
    target = article(PUBLISHED_TITLE)
    admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes", "reason": "spam"},
    )
    tombstone = Tombstone.objects.get()
    assert tombstone.reason == "spam" and tombstone.deleted_by.username == "admin"
    assert "spam" in editor_client.get("/admin/articles/tombstone/").content.decode()
    response = editor_client.post(
        "/admin/articles/tombstone/", {"action": "lift_selected", "_selected_action": [tombstone.pk]}
    )
    assert Tombstone.objects.exists() and response.status_code in (200, 302, 403)


# --- The changelist and the article in the admin --------------------------------------------


def test_the_changelist_shows_few_good_columns(editor_client):
    page = editor_client.get(CHANGELIST).content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-([a-z_]+)', page)
    assert headers == [
        "thumbnail",
        "title_with_excerpt",
        "provider",
        "published_date",
        "state",
    ]
    assert 'class="article-excerpt"' in page


def test_the_source_filter_is_searchable_and_sorted_by_name(editor_client):
    page = editor_client.get(CHANGELIST).content.decode()
    assert 'name="source"' in page and 'list="source-choices"' in page
    response = editor_client.get(CHANGELIST + "?source=nature.com")
    assert response.status_code == 200 and response.context["cl"].result_count == 3
    assert editor_client.get(CHANGELIST + "?source=Nature").context["cl"].result_count == 3


def test_related_link_images_are_images(editor_client):
    target = (
        Article.objects.filter(related_links__images__isnull=False).exclude(related_links__images=[]).first()
    )
    page = editor_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert 'class="related-image"' in page and "isCached" not in page


def test_the_staff_preview_has_the_publish_button(editor_client, client):
    target = article(UNPUBLISHED_TITLE)
    page = editor_client.get(target.get_absolute_url()).content.decode()
    assert f'action="/admin/articles/article/{target.pk}/toggle-published/"' in page
    assert '<button type="submit" name="published" value="1">Publish</button>' in page
    response = editor_client.post(
        f"/admin/articles/article/{target.pk}/toggle-published/", {"published": "1", "_return": "site"}
    )
    assert response["Location"] == target.get_absolute_url()
    assert client.get(target.get_absolute_url()).status_code == 200
    assert 'value="0">Unpublish</button>' in editor_client.get(target.get_absolute_url()).content.decode()


# --- Following the document again: the document's own value, at once ---------------------------


def test_imports_keep_the_documents_own_published_value(seeded):
    assert dict(Article.objects.values_list("title", "document_published")) == dict(
        Article.objects.values_list("title", "published")
    )


def test_follow_the_document_again_applies_its_value_at_once(editor_client, client, run_import):
    target = article(PUBLISHED_TITLE)  # its document says `published: true`
    editor_client.post(decide_url(target), {"decision": "unpublish"})
    assert article(PUBLISHED_TITLE).published is False
    run_import(SEEDS)  # unchanged: a decided article stays as decided
    assert article(PUBLISHED_TITLE).published is False
    assert client.get(target.get_absolute_url()).status_code == 404

    response = editor_client.post(decide_url(target), {"decision": "follow"}, follow=True)
    assert f"“{target.title}” follows its document again." in messages_of(response)
    followed = article(PUBLISHED_TITLE)
    assert (followed.published, followed.published_decided_at) == (True, None)  # the document's value
    action = EditorialAction.objects.filter(article=target).latest()
    assert (action.action, action.from_state, action.to_state) == ("follow_document", False, True)
    assert client.get(target.get_absolute_url()).status_code == 200  # public at once

    code, _, err = run_import(SEEDS)  # unchanged again: it still follows its document
    assert code == 0, err
    assert article(PUBLISHED_TITLE).published is True
    assert client.get(target.get_absolute_url()).status_code == 200


def test_a_decided_article_is_never_changed_by_imports(editor_client, run_import, tmp_path):
    target = article(UNPUBLISHED_TITLE)  # its document says `published: false`
    editor_client.post(decide_url(target), {"decision": "keep"})
    run_import(published_seeds(tmp_path))  # its document now says `published: true`
    kept = article(UNPUBLISHED_TITLE)
    assert (kept.published, kept.document_published) == (False, True)  # the document's value is kept aside
    editor_client.post(decide_url(target), {"decision": "follow"})
    assert article(UNPUBLISHED_TITLE).published is True  # the document's newest value


def test_a_documents_value_not_known_yet_is_read_at_the_next_import(editor_client, run_import):
    target = article(PUBLISHED_TITLE)
    editor_client.post(decide_url(target), {"decision": "unpublish"})
    # As for an article imported before the document's value was kept.
    Article.objects.filter(pk=target.pk).update(document_published=None)
    editor_client.post(decide_url(target), {"decision": "follow"})
    assert article(PUBLISHED_TITLE).published is False  # unknown: its state is kept
    code, _, err = run_import(SEEDS)  # an unchanged document, read once more
    assert code == 0, err
    followed = article(PUBLISHED_TITLE)
    assert (followed.document_published, followed.published) == (True, True)


# --- Scheduling from the queue's rows and in bulk, in UTC ----------------------------------------


def test_each_queue_row_offers_a_schedule_form_in_utc(editor_client, settings):
    settings.TIME_ZONE = "America/New_York"  # the times are UTC whatever the site's zone
    target = article(UNPUBLISHED_TITLE)
    page = editor_client.get(QUEUE).content.decode()
    assert f'<label for="schedule-{target.pk}">Public from (UTC)</label>' in page
    assert f'type="datetime-local" id="schedule-{target.pk}" name="publish_at"' in page
    response = editor_client.post(
        decide_url(target),
        {"decision": "schedule", "publish_at": "2040-01-02T03:04", "next": QUEUE},
        follow=True,
    )
    assert f"“{target.title}” scheduled for 2040-01-02 03:04 UTC." in messages_of(response)
    assert article(UNPUBLISHED_TITLE).publish_at == datetime(2040, 1, 2, 3, 4, tzinfo=UTC)
    scheduled = editor_client.get(QUEUE + "?show=scheduled").content.decode()
    assert "goes public <time" in scheduled and "2040-01-02 03:04 UTC</time>" in scheduled


def schedule_selected(client, ids, query="", **extra):
    data = {"action": "schedule_selected", "_selected_action": [str(pk) for pk in ids], **extra}
    return client.post(CHANGELIST + query, data, follow=True)


def test_schedule_selected_articles_in_bulk(editor_client):
    ids = list(Article.objects.filter(published=False).values_list("pk", flat=True))
    page = schedule_selected(editor_client, ids, index="0")  # the changelist's action bar
    assert page.status_code == 200
    assert f"{len(ids)} selected articles will be hidden" in page.content.decode()
    assert '<label for="id_bulk_publish_at">Public from (UTC):</label>' in page.content.decode()
    assert not Article.objects.filter(publish_at__isnull=False).exists()  # asking changes nothing

    response = schedule_selected(editor_client, ids, publish_at="2040-05-06T07:08")
    assert f"{len(ids)} articles scheduled: public from 2040-05-06 07:08 UTC (recorded)." in messages_of(
        response
    )
    when = datetime(2040, 5, 6, 7, 8, tzinfo=UTC)
    assert set(Article.objects.filter(publish_at=when).values_list("pk", flat=True)) == set(ids)
    assert EditorialAction.objects.filter(action="schedule", article__in=ids).count() == len(ids)
    assert not Article.objects.published().filter(pk__in=ids).exists()  # hidden until then


@pytest.mark.parametrize("value", ["", "yesterday", "2001-01-01T00:00", "2040-13-40T99:99"])
def test_a_bulk_schedule_needs_a_future_time(editor_client, value):
    ids = list(Article.objects.values_list("pk", flat=True))
    response = schedule_selected(editor_client, ids, publish_at=value)
    assert response.status_code == 400
    assert "Give a date and time in the future, in UTC" in response.content.decode()
    assert not Article.objects.filter(publish_at__isnull=False).exists()


def test_only_publishers_get_the_bulk_schedule(editor_client, seeded):
    viewer = get_user_model().objects.create_user("viewer", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(viewer)
    assert "schedule_selected" not in client.get(CHANGELIST).content.decode()
    assert "schedule_selected" in editor_client.get(CHANGELIST).content.decode()
    ids = list(Article.objects.values_list("pk", flat=True))
    schedule_selected(client, ids, publish_at="2040-05-06T07:08")
    assert not Article.objects.filter(publish_at__isnull=False).exists()
