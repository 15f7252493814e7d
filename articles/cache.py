"""Caches that every app server invalidates at once: keyed by the content version.

    content_version()            -> int, the number in the single ContentVersion row
    bump_content_version()       after any write that changes what readers may see
    cached(name, parts, compute) memoise a computation (facet counts...) under the version
    page_for_anonymous(request, view, args, kwargs)  anonymous readers' GET pages, from the cache

With several app servers, each with its own local-memory cache, an in-process "clear" would reach
one process only. Instead every cache key carries the content version, a number kept in the
database: a write that changes what is public bumps it (in the writer's transaction when there is
one), and every process reads it again at most `CONTENT_VERSION_TTL` seconds (default 2) later,
from then on missing every entry made before. Old entries are never read again and expire.

So a reader sees a stale published state for at most CONTENT_VERSION_TTL seconds.
"""

import hashlib
import threading
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import set_response_etag

from .models import ContentVersion

_ROW = 1  # the primary key of the single ContentVersion row
_lock = threading.Lock()
_last = {"value": None, "read_at": 0.0}


def content_version():
    """The current content version, read from the database at most every CONTENT_VERSION_TTL s."""
    now = time.monotonic()
    with _lock:
        if _last["value"] is not None and now - _last["read_at"] < settings.CONTENT_VERSION_TTL:
            return _last["value"]
    value = ContentVersion.objects.filter(pk=_ROW).values_list("value", flat=True).first() or 0
    with _lock:
        _last.update(value=value, read_at=now)
    return value


def forget_local_content_version():
    """Read the version from the database on the next call (after this process's own change)."""
    with _lock:
        _last.update(value=None, read_at=0.0)


def bump_content_version():
    """Record that what readers may see has changed; every cache keyed by the version misses.

    Call it inside the transaction that made the change where there is one: the new number then
    becomes visible together with the change, never before it.
    """
    if not ContentVersion.objects.filter(pk=_ROW).update(value=F("value") + 1, changed_at=timezone.now()):
        # The row comes with migration 0002; only a flushed database lacks it.
        try:
            with transaction.atomic():
                ContentVersion.objects.create(pk=_ROW, value=1)
        except IntegrityError:  # another process created it meanwhile
            ContentVersion.objects.filter(pk=_ROW).update(value=F("value") + 1, changed_at=timezone.now())
    # This process sees its own change at once (after commit); the others within CONTENT_VERSION_TTL.
    transaction.on_commit(forget_local_content_version)


def content_changed():
    """The hook the write paths (importer, editors' service functions) call."""
    bump_content_version()


def _digest(value):
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def cached(name, parts, compute, timeout=None):
    """`compute()`, remembered under `name`, `parts` and the content version.

    `parts` must hold every input of the computation (selected filters, query...). With caching
    off (PAGE_CACHE_SECONDS = 0) it simply computes."""
    timeout = settings.PAGE_CACHE_SECONDS if timeout is None else timeout
    if timeout <= 0:
        return compute()
    key = f"{name}:{content_version()}:{_digest(parts)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


# ---- whole pages for anonymous readers ---------------------------------------------------------

_KEPT_HEADERS = {"content-type", "content-language", "link", "x-robots-tag", "last-modified", "etag"}


def _request_is_cacheable(request):
    """GET by an anonymous reader with nothing personal waiting (messages, credentials)."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.user.is_authenticated
    )


def _response_is_cacheable(request, response):
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page holds a CSRF token, or will set the CSRF cookie: personal.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (messages is not None and (messages.used or messages.added_new))
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _page_key(request):
    return f"page:{content_version()}:{_digest(request.build_absolute_uri())}"


def page_for_anonymous(request, view, args, kwargs):
    """The view's response, served from the cache to anonymous readers' GET requests.

    Staff and signed-in users always get a fresh page, and so does a request carrying messages.
    A response that sets a cookie, holds a CSRF token, shows messages, or is not a 200 is never
    stored. Entries are keyed by the content version and the absolute URL (host, path, query).
    """
    if not _request_is_cacheable(request):
        return view(request, *args, **kwargs)
    key = _page_key(request)
    frozen = cache.get(key)
    if frozen is not None:
        status, content, headers = frozen
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response
    response = view(request, *args, **kwargs)
    if callable(getattr(response, "render", None)) and not response.is_rendered:
        response.render()
    if _response_is_cacheable(request, response):
        set_response_etag(response)  # computed once, not on every hit by ConditionalGetMiddleware
        headers = [(name, value) for name, value in response.items() if name.lower() in _KEPT_HEADERS]
        cache.set(key, (response.status_code, response.content, headers), settings.PAGE_CACHE_SECONDS)
    return response
