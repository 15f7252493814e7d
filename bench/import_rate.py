"""Import rate: generate a corpus (cached), import it into a fresh SQLite database, then again.

    .venv/bin/python bench/import_rate.py [--count 100000] [--workers N] [--corpus DIR]

Runs the real command (`manage.py import_articles`) in a child process and prints documents per
second, wall time, CPU time and peak memory (resource.getrusage of the children: the command and
its worker processes) for the first import and for the re-import of the unchanged files.
The corpus is generated once by bench/corpus.py under bench/out/ and reused afterwards (see
bench/common.py); the database is a new one in the temp folder on every run.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402


def run(args, env):
    """Run manage.py with `args`; return (wall seconds, user+sys CPU seconds, peak RSS MiB, last stdout line).

    os.wait4 gives this child's own resource usage, its worker processes included; ru_maxrss is
    the largest resident set any of them reached (KiB on Linux)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [common.PYTHON, str(ROOT / "manage.py"), *args], env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"manage.py {' '.join(args)} failed ({child.returncode}):\n{err.read()[-2000:]}")
        lines = out.read().strip().splitlines()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="passed to import_articles")
    parser.add_argument("--corpus", default=None, help="corpus folder (default: cached under bench/out/)")
    args = parser.parse_args()

    if args.corpus:
        folder = common.ensure_corpus(args.corpus, args.count, args.seed)
    else:
        folder = common.corpus_folder(args.count, args.seed)
    files = sum(1 for _ in folder.rglob("*.txt"))

    with tempfile.TemporaryDirectory(prefix="portal-bench-db-") as scratch:
        env = common.environment(Path(scratch, "bench.sqlite3"))
        env.pop("DJANGO_SETTINGS_MODULE", None)
        run(["migrate", "--noinput", "-v0"], env)
        command = ["import_articles", str(folder)] + (
            ["--workers", str(args.workers)] if args.workers else []
        )
        print(
            f"corpus: {folder} ({files} files), cores: {os.cpu_count()}, load: "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print(f"command: manage.py {' '.join(command)}")
        for label in ("first import", "re-import (unchanged)"):
            wall, cpu, peak, summary = run(command, env)
            print(
                f"{label:22} {files / wall:8.0f} documents/s  wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
                f"peak RSS {peak:6.0f} MiB  [{summary}]",
                flush=True,
            )
        size = Path(scratch, "bench.sqlite3").stat().st_size
        print(f"database: {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
