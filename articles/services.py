"""Writes that editors make. One function per write path.

    set_published(articles, True, request.user) -> number of articles whose state changed
    schedule(articles, when, user), cancel_schedule(articles, user), follow_document(articles, user)
    delete_articles(queryset, user, reason) -> number deleted, each leaving a tombstone

Everything an editor decides goes through here, from the admin's per-row button, its bulk actions
and any script alike, so that every decision is recorded the same way.
"""

from datetime import UTC
from typing import NamedTuple

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import content_version, stories
from .models import Article, EditorialAction, Tombstone

# Rows per UPDATE/INSERT: keeps `IN (...)` lists under every database's parameter limit.
CHUNK = 500


def set_published(articles, published, user=None):
    """Publish (or unpublish) `articles`: a queryset of articles, or an iterable of ids.

    Every article is decided, in one transaction: those in the other state change, those already
    in it are kept ("kept unpublished"), and both are recorded (an `EditorialAction` and an admin
    `LogEntry` for `user`) and set `published_decided_at`, so that from then on imports leave
    their state alone. Publishing a scheduled article publishes it now. Returns how many changed.

    Safe under concurrency: the rows are locked (SELECT ... FOR UPDATE where the database has it;
    SQLite's IMMEDIATE transactions serialize writers) before their state is read.
    """
    published = bool(published)
    Action = EditorialAction.Action

    def plan(row):
        changes = row["published"] != published or row["publish_at"] is not None
        if published:
            action = Action.PUBLISH if changes else Action.KEEP_PUBLISHED
        else:
            action = Action.UNPUBLISH if changes else Action.KEEP_UNPUBLISHED
        return action, {"published": published, "publish_at": None}

    return _decide(articles, user, plan).changed


def schedule(articles, publish_at, user=None):
    """Publish `articles` at `publish_at` (a future time): hidden from readers until then.

    No process runs at that time: the public querysets compare `publish_at` with the current time
    (`ArticleQuerySet.published`). Recorded like every decision. Returns how many were scheduled."""
    if publish_at <= timezone.now():
        raise ValueError("a schedule needs a time in the future")

    def plan(row):
        return EditorialAction.Action.SCHEDULE, {"published": True, "publish_at": publish_at}

    return _decide(articles, user, plan).recorded


def cancel_schedule(articles, user=None):
    """Cancel the schedule of scheduled `articles`: they stay unpublished. Recorded."""

    def plan(row):
        if row["publish_at"] is None:
            return None  # nothing scheduled: nothing to cancel
        return EditorialAction.Action.CANCEL_SCHEDULE, {"published": False, "publish_at": None}

    return _decide(articles, user, plan).changed


def follow_document(articles, user=None):
    """Hand decided `articles` back to their documents: each takes its document's `published`
    value at once (as last imported), and imports set it from then on. A schedule is dropped with
    the decision. An article whose document's value is not known (not imported since it was kept)
    keeps its state, unpublished if it was scheduled, until its next import. Recorded. Returns how
    many were handed back."""

    def plan(row):
        if row["published_decided_at"] is None:
            return None  # the document decides already
        if row["document_published"] is not None:
            published = row["document_published"]
        else:
            published = False if row["publish_at"] is not None else row["published"]
        return EditorialAction.Action.FOLLOW_DOCUMENT, {
            "published": published,
            "publish_at": None,
            "published_decided_at": None,
        }

    return _decide(articles, user, plan).recorded


