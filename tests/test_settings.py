"""portal/settings.py as a deployment sees it: run in a fresh process with a given environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEY = "pT4x-9qLm2Vb7Rz0Kw8Hs3Nd6Yc1Ju5Ea-Go9Fi2Xt4Lp7Wq0Zr3Mk6Bv8Cn1Dy5"


def clean_environ(**extra):
    """The environment less every setting the portal reads, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def documented_production_environment():
    """The variables set in .env.example, with a real secret key in place of the placeholder."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    values["DJANGO_SECRET_KEY"] = PRODUCTION_KEY
    return values


def test_without_secret_key_and_debug_off_the_process_refuses_in_one_line():
    result = manage("check", env=clean_environ())

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "DJANGO_SECRET_KEY is not set: set it, or set DJANGO_DEBUG=1 for local development."
    ]


def test_debug_without_secret_key_starts_for_local_development():
    result = manage("check", env=clean_environ(DJANGO_DEBUG="1"))

    assert result.returncode == 0, result.stderr


def test_check_deploy_with_the_documented_production_environment_reports_nothing():
    env = documented_production_environment()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_CACHE_URL"} <= env.keys()

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_environ(**env))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DJANGO_CACHE_URL", "memcached://x", "DJANGO_CACHE_URL: unsupported scheme 'memcached'"),
        ("DJANGO_SECURE_HSTS_SECONDS", "a year", "DJANGO_SECURE_HSTS_SECONDS must be a whole number"),
        ("DJANGO_FACET_CACHE_SECONDS", "1m", "DJANGO_FACET_CACHE_SECONDS must be a whole number"),
        ("DJANGO_CONTENT_VERSION_TTL", "2s", "DJANGO_CONTENT_VERSION_TTL must be a number"),
        ("DJANGO_LOG_LEVEL", "loud", "DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ],
)
def test_a_bad_setting_stops_the_process_with_one_line(name, value, message):
    result = manage("check", env=clean_environ(DJANGO_DEBUG="1", **{name: value}))

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(message)


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    settings_text = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\("(\w+)"', settings_text))
    read |= set(re.findall(r'os\.environ\.get\("(\w+)"', settings_text))
    read.add("DATABASE_URL")  # read by dj_database_url
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    assert read - {"DJANGO_SETTINGS_MODULE"}
    # One prefix for the portal's own variables (DATABASE_URL is dj-database-url's).
    assert {name for name in read if not name.startswith("DJANGO_")} == {"DATABASE_URL"}
    for name in read:
        assert name in example, f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README's table"


@pytest.mark.parametrize(
    "url, backend",
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_cache_url_picks_the_backend(url, backend):
    code = "from django.conf import settings as s; c = s.CACHES['default']; print(c['BACKEND'],c['LOCATION'])"
    env = clean_environ(DJANGO_DEBUG="1", DJANGO_CACHE_URL=url)
    result = manage("shell", "--verbosity", "0", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == backend
    if url:
        assert result.stdout.split()[1] == url


def test_every_manage_py_command_the_readme_shows_says_how_it_starts():
    """Each shell block of the README that runs manage.py sets debug for development, or loads
    the production environment: as written, the command starts."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    shown = [block for block in blocks if "manage.py" in block]
    assert shown
    for block in shown:
        assert "DJANGO_DEBUG=1 " in block or ". ./.env" in block, block


def test_make_help_shows_the_port_it_would_serve_on():
    result = subprocess.run(["make", "-s", "help", "PORT=8123"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:8123/" in result.stdout
    assert "$(" not in result.stdout
