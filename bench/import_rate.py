"""Import rate: generate a corpus (cached), import it into a fresh SQLite database, then again.

    .venv/bin/python bench/import_rate.py [--count 100000] [--workers N] [--corpus DIR]

Runs the real command (`manage.py import_articles`) in a child process and prints documents per
second, wall time, CPU time and peak memory (resource.getrusage of the children: the command and
its worker processes) for the first import and for the re-import of the unchanged files.
The corpus is generated once by bench/corpus.py into the temp folder and reused afterwards.
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

import corpus  # noqa: E402


def ensure_corpus(directory, count, seed):
    """Generate the corpus unless a complete one is already there (written to a temporary name first)."""
    directory = Path(directory)
    if directory.is_dir():
        return directory
    partial = directory.with_name(directory.name + ".partial")
    if partial.exists():
        subprocess.run(["rm", "-rf", str(partial)], check=True)
    started = time.perf_counter()
    print(f"generating {count} documents in {directory} ...", flush=True)
    corpus.generate(partial, count, seed)
    partial.rename(directory)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return directory


def run(args, env):
    """Run manage.py with `args`; return (wall seconds, user+sys CPU seconds, peak RSS MiB, last stdout line).

    os.wait4 gives this child's own resource usage, its worker processes included; ru_maxrss is
    the largest resident set any of them reached (KiB on Linux)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args], env=env, stdout=out, stderr=err
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
    parser.add_argument("--corpus", default=None, help="corpus folder (default: cached in the temp folder)")
    args = parser.parse_args()

    folder = args.corpus or Path(tempfile.gettempdir()) / f"portal-bench-corpus-{args.count}-seed{args.seed}"
    folder = ensure_corpus(folder, args.count, args.seed)
    files = sum(1 for _ in folder.rglob("*.txt"))

    with tempfile.TemporaryDirectory(prefix="portal-bench-db-") as scratch:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-not-secret"),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "localhost",
        }
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
