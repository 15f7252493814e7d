"""Load test: the reader's pages under gunicorn (2 workers) and wrk, then a bounded fault test.

    python bench/load.py [--count 100000] [--duration 10] [--connections 8] [--port 8105]
                         [--modes cached,uncached] [--skip-fault] [--fault-docs 10000]
                         [--skip-kill] [--kill-docs 20000] [--kill-at 5000]

1. Takes the cached database of --count generated documents (bench/common.py: built once under
   bench/out/, rebuilt when the migrations change).
2. Serves it with gunicorn (`portal.wsgi`, 2 workers, production settings, on 127.0.0.1 only) and
   runs wrk for --duration seconds on each page, after --warmup seconds not counted: the list, a
   faceted list, a search, an article page and /healthz. Prints requests/s, p50 and p99 latency,
   and each page's throughput as a ratio to /healthz (target: >= 0.5). Mode "cached" is the
   production configuration (anonymous pages and facet counts from the cache); "uncached" turns
   both caches off (DJANGO_PAGE_CACHE_SECONDS=0, DJANGO_FACET_CACHE_SECONDS=0): the pages' own cost.
3. Fault test, on a copy of the database: readers (wrk over the same pages) while an import of
   --fault-docs new documents runs in its own process and an editor toggles articles through the
   service function. Some of the imported documents are new versions of the toggled articles
   saying the opposite `published`, which the import must not apply. Reports 5xx responses,
   "database is locked" errors (server log, editor, importer), whether every toggle is still in
   place afterwards, and how long an anonymous reader kept seeing the old state after a toggle.
4. Kill test, on another copy: an editor decides --toggles articles, then readers (wrk) and a
   searcher run while an import of --kill-docs documents (new versions of the decided articles
   saying the opposite, then new ones) is killed with SIGKILL once --kill-at rows are in; then the
   same import runs again to the end. The searcher compares each search's count on the page with
   a plain scan of the articles' text taken just before it (a search may find more, never fewer).
   Prints: 5xx responses, "database is locked", searches that found fewer than the plain scan
   (while broken and after the second import), and editor decisions lost. The server runs with
   page and facet caches off here, so every count on the page is what the index says right now.

Only loopback addresses are used; every run is bounded in time; the server is always stopped.
"""

import argparse
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
from common import HOST, OUT, PYTHON, Server  # noqa: E402

LOCKED = "database is locked"


def sample_urls():
    """Paths of the pages to measure, taken from the database."""
    from django.db import connection
    from django.db.models import Count

    from articles.models import Article, Provider, Topic

    article = Article.objects.published().order_by("-published_at").only("slug")[37]
    topic = Topic.objects.annotate(n=Count("articles")).order_by("-n")[2]
    provider = Provider.objects.annotate(n=Count("articles")).order_by("-n")[0]
    connection.close()
    return {
        "list": "/",
        "faceted list": f"/?topic={topic.slug}&provider={provider.domain}",
        "search": "/?q=coronary+calcium",
        "article": article.get_absolute_url(),
        "healthz": "/healthz",
    }


LUA = r"""
local paths = {%(paths)s}
local counter = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) fivexx = 0; locked = 0; other = 0 end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  if status >= 500 then
    fivexx = fivexx + 1
    if body and string.find(body, "database is locked", 1, true) then locked = locked + 1 end
  elseif status >= 400 then
    other = other + 1
  end
end
function done(summary, latency, requests)
  local f, l, o = 0, 0, 0
  for _, t in ipairs(threads) do f = f + t:get("fivexx"); l = l + t:get("locked"); o = o + t:get("other") end
  io.write(string.format("FIVEXX %%d\nLOCKED %%d\nFOURXX %%d\n", f, l, o))
end
"""


def wrk_command(url_or_base, duration, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", script]
    return command + [url_or_base]


def to_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(output):
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for pct in ("50", "99"):
        result[f"p{pct}"] = to_ms(re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M).group(1))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(non_ok.group(1)) if non_ok else 0
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    for name in ("FIVEXX", "LOCKED", "FOURXX"):
        found = re.search(rf"^{name} (\d+)", output, re.M)
        if found:
            result[name.lower()] = int(found.group(1))
    return result


