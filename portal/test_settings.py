"""Settings for the test suite: the real settings with a throwaway key and plain static storage."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from portal.settings import *  # noqa: E402,F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Facet counts are cached between requests in production (articles.selectors); tests see fresh
# counts unless a test turns the cache on.
PORTAL_FACET_CACHE_SECONDS = 0
