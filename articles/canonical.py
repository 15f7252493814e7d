"""When are two links the same story? Pure functions, no database and no Django.

- `canonical_url(url)`: a comparable form of a URL, equal for the same page reached through noisy
  variants: no scheme, host lower-cased without "www." or a default port, no fragment, no
  trailing slash, query parameters sorted and tracking/noise ones (`utm_*`, `fbclid`, `gclid`,
  nature.com's `?code=…&error=cookies_not_supported`) dropped. Stored as `Article.url_key`.
- `clean_url(url)`: the link to follow, without the noise parameters and fragment but otherwise
  byte for byte as given.
- `story_title_key(title)`: a title compared without case, spacing, punctuation or a trailing
  " | Publisher" suffix.
- `group_stories(items)`: items sharing a canonical URL or a title key are one story (chains merge).
  `related_stories(url, links)` keeps the first link of each story among an article's related
  links and drops those back to its own page; `count_sources(url, pairs)` is one more than that
  (the "N sources" on a card, stored as `Article.source_count`).
- `normalize_domain(domain)`: a provider's identity.
"""

import re
import unicodedata
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

# Query parameters that never identify content: campaign tracking, click ids, share markers and
# the cookie-wall noise some publishers append.
NOISE_PARAMS = frozenset(
    {
        "code",
        "error",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "referrer",
        "source",
        "src",
        "cmp",
        "cmpid",
        "ito",
        "ncid",
        "soc_src",
        "soc_trk",
        "spm",
        "trk",
        "s_cid",
        "share",
        "sr_share",
        "amp",
        "output",
        "via",
        "__twitter_impression",
    }
)
NOISE_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "oly_", "vero_")
DEFAULT_PORTS = {80, 443}
# " | Nature Communications": a publisher appended after a pipe (the last segment only).
PUBLISHER_SUFFIX_RE = re.compile(r"\s+\|\s+[^|]{1,80}$")
TITLE_MIN_AFTER_SUFFIX = 12  # never reduce a title to a stub that would match unrelated ones
NON_WORD_RE = re.compile(r"[\W_]+")
MAX_URL_LENGTH = 2048  # the URL columns' size


# Most URLs are plain printable ASCII with a simple host: checked by one regex, without urlsplit.
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!-~]*)?", re.IGNORECASE)


def is_http_url(value):
    """True for an absolute http(s) URL with a host and no spaces or control characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return False
    if _PLAIN_HTTP_URL.fullmatch(value):
        return True
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(hostname)


def _is_noise(name):
    name = name.lower()
    return name in NOISE_PARAMS or name.startswith(NOISE_PREFIXES)


def canonical_url(url):
    """See the module docstring. Empty for empty input; never raises."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal: compare the text as it is
        return url.lower()
    if not host:
        return url.lower()
    if ":" in host:
        host = f"[{host}]"
    host = host.removeprefix("www.")
    if port and port not in DEFAULT_PORTS:
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/").rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_noise(k))
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def clean_url(url):
    """`url` without noise query parameters or fragment; the rest kept byte for byte."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    kept = [
        pair for pair in parts.query.split("&") if pair and not _is_noise(unquote_plus(pair.split("=")[0]))
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def story_title_key(title):
    """Case-, space- and punctuation-insensitive, without a trailing " | Publisher"."""
    title = unicodedata.normalize("NFKC", title or "").strip()
    shorter = PUBLISHER_SUFFIX_RE.sub("", title)
    if len(shorter) >= TITLE_MIN_AFTER_SUFFIX:
        title = shorter
    return NON_WORD_RE.sub(" ", title.casefold()).strip()


def _attribute(name):
    def get(item):
        return item.get(name, "") if isinstance(item, dict) else getattr(item, name, "")

    return get


WEB_URL, TITLE = _attribute("web_url"), _attribute("title")


def group_stories(items, url=WEB_URL, title=TITLE):
    """Group `items` into stories, in order of first appearance; each group keeps input order.

    Items are objects or dicts with `web_url` and `title`, or pass `url=`/`title=` getters. Two
    items are one story when they share a canonical URL or a title key; an item matching two
    earlier stories merges them."""
    items = list(items)
    parent = list(range(len(items)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with = {}
    for index, item in enumerate(items):
        keys = [("url", canonical_url(url(item))), ("title", story_title_key(title(item)))]
        for key in keys:
            if not key[1]:
                continue
            if key in first_with:
                a, b = root(first_with[key]), root(index)
                parent[max(a, b)] = min(a, b)
            else:
                first_with[key] = index
    groups = {}
    for index, item in enumerate(items):
        groups.setdefault(root(index), []).append(item)
    return [groups[key] for key in sorted(groups)]


def related_stories(article_url, related, url=WEB_URL, title=TITLE):
    """The first link of each story among an article's related links (deduplicated among
    themselves), leaving out stories that link back to the article's own page.

    A related link from another publisher under the article's own headline stays: it is another
    source covering the story."""
    own = canonical_url(article_url)
    return [
        group[0]
        for group in group_stories(related, url=url, title=title)
        if all(canonical_url(url(item)) != own for item in group)
    ]


def count_sources(article_url, related):
    """How many sources cover an article's story: itself plus its related stories.
    `related` is an iterable of (web_url, title) pairs."""
    pairs = list(related)
    return 1 + len(related_stories(article_url, pairs, url=lambda item: item[0], title=lambda item: item[1]))
