"""Latency of the article page and the machine-facing pages, against a running server.

    python bench/detail_pages.py --base-url http://127.0.0.1:8103 [--articles 200] [--repeat 20]
    python bench/detail_pages.py --count 100000 [--port 8103] [--articles 200] [--repeat 20]

Article URLs are sampled (deterministically) from the sitemap, so any imported corpus works, e.g.
one from `bench/corpus.py` served by a real WSGI server. With --count, the script serves the cached
database of that many generated documents itself (bench/common.py: gunicorn, 2 workers, on
127.0.0.1:--port, stopped at the end) instead of using --base-url. Prints one line per page kind:
requests, median, p95 and max in milliseconds (client-side, sequential, one connection per request).
"""

import argparse
import random
import statistics
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def fetch(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
        body = response.read()
        status = response.status
    return status, body, (time.perf_counter() - started) * 1000


def locations(url):
    status, body, _ = fetch(url)
    if status != 200:
        sys.exit(f"{url} answered {status}")
    return [loc.text for loc in ET.fromstring(body).iter(LOC)]


def measure(label, urls):
    timings = []
    for url in urls:
        status, _, elapsed = fetch(url)
        if status != 200:
            sys.exit(f"{url} answered {status}")
        timings.append(elapsed)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(
        f"{label:<24} n={len(timings):<5} median={statistics.median(timings):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={timings[-1]:7.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--articles", type=int, default=200, help="distinct article pages to request")
    parser.add_argument("--repeat", type=int, default=20, help="requests per other page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--count", type=int, default=None, help="serve the cached database of this many documents"
    )
    parser.add_argument("--port", type=int, default=8103, help="with --count: the server's port")
    args = parser.parse_args()
    if args.count is None:
        run(args, args.base_url.rstrip("/"))
        return
    import common

    env = common.environment(common.imported_database(args.count))
    with common.Server(env, args.port) as server:
        run(args, server.base_url)


def run(args, base):
    rng = random.Random(args.seed)

    sections = locations(f"{base}/sitemap.xml")
    article_section = next(url for url in sections if "sitemap-articles" in url)
    articles = locations(article_section)
    topics = locations(next(url for url in sections if "sitemap-topics" in url))
    print(f"{len(articles)} article URLs in the first sitemap page, {len(topics)} topics")
    sample = rng.sample(articles, min(args.articles, len(articles)))
    topic_feed = topics[0].rstrip("/") + "/feed/"

    for url in sample[:5] + [f"{base}/feed/", topic_feed]:  # warm-up
        fetch(url)
    measure("article page", sample)
    measure("feed /feed/", [f"{base}/feed/"] * args.repeat)
    measure("topic feed", [topic_feed] * args.repeat)
    measure("sitemap index", [f"{base}/sitemap.xml"] * args.repeat)
    measure("sitemap articles p1", [article_section] * max(3, args.repeat // 5))
    measure("robots.txt", [f"{base}/robots.txt"] * args.repeat)
    measure("healthz", [f"{base}/healthz"] * args.repeat)


if __name__ == "__main__":
    main()
