"""Run by tests/test_database.py in a fresh process, on a SQLite file named by DATABASE_URL.

Prints one JSON object: the PRAGMAs the portal's connections actually run with, and the errors
seen when a writer holds a write transaction while a second writer (read-then-write, as an
editor's save does) and readers work at once. PROBE_TRANSACTION_MODE overrides the settings'
transaction mode (e.g. DEFERRED, SQLite's own default) to show what IMMEDIATE prevents.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection, connections, transaction  # noqa: E402

from articles.models import Provider  # noqa: E402

if os.environ.get("PROBE_TRANSACTION_MODE"):
    connections.settings["default"]["OPTIONS"]["transaction_mode"] = os.environ["PROBE_TRANSACTION_MODE"]

call_command("migrate", verbosity=0)
provider = Provider.objects.create(domain="probe.example", name="Probe")
with connection.cursor() as cursor:
    pragmas = {
        name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "busy_timeout", "synchronous")
    }

errors, counts = [], {"reads": 0, "writes": 0}
lock = threading.Lock()
first_writer_in = threading.Event()


def record(exc):
    with lock:
        errors.append(str(exc))


def first_writer():
    try:
        with transaction.atomic():
            Provider.objects.filter(pk=provider.pk).update(name="First")
            first_writer_in.set()
            time.sleep(0.6)
        counts["writes"] += 1
    except OperationalError as exc:
        record(exc)
    finally:
        first_writer_in.set()
        connection.close()


def second_writer(n):
    first_writer_in.wait()
    try:
        with transaction.atomic():
            list(Provider.objects.all())  # reads first, then writes: the classic upgrade
            Provider.objects.create(domain=f"second{n}.example", name="Second")
        with lock:
            counts["writes"] += 1
    except OperationalError as exc:
        record(exc)
    finally:
        connection.close()


def reader():
    first_writer_in.wait()
    deadline = time.monotonic() + 0.8
    try:
        while time.monotonic() < deadline:
            Provider.objects.count()
            with lock:
                counts["reads"] += 1
    except OperationalError as exc:
        record(exc)
    finally:
        connection.close()


threads = [threading.Thread(target=first_writer)]
threads += [threading.Thread(target=second_writer, args=(n,)) for n in range(2)]
threads += [threading.Thread(target=reader) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

print(json.dumps({**pragmas, **counts, "errors": errors}))
