"""The import, top to bottom: discover the files, read and prepare each (workers), write (parent).

    report = import_paths(["seeds/"])
    report.created, report.updated, report.unchanged, report.rejected, report.problems

1. Discover: `iter_files` lists the document files under the paths given, as it goes.
2. Read and prepare: `read_file` reads one file, parses it (`parse_document`) and derives its stored
   fields (`prepare`), in a pool of worker processes for large imports (`_read_all`). Workers
   touch no database; a record travels back as an `ArticleRecord` (named tuples, cheap to send).
3. Write: this process writes the records in batches (`write_batch`), each batch in one transaction,
   and bumps the content version after each. A record is complete before anything of it is
   written, so a bad file never leaves a row behind while good files still go in.
"""

import itertools
import multiprocessing
import os
import threading
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from articles import content_version
from articles.models import Article

from .documents import MAX_FILE_BYTES, DocumentError, fingerprint, parse_document
from .prepare import prepare
from .runs import tombstoned_urls
from .writer import CREATED, UNCHANGED, deferred_search_index, import_session, refresh_statistics, write_batch

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown"}
BATCH_SIZE = 1000
UNCHANGED_BATCH_SIZE = 5000  # files read, unchanged ones included, checked together for their URLs
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


def iter_files(paths):
    """Yield the files given, and the document files (.txt, .md) found recursively in the folders
    given, each folder's entries in name order (the order of sorting every path by its
    components). Streams: a folder's names are all it holds, so a million files cost no more
    memory than a thousand. Paths are plain strings: cheap to send to workers and compare.

    Raises FileNotFoundError naming the first path that does not exist, before yielding anything."""
    given = [os.fspath(raw) for raw in paths]
    for path in given:
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file or folder")
    for path in given:
        if os.path.isdir(path):
            yield from _walk(path)
        else:
            yield path


def _walk(folder):
    with os.scandir(folder) as listing:
        entries = sorted(
            (entry.name, entry.is_dir(follow_symlinks=False), entry.is_symlink()) for entry in listing
        )
    for name, is_folder, is_link in entries:
        path = os.path.join(folder, name)
        if is_folder:
            yield from _walk(path)
        elif is_document_name(name) and not (is_link and os.path.isdir(path)):  # os.walk's rule
            yield path


def is_document_name(name):
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in DOCUMENT_SUFFIXES


def collect_files(paths):
    """`iter_files` as a list."""
    return list(iter_files(paths))


class FileOrder:
    """Whether a path is one of an import's files, and which of two comes first, asked of the
    paths themselves (no list of the files is kept)."""

    def __init__(self, paths):
        given = [os.fspath(raw) for raw in paths]
        self.given = [(path, path.rstrip(os.sep) + os.sep if os.path.isdir(path) else None) for path in given]

    def position(self, path):
        """(index of the path given that holds it, its components), or None outside the import."""
        for index, (root, folder) in enumerate(self.given):
            if path == root:
                return (index, [])
            if folder and path.startswith(folder):
                if is_document_name(os.path.basename(path)) and os.path.isfile(path):
                    return (index, path[len(folder) :].split(os.sep))
        return None

    def stored_paths(self, vendor):
        """A condition on `source_path` that the paths of this import's files meet (some others
        too: `position` has the last word), which the source path index answers: a range on
        SQLite (the index's byte order), a prefix on PostgreSQL (its text_pattern_ops index)."""
        condition = Q(pk__in=[])
        for root, folder in self.given:
            condition |= Q(source_path=root)
            if folder and vendor == "sqlite":
                after = folder[:-1] + chr(ord(folder[-1]) + 1)  # the first text past the prefix
                condition |= Q(source_path__gte=folder, source_path__lt=after)
            elif folder:
                condition |= Q(source_path__startswith=folder)
        return condition

    def comes_before(self, path, other):
        """True when `path` is a file of this import read before `other` (a file of it too)."""
        position = self.position(path)
        return position is not None and position < self.position(other)


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
    files = iter(files)
    first = list(itertools.islice(files, PARALLEL_FROM))
    if workers <= 1 or len(first) < PARALLEL_FROM:
        yield from map(read_file, itertools.chain(first, files))
        return
    files = itertools.chain(first, files)
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


