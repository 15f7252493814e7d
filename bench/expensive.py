"""The most expensive public requests one can craft, and what each costs in CPU.

    .venv/bin/python bench/expensive.py [--count 100000] [--repeat 5]

Takes the cached database of --count generated documents (bench/common.py), configures Django in
this process with the production settings and both caches off (an attacker varies the URL so that
every request misses), and sends each crafted URL --repeat times through Django's test client.
Prints per URL: the status, the response size, and the CPU milliseconds of this process per
request (median and max; CPU, not wall time, so other processes on the machine do not inflate it).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402

COMMON_WORDS = (
    "deep learning model predicts cardiac events from imaging data with high accuracy researchers say"
).split()


def crafted_urls():
    from django.db.models import Count

    from articles.models import Article, Provider, Topic
    from articles.sitemaps import ArticleSitemap

    topics = list(Topic.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", flat=True))
    providers = list(
        Provider.objects.annotate(n=Count("articles")).order_by("-n").values_list("domain", flat=True)
    )
    years = [str(year) for year in range(2017, 2027)]
    published = Article.objects.published().count()
    last_page = max(1, -(-published // 20))
    sitemap_pages = max(1, -(-published // ArticleSitemap.limit))
    many = [("topic", t) for t in topics[:30]] + [("provider", p) for p in providers[:30]]
    many += [("year", y) for y in years]
    words = " ".join(COMMON_WORDS)
    return {
        "front page": "/",
        "one topic": "/?" + urlencode({"topic": topics[0]}),
        "30 topics, 30 sources, 10 years": "/?" + urlencode(many),
        "200 topics (repeated parameter)": "/?" + urlencode([("topic", f"t{n}") for n in range(200)]),
        "search, 12 common words": "/?" + urlencode({"q": words}),
        "search, 1 common word": "/?q=learning",
        "search 12 words + all facets": "/?" + urlencode([("q", words), *many]),
        "search 1 word, relevance, deep page": f"/?q=learning&page={max(1, last_page // 3)}",
        "search 1 word, relevance, page 50": "/?q=learning&page=50",
        "last page, newest": f"/?page={last_page}",
        "last page, oldest": f"/?sort=oldest&page={last_page}",
        "last page, quality": f"/?sort=quality&page={last_page}",
        "search, 200 chars of 1-letter words": "/?" + urlencode({"q": " ".join("abcdefghij" * 10)}),
        "feed": "/feed/",
        "sitemap index": "/sitemap.xml",
        "sitemap articles, first page": "/sitemap-articles.xml",
        "sitemap articles, last page": f"/sitemap-articles.xml?p={sitemap_pages}",
        "sitemap topics": "/sitemap-topics.xml",
        "sort of 3,000 characters": "/?sort=" + "x" * 3000,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    database = common.imported_database(args.count)
    common.collect_static(common.environment(database))  # production settings serve hashed names
    common.setup_django(database, DJANGO_PAGE_CACHE_SECONDS="0", DJANGO_FACET_CACHE_SECONDS="0")
    from django.test import Client

    client = Client(HTTP_HOST=common.HOST)
    urls = crafted_urls()
    print(f"{args.count} documents, caches off, {args.repeat} requests each, CPU ms of this process")
    print(f"  {'request':<38}{'status':>7}{'KB':>8}{'CPU ms':>9}{'max':>8}  URL length")
    worst = ("", 0.0)
    for name, url in urls.items():
        client.get(url)  # warm: templates compiled, connection open
        samples = []
        for _ in range(args.repeat):
            started = time.process_time()
            response = client.get(url)
            samples.append((time.process_time() - started) * 1000)
        median = statistics.median(samples)
        worst = max(worst, (name, median), key=lambda item: item[1])
        size = len(response.content) / 1024
        print(
            f"  {name:<38}{response.status_code:>7}{size:>8.0f}{median:>9.0f}{max(samples):>8.0f}  {len(url)}"
        )
    print(f"most expensive: {worst[0]} ({worst[1]:.0f} CPU ms per request)")


if __name__ == "__main__":
    main()
