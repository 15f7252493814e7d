"""The editorial admin, as editors and superusers use it: pages, buttons, actions, permissions."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from articles.models import Article, EditorialAction

from .editorial import (
    CHANGELIST,
    PASSWORD,
    PUBLISHED_TITLE,
    UNPUBLISHED_TITLE,
    article,
    changed_seeds,
    messages_of,
)


def toggle_url(obj):
    return f"{CHANGELIST}{obj.pk}/toggle-published/"


def public_titles(client):
    """Titles on the public list page."""
    page = client.get("/?sort=newest").content.decode()
    return {unescape(title) for title in re.findall(r'<a href="/articles/[^"]+">([^<]+)</a>', page)}


def test_editors_group_has_exactly_the_editors_permissions(db):
    permissions = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert permissions == {
        "view_article",
        "publish_article",
        "view_articleimage",
        "view_relatedlink",
        "view_provider",
        "view_topic",
        "view_editorialaction",
        "view_importrun",
        "view_tombstone",
    }


def test_anonymous_users_are_sent_to_the_login_page(seeded, client):
    for url in [CHANGELIST, toggle_url(article(UNPUBLISHED_TITLE)), "/admin/articles/editorialaction/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    response = client.post(toggle_url(article(UNPUBLISHED_TITLE)), {"published": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert article(UNPUBLISHED_TITLE).published is False


def test_an_editor_logs_in_and_sees_every_article(editor, client):
    response = client.post(
        "/admin/login/", {"username": editor.username, "password": PASSWORD, "next": CHANGELIST}
    )
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    page = client.get(CHANGELIST).content.decode()
    for obj in Article.objects.all():
        assert obj.title in unescape(page)
        assert f'href="{obj.get_absolute_url()}">View on site' in page  # unpublished ones too
    assert "5 articles" in page
    assert "Publish selected articles" in page and "Unpublish selected articles" in page
    assert "Delete selected" not in page


def test_toggle_one_article_from_the_list(editor_client, client):
    target = article(UNPUBLISHED_TITLE)
    assert UNPUBLISHED_TITLE not in public_titles(client)
    page = editor_client.get(CHANGELIST).content.decode()
    assert f'formaction="{toggle_url(target)}" formmethod="post" name="published" value="1"' in page

    response = editor_client.post(toggle_url(target), {"published": "1"}, follow=True)
    assert response.redirect_chain[-1] == (CHANGELIST, 302)
    assert f"“{UNPUBLISHED_TITLE}” published." in messages_of(response)
    assert UNPUBLISHED_TITLE in public_titles(client)

    response = editor_client.post(toggle_url(target), {"published": "0"}, follow=True)
    assert f"“{UNPUBLISHED_TITLE}” unpublished." in messages_of(response)
    assert UNPUBLISHED_TITLE not in public_titles(client)


def test_a_repeated_toggle_does_not_flip_back(editor_client):
    target = article(UNPUBLISHED_TITLE)
    editor_client.post(toggle_url(target), {"published": "1"})
    response = editor_client.post(toggle_url(target), {"published": "1"}, follow=True)
    assert f"“{UNPUBLISHED_TITLE}” was already published: kept published (recorded)." in messages_of(response)
    assert article(UNPUBLISHED_TITLE).published is True
    assert list(EditorialAction.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "publish",
        "keep_published",
    ]


def test_toggle_returns_to_the_filtered_page(editor_client):
    target = article(UNPUBLISHED_TITLE)
    filters = "published__exact=0&q=cardiovascular"
    page = editor_client.get(f"{CHANGELIST}?{filters}").content.decode()
    expected = f"{toggle_url(target)}?_changelist_filters={quote(filters, safe='')}"
    assert f'formaction="{expected.replace("&", "&amp;")}"' in page
    response = editor_client.post(expected, {"published": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?{filters}"


def test_toggle_from_the_change_page_returns_there(editor_client):
    target = article(PUBLISHED_TITLE)
    change_url = f"{CHANGELIST}{target.pk}/change/"
    page = editor_client.get(change_url).content.decode()
    assert f'action="{toggle_url(target)}"' in page and 'name="published" value="0">Unpublish' in page
    response = editor_client.post(toggle_url(target), {"published": "0", "_return": "change"})
    assert response["Location"] == change_url
    assert article(PUBLISHED_TITLE).published is False


@pytest.mark.parametrize("data", [{}, {"published": "yes"}, {"published": "2"}])
def test_a_toggle_without_a_clear_state_changes_nothing(editor_client, data):
    response = editor_client.post(toggle_url(article(UNPUBLISHED_TITLE)), data, follow=True)
    assert response.status_code == 200
    assert "Nothing changed: choose Publish or Unpublish." in messages_of(response)
    assert EditorialAction.objects.count() == 0


def test_toggle_of_a_missing_article_is_not_an_error(editor_client):
    response = editor_client.post(f"{CHANGELIST}999999/toggle-published/", {"published": "1"}, follow=True)
    assert response.status_code == 200
    assert any("doesn’t exist" in message for message in messages_of(response))


def test_get_never_changes_state(editor_client):
    target = article(UNPUBLISHED_TITLE)
    response = editor_client.get(toggle_url(target), {"published": "1"})
    assert response.status_code == 405
    assert article(UNPUBLISHED_TITLE).published is False
    assert EditorialAction.objects.count() == 0


def test_csrf_token_is_required(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    target = article(UNPUBLISHED_TITLE)
    assert client.post(toggle_url(target), {"published": "1"}).status_code == 403
    ids = [str(obj.pk) for obj in Article.objects.all()]
    assert client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": ids}).status_code == 403
    assert Article.objects.published().count() == 2

    client.get(CHANGELIST)  # the changelist form carries the token; its cookie is now set
    token = client.cookies["csrftoken"].value
    response = client.post(toggle_url(target), {"published": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert article(UNPUBLISHED_TITLE).published is True


def test_bulk_publish_and_unpublish(editor_client, client):
    ids = [str(obj.pk) for obj in Article.objects.all()]
    response = editor_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": ids}, follow=True
    )
    assert "3 articles published. 2 were already published: kept published (recorded)." in messages_of(
        response
    )
    assert public_titles(client) == set(Article.objects.values_list("title", flat=True))

    unpublish = [str(article(PUBLISHED_TITLE).pk), str(article(UNPUBLISHED_TITLE).pk)]
    response = editor_client.post(
        CHANGELIST, {"action": "unpublish_selected", "_selected_action": unpublish}, follow=True
    )
    assert "2 articles unpublished." in messages_of(response)
    titles = public_titles(client)
    assert len(titles) == 3 and PUBLISHED_TITLE not in titles and UNPUBLISHED_TITLE not in titles


def test_bulk_action_over_every_filtered_row(editor_client):
    # "Select all N" sends select_across: the action applies to the filtered list, not just the page.
    response = editor_client.post(
        f"{CHANGELIST}?published__exact=0",
        {
            "action": "publish_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(article(UNPUBLISHED_TITLE).pk)],
        },
        follow=True,
    )
    assert "3 articles published." in messages_of(response)
    assert Article.objects.published().count() == 5


def test_editors_cannot_add_delete_or_edit_content(editor_client):
    target = article(PUBLISHED_TITLE)
    assert editor_client.get(f"{CHANGELIST}add/").status_code == 403
    assert editor_client.post(f"{CHANGELIST}{target.pk}/delete/", {"post": "yes"}).status_code == 403
    response = editor_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [str(target.pk)], "post": "yes"}
    )
    assert Article.objects.filter(pk=target.pk).exists()

    page = editor_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert 'name="title"' not in page and 'name="excerpt"' not in page  # read-only, no inputs
    assert PUBLISHED_TITLE in unescape(page)
    assert "Change it with Publish or Unpublish" in page  # fields say what they mean to an editor
    response = editor_client.post(
        f"{CHANGELIST}{target.pk}/change/", {"title": "Hijacked", "excerpt": "x", "published": "on"}
    )
    assert response.status_code == 403
    assert article(PUBLISHED_TITLE).title == PUBLISHED_TITLE


@pytest.mark.parametrize(
    "url", ["/admin/articles/provider/", "/admin/articles/topic/", "/admin/articles/relatedlink/"]
)
def test_editors_read_providers_topics_and_related_links_only(editor_client, url):
    page = editor_client.get(url)
    assert page.status_code == 200
    assert editor_client.get(f"{url}add/").status_code == 403
    model = page.context["cl"].model
    obj = model.objects.first()
    assert (
        editor_client.post(f"{url}{obj.pk}/change/", {"name": "Changed", "title": "Changed"}).status_code
        == 403
    )
    assert editor_client.post(f"{url}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_imported_content_is_read_only_for_superusers_too(seeded, admin_client):
    """Documents are the source of truth: an edit in the admin would leave search_text, url_key,
    source_count and body_html stale. Superusers decide the state and may delete."""
    target = article(UNPUBLISHED_TITLE)
    page = admin_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert 'name="title"' not in page and 'name="excerpt"' not in page
    assert UNPUBLISHED_TITLE in unescape(page)
    assert 'name="published"' in page  # the button, not a form field:
    assert 'id="id_published"' not in page
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    response = admin_client.post(f"{CHANGELIST}{target.pk}/change/", {"title": "Edited", "excerpt": "x"})
    assert response.status_code == 403
    assert article(UNPUBLISHED_TITLE).title == UNPUBLISHED_TITLE
    for url in ["/admin/articles/provider/", "/admin/articles/topic/", "/admin/articles/relatedlink/"]:
        obj = admin_client.get(url).context["cl"].model.objects.first()
        assert admin_client.get(f"{url}add/").status_code == 403
        assert admin_client.post(f"{url}{obj.pk}/change/", {"name": "Changed"}).status_code == 403
        assert admin_client.post(f"{url}{obj.pk}/delete/", {"post": "yes"}).status_code == 403

    response = admin_client.post(toggle_url(target), {"published": "1"})
    assert response.status_code == 302
    assert EditorialAction.objects.get().user.username == "admin"
    # Deleting an article takes its history along (the editorial actions are read-only).
    response = admin_client.post(f"{CHANGELIST}{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=target.pk).exists()
    assert EditorialAction.objects.count() == 0


def test_history_shows_each_decision(editor_client, editor):
    target = article(UNPUBLISHED_TITLE)
    editor_client.post(toggle_url(target), {"published": "1"})
    editor_client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [str(target.pk)]})
    page = editor_client.get(f"{CHANGELIST}{target.pk}/history/").content.decode()
    assert page.count("Published: unpublished → published.") == 1
    assert page.count("Unpublished: published → unpublished.") == 1
    assert page.count(editor.username) >= 2
    assert LogEntry.objects.filter(object_id=str(target.pk)).count() == 2

    actions = editor_client.get("/admin/articles/editorialaction/").content.decode()
    assert "unpublished → published" in actions and "published → unpublished" in actions
    assert actions.count(f"/admin/articles/article/{target.pk}/change/") == 2


def test_editorial_actions_are_a_filterable_read_only_list(editor_client, editor, admin_client):
    first, second = article(UNPUBLISHED_TITLE), article(PUBLISHED_TITLE)
    editor_client.post(toggle_url(first), {"published": "1"})
    admin_client.post(toggle_url(second), {"published": "0"})
    url = "/admin/articles/editorialaction/"
    for params, expected, absent in [
        (f"?user__id__exact={editor.pk}", first, second),
        ("?action__exact=unpublish", second, first),
    ]:
        page = editor_client.get(url + params).content.decode()
        assert f"/admin/articles/article/{expected.pk}/change/" in page
        assert f"/admin/articles/article/{absent.pk}/change/" not in page
    dates = "?at__gte=2000-01-01+00:00:00%2B00:00&at__lt=2999-01-01+00:00:00%2B00:00"
    assert editor_client.get(url + dates).status_code == 200
    action = EditorialAction.objects.first()
    for client in (editor_client, admin_client):
        assert client.get(f"{url}add/").status_code == 403
        assert client.post(f"{url}{action.pk}/delete/", {"post": "yes"}).status_code == 403
        assert 'name="action"' not in client.get(f"{url}{action.pk}/change/").content.decode()
    assert EditorialAction.objects.count() == 2


def test_reimport_after_an_admin_decision_keeps_it(editor_client, client, run_import, tmp_path):
    editor_client.post(toggle_url(article(PUBLISHED_TITLE)), {"published": "0"})
    editor_client.post(toggle_url(article(UNPUBLISHED_TITLE)), {"published": "1"})
    code, out, err = run_import(changed_seeds(tmp_path))
    assert code == 0, err
    assert "5 updated" in out
    titles = public_titles(client)
    assert PUBLISHED_TITLE not in titles and UNPUBLISHED_TITLE in titles
    assert len(titles) == 2


def test_view_on_site_previews_unpublished_articles_for_editors(editor_client, client):
    target = article(UNPUBLISHED_TITLE)
    page = editor_client.get(CHANGELIST).content.decode()
    href = re.search(rf'<a href="({re.escape(target.get_absolute_url())})">View on site</a>', page).group(1)
    preview = editor_client.get(href)
    assert preview.status_code == 200 and "Not public" in preview.content.decode()
    assert client.get(href).status_code == 404
    # The change page's "View on site" button goes there too.
    shortcut = editor_client.get(f"{CHANGELIST}{target.pk}/change/").content.decode()
    assert re.search(r'href="(/admin/r/\d+/\d+/)" class="viewsitelink"', shortcut)
