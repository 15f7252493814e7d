"""The import, top to bottom: discover the files, read and prepare each (workers), write (parent).

    report = import_paths(["seeds/"])
    report.created, report.updated, report.unchanged, report.rejected, report.problems

1. Discover: `collect_files` lists the document files under the paths given.
2. Read and prepare: `read_file` reads one file, parses it (`parse_document`) and derives its stored
   fields (`prepare`), in a pool of worker processes for large imports (`_read_all`). Workers
   touch no database; a record travels back as an `ArticleRecord` (named tuples, cheap to send).
3. Write: this process writes the records in batches (`write_batch`), each batch in one transaction,
   and bumps the content version after each. A record is complete before anything of it is
   written, so a bad file never leaves a row behind while good files still go in.
"""

import multiprocessing
import os
import threading
from dataclasses import dataclass, field

from articles import content_version
from articles.models import Article

from .documents import MAX_FILE_BYTES, DocumentError, fingerprint, parse_document
from .prepare import prepare
from .runs import tombstoned_urls
from .writer import UNCHANGED, deferred_search_index, import_session, refresh_statistics, write_batch

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown"}
BATCH_SIZE = 1000
PARALLEL_FROM = 400  # files; below this a worker pool costs more than it saves
CHUNK_SIZE = 100  # files a worker reads per task
READ_AHEAD = 4000  # files read but not yet written, at most
PROGRESS_EVERY = 1000  # files
ANALYZE_AFTER = 1000  # articles written, from which PostgreSQL's planner statistics are refreshed


@dataclass
class Problem:
    path: str
    message: str
    is_error: bool = True
    # A document of a deleted article (a tombstone): skipped, not an error.
    suppressed: bool = False

    def __str__(self):
        label = "suppressed: " if self.suppressed else "" if self.is_error else "warning: "
        return f"{self.path}: {label}{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    suppressed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged + self.rejected + self.suppressed

    @property
    def summary(self):
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.rejected} rejected" + (f", {self.suppressed} suppressed" if self.suppressed else "")
        )

    def count(self, status):
        setattr(self, status, getattr(self, status) + 1)


# --- 1. Discover ------------------------------------------------------------------------------


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


# --- 2. Read and prepare (worker processes: no database) ---------------------------------------


@dataclass
class Unchanged:
    """A file with the same bytes at the same path as when its article was last imported."""

    path: str
    web_url: str


# {path: (content hash, web_url)} of the articles last imported from the files being read; set
# before the worker processes fork, so they share it instead of receiving it with every task.
_known_files = {}


def read_file(path):
    """Return (path, prepared ArticleRecord or Unchanged or None, error or None).

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
        record = prepare(parse_document(data), source_path=name, content_hash=content_hash)
    except DocumentError as exc:
        return name, None, str(exc)
    except OSError as exc:
        return name, None, f"cannot read: {exc.strerror or exc}"
    return name, record, None


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


# --- 3. Write (this process) -------------------------------------------------------------------


def _load_known_files(files):
    """{path: (content hash, web_url)} for the articles imported from `files` before. An article
    whose document's `published` value is not known yet is left out: read once more, it becomes known."""
    wanted = set(files)
    rows = (
        Article.objects.order_by("updated_at", "pk")
        .values_list("source_path", "content_hash", "web_url", "document_published")
        .iterator(chunk_size=5000)
    )
    return {
        path: (content_hash, url)
        for path, content_hash, url, document_published in rows
        if path in wanted and document_published is not None
    }


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
                report.problems.append(Problem(item.source_path, error))
            else:
                report.count(status)
                changed = changed or status != UNCHANGED
        batch.clear()
        if changed and not dry_run:
            # After each committed batch, not only at the end: readers see a long import's
            # articles appear batch by batch, never a cached page older than the data.
            content_version.bump()

    _known_files = _load_known_files(files)
    tombstones = tombstoned_urls()
    try:
        new_files = 0 if dry_run else len(files) - len(_known_files)  # never imported from there
        with import_session(), deferred_search_index(new_files) as index_deferred:
            for done, (name, record, error) in enumerate(_read_all(files, workers), start=1):
                if record is not None:
                    url = record.web_url
                    if url in first_path_for_url:
                        error, record = f"same webUrl as {first_path_for_url[url]}", None
                    else:
                        first_path_for_url[url] = name
                if error:
                    report.count("rejected")
                    report.problems.append(Problem(name, error))
                elif record.web_url in tombstones:
                    report.count("suppressed")
                    report.problems.append(
                        Problem(name, tombstones[record.web_url], is_error=False, suppressed=True)
                    )
                elif isinstance(record, Unchanged):
                    report.count(UNCHANGED)
                else:
                    report.problems.extend(
                        Problem(name, warning, is_error=False) for warning in record.warnings
                    )
                    batch.append(record)
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
    if not dry_run and report.created + report.updated >= ANALYZE_AFTER:
        refresh_statistics()
    return report
