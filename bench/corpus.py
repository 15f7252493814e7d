"""Generate a corpus of article documents in the seed format.

    python bench/corpus.py DIR --count 100000 [--seed 1]

Deterministic for a given --seed. Documents look like the samples in seeds/: front matter with
provider, topics, images, related coverage and `secured`, ~30% published, some with a Markdown body.
"""

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

PROVIDERS = [(f"Provider {i}", f"provider{i}.example.com") for i in range(1, 61)] + [
    ("Nature", "nature.com"),
    ("Medical Xpress", "medicalxpress.com"),
    ("News Medical", "news-medical.net"),
    ("EurekAlert!", "eurekalert.org"),
    ("Forbes", "forbes.com"),
]
TOPICS = [
    "AI",
    "Machine Learning",
    "AI in Healthcare",
    "Cardiology",
    "Echocardiography",
    "CT",
    "MRI",
    "SPECT",
    "Deep Learning",
    "Radiology",
    "Heart Failure",
    "Arrhythmia",
    "Wearables",
    "Imaging",
    "Clinical Trials",
    "Regulation",
    "Startups",
    "Research",
    "Prevention",
    "Genomics",
]
WORDS = (
    "deep learning model predicts cardiac events from imaging data with high accuracy researchers "
    "say new study shows algorithm detects heart disease earlier than clinicians coronary calcium "
    "scoring echocardiography video analysis mortality risk patients hospital trial"
).split()
START = datetime(2018, 1, 1, tzinfo=UTC)


def sentence(rng, low, high):
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize()


def image(rng, n):
    return {
        "url": f"https://images.example.com/{n}/{rng.randint(1, 10**9)}.jpg",
        "width": rng.choice([620, 685, 720, 1200]),
        "height": rng.choice([261, 420, 480, 675]),
        "isCached": True,
    }


def document(n, rng):
    name, domain = rng.choice(PROVIDERS)
    when = START + timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 8))
    url = f"https://{domain}/news/{when:%Y/%m}/article-{n}"
    data = {
        "category": "news",
        "title": f"{sentence(rng, 5, 12)} ({n})",
        "excerpt": sentence(rng, 20, 45) + ".",
        "publishedDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "originalUrl": url,
        "webUrl": url,
        "ampWebUrl": url + ".amp",
        "type": "article",
        "quality": rng.randint(0, 100),
        "heat": rng.choice([-1, rng.randint(0, 100)]),
        "published": rng.random() < 0.3,
        "provider": {"name": name, "domain": domain},
        "topics": rng.sample(TOPICS, rng.randint(1, 4)),
        "images": [image(rng, n)] if rng.random() < 0.9 else [],
        "related": [
            {
                "title": sentence(rng, 5, 12),
                "excerpt": sentence(rng, 15, 30),
                "publishedDateTime": (when + timedelta(hours=rng.randint(-48, 48))).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "webUrl": f"https://{other}/story/{n}-{k}",
                "type": "article",
                "provider": {"name": other_name, "domain": other},
                "quality": rng.randint(0, 100),
                "images": [image(rng, n)],
            }
            for k, (other_name, other) in enumerate(rng.sample(PROVIDERS, rng.randint(0, 3)))
        ],
        "secured": "".join(
            rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k=600)
        ),
    }
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    body = f"\n## Summary\n\n{sentence(rng, 30, 60)}.\n" if rng.random() < 0.2 else ""
    return f"---\n{front}---\n{body}"


def generate(directory, count, seed=1, per_folder=1000):
    """Write `count` documents under `directory` (in sub-folders of `per_folder`); return the folder."""
    rng = random.Random(seed)
    directory = Path(directory)
    for n in range(count):
        folder = directory / f"{n // per_folder:04d}"
        if n % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:07d}.txt").write_text(document(n, rng), encoding="utf-8")
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.directory, args.count, args.seed)
    print(f"{args.count} documents written to {args.directory}")


if __name__ == "__main__":
    main()
