"""Search pages at scale, cold, on SQLite and on PostgreSQL: one word, and one word with a topic.

    .venv/bin/python bench/search_pages.py [--count 100000] [--engine sqlite|postgresql|both]
                                           [--port 8103] [--pg-port 5443] [--workers 1]

Serves the imported corpus (bench/common.py; built once, cached under bench/out/) with gunicorn,
debug off, the page cache and the facet cache off: every search is answered from the database,
as almost every query is a new one. Asks each of ten different one-word queries once (after a
warm-up on other words), then each with a topic, and prints per query the latency seen by the
client and the server's CPU time, then the medians, and last the medians of both engines
against the target (wall time: on a shared machine, the CPU time says more).

PostgreSQL: a server of its own (Debian's PostgreSQL, as .ci/with-postgres starts) with its data
folder under bench/out/pg-<count>-<key>/, where the corpus is imported once with the real
`migrate` and `import_articles` and kept for later runs; the server is stopped at the end.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
from pages import cpu_seconds, get  # noqa: E402

# Ten words of the generated corpus's vocabulary, from the title-and-excerpt words every other
# article uses to the topic names only some carry; and the warm-up's own words.
QUERIES = [
    "calcium",
    "echocardiography",
    "mortality",
    "clinicians",
    "genomics",
    "regulation",
    "startups",
    "wearables",
    "prevention",
    "arrhythmia",
]
WARM_UP = ["coronary", "algorithm", "radiology"]
TARGET_MS = 100  # the issue's: a cold one-word search, alone or with a topic, at 100,000 articles


class Postgres:
    """A PostgreSQL server on 127.0.0.1:port over a data folder of its own, stopped on exit."""

    def __init__(self, datadir, port):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs:
            sys.exit("no PostgreSQL server found; install it: apt-get install -y postgresql")
        self.bin, self.datadir, self.port = Path(bindirs[-1]), Path(datadir), port
        self.url = f"postgres://postgres@127.0.0.1:{port}/portal"

    def _as_owner(self, *args):
        command = [str(arg) for arg in args]
        if os.getuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def __enter__(self):
        fresh = not (self.datadir / "PG_VERSION").exists()
        if fresh:
            shutil.rmtree(self.datadir, ignore_errors=True)
            self.datadir.mkdir(parents=True)
            if os.getuid() == 0:
                shutil.chown(self.datadir, "postgres")
            self._as_owner(
                self.bin / "initdb", "-D", self.datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.datadir} -c shared_buffers=256MB"
        log = self.datadir / "server.log"
        self._as_owner(
            self.bin / "pg_ctl", "-D", self.datadir, "-l", log, "-w", "-t", "60", "-o", options, "start"
        )
        if fresh:
            self._as_owner(
                self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "portal"
            )
        return self

    def __exit__(self, *exc):
        self._as_owner(self.bin / "pg_ctl", "-D", self.datadir, "-m", "fast", "-w", "stop")


def postgres_environment(server, count):
    env = common.environment("unused", DATABASE_URL=server.url)
    marker = server.datadir / "imported"
    if not marker.exists():
        corpus = common.corpus_folder(count)
        print(f"importing {corpus} into PostgreSQL ...", flush=True)
        started = time.perf_counter()
        common.manage(env, "migrate", "--noinput", "-v0")
        common.manage(env, "import_articles", str(corpus), "-v0")
        subprocess.run(
            [
                "psql" if shutil.which("psql") else str(server.bin / "psql"),
                server.url,
                "-qc",
                "VACUUM ANALYZE",
            ],
            check=True,
        )
        marker.write_text("done\n")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        common.manage(env, "migrate", "--noinput", "-v0")
    return env


def top_topic(env):
    code = (
        "from django.db.models import Count; from articles.models import Topic; "
        "print(Topic.objects.annotate(n=Count('articles')).order_by('-n').values_list('slug', flat=True)[0])"
    )
    return common.manage(env, "shell", "-v0", "-c", code).stdout.strip().splitlines()[-1]


def process_cpu_seconds(root):
    """CPU time (user + system) of process `root` and its children so far, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{root}/task/{root}/children") as handle:
            pids = [root, *map(int, handle.read().split())]
    except OSError:
        return float("nan")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def measure(env, engine, args, database_pid=None):
    """`database_pid`: PostgreSQL's postmaster, whose backends' CPU time counts with gunicorn's."""
    env = dict(env, DJANGO_FACET_CACHE_SECONDS="0", DJANGO_PAGE_CACHE_SECONDS="0")
    topic = top_topic(env)
    with common.Server(env, args.port, workers=args.workers) as server:
        for word in WARM_UP:
            get(args.port, f"/?q={word}")
            get(args.port, f"/?q={word}&topic={topic}")
        print(f"\n{engine}: {args.count} articles, gunicorn {args.workers} worker(s), caches off")
        print("load average:", " ".join(f"{value:.1f}" for value in os.getloadavg()))
        print("CPU ms: gunicorn's" + (" and PostgreSQL's processes'" if database_pid else "") + " CPU time")
        print(f"{'query':44} {'status':>6} {'KiB':>5} {'wall ms':>8} {'CPU ms':>7}")
        results = {}
        pages = (
            ("no search: / and /?topic=", "/", ""),
            ("one word", "/?q=", ""),
            (f"word + topic={topic}", "/?q=", f"&topic={topic}"),
        )
        for label, start, suffix in pages:
            walls, cpus = [], []
            for word in QUERIES if start != "/" else ["", "?topic=" + topic] * 5:
                path = f"{start}{word}{suffix}"
                before = cpu_seconds(server) + (process_cpu_seconds(database_pid) if database_pid else 0)
                status, size, ms = get(args.port, path)
                after = cpu_seconds(server) + (process_cpu_seconds(database_pid) if database_pid else 0)
                cpu = (after - before) * 1000
                walls.append(ms)
                cpus.append(cpu)
                print(f"{path:44} {status:>6} {size // 1024:>5} {ms:>8.1f} {cpu:>7.0f}", flush=True)
            results[label] = (statistics.median(walls), statistics.median(cpus))
        for label, (wall, cpu) in results.items():
            print(f"{engine:10} {label:32} median wall {wall:7.1f} ms, median CPU {cpu:6.1f} ms")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--pg-port", type=int, default=5443)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    medians = {}
    if args.engine in ("sqlite", "both"):
        medians["sqlite"] = measure(common.environment(common.imported_database(args.count)), "sqlite", args)
    if args.engine in ("postgresql", "both"):
        datadir = common.OUT / f"pg-{args.count}-{common.migrations_key()}"
        with Postgres(datadir, args.pg_port) as server:
            postmaster = int((datadir / "postmaster.pid").read_text().split()[0])
            env = postgres_environment(server, args.count)
            medians["postgresql"] = measure(env, "postgresql", args, postmaster)
    print(f"\nmedians of {len(QUERIES)} queries, {args.count} articles, caches off, target {TARGET_MS} ms")
    print(f"{'engine':10} {'search':32} {'wall ms':>8} {'CPU ms':>7}")
    for engine, results in medians.items():
        for label, (wall, cpu) in results.items():
            if label.startswith(("one word", "word + topic")):
                verdict = "ok" if wall <= TARGET_MS else "over"
                print(f"{engine:10} {label:32} {wall:8.1f} {cpu:7.1f}  {verdict}")


if __name__ == "__main__":
    main()
