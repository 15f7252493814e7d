"""portal.cache_backends: caches bounded in bytes, and a Redis that is down costs no page."""

import pytest
from django.core.cache import caches

from portal import cache_backends

from .conftest import SEEDS

DOWN_REDIS = {
    # Nothing listens on port 1: every connection is refused at once.
    "BACKEND": "portal.cache_backends.ResilientRedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}


def bounded(max_bytes, name="bounded-test"):
    cache = cache_backends.BoundedLocMemCache(
        name, {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": 10_000}}
    )
    cache.clear()
    return cache


def test_the_local_cache_never_holds_more_bytes_than_its_bound():
    cache = bounded(100_000)
    for n in range(200):  # 200 pages of 5 KB: 1 MB asked for, 100 KB allowed
        cache.set(f"page-{n}", "x" * 5_000)

    assert cache.bytes_held <= 100_000
    assert cache.get("page-199") is not None  # the newest stay
    assert cache.get("page-0") is None  # the least recently used went first


def test_a_recently_read_entry_outlives_newer_unread_ones():
    cache = bounded(60_000)
    cache.set("front-page", "x" * 5_000)
    for n in range(20):
        cache.get("front-page")
        cache.set(f"junk-{n}", "y" * 5_000)

    assert cache.get("front-page") is not None


def test_an_entry_larger_than_an_eighth_of_the_cache_is_not_stored():
    cache = bounded(80_000)
    cache.set("small", "s")
    cache.set("huge", "h" * 20_000)

    assert cache.get("huge") is None
    assert cache.get("small") == "s"


def test_deleting_and_replacing_keep_the_count_of_bytes_exact():
    cache = bounded(1_000_000)
    cache.set("a", "x" * 10_000)
    cache.set("a", "x" * 100)
    cache.set("b", "x" * 100)
    cache.delete("b")

    assert 100 < cache.bytes_held < 300


def test_page_traffic_and_security_state_live_in_separate_bounded_caches(settings):
    assert set(settings.CACHES) >= {"default", "security"}
    for alias in ("default", "security"):
        assert caches[alias].max_bytes > 0
    caches["security"].set("lock", 1)
    for n in range(50):
        caches["default"].set(f"page-{n}", "x" * 100_000)

    assert caches["security"].get("lock") == 1


@pytest.fixture
def redis_down(settings):
    cache_backends.ResilientRedisCache._down_until = 0.0
    settings.CACHES = {**settings.CACHES, "default": DOWN_REDIS}
    settings.PAGE_CACHE_SECONDS = 60
    settings.FACET_CACHE_SECONDS = 60
    yield
    cache_backends.ResilientRedisCache._down_until = 0.0


def test_healthz_names_a_cache_that_is_down(client, db, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content.decode() == "cache 'default' unavailable"


@pytest.mark.parametrize("path", ["/", "/?topic=machine-learning", "/?q=heart", "/feed/", "/sitemap.xml"])
def test_pages_are_served_uncached_while_the_cache_is_down(client, db, run_import, redis_down, path):
    run_import(SEEDS)

    first, second = client.get(path), client.get(path)

    assert first.status_code == second.status_code == 200


def test_the_admin_login_works_while_the_cache_is_down(client, db, redis_down, django_user_model):
    django_user_model.objects.create_superuser("ed1", "e@example.org", "right-password-1")

    response = client.post("/admin/login/", {"username": "ed1", "password": "right-password-1"})

    assert response.status_code == 302
