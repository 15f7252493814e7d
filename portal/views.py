"""Site-wide pages: robots.txt, the health check and the server error page."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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


@never_cache
@require_safe
def healthz(request):
    """200 "ok" when the database answers a trivial query, else 503. Never cached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database did not answer")
        return HttpResponse("database unavailable", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
