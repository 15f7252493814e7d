"""When do articles report one story? Pure rules: no database, no Django.

Each article has keys: the canonical URL of its own page and of each of its first related links,
and its title key (`canonical.story_title_key`) when the title is long enough to mean something.
Two articles are linked when

- they share a URL key: one's page is among the other's related links, or both link the same
  page (the rules of `articles.canonical`); or
- they share a title key (near-duplicate titles, publisher suffix ignored) and were published
  within `TITLE_WINDOW` of each other.

A story is a connected group of linked articles, so the grouping depends only on the corpus,
never on the order articles arrived in: the incremental path and a full rebuild agree.

Noise guards keep real data from chaining into one giant story or costing quadratic work: a key
held by more than `MAX_SHARED` articles (a home page, a journal index, a tracking redirect, a
boilerplate title) links nothing; only an article's first `MAX_LINKS` related links are keys; a
group larger than `MAX_STORY_ARTICLES` is split by its strongest ties only (keys shared by two
articles), then, should it still be too large, into chunks. Shared topic words never link: titles
must be equal after normalisation.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from articles.canonical import canonical_url, story_title_key

MAX_SHARED = 25  # articles holding one key; beyond, the key is noise and links nothing
MAX_LINKS = 100  # related links per article taken as keys
MAX_STORY_ARTICLES = 200
TITLE_WINDOW = timedelta(days=3)
TITLE_MIN_WORDS = 4  # "Editorial", "News in brief": too short to say two reports are one story


def key_of(kind, text):
    """A key as a positive 63-bit integer (compact to store and index; collisions are negligible)."""
    digest = hashlib.blake2b(f"{kind}:{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def title_key(title):
    """The key of a title, or None when it is too short to identify a story."""
    words = story_title_key(title)
    return key_of("t", words) if len(words.split()) >= TITLE_MIN_WORDS else None


# A URL with no query, fragment, port, user or unusual character: its canonical form needs no
# urlsplit (the common case by far; `canonical_url` handles every other).
_SIMPLE_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?)(/[!-\"$-~]*)?")
_SLASHES = re.compile(r"/{2,}")


def fast_canonical_url(url):
    """`canonical.canonical_url(url)`, quicker for simple URLs."""
    match = _SIMPLE_URL.fullmatch(url)
    if match is None or "?" in url:
        return canonical_url(url)
    host = match[1].lower().rstrip(".").removeprefix("www.")
    path = _SLASHES.sub("/", match[2] or "/").rstrip("/") or "/"
    return host + path


def article_keys(url_key, title, related_urls):
    """(URL keys, title key or None) of an article: its own canonical URL (`url_key`, as stored)
    and those of its first MAX_LINKS related links."""
    urls = {url_key} if url_key else set()
    for url in related_urls[:MAX_LINKS]:
        key = fast_canonical_url(url)
        if key:
            urls.add(key)
    return frozenset(key_of("u", url) for url in urls), title_key(title)


@dataclass(frozen=True)
class Node:
    """An article as clustering sees it."""

    id: int
    at: datetime
    url_keys: frozenset
    title_key: int | None

    @property
    def keys(self):
        return self.url_keys | {self.title_key} if self.title_key is not None else self.url_keys


def _union_find(ids):
    parent = {i: i for i in ids}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a, b):
        a, b = root(a), root(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    return root, union


def components(nodes, counts, limit=MAX_SHARED):
    """Stories among `nodes` (a closed set: every article linked to one of them is in it), as
    lists of ids sorted by id, the lists sorted by their first id. `counts` maps each key to the
    number of articles holding it in the whole corpus (keys missing: counted among `nodes`)."""
    nodes = list(nodes)
    root, union = _union_find([node.id for node in nodes])
    url_holders, title_holders = {}, {}
    for node in nodes:
        for key in node.url_keys:
            url_holders.setdefault(key, []).append(node.id)
        if node.title_key is not None:
            title_holders.setdefault(node.title_key, []).append(node)
    for key, ids in url_holders.items():
        if counts.get(key, len(ids)) <= limit:
            for other in ids[1:]:
                union(ids[0], other)
    for key, holders in title_holders.items():
        if counts.get(key, len(holders)) <= limit:
            # On a line, "within the window" connects exactly what consecutive pairs connect.
            holders.sort(key=lambda node: (node.at, node.id))
            for before, after in zip(holders, holders[1:], strict=False):
                if after.at - before.at <= TITLE_WINDOW:
                    union(before.id, after.id)
    groups = {}
    for node in nodes:
        groups.setdefault(root(node.id), []).append(node.id)
    result = []
    by_id = {node.id: node for node in nodes}
    for ids in groups.values():
        ids.sort()
        if len(ids) > MAX_STORY_ARTICLES:
            result.extend(_split(ids, by_id, counts, limit))
        else:
            result.append(ids)
    return sorted(result)


def _split(ids, by_id, counts, limit):
    """An oversized group: its strongest ties only, then fixed-size chunks (deterministic)."""
    if limit > 2:
        parts = components([by_id[i] for i in ids], counts, limit=2)
    else:
        parts = [ids]
    result = []
    for part in parts:
        if len(part) > MAX_STORY_ARTICLES:
            result.extend(part[i : i + MAX_STORY_ARTICLES] for i in range(0, len(part), MAX_STORY_ARTICLES))
        else:
            result.append(part)
    return result


def lead_of(members, now=None):
    """The best published member (quality, then heat, then recency), or None. Members have
    `published`, `quality`, `heat`, `published_at`, `id` and may have `publish_at`.

    A member scheduled for later (`publish_at` ahead of `now`) leads only when no member is
    public yet: the story then stays hidden until its lead's time (`Story.objects.published()`),
    with no writer needed at that time, and a story already public keeps a public lead."""
    published = [member for member in members if member.published]
    if not published:
        return None
    now = now or datetime.now(UTC)
    return max(
        published,
        key=lambda m: (
            getattr(m, "publish_at", None) is None or m.publish_at <= now,
            -1 if m.quality is None else m.quality,
            -1 if m.heat is None else m.heat,
            m.published_at,
            m.id,
        ),
    )
