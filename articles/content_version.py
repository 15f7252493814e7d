"""The content version: one number that grows whenever what readers may see changes.

    bump()                         every writer (importer, editors' services), with its change
    coalesced()                    a long writer's bumps: one every few seconds, one at the end
    current()                      the number, as this process last read it
    token()                        the number and the next scheduled publication: cache keys use it
    shape()                        what changes with every change but new articles (facet_index)
    cached(name, parts, compute)   a computation (facet counts...) remembered under the number

The contract: a writer calls `bump()` in the transaction that changes what is public (or right
after its change, in autocommit). The new number then commits together with the change, never
before it, so no process can store a page of the old data under the new number.

With several app servers, each with its own local-memory cache, an in-process "clear" would
reach one process only. Instead every cache key carries this number, kept in the database
(`ContentVersion`): every process reads it again at most `CONTENT_VERSION_TTL` seconds (default
2) after its last reading, and from then on misses every entry made before. Old entries are never
read again and expire. So a reader sees a stale published state for at most that long.

Scheduled articles go public at their time with no writer at all, so the number alone would not
change then. Cache keys carry `token()` instead: the number and the next scheduled publication
time, read together in one query. Once that time has passed, the next reading (within the TTL)
finds a later one (or none), so every key changes and no cached page outlives a schedule.
"""

import contextlib
import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Subquery
from django.utils import timezone

from .models import Article, ContentVersion

_ROW = 1  # the primary key of the single ContentVersion row
_lock = threading.Lock()
_last = {"value": None, "next_scheduled": None, "owed_since": None, "reshaped": None, "read_at": 0.0}


def _read():
    """(value, next scheduled time or None, owed since or None, reshaped), read from the database
    at most every TTL seconds."""
    now = time.monotonic()
    with _lock:
        if _last["value"] is not None and now - _last["read_at"] < settings.CONTENT_VERSION_TTL:
            return _last["value"], _last["next_scheduled"], _last["owed_since"], _last["reshaped"]
    next_scheduled = Subquery(Article.objects.scheduled().order_by("publish_at").values("publish_at")[:1])
    row = (
        ContentVersion.objects.filter(pk=_ROW)
        .annotate(next_scheduled=next_scheduled)
        .values_list("value", "next_scheduled", "owed_since", "reshaped")
        .first()
    )
    if row is None:  # only a flushed database lacks the row
        row = (0, Article.objects.next_scheduled_time(), None, 0)
    value, next_scheduled, owed_since, reshaped = row
    with _lock:
        _last.update(
            value=value, next_scheduled=next_scheduled, owed_since=owed_since, reshaped=reshaped, read_at=now
        )
    return value, next_scheduled, owed_since, reshaped


_writer = threading.local()  # .coalescing: the state of the `coalesced()` block running, if any
# Seconds between two bumps of a long writer (see `coalesced`); settings may override it.
COALESCE_SECONDS = 5.0


def current():
    """The content version, read from the database at most every CONTENT_VERSION_TTL seconds."""
    return _read()[0]


def token():
    """What cache keys carry: the content version and the next scheduled publication time.

    While a bump is overdue (a long writer skipped one and was killed before paying it: see
    `coalesced`), the token also changes every few seconds, so no cache keyed by it serves data
    older than that until the next bump (the next import pays it at its start)."""
    value, next_scheduled, owed_since, _ = _read()
    return f"{value}-{shape()}"


def shape():
    """The token but for the number: the count of changes other than new articles, the next
    scheduled publication and the overdue step. While it stands, the published articles have only
    grown by new ones (facet_index reads just those to bring its index up to date)."""
    _, next_scheduled, owed_since, reshaped = _read()
    key = f"{reshaped}-{next_scheduled.timestamp():.0f}" if next_scheduled else str(reshaped)
    if owed_since is not None and (timezone.now() - owed_since).total_seconds() > overdue_after():
        step = max(settings.CONTENT_VERSION_TTL, 1.0)
        key += f"-{int(time.time() // step)}"
    return key