def check_status(port, path):
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def measure(database, urls, mode, args):
    """wrk on each page in turn, in --rounds rounds (the machine's other load drifts; taking the
    pages in turn several times spreads it evenly): req/s and p50 are the rounds' means, p99 the
    worst round's."""
    extra = (
        {"DJANGO_PAGE_CACHE_SECONDS": "0", "DJANGO_FACET_CACHE_SECONDS": "0"} if mode == "uncached" else {}
    )
    env = common.environment(database, **extra)
    server = Server(env, args.port, log_path=OUT / f"load-server-{mode}.log")
    rounds = {name: [] for name in urls}
    seconds = max(1, round(args.duration / args.rounds))
    try:
        for name, path in urls.items():
            status = check_status(args.port, path)
            if status != 200:
                print(f"  {name}: {path} answers {status}; measured anyway", flush=True)
            if args.warmup:  # not counted: fills both workers' caches, as a running site has them
                subprocess.run(
                    wrk_command(f"http://{HOST}:{args.port}{path}", args.warmup, args.connections),
                    capture_output=True,
                    timeout=args.warmup + 60,
                )
        for _ in range(args.rounds):
            for name, path in urls.items():
                output = subprocess.run(
                    wrk_command(f"http://{HOST}:{args.port}{path}", seconds, args.connections),
                    capture_output=True,
                    text=True,
                    timeout=seconds + 60,
                ).stdout
                rounds[name].append(parse_wrk(output))
    finally:
        server.stop()
    results = {
        name: {
            "rps": sum(r["rps"] for r in runs) / len(runs),
            "p50": sum(r["p50"] for r in runs) / len(runs),
            "p99": max(r["p99"] for r in runs),
            "non_2xx": sum(r["non_2xx"] for r in runs),
        }
        for name, runs in rounds.items()
    }
    base = results.get("healthz", {}).get("rps") or 0
    print(
        f"\n{mode}: gunicorn 2 workers, wrk -t2 -c{args.connections},"
        f" {args.rounds} rounds of {seconds}s per page after {args.warmup}s of warm-up"
    )
    print(f"  {'page':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'/healthz':>10}{'non-2xx':>9}  path")
    for name, row in results.items():
        ratio = f"{row['rps'] / base:.2f}" if base else "-"
        print(
            f"  {name:<14}{row['rps']:>9.0f}{row['p50']:>9.1f}{row['p99']:>9.1f}{ratio:>10}"
            f"{row['non_2xx']:>9}  {urls[name]}"
        )
    return results


def fault_documents(directory, toggled, count, seed=7):
    """`count` documents: new versions of the toggled articles saying the opposite `published`
    (the import must leave the editor's decision alone), then new articles."""
    import corpus as corpus_module

    directory.mkdir(parents=True)
    for n, article in enumerate(toggled):
        text = Path(article["source_path"]).read_text(encoding="utf-8")
        flipped = "true" if not article["final"] else "false"
        text = re.sub(r"^published: \w+$", f"published: {flipped}", text, count=1, flags=re.M)
        text = text.replace("\nexcerpt: ", "\nexcerpt: Updated. ", 1)
        (directory / f"update-{n:04d}.txt").write_text(text, encoding="utf-8")
    for n in range(count - len(toggled)):
        (directory / f"new-{n:06d}.txt").write_text(
            corpus_module.document(2_000_000 + n, seed), encoding="utf-8"
        )


def set_published(article_ids, published):
    """The editors' write path: the service function, as the admin calls it."""
    from articles.services import set_published as service

    return service(article_ids, published)


