"""Writes that editors make. One function per write path.

    set_published(articles, True, request.user) -> number of articles whose state changed

Everything an editor decides goes through here, from the admin's per-row button, its bulk actions
and any script alike, so that every decision is recorded the same way.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import content_version, stories
from .models import Article, EditorialAction

# Rows per UPDATE/INSERT: keeps `IN (...)` lists under every database's parameter limit.
CHUNK = 500


def set_published(articles, published, user=None):
    """Publish (or unpublish) `articles`: a queryset of articles, or an iterable of ids.

    In one transaction, only articles whose state differs are changed. Each change sets
    `published_decided_at` (from then on imports leave `published` alone), writes an
    `EditorialAction` and an admin `LogEntry` (the article's admin history) for `user`.
    Returns how many articles changed; articles already in that state are left untouched.

    Safe under concurrency: the candidate rows are locked (SELECT ... FOR UPDATE where the
    database has it; SQLite's IMMEDIATE transactions serialize writers) and the UPDATE itself
    still filters on the current state, so two editors deciding at once never record a change
    that did not happen.
    """
    published = bool(published)
    if isinstance(articles, QuerySet):
        # Selected rows only: the caller's joins, DISTINCT, ordering and prefetches do not
        # belong in a locking UPDATE.
        selected = Article.objects.filter(pk__in=articles.order_by().values("pk"))
    else:
        selected = Article.objects.filter(pk__in=[int(pk) for pk in articles])
    user_id = user.pk if user is not None and user.is_authenticated else None

    with transaction.atomic():
        candidates = list(
            selected.filter(published=not published)
            .select_for_update()
            .order_by()
            .values_list("pk", flat=True)
        )
        if not candidates:
            return 0
        now = timezone.now()
        changed = []
        for chunk in _chunks(candidates):
            count = Article.objects.filter(pk__in=chunk, published=not published).update(
                published=published, published_decided_at=now, updated_at=now
            )
            if count == len(chunk):
                changed.extend(chunk)
            else:  # someone else changed some of these first: keep only the rows we changed
                changed.extend(
                    Article.objects.filter(
                        pk__in=chunk, published=published, published_decided_at=now
                    ).values_list("pk", flat=True)
                )
        _record(changed, published, user_id, now)
        stories.refresh_stories_of(changed)
        content_version.bump()
    return len(changed)


def _record(ids, published, user_id, now):
    action = EditorialAction.Action.PUBLISH if published else EditorialAction.Action.UNPUBLISH
    EditorialAction.objects.bulk_create(
        [
            EditorialAction(
                article_id=pk,
                user_id=user_id,
                action=action,
                from_state=not published,
                to_state=published,
                at=now,
            )
            for pk in ids
        ],
        batch_size=CHUNK,
    )
    if user_id is None:
        return  # the admin history needs a user; the EditorialAction above is the record
    message = (
        f"{EditorialAction.state_label(not published).capitalize()} → "
        f"{EditorialAction.state_label(published)}."
    )
    for chunk in _chunks(ids):
        LogEntry.objects.log_actions(
            user_id, Article.objects.filter(pk__in=chunk).only("pk", "title"), CHANGE, message
        )


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]
