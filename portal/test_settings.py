"""Settings for the test suite: the real settings with a throwaway key and plain static storage."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from portal.settings import *  # noqa: E402,F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP; tests that need HTTPS behaviour ask for `secure=True`.
SECURE_SSL_REDIRECT = False
# Pages are not served from the cache unless a test turns it on (the page cache's own tests), so tests
# that change rows directly see their change; the content version is read on every use.
PAGE_CACHE_SECONDS = 0
CONTENT_VERSION_TTL = 0
# Facet counts are cached between requests in production (articles.selectors); tests see fresh
# counts unless a test turns the cache on.
FACET_CACHE_SECONDS = 0
