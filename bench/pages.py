"""Page latency at scale: serve a large generated corpus with gunicorn and time the reader's pages.

    .venv/bin/python bench/pages.py [--count 100000] [--requests 30] [--port 8102] [--workers 2]

Builds (once, cached under bench/out/, which git ignores) a corpus of --count documents with
bench/corpus.py and a SQLite database imported from it with `import_articles`; later runs reuse
both. Then serves the database with gunicorn on 127.0.0.1 (debug off, like production), warms up,
requests each page --requests times one after the other and prints median, p95 and max latency
in milliseconds as seen by the client, and the server's CPU time per request (which other
processes competing for the cores do not inflate). The server is stopped at the end.
"""

import argparse
import http.client
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402


def sample_values(database):
    """A published article's slug, a topic and a provider with many articles, for the URLs."""
    with sqlite3.connect(database) as db:
        slug = db.execute(
            "SELECT slug FROM articles_article WHERE published ORDER BY published_at DESC LIMIT 1 OFFSET 500"
        ).fetchone()[0]
        topic = db.execute(
            "SELECT t.slug FROM articles_topic t JOIN articles_article_topics m ON m.topic_id = t.id "
            "GROUP BY t.id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()[0]
        provider = db.execute(
            "SELECT p.domain FROM articles_provider p JOIN articles_article a ON a.provider_id = p.id "
            "WHERE p.domain NOT LIKE 'provider%' GROUP BY p.id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()[0]
        total, published = db.execute("SELECT COUNT(*), SUM(published) FROM articles_article").fetchone()
    return slug, topic, provider, total, published


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, len(body), elapsed * 1000


def cpu_seconds(server):
    """CPU time (user + system) used so far by gunicorn's master and workers, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as handle:
            pids += [int(pid) for pid in handle.read().split()]
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks
    except OSError:
        return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--facet-cache",
        type=int,
        default=60,
        metavar="SECONDS",
        help="DJANGO_FACET_CACHE_SECONDS for the server (default 60, as in production; 0 counts facets "
        "on every request, the cost of a filter combination nobody asked for in the last minute)",
    )
    parser.add_argument(
        "--page-cache",
        type=int,
        default=300,
        metavar="SECONDS",
        help="DJANGO_PAGE_CACHE_SECONDS for the server (default 300, as in production; 0 renders every "
        "page on every request: with --facet-cache 0 too, the pages' own cost)",
    )
    args = parser.parse_args()

    database = common.imported_database(args.count)
    env = common.environment(
        database,
        DJANGO_FACET_CACHE_SECONDS=str(args.facet_cache),
        DJANGO_PAGE_CACHE_SECONDS=str(args.page_cache),
    )
    slug, topic, provider, total, published = sample_values(database)
    pages = {
        "list": "/",
        "list, page 50": "/?page=50",
        "faceted list (topic+provider)": f"/?topic={topic}&provider={provider}",
        "faceted list (2 topics+year)": f"/?topic={topic}&topic=genomics&year=2021",
        "topic page": f"/topics/{topic}/",
        "search (topic word)": "/?q=genomics",
        "search (common words)": "/?q=heart+disease",
        "search + facet": f"/?q=calcium&provider={provider}",
        "article page": f"/articles/{slug}/",
    }

    with common.Server(env, args.port, workers=args.workers) as server:
        print(
            f"\n{total} articles ({published} published), gunicorn {args.workers} workers, "
            f"facet cache {args.facet_cache} s, page cache {args.page_cache} s, "
            f"{args.requests} sequential requests per page after warm-up; milliseconds\n"
        )
        print("server CPU: CPU time the gunicorn processes spent per request, which other processes")
        print("competing for the cores do not inflate as they do wall-clock latency. Load average now:")
        print(" ".join(f"{value:.1f}" for value in os.getloadavg()), "\n")
        print(f"{'page':32} {'status':>6} {'KiB':>6} {'median':>8} {'p95':>8} {'max':>8} {'server CPU':>11}")
        for name, path in pages.items():
            for _ in range(3):
                get(args.port, path)
            timings, status, size = [], None, 0
            cpu_before = cpu_seconds(server)
            for _ in range(args.requests):
                status, size, ms = get(args.port, path)
                timings.append(ms)
            cpu = (cpu_seconds(server) - cpu_before) / args.requests * 1000
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            print(
                f"{name:32} {status:>6} {size / 1024:>6.0f} {statistics.median(timings):>8.1f} "
                f"{p95:>8.1f} {timings[-1]:>8.1f} {cpu:>11.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
