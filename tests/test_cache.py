"""The content version, computations cached under it, and anonymous readers' pages."""

import pytest
from django.contrib.messages import constants, storage
from django.test import override_settings

from articles.content_version import bump as bump_content_version
from articles.content_version import current as content_version
from articles.models import Article

from .conftest import SEEDS

FIRST_TITLE = "Deep learning with SPECT accurately predicts major adverse cardiac events"
page_cache_on = override_settings(PAGE_CACHE_SECONDS=60)


def retitle_behind_the_cache(new_title):
    """Change what the list shows without telling anyone (as a stray write would)."""
    Article.objects.filter(title=FIRST_TITLE).update(title=new_title)


def test_bump_raises_the_version(db):
    before = content_version()
    bump_content_version()
    bump_content_version()

    assert content_version() == before + 2


def test_bump_recreates_a_missing_row(db):
    from articles.models import ContentVersion

    ContentVersion.objects.all().delete()  # as a flushed database has it
    assert content_version() == 0
    bump_content_version()

    assert content_version() == 1


def test_the_version_is_read_again_only_after_the_ttl(db, settings):
    settings.CONTENT_VERSION_TTL = 3600
    first = content_version()
    from articles.models import ContentVersion

    ContentVersion.objects.update_or_create(pk=1, defaults={"value": first + 10})  # another process

    assert content_version() == first  # trusted for the TTL
    settings.CONTENT_VERSION_TTL = 0
    assert content_version() == first + 10


def test_a_bump_in_this_process_is_seen_at_once_despite_the_ttl(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CONTENT_VERSION_TTL = 3600
    first = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        bump_content_version()

    assert content_version() == first + 1


def test_an_import_that_changes_articles_bumps_the_version_and_an_unchanged_one_does_not(db, run_import):
    start = content_version()
    run_import(SEEDS)
    after_first = content_version()
    run_import(SEEDS)

    assert after_first > start
    assert content_version() == after_first


def test_a_dry_run_does_not_bump(db, run_import):
    start = content_version()
    run_import(SEEDS, "--dry-run")

    assert content_version() == start


def cached(name, parts, compute):
    from articles.content_version import cached

    return cached(name, parts, compute, timeout=60)


def test_cached_computes_once_per_version(db):
    calls = []

    def compute():
        calls.append(1)
        return {"ai": len(calls)}

    assert cached("facets", ("ai",), compute) == {"ai": 1}
    assert cached("facets", ("ai",), compute) == {"ai": 1}
    assert cached("facets", ("ml",), compute) == {"ai": 2}  # other inputs, other entry
    bump_content_version()
    assert cached("facets", ("ai",), compute) == {"ai": 3}


@page_cache_on
def test_anonymous_readers_get_the_cached_page_until_the_content_changes(client, seeded):
    assert FIRST_TITLE in client.get("/").content.decode()
    retitle_behind_the_cache("Retitled quietly")

    assert FIRST_TITLE in client.get("/").content.decode()  # from the cache
    bump_content_version()
    page = client.get("/").content.decode()
    assert "Retitled quietly" in page
    assert FIRST_TITLE not in page


@page_cache_on
def test_query_string_and_host_are_part_of_the_key(client, seeded):
    client.get("/")
    retitle_behind_the_cache("Retitled quietly")

    assert "Retitled quietly" in client.get("/?page=1").content.decode()
    assert "Retitled quietly" in client.get("/", HTTP_HOST="localhost").content.decode()


@page_cache_on
def test_staff_never_get_or_fill_the_cached_page(client, admin_client, seeded):
    client.get("/")
    retitle_behind_the_cache("Retitled quietly")

    assert "Retitled quietly" in admin_client.get("/").content.decode()
    assert FIRST_TITLE in client.get("/").content.decode()


@page_cache_on
def test_a_page_seen_by_staff_is_not_stored_for_anonymous_readers(client, admin_client, seeded):
    admin_client.get("/")
    retitle_behind_the_cache("Retitled quietly")

    assert "Retitled quietly" in client.get("/").content.decode()


@page_cache_on
def test_a_reader_with_messages_waiting_gets_a_fresh_page(client, seeded, rf):
    client.get("/")
    retitle_behind_the_cache("Retitled quietly")
    request = rf.get("/")
    cookie_storage = storage.cookie.CookieStorage(request)
    encoded = cookie_storage._encode([storage.base.Message(constants.INFO, "Saved")])
    client.cookies["messages"] = encoded

    assert "Retitled quietly" in client.get("/").content.decode()


@page_cache_on
def test_not_found_pages_are_not_cached(client, seeded):
    assert client.get("/articles/no-such-article/").status_code == 404
    assert client.get("/articles/no-such-article/").status_code == 404


@page_cache_on
def test_an_article_that_is_unpublished_disappears_after_the_bump(client, seeded):
    article = Article.objects.get(title=FIRST_TITLE)
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200

    Article.objects.filter(pk=article.pk).update(published=False)
    bump_content_version()

    assert client.get(url).status_code == 404
    assert FIRST_TITLE not in client.get("/?sort=newest").content.decode()


@pytest.mark.parametrize("cache_seconds", [0, 60])
def test_pages_answer_conditional_gets_with_304(client, seeded, settings, cache_seconds):
    settings.PAGE_CACHE_SECONDS = cache_seconds
    first = client.get("/")
    etag = first["ETag"]

    again = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    Article.objects.filter(title=FIRST_TITLE).update(title="Changed")
    bump_content_version()
    changed = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@page_cache_on
def test_a_cached_page_keeps_its_headers(client, seeded):
    first = client.get("/")
    second = client.get("/")

    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["ETag"] == first["ETag"]
    assert second.content == first.content


@override_settings(FACET_CACHE_SECONDS=60)
def test_facet_counts_are_cached_until_the_content_changes(seeded):
    from django.http import QueryDict

    from articles.filters import parse_list_query
    from articles.selectors import article_listing

    def provider_counts(query):
        listing = article_listing(parse_list_query(QueryDict(query)))
        facet = next(facet for facet in listing.facets if facet.name == "provider")
        return {value.value: value.count for value in facet.values}

    before = provider_counts("")
    Article.objects.filter(published=False).update(published=True)  # behind the cache's back

    assert provider_counts("sort=oldest") == before  # another sort: the same counts, from the cache
    assert provider_counts("page=2") == before
    bump_content_version()
    after = provider_counts("")
    assert sum(after.values()) == Article.objects.published().count() > sum(before.values())


@pytest.mark.parametrize("path", ["/feed/", "/sitemap.xml", "/?topic=ai"])
def test_feeds_and_lists_answer_conditional_gets(client, seeded, path):
    first = client.get(path)
    assert first.status_code == 200

    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


# The write paths bump the version once their transaction commits.


def test_an_editors_decision_bumps_the_version(seeded, django_capture_on_commit_callbacks):
    from articles.services import set_published

    article = Article.objects.get(title=FIRST_TITLE)
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert set_published([article.pk], False) == 1

    assert content_version() == before + 1


@page_cache_on
def test_an_unpublished_article_leaves_the_cached_list_at_once(
    client, seeded, django_capture_on_commit_callbacks
):
    from articles.services import set_published

    assert FIRST_TITLE in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        set_published(Article.objects.filter(title=FIRST_TITLE), False)

    assert FIRST_TITLE not in client.get("/").content.decode()


def test_an_admin_deletion_bumps_the_version(admin_client, seeded, django_capture_on_commit_callbacks):
    article = Article.objects.get(title=FIRST_TITLE)
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert content_version() == before + 1