def delete_articles(articles, user=None, reason=""):
    """Delete `articles` (a queryset) and leave a tombstone for each web URL (who, when, why), so
    that imports skip their documents until a superuser lifts the tombstone. Returns how many."""
    with transaction.atomic():
        rows = list(articles.order_by().values_list("pk", "web_url", "title"))
        now = timezone.now()
        user_id = user.pk if user is not None and user.is_authenticated else None
        for _, web_url, title in rows:
            Tombstone.objects.update_or_create(
                web_url=web_url,
                defaults={
                    "title": title[:500],
                    "deleted_by_id": user_id,
                    "deleted_at": now,
                    "reason": reason,
                },
            )
        deleted = [pk for pk, _, _ in rows]
        # The other members of their stories: a story's lead and counts follow its members.
        others = list(
            Article.objects.filter(story__members__in=deleted)
            .exclude(pk__in=deleted)
            .values_list("pk", flat=True)
        )
        for chunk in _chunks(deleted):
            Article.objects.filter(pk__in=chunk).delete()
        if rows:
            stories.refresh_stories_of(others)
            content_version.bump()
    return len(rows)


class Decided(NamedTuple):
    changed: int  # articles whose state changed
    recorded: int  # decisions recorded (changes and keeps)


def _decide(articles, user, plan):
    """Lock the selected rows, ask `plan(row)` for each: None (no decision) or (action, new
    values). Write the values, mark the article decided, record each decision; bump the content
    version when what readers see may have changed."""
    if isinstance(articles, QuerySet):
        # Selected rows only: the caller's joins, DISTINCT, ordering and prefetches do not
        # belong in a locking read.
        selected = Article.objects.filter(pk__in=articles.order_by().values("pk"))
    else:
        selected = Article.objects.filter(pk__in=[int(pk) for pk in articles])
    user_id = user.pk if user is not None and user.is_authenticated else None
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            selected.select_for_update()
            .order_by()
            .values("pk", "published", "publish_at", "published_decided_at", "document_published")
        )
        groups = {}  # (action, state before, new values) -> [(id, whether a value changes)]
        for row in rows:
            decision = plan(row)
            if decision is None:
                continue
            action, values = decision
            values = {"published_decided_at": now, **values}
            changes = any(
                row[name] != value for name, value in values.items() if name != "published_decided_at"
            )
            groups.setdefault((action, row["published"], tuple(sorted(values.items()))), []).append(
                (row["pk"], changes)
            )
        changed = recorded = 0
        decided = []
        for (action, from_state, values), items in groups.items():
            values = dict(values)
            done = []
            for chunk in _chunks([pk for pk, _ in items]):
                # Still in the state read above (another writer may have been first): only
                # decisions that took effect are recorded.
                count = Article.objects.filter(pk__in=chunk, published=from_state).update(
                    **values, updated_at=now
                )
                if count == len(chunk):
                    done.extend(chunk)
                else:
                    done.extend(
                        Article.objects.filter(pk__in=chunk, updated_at=now).values_list("pk", flat=True)
                    )
            written = set(done)
            changed += sum(1 for pk, changes in items if changes and pk in written)
            recorded += len(done)
            decided.extend(done)
            _record(done, action, from_state, values["published"], values["publish_at"], user_id, now)
        if changed:
            stories.refresh_stories_of(decided)  # a story's lead and counts follow what is public
            content_version.bump()  # what readers may see changed (a kept state changes nothing)
    return Decided(changed, recorded)


def _record(ids, action, from_state, to_state, publish_at, user_id, now):
    EditorialAction.objects.bulk_create(
        [
            EditorialAction(
                article_id=pk,
                user_id=user_id,
                action=action,
                from_state=from_state,
                to_state=to_state,
                publish_at=publish_at,
                at=now,
            )
            for pk in ids
        ],
        batch_size=CHUNK,
    )
    if user_id is None:
        return  # the admin history needs a user; the EditorialAction above is the record
    label = EditorialAction.Action(action).label
    message = (
        f"{label}: {EditorialAction.state_label(from_state)} → {EditorialAction.state_label(to_state)}"
        + (f", public from {publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if publish_at else "")
        + "."
    )
    for chunk in _chunks(ids):
        LogEntry.objects.log_actions(
            user_id, Article.objects.filter(pk__in=chunk).only("pk", "title"), CHANGE, message
        )


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]
