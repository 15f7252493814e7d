"""Time the editorial admin's article changelist, review queue (and its writes) on a generated corpus.

    python bench/admin_changelist.py --count 10000 [--repeat 5] [--workdir /tmp/portal-bench]

Takes the cached database of --count generated documents (bench/common.py: built once under
bench/out/ with bench/corpus.py and import_articles, reused afterwards), copies it into --workdir
(the run writes: users, publish toggles) and requests admin pages through Django's test client,
logged in as a superuser and as an editor, through the whole middleware stack. Prints, per page:
median and slowest wall time, the number of SQL queries and the slowest query's time.
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

PAGES = [
    ("list, newest first", ""),
    ("page 50", "?p=50"),
    ("unpublished", "?published__exact=0"),
    ("search 'calcium scoring'", "?q=calcium+scoring"),
    ("search provider name", "?q=Nature"),
    ("topic", "?topic=cardiology"),
    ("provider", "?provider__id__exact={provider}"),
    ("quality band high", "?quality_band=high"),
    ("year filter", "?year=2021"),
    ("date hierarchy year", "?published_at__year=2021"),
    ("topic+band+year+unpub", "?topic=cardiology&quality_band=high&year=2021&published__exact=0"),
    ("sort by quality", "?o=5"),
    ("source search", "?source={domain}"),
]
# The review queue (/admin/review/): undecided articles, newest import first (the bench corpus is
# never decided, so every article is in it).
REVIEW_PAGES = [
    ("queue, newest import", ""),
    ("queue page 20", "?p=20"),
    ("queue by date", "?sort=date"),
    ("queue by quality", "?sort=quality"),
    ("queue by heat", "?sort=heat"),
    ("queue topic", "?topic=cardiology"),
    ("queue source", "?source={domain}"),
    ("queue band high", "?quality_band=high"),
    ("queue last run", "?run=last"),
    ("queue all filters", "?topic=cardiology&quality_band=high&source={domain}&sort=heat"),
    ("queue scheduled", "?show=scheduled"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="articles in the corpus (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument(
        "--review-only", action="store_true", help="time the review queue and the admin index only"
    )
    parser.add_argument(
        "--workdir", default=None, help="where the run's copy of the database lives (default: temp folder)"
    )
    return parser.parse_args()


def users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "admin@example.com", None
    )
    editor = User.objects.filter(username="bench-editor").first()
    if editor is None:
        editor = User.objects.create_user("bench-editor", "editor@example.com", None, is_staff=True)
        editor.groups.add(Group.objects.get(name="Editors"))
    return admin, editor


def timed(client, method, url, repeat, **kwargs):
    from django.db import connection, reset_queries

    getattr(client, method)(url, **kwargs)  # warm up
    walls, cpus, queries, slowest = [], [], 0, 0.0
    for _ in range(repeat):
        reset_queries()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, **kwargs)
        walls.append((time.perf_counter() - started) * 1000)
        # SQLite runs in this process: its CPU time is the request's whole cost, whatever the
        # machine's load (wall times on a shared machine include waiting for a core).
        cpus.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code in (200, 302), (url, response.status_code)
        queries = len(connection.queries)
        slowest = max([slowest, *(float(q["time"]) * 1000 for q in connection.queries)])
    timed.cpu = statistics.median(cpus)
    return statistics.median(walls), max(walls), queries, slowest


def main():
    args = parse_args()
    database = common.imported_database(args.count)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-bench-admin-", dir=args.workdir) as workdir:
        # DJANGO_DEBUG=1 makes connection.queries record the queries and their times.
        common.setup_django(common.copy_database(database, workdir), DJANGO_DEBUG="1")
        measure(args)


def measure(args):
    from django.test import Client

    from articles.models import Article, Provider

    admin, editor = users()
    total = Article.objects.count()
    provider = Provider.objects.filter(articles__isnull=False).order_by("pk").first()
    print(
        f"\n{total} articles, {Provider.objects.count()} providers; {args.repeat} timed requests each "
        "(median / slowest ms; queries per request; slowest query ms; review pages: median CPU ms)\n"
    )
    print(f"{'page':28} {'user':7} {'median':>8} {'max':>8} {'queries':>8} {'slowest q':>10}")
    for who, user in (("admin", admin), ("editor", editor)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        pages = [] if args.review_only else PAGES
        for label, query in pages:
            url = "/admin/articles/article/" + query.format(provider=provider.pk, domain=provider.domain)
            median, worst, queries, slowest = timed(client, "get", url, args.repeat)
            print(f"{label:28} {who:7} {median:8.1f} {worst:8.1f} {queries:8d} {slowest:10.1f}")
        for label, query in [*REVIEW_PAGES, ("admin index ('N to review')", None)]:
            url = "/admin/" if query is None else "/admin/review/" + query.format(domain=provider.domain)
            median, worst, queries, slowest = timed(client, "get", url, args.repeat)
            print(
                f"{label:28} {who:7} {median:8.1f} {worst:8.1f} {queries:8d} {slowest:10.1f}"
                f"   CPU {timed.cpu:6.1f} ms"
            )
    if args.review_only:
        return
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)
    median, worst, queries, slowest = timed(client, "get", "/admin/articles/editorialaction/", args.repeat)
    print(
        f"{'editorial actions list':28} {'editor':7} {median:8.1f} {worst:8.1f} {queries:8d} {slowest:10.1f}"
    )

    print("\nwrites (editor):")
    article = Article.objects.filter(published=False).order_by("pk").first()
    url = f"/admin/articles/article/{article.pk}/toggle-published/"
    started = time.perf_counter()
    for value in ("1", "0") * args.repeat:
        client.post(url, {"published": value})
    print(
        f"  toggle one article: {(time.perf_counter() - started) * 1000 / (2 * args.repeat):.1f} ms per POST"
    )
    page = list(
        Article.objects.filter(published=False).order_by("-published_at")[:50].values_list("pk", flat=True)
    )
    started = time.perf_counter()
    client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [str(pk) for pk in page]},
    )
    print(f"  bulk publish a page of {len(page)}: {(time.perf_counter() - started) * 1000:.1f} ms")
    undecided = list(
        Article.objects.undecided().order_by("-created_at", "-id").values_list("pk", flat=True)[:20]
    )
    started = time.perf_counter()
    for pk in undecided:
        client.post(f"/admin/review/{pk}/decide/", {"decision": "keep", "next": "/admin/review/"})
    print(f"  keep unpublished from the queue: {(time.perf_counter() - started) * 1000 / 20:.1f} ms per POST")
    year = Article.objects.filter(published_at__year=2021, published=False)
    selected = year.count()
    started = time.perf_counter()
    client.post(
        "/admin/articles/article/?published_at__year=2021&published__exact=0",
        {
            "action": "publish_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(page[0])],
        },
    )
    print(
        f"  bulk publish all {selected} unpublished of 2021 (select across): "
        f"{(time.perf_counter() - started) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
