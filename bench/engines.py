"""SQLite and PostgreSQL side by side on one generated corpus: import, cold pages, cached throughput.

    .venv/bin/python bench/engines.py [--count 100000] [--engines sqlite,postgres] [--pg-port 5449]
                                      [--port 8110] [--wrk-seconds 5] [--keep]

For each engine, one after the other, on the same corpus (bench/out/, generated once):
1. a fresh database (SQLite: a file in a temporary folder; PostgreSQL: a throwaway server on
   127.0.0.1:--pg-port started as .ci/with-postgres does, or $DATABASE_URL when it names one),
   `migrate`, then the first import with `manage.py import_articles`: documents/s, wall time and the
   peak memory of the command and its reading processes;
2. re-import of 1,000 changed documents (new titles for existing web URLs, in a folder of their own);
3. gunicorn (2 workers) with the page and facet caches off; each URL asked once, ten URLs per page
   kind: the median and p95 in milliseconds as the client sees them;
4. gunicorn with the production caches; wrk on /healthz and on one URL per kind: each page's
   throughput as a ratio to /healthz.
Then one table for both engines, and the floor for the import: a single process only reading the
files and parsing their YAML (no database, no Markdown, no cleaning).

The figures depend on the machine's load: the load average is printed with them.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
from corpus import WORDS  # noqa: E402

CHANGED = 1000
LOG = common.OUT / "engines-server.log"  # gunicorn's output (404 warnings for short corpora...)
KINDS = [
    "front page",
    "list",
    "list page 50",
    "topic+provider",
    "2 topics+2 providers+year",
    "topic by quality p20",
    "search",
    "search 2 words",
    "search+topic",
    "article",
    "story",
    "feed",
]


def load():
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def run_command(args, env):
    """Run manage.py `args`; return (wall s, CPU s, peak RSS MiB of it or any of its children, stdout).

    The peak is each process's own high-water mark (VmHWM), polled: getrusage's ru_maxrss for a
    child also counts this script's memory at the moment it was spawned (the kernel carries the
    spawning image's mark over exec), which at a million files is this script's list of them."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [common.PYTHON, str(ROOT / "manage.py"), *args], env=env, stdout=out, stderr=err
        )
        peak = [0]
        done = threading.Event()

        def watch():
            while not done.wait(0.2):
                peak[0] = max(peak[0], *(_high_water_kib(pid) for pid in _process_tree(child.pid)))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        watcher.join()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"manage.py {' '.join(args)} failed:\n{err.read()[-3000:]}")
        peak_kib = peak[0] or usage.ru_maxrss  # ended before the first look: the upper bound
        return wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024, out.read().strip()


