"""Settings for the server the browser tests drive: the production settings (debug off, whitenoise's
compressed manifest storage, the custom error pages), with static files collected into a temporary
folder so a test run never touches the project's own `staticfiles/`."""

import os

from portal.settings import *  # noqa: F403

STATIC_ROOT = os.environ["E2E_STATIC_ROOT"]

# The test server speaks plain HTTP on the loopback interface: no redirect to HTTPS, and cookies the
# browser keeps over HTTP (production, behind TLS, keeps its secure defaults).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
