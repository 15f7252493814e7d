"""Generate a corpus of article documents in the seed format.

    python bench/corpus.py DIR --count 100000 [--seed 1] [--jobs N]

Deterministic for a given --seed (and independent of --jobs): document n draws from its own random
generator, seeded by (seed, n). Documents look like the samples in seeds/: front matter with
provider, topics, images, related coverage and `secured`, ~30% published, some with a Markdown body.

Written for corpora of a million documents: each document is rendered with a string template
(every value is either a number, a boolean or text made of plain ASCII words, URLs and base64, so
it is written double-quoted with nothing to escape, and yaml.safe_load reads back what was drawn),
written with one open/write/close, and the folders of 1,000 documents are shared between processes.
"""

import argparse
import base64
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
MINUTES = 60 * 24 * 365 * 8
WIDTHS, HEIGHTS = [620, 685, 720, 1200], [261, 420, 480, 675]
SECURED_BYTES = 450  # 600 base64 characters
PER_FOLDER = 1000


def sentence(rng, low, high):
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize()


def _stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _image(rng, n, indent):
    return (
        f'{indent}- url: "https://images.example.com/{n}/{rng.randint(1, 10**9)}.jpg"\n'
        f"{indent}  width: {rng.choice(WIDTHS)}\n"
        f"{indent}  height: {rng.choice(HEIGHTS)}\n"
        f"{indent}  isCached: true\n"
    )


def document(n, seed=1):
    """The text of document `n` for `seed`."""
    rng = random.Random(seed * 1_000_003 + n)
    name, domain = rng.choice(PROVIDERS)
    when = START + timedelta(minutes=rng.randint(0, MINUTES))
    url = f"https://{domain}/news/{when:%Y/%m}/article-{n}"
    heat = rng.randint(0, 100)
    if rng.random() < 0.5:
        heat = -1
    topics = "".join(f'  - "{topic}"\n' for topic in rng.sample(TOPICS, rng.randint(1, 4)))
    images = _image(rng, n, "  ") if rng.random() < 0.9 else ""
    related = []
    for k, (other_name, other) in enumerate(rng.sample(PROVIDERS, rng.randint(0, 3))):
        related.append(
            f'  - title: "{sentence(rng, 5, 12)}"\n'
            f'    excerpt: "{sentence(rng, 15, 30)}"\n'
            f'    publishedDateTime: "{_stamp(when + timedelta(hours=rng.randint(-48, 48)))}"\n'
            f'    webUrl: "https://{other}/story/{n}-{k}"\n'
            f"    type: article\n"
            f'    provider:\n      name: "{other_name}"\n      domain: "{other}"\n'
            f"    quality: {rng.randint(0, 100)}\n"
            f"    images:\n{_image(rng, n, '      ')}"
        )
    secured = base64.b64encode(rng.randbytes(SECURED_BYTES)).decode()
    body = f"\n## Summary\n\n{sentence(rng, 30, 60)}.\n" if rng.random() < 0.2 else ""
    return (
        "---\n"
        "category: news\n"
        f'title: "{sentence(rng, 5, 12)} ({n})"\n'
        f'excerpt: "{sentence(rng, 20, 45)}."\n'
        f'publishedDateTime: "{_stamp(when)}"\n'
        f'originalUrl: "{url}"\n'
        f'webUrl: "{url}"\n'
        f'ampWebUrl: "{url}.amp"\n'
        "type: article\n"
        f"quality: {rng.randint(0, 100)}\n"
        f"heat: {heat}\n"
        f"published: {'true' if rng.random() < 0.3 else 'false'}\n"
        f'provider:\n  name: "{name}"\n  domain: "{domain}"\n'
        f"topics:\n{topics}"
        f"images:{chr(10) + images if images else ' []' + chr(10)}"
        f"related:{chr(10) + ''.join(related) if related else ' []' + chr(10)}"
        f'secured: "{secured}"\n'
        f"---\n{body}"
    )


def _write_folders(directory, first, last, count, seed):
    """Write the folders numbered first..last-1 (documents n // PER_FOLDER); return how many."""
    written = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for folder_number in range(first, last):
        folder = os.path.join(directory, f"{folder_number:04d}")
        os.makedirs(folder, exist_ok=True)
        for n in range(folder_number * PER_FOLDER, min(count, (folder_number + 1) * PER_FOLDER)):
            handle = os.open(os.path.join(folder, f"{n:07d}.txt"), flags, 0o644)
            try:
                os.write(handle, document(n, seed).encode())
            finally:
                os.close(handle)
            written += 1
    return written


def generate(directory, count, seed=1, jobs=None):
    """Write `count` documents under `directory` (in sub-folders of 1,000); return the folder.
    `jobs` processes share the folders (default: one per CPU, one for small corpora)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    folders = -(-count // PER_FOLDER)
    jobs = jobs or (min(os.cpu_count() or 1, folders) if count >= 5 * PER_FOLDER else 1)
    if jobs <= 1:
        _write_folders(str(directory), 0, folders, count, seed)
        return directory
    # Small slices, handed out in turn, so both processes stay busy to the end.
    step = max(1, min(20, folders // (jobs * 4)))
    with ProcessPoolExecutor(jobs) as pool:
        futures = [
            pool.submit(_write_folders, str(directory), first, min(folders, first + step), count, seed)
            for first in range(0, folders, step)
        ]
        for future in futures:
            future.result()
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: one per CPU)")
    args = parser.parse_args()
    if args.count < 0:
        sys.exit("--count must be 0 or more")
    generate(args.directory, args.count, args.seed, args.jobs)
    print(f"{args.count} documents written to {args.directory}")


if __name__ == "__main__":
    main()
