"""The admin login, throttled against password guessing.

After LOGIN_FAILURE_LIMIT failed logins for one username from one address, further attempts for
that pair are refused with 429 and a clear message until LOGIN_FAILURE_WINDOW seconds after the
first failure. A successful login clears the count. Counts live in the default cache: shared by
every app server when DJANGO_CACHE_URL names Redis, per process with the local-memory default.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

logger = logging.getLogger(__name__)


def _failure_key(request):
    username = request.POST.get("username", "").strip().casefold()[:254]
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def failure_count(request):
    return cache.get(_failure_key(request), 0)


def _record_failure(request):
    key = _failure_key(request)
    cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)  # the window starts at the first failure
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)
        return 1


@sensitive_post_parameters()
@csrf_protect
@never_cache
def admin_login(request, extra_context=None):
    """`admin.site.login`, refusing a username+address pair after too many failures."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    if failure_count(request) >= settings.LOGIN_FAILURE_LIMIT:
        logger.warning("admin login refused: too many failures from %s", request.META.get("REMOTE_ADDR"))
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW // 60)
        response = TemplateResponse(
            request,
            "admin/login_throttled.html",
            {**admin.site.each_context(request), "title": "Too many failed logins", "minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
        return response
    response = admin.site.login(request, extra_context)
    if request.user.is_authenticated and response.status_code in (301, 302, 303):
        cache.delete(_failure_key(request))
    else:
        _record_failure(request)
    return response
