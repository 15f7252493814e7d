"""Import article documents: find files, validate each, write the good ones in batches.

    report = import_paths(["seeds/"])
    report.created, report.updated, report.unchanged, report.rejected, report.problems

Reading and validation (the slow, CPU-bound part) run in worker processes for large imports;
writing stays in this process, in batches. Validation finishes before a record is written, so
a bad file never leaves a row behind while good files still go in.
"""

import multiprocessing
import os
import threading
from dataclasses import dataclass, field

from articles import content_version
from articles.canonical import canonical_url, count_sources
from articles.models import Article

from .documents import MAX_FILE_BYTES, DocumentError, fingerprint, parse_document
from .rendering import render_body
from .writer import (
    CREATED,
    UNCHANGED,
    UPDATED,
    deferred_search_index,
    import_session,
    pending_from,
    write_batch,
)

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown"}
BATCH_SIZE = 1000
PARALLEL_FROM = 400  # files; below this a worker pool costs more than it saves
CHUNK_SIZE = 100  # files a worker reads per task
READ_AHEAD = 4000  # files read but not yet written, at most
PROGRESS_EVERY = 1000  # files


@dataclass
class Problem:
    path: str
    message: str
    is_error: bool = True

    def __str__(self):
        return f"{self.path}: {'' if self.is_error else 'warning: '}{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def summary(self):
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.rejected} rejected"
        )

    def count(self, status):
        setattr(self, status, getattr(self, status) + 1)


def collect_files(paths):
    """Files as given, and document files (.txt, .md) found recursively in folders, sorted by
    folder then name. Paths are plain strings: cheap to sort, send to workers and compare.

    Raises FileNotFoundError naming the first path that does not exist."""
    files = []
    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            found = [
                os.path.join(root, name)
                for root, dirs, names in os.walk(path)
                for name in names
                if not name.startswith(".") and os.path.splitext(name)[1].lower() in DOCUMENT_SUFFIXES
            ]
            files.extend(sorted(found, key=lambda found_path: found_path.split(os.sep)))
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f"{raw}: no such file or folder")
    return files


@dataclass
class Unchanged:
    """A file with the same bytes at the same path as when its article was last imported."""

    path: str
    web_url: str


# {path: (content hash, web_url)} of the articles last imported from the files being read; set
# before the worker processes fork, so they share it instead of receiving it with every task.
_known_files = {}


def read_file(path):
    """Return (path, Pending or Unchanged or None, error or None). Runs in worker processes: no database.

    A file whose bytes have not changed since its article was imported from the same path is not
    parsed again (FORMAT_VERSION in the fingerprint changes when the cleaning rules do)."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise DocumentError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
            # read(MAX_FILE_BYTES) would allocate a megabyte per file; a file that grew since
            # fstat is still read up to the limit, and parse_document refuses it beyond.
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
        content_hash = fingerprint(data)
        known = _known_files.get(name)
        if known is not None and known[0] == content_hash:
            return name, Unchanged(path=name, web_url=known[1]), None
        record = parse_document(data)
        body_html = render_body(record.body)
    except DocumentError as exc:
        return name, None, str(exc)
    except OSError as exc:
        return name, None, f"cannot read: {exc.strerror or exc}"
    pending = pending_from(
        record,
        path=name,
        content_hash=content_hash,
        body_html=body_html,
        slug=Article.slug_for(record.title, record.web_url),
        source_count=(
            count_sources(record.web_url, [(link.web_url, link.title) for link in record.related])
            if record.related
            else 1  # the article alone
        ),
        url_key=canonical_url(record.web_url),
    )
    return name, pending, None


def _load_known_files(files):
    """{path: (content hash, web_url)} for the articles imported from `files` before."""
    wanted = set(files)
    rows = (
        Article.objects.order_by("updated_at", "pk")
        .values_list("source_path", "content_hash", "web_url")
        .iterator(chunk_size=5000)
    )
    return {path: (content_hash, url) for path, content_hash, url in rows if path in wanted}


def _read_all(files, workers):
    """Yield read_file() results in file order, from a pool of worker processes for large imports.

    At most READ_AHEAD files are in flight, so memory stays flat however many files there are
    and however far the writer falls behind."""
    if workers <= 1 or len(files) < PARALLEL_FROM:
        yield from map(read_file, files)
        return
    window = threading.Semaphore(READ_AHEAD)
    stopped = threading.Event()

    def feed():
        for path in files:
            while not window.acquire(timeout=0.1):
                if stopped.is_set():
                    return
            yield path

    context = multiprocessing.get_context("fork")
    pool = context.Pool(workers)
    try:
        for result in pool.imap(read_file, feed(), chunksize=CHUNK_SIZE):
            window.release()
            yield result
        pool.close()
    finally:
        stopped.set()
        pool.terminate()
        pool.join()


@content_version.coalesced()  # one bump every few seconds during a long import, one at its end
def import_paths(paths, dry_run=False, workers=None, on_progress=None):
    """Import every document under `paths`; return an `ImportReport`.

    Raises FileNotFoundError (before any write) when a path does not exist."""
    global _known_files
    files = collect_files(paths)
    workers = workers or min(os.cpu_count() or 1, 4)
    report = ImportReport()
    first_path_for_url = {}
    batch = []

    def flush():
        changed = False
        for item, status, error in write_batch(batch, dry_run=dry_run):
            if error:
                report.count("rejected")
                report.problems.append(Problem(item.path, error))
            else:
                report.count(status)
                changed = changed or status != UNCHANGED
        batch.clear()
        if changed and not dry_run:
            # After each committed batch, not only at the end: readers see a long import's
            # articles appear batch by batch, never a cached page older than the data.
            content_version.bump()

    _known_files = _load_known_files(files)
    try:
        new_files = 0 if dry_run else len(files) - len(_known_files)  # never imported from there
        with import_session(), deferred_search_index(new_files) as index_deferred:
            for done, (name, pending, error) in enumerate(_read_all(files, workers), start=1):
                if pending is not None:
                    url = pending.web_url
                    if url in first_path_for_url:
                        error, pending = f"same webUrl as {first_path_for_url[url]}", None
                    else:
                        first_path_for_url[url] = name
                if error:
                    report.count("rejected")
                    report.problems.append(Problem(name, error))
                elif isinstance(pending, Unchanged):
                    report.count(UNCHANGED)
                else:
                    report.problems.extend(
                        Problem(name, warning, is_error=False) for warning in pending.warnings
                    )
                    batch.append(pending)
                    if len(batch) >= BATCH_SIZE:
                        flush()
                if on_progress and (done % PROGRESS_EVERY == 0 or done == len(files)):
                    on_progress(done, len(files))
            if batch:
                flush()
        if index_deferred and (report.created or report.updated):
            content_version.bump()  # once more: search results changed only now, with the index
    finally:
        _known_files = {}
    return report


__all__ = ["CREATED", "UNCHANGED", "UPDATED", "ImportReport", "Problem", "collect_files", "import_paths"]
