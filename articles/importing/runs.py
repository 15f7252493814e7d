"""What the editorial desk needs from an import: deleted articles stay deleted, runs are recorded.

tombstoned_urls() -> {web_url: "deleted by ann on 2026-11-30 10:00: duplicate"}
record_run(report, paths, started_by, started_at) -> ImportRun
"""

from django.utils import timezone

from articles.models import ImportRun, Tombstone


def tombstoned_urls():
    """The web URLs of deleted articles, each with one line saying who deleted it, when and why.
    Tombstones are few (one per deletion), so they are read once per import."""
    return {tomb.web_url: tomb.describe() for tomb in Tombstone.objects.select_related("deleted_by")}


def record_run(report, paths, started_by, started_at):
    """Store an import's report as an `ImportRun`: counts, and every rejected or suppressed file
    with its one-line reason (warnings are not kept)."""
    return ImportRun.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        started_by=started_by[:200],
        paths=[str(path) for path in paths],
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        suppressed=report.suppressed,
        problems=[
            {
                "path": problem.path,
                "reason": problem.message,
                "kind": "suppressed" if problem.suppressed else "rejected",
            }
            for problem in report.problems
            if problem.is_error or problem.suppressed
        ],
    )
