"""The SQLite configuration in portal/settings.py, observed on a real file in a fresh process."""

import json
import subprocess
import sys

import pytest

from .processes import ROOT, clean_environ


def probe(tmp_path, **extra):
    env = clean_environ(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}", **extra)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sqlite_probe.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    return probe(tmp_path_factory.mktemp("sqlite"))


def test_sqlite_connections_use_wal_a_busy_timeout_and_normal_sync(default_report):
    report = default_report

    assert report["journal_mode"] == "wal"
    assert report["busy_timeout"] == 20_000
    assert report["synchronous"] == 1  # NORMAL: safe with WAL, far fewer fsyncs


def test_concurrent_writers_and_readers_never_see_database_is_locked(default_report):
    report = default_report

    assert report["errors"] == []
    assert report["writes"] == 3
    assert report["reads"] > 0


def test_without_immediate_transactions_the_same_work_does_fail(tmp_path):
    """The control: SQLite's default (deferred) transactions fail the read-then-write writer."""
    report = probe(tmp_path, PROBE_TRANSACTION_MODE="DEFERRED")

    assert any("database is locked" in error for error in report["errors"])
