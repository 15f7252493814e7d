"""A hand-built corpus of story-shaped documents, decoys included, for the clustering tests.

`CORPUS` lists (name, title, web_url, day, related URLs); `EXPECTED` the stories it must form
(sets of names); `write(folder, names)` writes documents the importer reads."""

from datetime import UTC, datetime, timedelta

import yaml

BASE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
HOME = "https://www.news.example/"  # a home page every decoy links
INDEX = "https://journal.example/toc/current"

CORPUS = [
    # One story: b's page is among a's related links; c links b with tracking noise.
    (
        "a",
        "Smartwatch ECG detects atrial fibrillation in trial",
        "https://one.example/afib-watch",
        0,
        ["https://two.example/watch-afib"],
    ),
    ("b", "Watch-based ECG flags AF, study finds", "https://two.example/watch-afib", 0, []),
    (
        "c",
        "A study of smartwatches and heart rhythm",
        "https://three.example/rhythm",
        1,
        ["https://www.two.example/watch-afib/?utm_source=feed", HOME],
    ),
    # One story: d and e share a related link's canonical URL (no link between them).
    (
        "d",
        "AI reads chest X-rays as well as radiologists",
        "https://one.example/cxr",
        2,
        ["https://paper.example/cxr-study?ref=home"],
    ),
    (
        "e",
        "Radiologists matched by chest X-ray algorithm",
        "https://four.example/cxr-algo",
        2,
        ["http://paper.example/cxr-study", INDEX],
    ),
    # One story: near-duplicate titles within a few days, publisher suffix ignored.
    ("f", "New risk score predicts sudden cardiac death | Cardio Weekly", "https://five.example/scd", 3, []),
    ("g", "New Risk Score Predicts Sudden Cardiac Death", "https://six.example/scd-score", 4, []),
    # The same title a month later: another story.
    ("h", "New risk score predicts sudden cardiac death", "https://six.example/scd-score-2", 35, []),
    # Shared topic words only: two stories.
    ("i", "Deep learning predicts heart failure from ECG", "https://one.example/hf-ecg", 5, [HOME]),
    ("j", "Deep learning predicts stroke from MRI", "https://one.example/stroke-mri", 5, [HOME, INDEX]),
]
# Decoys: many unrelated articles linking the same home page and journal index, and a
# boilerplate title shared by dozens of articles on one day: none of them may chain.
CORPUS += [
    (
        f"x{n}",
        f"Weekly roundup number {n} of cardiology news",
        f"https://decoy.example/{n}",
        6 + n % 3,
        [HOME, INDEX, f"https://decoy.example/{n}/more"],
    )
    for n in range(30)
]
CORPUS += [
    (f"y{n}", "Press release from the society of cardiology", f"https://press.example/{n}", 7, [])
    for n in range(30)
]

EXPECTED = [{"a", "b", "c"}, {"d", "e"}, {"f", "g"}, {"h"}, {"i"}, {"j"}] + [
    {name} for name, *_ in CORPUS if name[0] in "xy"
]


def document(name, title, url, day, related, published=True):
    when = BASE + timedelta(days=day)
    data = {
        "title": title,
        "webUrl": url,
        "publishedDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published": published,
        "quality": 50,
        "heat": 10,
        "provider": {"name": url.split("/")[2], "domain": url.split("/")[2]},
        "related": [
            {
                "title": f"Coverage {k} of {name}",
                "webUrl": link,
                "publishedDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "provider": {"name": "Elsewhere", "domain": link.split("/")[2]},
            }
            for k, link in enumerate(related)
        ],
    }
    return f"---\n{yaml.safe_dump(data, sort_keys=False)}---\n"


def write(folder, names=None, **overrides):
    folder.mkdir(parents=True, exist_ok=True)
    for name, title, url, day, related in CORPUS:
        if names is None or name in names:
            fields = {"title": title, "url": url, "day": day, "related": related, **overrides.get(name, {})}
            (folder / f"{name}.txt").write_text(document(name, **fields))
    return folder


def import_two_stories(folder):
    """Import two stories: a+b (c unpublished, so not among them) and d+e."""
    from articles.importing import import_paths

    import_paths([write(folder, ["a", "b", "c", "d", "e"], c={"published": False})], workers=1)
