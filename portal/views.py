"""Site-wide pages: robots.txt, /favicon.ico, the health check and the server error page."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from .context_processors import portal

logger = logging.getLogger(__name__)


def server_error(request, template_name="500.html"):
    """Django's own 500 view (no request context: whatever failed may fail again), plus the
    settings the templates read through `portal.context_processors.portal`."""
    return HttpResponseServerError(loader.get_template(template_name).render(portal(request)))


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _cache_answers(alias):
    """True when the cache `alias` can store and return a value (Redis: answers a PING)."""
    backend = caches[alias]
    if isinstance(backend, DummyCache):  # caching turned off on purpose: nothing to be down
        return True
    if hasattr(backend, "ping"):
        backend.ping()
        return True
    backend.set("healthz", "ok", 10)
    return backend.get("healthz") == "ok"


@never_cache
@require_safe
def healthz(request):
    """200 "ok" when every service a page needs answers (the database, each cache), else 503
    naming the first that did not. Never cached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database did not answer")
        return _unavailable("database unavailable")
    for alias in settings.CACHES:
        try:
            answered = _cache_answers(alias)
        except (RedisError, OSError) as error:  # the client's own errors, and socket errors
            logger.warning("health check: cache %r did not answer: %s", alias, error)
            answered = False
        if not answered:
            return _unavailable(f"cache {alias!r} unavailable")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _unavailable(what):
    return HttpResponse(what, status=503, content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Clients that never read the page's icon links ask for /favicon.ico: send them to ours."""
    return HttpResponsePermanentRedirect(static("icons/favicon.ico"))