def overdue_after():
    """Seconds after which a skipped bump is overdue: a live writer pays within its interval
    (plus the batch it is writing); a killed one never does."""
    return getattr(settings, "CONTENT_VERSION_COALESCE_SECONDS", COALESCE_SECONDS) + 2.0


def forget_local():
    """Read the number from the database on the next call (after this process's own change)."""
    with _lock:
        _last.update(value=None, next_scheduled=None, reshaped=None, read_at=0.0)


def bump(added_only=False):
    """Record that what readers may see has changed: every cache keyed by the version misses.
    `added_only`: the change only added articles (an import batch that created and updated
    nothing), which lets the facet index catch up instead of being built again.

    Inside `coalesced()`, only when its interval has passed since the last bump (the others are
    owed, and paid when the block ends)."""
    state = getattr(_writer, "coalescing", None)
    if state is not None:
        state["reshaped"] = state["reshaped"] or not added_only
        now = time.monotonic()
        if now - state["last"] < state["interval"]:
            if not state["owed"]:
                # On the record, so that readers learn of it should this writer die before paying.
                ContentVersion.objects.filter(pk=_ROW, owed_since__isnull=True).update(
                    owed_since=timezone.now()
                )
            state["owed"] = True
            return
        added_only = not state["reshaped"]
        state.update(last=now, owed=False, reshaped=False)
    _bump(reshaped=not added_only)


@contextlib.contextmanager
def coalesced(interval=None):
    """Within the block (or the function it decorates), `bump()` bumps at most once every
    `interval` seconds (default settings.CONTENT_VERSION_COALESCE_SECONDS, else COALESCE_SECONDS),
    and once more at its end, when a bump was skipped, whatever the outcome.

    An import of a million documents commits a batch every fraction of a second; bumping after
    each would make every cached page and facet count unreachable as often, so readers would get
    nothing but cold pages for the whole import. Coalesced, they see its new articles appear a few
    seconds late (each batch is committed, so never a partial article) and their caches keep
    working in between. Editors' decisions bump outside any such block: at once, as before."""
    if interval is None:
        interval = getattr(settings, "CONTENT_VERSION_COALESCE_SECONDS", COALESCE_SECONDS)
    outer = getattr(_writer, "coalescing", None)
    if outer is None and ContentVersion.objects.filter(pk=_ROW, owed_since__isnull=False).exists():
        _bump()  # a writer before this one died owing a bump: pay it first
    state = {"interval": interval, "last": time.monotonic(), "owed": False, "reshaped": False}
    _writer.coalescing = state
    try:
        yield
    finally:
        _writer.coalescing = outer
        if state["owed"]:
            bump(added_only=not state["reshaped"])  # the enclosing block's rules, if any


def _bump(reshaped=True):
    changed = {"value": F("value") + 1, "changed_at": timezone.now(), "owed_since": None}
    if reshaped:  # a writer killed owing a bump may have owed anything: paid as a reshaping one
        changed["reshaped"] = F("reshaped") + 1
    if not ContentVersion.objects.filter(pk=_ROW).update(**changed):
        # The row comes with the content-version migration; only a flushed database lacks it.
        try:
            with transaction.atomic():
                ContentVersion.objects.create(pk=_ROW, value=1)
        except IntegrityError:  # another process created it meanwhile
            ContentVersion.objects.filter(pk=_ROW).update(**changed)
    # This process sees its own change as soon as it commits; the others within CONTENT_VERSION_TTL.
    transaction.on_commit(forget_local)


def digest(value):
    """A short, stable key for any repr-able value."""
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def cached(name, parts, compute, timeout):
    """`compute()`, remembered for `timeout` seconds under `name`, `parts` and the content version.

    `parts` must hold every input of the computation (selected filters, query...). A timeout of
    0 or less simply computes."""
    if timeout <= 0:
        return compute()
    key = f"{name}:{token()}:{digest(parts)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value
