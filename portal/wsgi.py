"""WSGI entry point: `gunicorn portal.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# A server start leaves the search index in step with the articles (cheap when it already is).
from articles.search_index import repair_on_start  # noqa: E402

repair_on_start()
