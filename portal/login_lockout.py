"""The admin login's defence against password guessing, through django-axes.

django-axes records every failed login in the database (seen by every app server, untouched by
any cache) and refuses a username+address pair once it has failed LOGIN_FAILURE_LIMIT times
within LOGIN_FAILURE_WINDOW seconds. This module holds the two pieces axes asks the project for:
the username as authentication sees it, and the page a locked-out editor gets.
"""

import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)


def failure_limit(request, credentials):
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request):
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def username(request, credentials):
    """The username exactly as Django's login form hands it to authentication: stripped and
    NFKC-normalised, so `ｅｄ１`, `ᵉᵈ¹`, `𝐞𝐝𝟏` and `ⓔⓓ①` all count against `ed1` (they sign in
    as `ed1`). No case folding: authentication tells `Ed1` from `ed1`, so must the lock."""
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "POST", {}).get("username")
    return unicodedata.normalize("NFKC", str(value or "").strip())[:254]


def lockout_response(request, original_response=None, credentials=None):
    """429 in the admin's design, saying what happened and for how long; never cached."""
    logger.warning(
        "admin login refused: %r locked after too many failures from %s",
        username(request, credentials),
        request.META.get("REMOTE_ADDR"),
    )
    seconds = settings.LOGIN_FAILURE_WINDOW
    minutes = max(1, round(seconds / 60))
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "minutes": minutes,
        "limit": settings.LOGIN_FAILURE_LIMIT,
    }
    response = TemplateResponse(request, "admin/login_throttled.html", context, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response.render()