def _load_known_files(order):
    """{path: (content hash, web_url)} for the articles imported before from files of this import
    (`order`: a FileOrder). An article whose document's `published` value is not known yet is left
    out: read once more, it becomes known."""
    rows = (
        Article.objects.filter(order.stored_paths(connection.vendor))
        .order_by("updated_at", "pk")
        .values_list("source_path", "content_hash", "web_url", "document_published")
        .iterator(chunk_size=5000)
    )
    return {
        path: (content_hash, url)
        for path, content_hash, url, document_published in rows
        if document_published is not None and order.position(path) is not None
    }


@content_version.coalesced()  # one bump every few seconds during a long import, one at its end
def import_paths(paths, dry_run=False, workers=None, on_progress=None):
    """Import every document under `paths`; return an `ImportReport`.

    Raises FileNotFoundError (before any write) when a path does not exist."""
    global _known_files
    files = iter_files(paths)
    next(iter_files(paths), None)  # a missing path raises now, before anything is read
    total = sum(1 for _ in iter_files(paths)) if on_progress else None
    order = FileOrder(paths)
    workers = workers or min(os.cpu_count() or 1, 4)
    report = ImportReport()
    pending = []  # read, waiting for the next batch: ArticleRecords to write and Unchanged files
    to_write = 0
    rejected_paths = set()
    dry_run_urls = {}  # url -> first path: a dry run writes nothing the database could answer from

    def reject(path, message):
        report.count("rejected")
        report.problems.append(Problem(path, message))
        rejected_paths.add(path)

    def flush():
        batch = []
        for item, path in _first_claims(pending, order, rejected_paths, dry_run_urls if dry_run else None):
            if isinstance(item, str):
                reject(path, item)
            elif isinstance(item, Unchanged):
                report.count(UNCHANGED)
            else:
                report.problems.extend(Problem(path, warning, is_error=False) for warning in item.warnings)
                batch.append(item)
        pending.clear()
        statuses = set()
        for item, status, error in write_batch(batch, dry_run=dry_run) if batch else ():
            if error:
                reject(item.source_path, error)
            else:
                report.count(status)
                statuses.add(status)
        if statuses - {UNCHANGED} and not dry_run:
            # After each committed batch, not only at the end: readers see a long import's
            # articles appear batch by batch, never a cached page older than the data.
            content_version.bump(added_only=statuses <= {CREATED, UNCHANGED})

    _known_files = _load_known_files(order)
    tombstones = tombstoned_urls()
    try:
        with import_session(), deferred_search_index():
            for done, (name, record, error) in enumerate(_read_all(files, workers), start=1):
                if error:
                    reject(name, error)
                elif record.web_url in tombstones:
                    report.count("suppressed")
                    report.problems.append(
                        Problem(name, tombstones[record.web_url], is_error=False, suppressed=True)
                    )
                else:
                    pending.append(record)
                    to_write += not isinstance(record, Unchanged)
                    if to_write >= BATCH_SIZE or len(pending) >= UNCHANGED_BATCH_SIZE:
                        flush()
                        to_write = 0
                if on_progress and (done % PROGRESS_EVERY == 0 or done == total):
                    on_progress(done, total)
            if pending:
                flush()
    finally:
        _known_files = {}
    if not dry_run and report.created + report.updated >= ANALYZE_AFTER:
        refresh_statistics(written=report.created + report.updated)
    return report


def _first_claims(pending, order, rejected_paths, dry_run_urls=None):
    """Yield (item, path) for each read file of `pending`, in order, the item replaced by an
    error message when an earlier file of this import has its webUrl.

    The earlier file is found where the import leaves it: the article of that URL, whose source is
    another file of this import that comes first and was not rejected. Nothing per file is kept
    between batches, so memory stays flat over a million files (a dry run, which writes no
    article, remembers the URLs in `dry_run_urls`)."""
    if dry_run_urls is None:
        urls = {item.web_url for item in pending}
        owners = dict(Article.objects.filter(web_url__in=urls).values_list("web_url", "source_path"))
    else:
        owners = dry_run_urls
    in_batch = {}
    for item in pending:
        path = item.path if isinstance(item, Unchanged) else item.source_path
        url = item.web_url
        first = in_batch.get(url)
        owner = owners.get(url)
        if first is None and owner and owner != path and owner not in rejected_paths:
            if order.comes_before(owner, path):
                first = owner
        if first is not None:
            yield f"same webUrl as {first}", path
            continue
        in_batch[url] = path
        if dry_run_urls is not None:
            dry_run_urls.setdefault(url, path)
        yield item, path
