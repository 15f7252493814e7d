"""Settings for the server the browser tests drive: the production settings (debug off, whitenoise's
compressed manifest storage, the custom error pages), with static files collected into a temporary
folder so a test run never touches the project's own `staticfiles/`."""

import os

from portal.settings import *  # noqa: F403

STATIC_ROOT = os.environ["E2E_STATIC_ROOT"]
