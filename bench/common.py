"""What the bench/ scripts share: cached corpora and databases, the environment, a gunicorn server.

- `corpus_folder(count, seed)`: bench/out/corpus-<count>-seed<seed>/, generated once by
  bench/corpus.py (into a temporary folder, then renamed).
- `imported_database(count)`: bench/out/db-<count>-<key>.sqlite3, the corpus imported with the
  real `manage.py migrate` and `import_articles` (into a temporary file, then renamed). <key> is a
  digest of the project's migration files, so a changed migration gives a new database; older
  ones for the same count are removed when it is built.
- `environment(database)`: the variables for manage.py, gunicorn or django.setup() against it
  (production settings, debug off, a fixed bench-only secret key, plain HTTP on loopback).
- `Server`: gunicorn serving portal.wsgi on 127.0.0.1, started once it answers, always stopped.

bench/out/ is ignored by git; delete it to start afresh.
"""

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

for _path in (str(ROOT / "bench"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from tests import processes  # noqa: E402  (the child-process helpers the tests use too)
from tests.processes import HOST, PYTHON  # noqa: E402, F401


def ensure_corpus(directory, count, seed=1):
    """Generate `count` documents in `directory` unless it exists (written to a temporary folder
    next to it first, so an interrupted run never leaves a half corpus behind)."""
    from corpus import generate

    directory = Path(directory)
    if directory.is_dir():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partial-", dir=directory.parent))
    try:
        started = time.perf_counter()
        print(f"generating {count} documents in {directory} ...", flush=True)
        generate(partial, count, seed)
        if directory.is_dir():  # another run finished first
            shutil.rmtree(partial)
        else:
            umask = os.umask(0)
            os.umask(umask)
            partial.chmod(0o777 & ~umask)  # mkdtemp's folder is private
            partial.rename(directory)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return directory


def corpus_folder(count, seed=1):
    """The cached corpus of `count` documents for `seed`, generated on first use."""
    return ensure_corpus(OUT / f"corpus-{count}-seed{seed}", count, seed)


def migrations_key():
    """A short digest of the project's migration files (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def database_url(database):
    """A DATABASE_URL for `database`: a SQLite file's path, or already a URL (postgres://...)."""
    database = str(database)
    return database if "://" in database else f"sqlite:///{database}"


def environment(database, **extra):
    """Environment for manage.py, gunicorn or django.setup() on `database` (a SQLite file or a URL):
    production settings (debug off) with a bench-only key, answering on loopback over plain HTTP.
    The variables the settings read from the caller's environment are left out; `extra` adds or
    overrides variables."""
    env = processes.clean_environ()
    env.update(
        DATABASE_URL=database_url(database),
        DJANGO_SECRET_KEY="bench-only-" + "k" * 50,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: no redirect to HTTPS
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env, *args, check=True, capture=True):
    """Run `manage.py args` in a child process; exit with its stderr if it fails and `check`."""
    result = processes.manage(*args, env=env, capture=capture, timeout=None)
    if check and result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{(result.stderr or '')[-2000:]}")
    return result


def imported_database(count, seed=1):
    """The cached SQLite database holding the corpus of `count` documents, built on first use and
    whenever the migrations changed; `migrate` on reuse applies any third-party migration."""
    database = OUT / f"db-{count}-{migrations_key()}.sqlite3"
    if database.exists():
        manage(environment(database), "migrate", "--noinput", "-v0")
        return database
    corpus = corpus_folder(count, seed)
    OUT.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{database.stem}.partial-", suffix=".sqlite3", dir=OUT)
    os.close(handle)
    partial = Path(name)
    try:
        partial.unlink()  # let migrate create it
        env = environment(partial)
        started = time.perf_counter()
        print(f"importing {corpus} into {database} ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        summary = manage(env, "import_articles", str(corpus), "--verbosity", "0").stdout.strip()
        with sqlite3.connect(partial) as db:  # fold the WAL in: one self-contained file
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(database)
        elapsed = time.perf_counter() - started
        last = summary.splitlines()[-1] if summary else "imported"
        print(f"  {last} in {elapsed:.0f} s ({count / elapsed:.0f} documents/s)", flush=True)
    finally:
        for path in OUT.glob(partial.name + "*"):
            path.unlink()
    for old in OUT.glob(f"db-{count}-*.sqlite3*"):  # built for other migrations
        if not old.name.startswith(database.name):
            old.unlink()
    return database


def copy_database(database, directory):
    """A throwaway copy of `database` (with its WAL, if any) in `directory`, for runs that write."""
    copy = Path(directory) / Path(database).name
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{database}{suffix}").exists():
            shutil.copyfile(f"{database}{suffix}", f"{copy}{suffix}")
    return copy


def setup_django(database, **extra):
    """Configure Django in this process for `database` (environment() plus `extra`)."""
    for key in [k for k in os.environ if k.startswith("DJANGO_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ.update(environment(database, DJANGO_SETTINGS_MODULE="portal.settings", **extra))
    import django

    django.setup()


_static_collected = []


def collect_static(env):
    """`collectstatic` once per process (production settings serve the hashed files)."""
    if not _static_collected:
        manage(env, "collectstatic", "--noinput", "-v0")
        _static_collected.append(True)


@contextlib.contextmanager
def postgres_server(port, keep=None):
    """A throwaway PostgreSQL on 127.0.0.1:`port`, the way .ci/with-postgres starts one (Debian's
    server, trust authentication, no fsync: a benchmark's data is disposable); yields its URL.
    DATABASE_URL naming a postgres:// server is used instead, as is, when set. With `keep` (a
    folder), the server's files live there and stay after it stops; a later run starts it again."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        yield given
        return
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bindirs or not (bindirs[-1] / "initdb").exists():
        sys.exit("no PostgreSQL server found; install it: apt-get install -y postgresql")
    bindir = bindirs[-1]
    reuse = keep is not None and (Path(keep) / "data" / "PG_VERSION").exists()
    if keep is not None:
        Path(keep).mkdir(parents=True, exist_ok=True)
    folder = Path(keep) if keep is not None else Path(tempfile.mkdtemp(prefix="portal-bench-pg-"))
    as_owner = []
    if os.getuid() == 0:  # the server refuses to run as root
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"

    def run(*command):
        if subprocess.run([*as_owner, *command], stdout=subprocess.DEVNULL).returncode:
            log = folder / "server.log"
            sys.exit(
                f"{Path(command[0]).name} failed" + (f":\n{log.read_text()[-2000:]}" if log.exists() else "")
            )

    try:
        if not reuse:
            shutil.rmtree(data, ignore_errors=True)
            run(
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        options = (
            f"-c listen_addresses={HOST} -p {port} -k {folder} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=256MB -c max_wal_size=4GB -c max_connections=100"
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        try:
            if not reuse:
                run(str(bindir / "createdb"), "-h", HOST, "-p", str(port), "-U", "postgres", "portal")
            yield f"postgres://postgres@{HOST}:{port}/portal"
        finally:
            subprocess.run(
                [*as_owner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


class Server(processes.LiveServer):
    """gunicorn serving portal.wsgi on 127.0.0.1:port with `env` (static files collected first);
    ready once /healthz answers. Exits this script, naming the log, when it does not start.

    Output goes to `log_path` (read it back with log_text()) or, without one, to this terminal.
    Use it as a context manager, or call stop()."""

    def __init__(self, env, port, workers=2, log_path=None, ready_seconds=60, extra_args=()):
        collect_static(env)
        try:
            super().__init__(
                env,
                port,
                workers,
                log_path,
                ready_seconds=ready_seconds,
                args=["--log-level", "warning", "--timeout", "60", *extra_args],
            )
        except RuntimeError as exc:
            raise SystemExit(str(exc)) from None