def fault_test(database, urls, args):
    from django.db import OperationalError, connection

    from articles.models import Article

    work = Path(tempfile.mkdtemp(prefix="portal-fault-", dir=OUT))
    copy = common.copy_database(database, work)
    connection.close()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(copy)

    rng = random.Random(3)
    candidates = list(Article.objects.order_by("id").values("id", "slug", "published", "source_path")[:5000])
    toggled = rng.sample(candidates, args.toggles)
    # Odd number of toggles for half of them, even for the others: each ends in a known state.
    for n, article in enumerate(toggled):
        article["rounds"] = 3 if n % 2 else 2
        article["final"] = (not article["published"]) if article["rounds"] % 2 else article["published"]
    fault_documents(work / "docs", toggled, args.fault_docs)
    connection.close()

    env = common.environment(copy)
    server = Server(env, args.port, log_path=work / "server.log")
    paths = [urls[name] for name in urls if name != "healthz"] + [
        f"/articles/{article['slug']}/" for article in toggled[:10]
    ]
    script = work / "mix.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in paths)})
    wrk = subprocess.Popen(
        wrk_command(f"http://{HOST}:{args.port}", args.fault_max, args.connections, script),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    editor = {"toggles": 0, "locked": 0, "errors": [], "stale_seconds": []}

    def edit():
        try:
            for round_number in range(3):
                for article in toggled:
                    if round_number >= article["rounds"]:
                        continue
                    state = (not article["published"]) if round_number % 2 == 0 else article["published"]
                    try:
                        set_published([article["id"]], state)
                        editor["toggles"] += 1
                    except OperationalError as exc:
                        if LOCKED in str(exc):
                            editor["locked"] += 1
                        else:
                            editor["errors"].append(str(exc))
                    time.sleep(args.toggle_pause)
                # How long does an anonymous reader still see the old state? One article per round.
                article = toggled[round_number]
                if round_number < article["rounds"]:
                    state = (not article["published"]) if round_number % 2 == 0 else article["published"]
                    started = time.monotonic()
                    while time.monotonic() - started < 30:
                        code = check_status(args.port, f"/articles/{article['slug']}/")
                        if (code == 200) == state:
                            break
                        time.sleep(0.05)
                    editor["stale_seconds"].append(round(time.monotonic() - started, 2))
        finally:
            connection.close()

    started = time.monotonic()
    importer = subprocess.Popen(
        [PYTHON, "manage.py", "import_articles", str(work / "docs"), "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    editor_thread = threading.Thread(target=edit)
    editor_thread.start()
    import_out, import_err = importer.communicate(timeout=args.fault_max)
    import_seconds = time.monotonic() - started
    editor_thread.join(timeout=args.fault_max)
    time.sleep(1)
    wrk.send_signal(signal.SIGINT)
    wrk_output, _ = wrk.communicate(timeout=30)
    server.stop()

    readers = parse_wrk(wrk_output)
    log = server.log_text()
    states = dict(Article.objects.filter(pk__in=[a["id"] for a in toggled]).values_list("id", "published"))
    decided = Article.objects.filter(
        pk__in=[a["id"] for a in toggled], published_decided_at__isnull=False
    ).count()
    connection.close()
    wrong = [a["id"] for a in toggled if states.get(a["id"]) != a["final"]]
    import_summary = (import_out.strip().splitlines() or ["(no output)"])[-1]
    locked_total = readers.get("locked", 0) + log.count(LOCKED) + editor["locked"] + import_err.count(LOCKED)

    print(f"\nfault test (copy of the database; wrk -c{args.connections} over {len(paths)} reader URLs)")
    print(
        f"  import of {args.fault_docs} documents: {import_summary} in {import_seconds:.1f} s"
        f" (exit {importer.returncode})"
    )
    print(
        f"  editor: {editor['toggles']} toggles of {len(toggled)} articles, {editor['locked']} locked,"
        f" {len(editor['errors'])} other errors"
    )
    print(
        f"  readers: {readers['requests']} requests, {readers['rps']:.0f} req/s, p50 {readers['p50']:.1f} ms,"
        f" p99 {readers['p99']:.1f} ms, 4xx {readers.get('fourxx', 0)}"
    )
    print(f"  5xx responses: {readers.get('fivexx', 0)} (target 0)")
    print(
        f"  'database is locked': {locked_total} (target 0: responses {readers.get('locked', 0)},"
        f" server log {log.count(LOCKED)}, editor {editor['locked']}, importer {import_err.count(LOCKED)})"
    )
    print(
        f"  toggles in place afterwards: {len(toggled) - len(wrong)}/{len(toggled)}"
        f" ({decided} marked as decided by an editor){' WRONG: ' + str(wrong[:10]) if wrong else ''}"
    )
    if editor["stale_seconds"]:
        print(
            f"  reader saw the old state for at most {max(editor['stale_seconds']):.2f} s after a toggle"
            f" (samples: {editor['stale_seconds']})"
        )
    if import_err.strip():
        print("  importer stderr (last lines): " + " | ".join(import_err.strip().splitlines()[-3:]))
    shutil.rmtree(work)


SEARCH_WORDS = ("calcium", "echocardiography", "mortality", "algorithm")
COUNT_RE = re.compile(r'class="listing__count">\s*([\d,]+) articles?')


def plain_scan_count(database, word):
    """Published articles whose text holds `word` as a whole word: no index involved."""
    import sqlite3

    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute(
            "SELECT search_text FROM articles_article WHERE published AND search_text LIKE ?", [f"%{word}%"]
        ).fetchall()
    db.close()
    return sum(1 for (text,) in rows if pattern.search(text or ""))


def page_count(port, word, n):
    """The count a reader sees for a search (a unique extra parameter: never a cached page)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/?q={word}&probe={n}", timeout=30) as response:
            body = response.read().decode()
    except urllib.error.HTTPError as exc:
        return None, exc.code
    found = COUNT_RE.search(body)
    return (int(found.group(1).replace(",", "")) if found else 0), 200


def article_rows(database):
    import sqlite3

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM articles_article").fetchone()
    db.close()
    return count


def kill_test(database, urls, args):
    from django.conf import settings
    from django.db import connection

    from articles.models import Article

    work = Path(tempfile.mkdtemp(prefix="portal-kill-", dir=OUT))
    copy = common.copy_database(database, work)
    connection.close()
    settings.DATABASES["default"]["NAME"] = str(copy)

    rng = random.Random(5)
    candidates = list(Article.objects.order_by("id").values("id", "slug", "published", "source_path")[:5000])
    toggled = rng.sample(candidates, args.toggles)
    for article in toggled:  # one decision each, recorded before the import starts
        article["final"] = not article["published"]
        set_published([article["id"]], article["final"])
    connection.close()
    fault_documents(work / "docs", toggled, args.kill_docs, seed=11)

    env = common.environment(copy, DJANGO_PAGE_CACHE_SECONDS="0", DJANGO_FACET_CACHE_SECONDS="0")
    server = Server(env, args.port, log_path=work / "server.log")
    paths = [urls[name] for name in urls if name != "healthz"] + [f"/?q={word}" for word in SEARCH_WORDS]
    script = work / "mix.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in paths)})
    wrk = subprocess.Popen(
        wrk_command(f"http://{HOST}:{args.port}", args.fault_max, args.connections, script),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    phase = {"name": "before"}
    searches = {}  # phase -> [searches, fewer than the plain scan, 5xx]
    stop = threading.Event()

    # A search's matches and every count on its page are read live, whatever the content version
    # (articles.facet_index adds the articles its index lacks): it is short when it shows fewer
    # articles than the plain scan taken just before it (this test only adds articles).
    def search():
        n = 0
        while not stop.is_set():
            word = SEARCH_WORDS[n % len(SEARCH_WORDS)]
            current = phase["name"]
            scanned = plain_scan_count(copy, word)
            shown, status = page_count(args.port, word, n)
            row = searches.setdefault(current, [0, 0, 0])
            row[0] += 1
            if status >= 500:
                row[2] += 1
            elif shown < scanned:
                row[1] += 1
                if row[1] <= 3:
                    print(
                        f"    {current}: '{word}' shows {shown}, the plain scan before it {scanned}",
                        flush=True,
                    )
            n += 1
            time.sleep(0.05)

    searcher = threading.Thread(target=search)
    searcher.start()
    command = [PYTHON, "manage.py", "import_articles", str(work / "docs"), "--verbosity", "0"]
    rows_before = article_rows(copy)
    time.sleep(2)
    phase["name"] = "killed import"
    started = time.monotonic()
    importer = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed_at = None
    while importer.poll() is None and time.monotonic() - started < args.fault_max:
        if article_rows(copy) - rows_before >= args.kill_at:
            importer.send_signal(signal.SIGKILL)
            killed_at = article_rows(copy) - rows_before
            break
        time.sleep(0.02)
    _, first_err = importer.communicate(timeout=60)
    phase["name"] = "after the kill"
    time.sleep(3)
    phase["name"] = "second import"
    second = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.fault_max
    )
    phase["name"] = "second import done"
    time.sleep(3)  # one CONTENT_VERSION_TTL for every reader to see its last bump
    phase["name"] = "after the second import"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and searches.get(phase["name"], [0])[0] < 2 * len(SEARCH_WORDS):
        time.sleep(0.2)  # every word searched at least twice once the import is complete
    stop.set()
    searcher.join(timeout=60)
    wrk.send_signal(signal.SIGINT)
    wrk_output, _ = wrk.communicate(timeout=30)
    server.stop()

    readers = parse_wrk(wrk_output)
    log = server.log_text()
    states = dict(Article.objects.filter(pk__in=[a["id"] for a in toggled]).values_list("id", "published"))
    connection.close()
    lost = [a["id"] for a in toggled if states.get(a["id"]) != a["final"]]
    errors = first_err + second.stderr
    locked_total = readers.get("locked", 0) + log.count(LOCKED) + errors.count(LOCKED)
    fivexx = readers.get("fivexx", 0) + sum(row[2] for row in searches.values())
    fewer = sum(row[1] for row in searches.values())
    print(f"\nkill test (copy of the database; wrk -c{args.connections} over {len(paths)} URLs, caches off)")
    print(
        f"  import of {args.kill_docs} documents killed (SIGKILL) after {killed_at} new rows"
        f" (exit {importer.returncode}); second import: exit {second.returncode},"
        f" {(second.stdout.strip().splitlines() or ['(no output)'])[-1]}"
    )
    print(
        f"  readers: {readers['requests']} requests, p50 {readers['p50']:.1f} ms, p99 {readers['p99']:.1f} ms"
    )
    print(f"  5xx responses: {fivexx} (target 0)")
    print(f"  'database is locked': {locked_total} (target 0)")
    print(f"  searches that found fewer than a plain scan: {fewer} (target 0)")
    for name, (total, short, errors_5xx) in searches.items():
        print(f"    {name:<26}{short:>5} of {total:>4} searches short, {errors_5xx} 5xx")
    print(
        f"  editor decisions lost: {len(lost)} of {len(toggled)} (target 0)",
        *(["ids:", lost[:10]] if lost else []),
    )
    shutil.rmtree(work)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page, over all rounds")
    parser.add_argument("--rounds", type=int, default=2, help="times each page is measured, in turn")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk per page before measuring")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--modes", default="cached,uncached")
    parser.add_argument("--skip-fault", action="store_true")
    parser.add_argument("--fault-docs", type=int, default=10_000)
    parser.add_argument("--fault-max", type=int, default=300, help="seconds: upper bound of the fault test")
    parser.add_argument("--toggles", type=int, default=40, help="articles the editor toggles")
    parser.add_argument("--toggle-pause", type=float, default=0.1)
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument(
        "--kill-docs", type=int, default=20_000, help="documents of the import that is killed"
    )
    parser.add_argument("--kill-at", type=int, default=5_000, help="new rows in when the import is killed")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    database = common.imported_database(args.count)
    common.setup_django(database)
    urls = sample_urls()
    for mode in [m for m in args.modes.split(",") if m]:
        measure(database, urls, mode, args)
    if not args.skip_fault:
        fault_test(database, urls, args)
    if not args.skip_kill:
        kill_test(database, urls, args)


if __name__ == "__main__":
    main()