def _process_tree(pid):
    """`pid` and its descendants (Linux's /proc/PID/task/TID/children)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _high_water_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def parse_floor(folder, limit=None):
    """Seconds one process takes to read the files and parse their front matter (libyaml), the
    floor under any import of them; measured on `limit` files and scaled when given."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = sorted(str(path) for path in Path(folder).rglob("*.txt"))
    total = len(files)
    if limit and total > limit:
        files = files[:: total // limit]
    started = time.process_time()
    wall = time.perf_counter()
    for name in files:
        with open(name, "rb") as handle:
            text = handle.read().decode()
        front = text.split("\n---\n", 1)[0][4:]
        yaml.load(front, Loader=loader)
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    return cpu * total / len(files), wall * total / len(files)


def changed_documents(corpus, folder, count=CHANGED):
    """`count` documents of the corpus with new titles (same web URLs), written to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(Path(corpus).rglob("*.txt"))
    step = max(1, len(sources) // count)
    for index, path in enumerate(sources[::step][:count]):
        text = path.read_text()
        text = re.sub(r'^title: "', 'title: "Revised ', text, count=1, flags=re.M)
        (folder / f"changed-{index:05d}.txt").write_text(text)
    return folder


def sample_urls(env):
    """Ten URLs per page kind, from the imported database (read through Django in a child)."""
    script = r"""
import json
from django.db.models import Count
from articles.models import Article, Provider, Topic
topics = list(Topic.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", flat=True))
providers = Provider.objects.annotate(n=Count("articles")).order_by("-n").values_list("domain", flat=True)
providers = list(providers[:20])
slugs = Article.objects.published().order_by("-published_at").values_list("slug", flat=True)
slugs = list(slugs[100:5100:500])
from articles.models import Story
stories = list(Story.objects.published().top().values_list("slug", flat=True)[:200:20])
print(json.dumps({"topics": topics, "providers": providers, "slugs": slugs, "stories": stories}))
"""
    result = subprocess.run(
        [common.PYTHON, str(ROOT / "manage.py"), "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    data = json.loads(result.stdout.strip().splitlines()[-1])
    topics, providers, slugs, stories = data["topics"], data["providers"], data["slugs"], data["stories"]
    t = lambda i: topics[i % len(topics)]  # noqa: E731
    p = lambda i: providers[i % len(providers)]  # noqa: E731
    w = lambda i: WORDS[(i * 7) % len(WORDS)]  # noqa: E731
    sorts = ["newest", "oldest", "quality", "trending"]
    return {
        "front page": ["/", "/?view=compact"] + [f"/?stories={n}" for n in range(2, 10)],
        "list": [f"/?sort={sorts[i % 4]}&page={1 + i // 4}" for i in range(10)],
        # Trending reads the last few days only: fewer than 50 pages, a 404 (cheap) for each.
        "list page 50": [f"/?sort={sorts[i % 3]}&page={50 + i}" for i in range(10)],
        "topic+provider": [f"/?topic={t(i)}&provider={p(i)}" for i in range(10)],
        "2 topics+2 providers+year": [
            f"/?topic={t(i)}&topic={t(i + 5)}&provider={p(i)}&provider={p(i + 3)}&year={2018 + i % 8}"
            for i in range(10)
        ],
        "topic by quality p20": [f"/topics/{t(i)}/?sort=quality&page={20 + i}" for i in range(10)],
        "search": [f"/?q={w(i)}" for i in range(10)],
        "search 2 words": [f"/?q={w(i)}+{w(i + 3)}" for i in range(10)],
        "search+topic": [f"/?q={w(i)}&topic={t(i)}" for i in range(10)],
        "article": [f"/articles/{slug}/" for slug in slugs[:10]],
        "story": [f"/stories/{slug}/" for slug in stories[:10]],
        "feed": ["/feed/"] + [f"/topics/{t(i)}/feed/" for i in range(9)],
    }


EXPLAIN_SCRIPT = r"""
import json, sys
from urllib.parse import parse_qs, urlsplit
from django.db import connection
from django.http import QueryDict
from articles import search
from articles.filters import ArticleFilter, parse_list_query
from articles.models import Article, Topic
from articles.selectors import _ordered
urls = json.loads(sys.stdin.read())
vendor = connection.vendor
for kind, path in urls.items():
    parts = urlsplit(path)
    data = QueryDict(parts.query)
    base = Article.objects.published()
    if parts.path.startswith("/topics/") and not parts.path.endswith("/feed/"):
        base = base.in_topics([Topic.objects.get(slug=parts.path.split("/")[2])])
    elif parts.path != "/" or not parts.query:  # the story front page is no article list
        continue
    list_query = parse_list_query(data)
    page = int(data.get("page", 1))
    ordered = _ordered(ArticleFilter(list_query.filter_data(), queryset=base), list_query)
    if isinstance(ordered, search.RankedPages):
        # A search: what a page falls back to, the ids of a slice of its full ranking (the page's
        # rows are then read by id).
        ordered = search.ranked(ordered.queryset, ordered.query).values("id")
    query = ordered[(page - 1) * 20 : page * 20]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN " if vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        plan = chr(10).join(str(row[-1]) for row in cursor.fetchall())
    seq = [line.strip() for line in plan.splitlines() if "Seq Scan on articles_article " in line
           or line.strip().startswith("Seq Scan on articles_article")
           or ("SCAN articles_article" in line and "USING" not in line and "articles_article_" not in line)]
    print(f"{kind}: {'SEQUENTIAL SCAN: ' + '; '.join(seq) if seq else 'no sequential scan of the articles'}")
    print("    " + plan.replace(chr(10), chr(10) + "    "))
"""


def explain(env, urls):
    """EXPLAIN of each list page's main query (the page of articles), flagging sequential scans of
    the articles table; printed, and the flagged kinds returned."""
    import json

    sample = {kind: urls[kind][0] for kind in KINDS if kind not in ("article", "feed")}
    result = subprocess.run(
        [common.PYTHON, str(ROOT / "manage.py"), "shell", "-c", EXPLAIN_SCRIPT],
        env=env,
        input=json.dumps(sample),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        print(f"   EXPLAIN failed: {result.stderr[-1500:]}")
        return ["?"]
    (common.OUT / "engines-explain.txt").open("a").write(result.stdout)
    flagged = [line.split(":")[0] for line in result.stdout.splitlines() if "SEQUENTIAL SCAN" in line]
    for line in result.stdout.splitlines():
        if line.split(":")[0] in KINDS:
            print(f"   explain {line}")
    return flagged


def get(base, path):
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.perf_counter() - started) * 1000


def server_cpu(server):
    """CPU seconds (user + system) gunicorn's master and workers used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as handle:
            pids = [server.pid, *(int(pid) for pid in handle.read().split())]
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / ticks
    except OSError:
        return float("nan")


def cold_pages(env, port, urls):
    """{kind: (median ms, p95 ms, statuses, server CPU ms per request)}: each URL once, page and
    facet caches off. The server's CPU time, unlike the latency, is not inflated by other
    processes competing for the cores."""
    env = dict(env, DJANGO_PAGE_CACHE_SECONDS="0", DJANGO_FACET_CACHE_SECONDS="0")
    results = {}
    with common.Server(env, port, workers=2, log_path=LOG) as server:
        get(server.base_url, "/?q=warm")  # each worker's first request loads templates
        get(server.base_url, "/")
        for kind in KINDS:
            timings, statuses = [], set()
            cpu = server_cpu(server)
            for path in urls[kind]:
                status, ms = get(server.base_url, path)
                timings.append(ms)
                statuses.add(status)
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            cpu = (server_cpu(server) - cpu) / len(urls[kind]) * 1000
            results[kind] = (statistics.median(timings), p95, statuses, cpu)
    return results


def wrk(base, path, seconds):
    result = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", base + path], capture_output=True, text=True, check=True
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    return float(match.group(1)) if match else float("nan")


def cached_throughput(env, port, urls, seconds):
    """{kind: requests/s ratio to /healthz}, the production caches on, under wrk."""
    results = {}
    with common.Server(env, port, workers=2, log_path=LOG) as server:
        for kind in KINDS:
            get(server.base_url, urls[kind][0])  # fill the cache
        # /healthz just before each page: on a shared machine the capacity left to us drifts, and
        # a ratio to a figure taken minutes earlier would measure the drift.
        rates = []
        for kind in KINDS:
            healthz = wrk(server.base_url, "/healthz", seconds)
            rates.append(healthz)
            results[kind] = wrk(server.base_url, urls[kind][0], seconds) / healthz
        results["healthz"] = statistics.median(rates)
    return results


def measure(engine, database, corpus, changed, args, imported=None):
    """One engine's row of the table. `imported`: a marker file, with --keep; when it exists the
    database already holds the corpus (a run before this one imported it) and the imports are
    not measured again."""
    print(f"\n== {engine}: {database}  (load {load()})", flush=True)
    env = common.environment(database)
    run_command(["migrate", "--noinput", "-v0"], env)
    if imported is not None and imported.exists():
        print(f"   imported by an earlier run ({imported.read_text().strip()}): imports not measured")
        row = {"import_wall": None, "load": load()}
    else:
        row = measure_imports(env, corpus, changed)
        if imported is not None:
            imported.write_text(f"{row['import_wall']:.0f} s, load {row['load']}\n")
    if args.import_only:
        row.update(cold={}, cached=None)
        return row
    return measure_pages(env, row, args)


def measure_imports(env, corpus, changed):
    wall, cpu, peak, summary = run_command(["import_articles", str(corpus), "-v0"], env)
    row = {"import_wall": wall, "import_cpu": cpu, "import_peak": peak}
    print(
        f"   first import: {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MiB  [{summary.splitlines()[-1]}]"
    )
    wall, cpu, peak2, summary = run_command(["import_articles", str(changed), "-v0"], env)
    row.update(reimport_wall=wall, reimport_cpu=cpu, reimport_peak=peak2)
    print(f"   re-import of {CHANGED} changed: {wall:.1f} s  [{summary.splitlines()[-1]}]", flush=True)
    row["load"] = load()
    return row


def measure_pages(env, row, args):
    urls = sample_urls(env)
    row["seq_scans"] = explain(env, urls)
    row["cold"] = cold_pages(env, args.port, urls)
    for kind, (median, p95, statuses, cpu) in row["cold"].items():
        print(
            f"   cold {kind:28} median {median:7.1f} ms  p95 {p95:7.1f} ms  server CPU {cpu:6.1f} ms/request"
            f"  {sorted(statuses)}",
            flush=True,
        )
    if shutil.which("wrk"):
        row["cached"] = cached_throughput(env, args.port, urls, args.wrk_seconds)
        print(f"   cached: /healthz {row['cached']['healthz']:.0f} req/s", flush=True)
    else:
        row["cached"] = None
        print("   wrk not found (apt-get install -y wrk): no cached throughput")
    row["load"] = load()
    return row


def table(rows, count, floor):
    engines = list(rows)
    lines = [f"| {count:,} documents | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]

    def line(label, cell):
        lines.append(f"| {label} | " + " | ".join(cell(rows[e]) for e in engines) + " |")

    def imported(cell):
        return lambda r: "(earlier run)" if r["import_wall"] is None else cell(r)

    line(
        "first import",
        imported(
            lambda r: (
                f"{count / r['import_wall']:,.0f}/s, {r['import_wall']:.0f} s wall,"
                f" {r['import_cpu']:.0f} s CPU"
            )
        ),
    )
    line(f"re-import {CHANGED} changed", imported(lambda r: f"{r['reimport_wall']:.1f} s"))
    line("peak memory (import)", imported(lambda r: f"{max(r['import_peak'], r['reimport_peak']):.0f} MiB"))
    for kind in KINDS:
        line(
            f"{kind}, cold median / p95 ms (server CPU per request)",
            lambda r, k=kind: (
                "-"
                if k not in r["cold"]
                else (
                    f"{r['cold'][k][0]:.0f} / {r['cold'][k][1]:.0f} ({r['cold'][k][3]:.0f})"
                    + ("" if r["cold"][k][2] == {200} else f" (status {sorted(r['cold'][k][2])})")
                )
            ),
        )
    for kind in KINDS:
        line(
            f"{kind}, cached / healthz", lambda r, k=kind: "-" if not r["cached"] else f"{r['cached'][k]:.2f}"
        )
    line(
        "page queries with a sequential scan of articles",
        lambda r: ", ".join(r.get("seq_scans") or []) or "none",
    )
    line("/healthz req/s", lambda r: "-" if not r["cached"] else f"{r['cached']['healthz']:.0f}")
    line("load average at the end", lambda r: r["load"])
    print()
    print("\n".join(lines))
    cpu, wall = floor
    print(
        f"\nfloor (one process reading the files and parsing their YAML): {cpu:.0f} s CPU, {wall:.0f} s wall "
        f"({count / wall:,.0f}/s); SQLite import / floor: "
        + (
            f"{rows['sqlite']['import_wall'] / wall:.2f}x"
            if rows.get("sqlite", {}).get("import_wall")
            else "-"
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--port", type=int, default=8110, help="gunicorn's port")
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PG_BENCH_PORT", 5434)))
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--import-only", action="store_true", help="measure the imports only")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases under bench/out/; reuse them (pages only) next time",
    )
    parser.add_argument("--floor-sample", type=int, default=20_000, help="files timed for the floor")
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop gunicorn and PostgreSQL and remove their folders.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    corpus = common.corpus_folder(args.count, args.seed)
    print(f"corpus {corpus}, {os.cpu_count()} cores, load {load()}", flush=True)
    floor = parse_floor(corpus, args.floor_sample)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="portal-bench-engines-") as scratch:
        changed = changed_documents(corpus, Path(scratch, "changed"))
        # With --keep, the databases stay under bench/out/ (per corpus; migrated on reuse) for the next run.
        kept = common.OUT / f"engines-{args.count}-seed{args.seed}" if args.keep else None
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
        for engine in args.engines.split(","):
            marker = kept / f"imported-{engine}" if kept is not None else None
            if engine == "sqlite":
                database = (kept or Path(scratch)) / "bench.sqlite3"
                if marker is not None and not database.exists():
                    marker.unlink(missing_ok=True)
                rows[engine] = measure(engine, database, corpus, changed, args, imported=marker)
            elif engine == "postgres":
                with common.postgres_server(args.pg_port, keep=kept and kept / "postgres") as url:
                    rows[engine] = measure(engine, url, corpus, changed, args, imported=marker)
            else:
                sys.exit(f"unknown engine {engine!r} (sqlite, postgres)")
    table(rows, args.count, floor)


if __name__ == "__main__":
    main()
