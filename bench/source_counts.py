"""Time the admin source filter's per-source counts (articles.admin.changelist.source_counts).

    python bench/source_counts.py [--count 30000] [--repeat 5]

On the cached database of --count generated documents (bench/common.py), for a few filtered
article lists as the changelist builds them: the counts within the row budget (the default
ADMIN_SOURCE_COUNT_ROWS) and, for comparison, an exact grouped count of every matching row.
Prints the median wall and CPU time of each, whether the budgeted counts were exact, and their
largest error against the exact counts.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402

FILTERS = [
    ("unpublished", {"published": False}),
    ("quality 70+", {"quality__gte": 70}),
    ("year 2021", {"published_at__year": 2021}),
    ("quality 40+ unpublished", {"quality__gte": 40, "published": False}),
]


def timed(function, repeat):
    function()  # warm up
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
    return result, statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    database = common.imported_database(args.count)
    with tempfile.TemporaryDirectory(prefix="portal-bench-sources-") as workdir:
        common.setup_django(common.copy_database(database, workdir))
        from django.conf import settings

        from articles.admin.changelist import source_counts
        from articles.models import Article

        budget = settings.ADMIN_SOURCE_COUNT_ROWS
        print(f"{args.count} articles, budget {budget} rows, median of {args.repeat}")
        header = ("filter", "rows", "budgeted ms", "cpu", "exact?", "max err", "full ms")
        print("{:26} {:>7} {:>12} {:>6} {:>7} {:>8} {:>8}".format(*header))
        for name, lookups in FILTERS:
            queryset = Article.objects.filter(**lookups)
            counts, wall, cpu = timed(lambda q=queryset: source_counts(q), args.repeat)
            full, full_wall, _ = timed(lambda q=queryset: source_counts(q, budget=10**9), args.repeat)
            error = max(
                (abs(counts.counts.get(k, 0) - v) / v for k, v in full.counts.items() if v), default=0
            )
            rows = sum(full.counts.values())
            exact = str(counts.exact)
            print(f"{name:26} {rows:>7} {wall:>12.1f} {cpu:>6.1f} {exact:>7} {error:>8.0%} {full_wall:>8.1f}")


if __name__ == "__main__":
    main()
