"""The JSON API under load, beside the pages it mirrors: cached and uncached, against /healthz.

    python bench/api_load.py [--count 10000] [--duration 10] [--rounds 2] [--connections 8] [--port 8106]

Each API URL is measured next to its page (the list, a faceted list, a search, an article, the
front page of top stories, the top story) with
bench/load.py's wrk runner, under gunicorn with 2 workers on the cached database of --count
documents. Targets: cached, each API URL keeps at least 0.5 of /healthz's requests/s; uncached
(page cache and facet cache off), each API URL costs no more than its page (API/page ratio of
requests/s at least 1, p50 no higher).
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
import load  # noqa: E402

PAIRS = [
    ("list", "api list"),
    ("faceted list", "api faceted"),
    ("search", "api search"),
    ("article", "api article"),
    ("front page", "api stories"),
    ("story", "api story"),
]


def paired_urls(urls, story):
    """The pages of bench/load.py, each followed by the API URL that reads the same thing; the top
    stories and the top story (`story`, a slug) beside their pages."""
    slug = urls["article"].rstrip("/").rsplit("/", 1)[-1]
    query = {name: path.partition("?")[2] for name, path in urls.items()}
    return {
        "list": "/",
        "api list": "/api/articles/",
        "faceted list": urls["faceted list"],
        "api faceted": f"/api/articles/?{query['faceted list']}",
        "search": urls["search"],
        "api search": f"/api/articles/?{query['search']}",
        "article": urls["article"],
        "api article": f"/api/articles/{slug}/",
        "front page": "/",
        "api stories": "/api/stories/",
        "story": f"/stories/{story}/",
        "api story": f"/api/stories/{story}/",
        "healthz": "/healthz",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL, over all rounds")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--modes", default="cached,uncached")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    database = common.imported_database(args.count)
    common.setup_django(database)
    from articles.models import Story

    urls = paired_urls(load.sample_urls(), Story.objects.published().top().first().slug)
    for mode in [m for m in args.modes.split(",") if m]:
        results = load.measure(database, urls, mode, args)
        print(f"  {mode}: API beside its page (req/s ratio, p50 ratio)")
        for page, api in PAIRS:
            mine, theirs = results[api], results[page]
            print(
                f"    {api:<13} {mine['rps'] / theirs['rps']:.2f}x the page's req/s,"
                f" p50 {mine['p50']:.1f} vs {theirs['p50']:.1f} ms"
            )


if __name__ == "__main__":
    main()
