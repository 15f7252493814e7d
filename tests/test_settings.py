"""portal/settings.py as a deployment sees it, read with a given environment.

Most tests read the settings module afresh in this process (`read_settings`); the two that are
about the whole process (refusing to start, `check --deploy`) run `manage.py` in a child one."""

import os
import re
import runpy
import subprocess

import pytest

from .processes import ROOT, clean_environ, manage

PRODUCTION_KEY = "pT4x-9qLm2Vb7Rz0Kw8Hs3Nd6Yc1Ju5Ea-Go9Fi2Xt4Lp7Wq0Zr3Mk6Bv8Cn1Dy5"


@pytest.fixture
def read_settings(monkeypatch):
    """Read portal/settings.py afresh with only `variables` set among those it reads; return its
    names (the running Django's settings stay as they are)."""

    def read(**variables):
        for name in set(os.environ) - set(clean_environ()):
            monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "portal" / "settings.py"))

    return read


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
    result = manage("check", env=clean_environ(), timeout=120)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "DJANGO_SECRET_KEY is not set: set it, or set DJANGO_DEBUG=1 for local development."
    ]


def test_debug_without_secret_key_starts_for_local_development(read_settings):
    settings = read_settings(DJANGO_DEBUG="1")

    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"]


def test_check_deploy_with_the_documented_production_environment_reports_nothing():
    env = documented_production_environment()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_CACHE_URL"} <= env.keys()

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_environ(**env), timeout=120)

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
def test_a_bad_setting_stops_the_process_with_one_line(read_settings, name, value, message):
    with pytest.raises(SystemExit) as stopped:  # exit status 1, the message alone on stderr
        read_settings(DJANGO_DEBUG="1", **{name: value})

    assert isinstance(stopped.value.code, str)
    assert len(stopped.value.code.splitlines()) == 1
    assert stopped.value.code.startswith(message)


@pytest.mark.parametrize(
    "name, value",
    [
        ("DJANGO_LOGIN_FAILURE_WINDOW", "-1"),  # once turned the throttle off
        ("DJANGO_LOGIN_FAILURE_LIMIT", "0"),  # once locked everyone out
        ("DJANGO_CONTENT_VERSION_TTL", "nan"),
        ("DJANGO_CONTENT_VERSION_TTL", "inf"),
        ("DJANGO_PAGE_CACHE_SECONDS", "-1"),
        ("DJANGO_FACET_CACHE_SECONDS", "-5"),
        ("DJANGO_CONN_MAX_AGE", "-1"),
        ("DJANGO_SECURE_HSTS_SECONDS", "-1"),
        ("DJANGO_CACHE_MAX_BYTES", "0"),
    ],
)
def test_a_number_out_of_its_range_stops_the_process_with_one_line(name, value):
    result = manage("check", env=clean_environ(DJANGO_DEBUG="1", **{name: value}))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith(f"{name} must be ")
    ]
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"not {value!r}" in result.stderr


@pytest.mark.parametrize(
    "url, message",
    [
        ("foo://bar", "DATABASE_URL: unsupported scheme 'foo'"),
        ("postgres://", "DATABASE_URL names no database"),
        ("no-scheme-at-all", "DATABASE_URL: unsupported scheme ''"),
    ],
)
def test_a_bad_database_url_stops_the_process_with_one_line(url, message):
    result = manage("check", env=clean_environ(DJANGO_DEBUG="1", DATABASE_URL=url))

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
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
        ("", "portal.cache_backends.BoundedLocMemCache"),
        ("redis://127.0.0.1:6379/1", "portal.cache_backends.ResilientRedisCache"),
    ],
)
def test_the_cache_url_picks_the_backend(read_settings, url, backend):
    cache = read_settings(DJANGO_DEBUG="1", DJANGO_CACHE_URL=url)["CACHES"]["default"]

    assert cache["BACKEND"] == backend
    if url:
        assert cache["LOCATION"] == url


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
