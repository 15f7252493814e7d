"""Story clustering cost: the share of an import spent keeping stories, at corpus scale.

    .venv/bin/python bench/stories_cost.py [--count 100000] [--changed 1000]

Imports the cached corpus (bench/common.py) into a fresh SQLite database in this process, timing
every `stories.cluster_articles` call the batch writer makes; then re-imports `--changed` files
edited to be story-shaped (each gets a related link to another corpus article's page, so stories
merge) and times that; then `recluster_stories`. Prints the clustering time as a share of the
rest of each import ("adds N%"), by wall time and by CPU time (this process and its reading
workers): on a machine shared with other work, wall time mostly measures waiting for a core.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import common  # noqa: E402


def changed_copies(folder, target, count):
    """`count` corpus documents rewritten: a new title word and, in groups of four, a link to the
    next one's page (stories of four articles)."""
    files = sorted(folder.rglob("*.txt"))[: count + 1]
    documents = []
    for path in files:
        _, front, body = path.read_text().split("---\n", 2)
        documents.append((path, yaml.safe_load(front), body))
    target.mkdir()
    for number, ((path, data, body), (_, following, _)) in enumerate(
        zip(documents, documents[1:], strict=False)
    ):
        data["title"] += " (revised)"
        if number % 4 != 3:
            link = {
                "title": following["title"],
                "webUrl": following["webUrl"],
                "provider": following["provider"],
            }
            data["related"] = [*data.get("related", []), link]
        (target / path.name).write_text(f"---\n{yaml.safe_dump(data, sort_keys=False)}---\n{body}")
    return target


def cpu_seconds():
    """User + system CPU of this process and its finished children (the import's readers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1000)
    args = parser.parse_args()
    folder = common.corpus_folder(args.count)

    with tempfile.TemporaryDirectory(prefix="portal-bench-stories-") as scratch:
        common.setup_django(Path(scratch, "bench.sqlite3"))
        from django.core.management import call_command

        from articles import stories
        from articles.importing import import_paths
        from articles.models import Story

        call_command("migrate", "--noinput", verbosity=0)
        spent = [0.0, 0.0]  # wall, CPU
        cluster = stories.cluster_articles

        def timed(ids, **options):
            started, cpu = time.perf_counter(), time.process_time()
            cluster(ids, **options)
            spent[0] += time.perf_counter() - started
            spent[1] += time.process_time() - cpu

        stories.cluster_articles = timed
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"corpus: {folder}, cores: {os.cpu_count()}, load: {load}")
        changed = changed_copies(folder, Path(scratch, "changed"), args.changed)
        for label, path in (
            ("first import", folder),
            (f"re-import of {args.changed} changed files", changed),
        ):
            spent[:] = [0.0, 0.0]
            started, cpu = time.perf_counter(), cpu_seconds()
            report = import_paths([path])
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            print(
                f"{label:32} wall {wall:7.1f} s, clustering {spent[0]:6.1f} s: adds "
                f"{100 * spent[0] / (wall - spent[0]):5.1f}%;  CPU {cpu:7.1f} s, "
                f"clustering {spent[1]:6.1f} s: adds {100 * spent[1] / (cpu - spent[1]):5.1f}%  "
                f"[{report.summary}; {Story.objects.count()} stories]",
                flush=True,
            )
        started = time.perf_counter()
        call_command("recluster_stories", stdout=open(os.devnull, "w"))
        wall = time.perf_counter() - started
        print(f"{'recluster_stories':32} wall {wall:7.1f} s  [{Story.objects.count()} stories]")


if __name__ == "__main__":
    main()
