"""When are two links the same story? Pure functions, no database and no Django.

- `clean_url(url)`: the URL without tracking/noise query parameters and fragment; still the link
  to follow (path, scheme and host left as given).
- `canonical_url(url)`: `clean_url` plus case-normalised scheme and host, no default port, no
  trailing slash, query parameters sorted: two URLs of one page give one canonical URL.
- `url_key(url)`: the canonical URL without scheme and leading "www.", for comparing
  (http/https and www/no-www copies of a page are one story). Stored as `Article.url_key`.
- `story_title_key(title)`: a title compared case- and space-insensitively, without a trailing
  " | Publisher" suffix.
- `dedupe(items)`: the items that are distinct stories, first one of each kept, input order kept.
"""

import re
import unicodedata
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

# Query parameters that never identify content: campaign tracking, click ids, and the
# cookie-wall noise some publishers append (nature.com: ?code=...&error=cookies_not_supported).
NOISE_PARAMS = frozenset({
    "code", "error", "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "ref", "ref_src", "cmpid", "ncid", "soc_src", "soc_trk", "spm", "share",
    "__twitter_impression",
})
NOISE_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_")
DEFAULT_PORTS = {"http": 80, "https": 443}
# " | Nature Communications": a publisher appended after a pipe. Only the last segment, and
# only when something is left before it.
PUBLISHER_SUFFIX_RE = re.compile(r"\s+\|\s+[^|]*$")


def _is_noise(name):
    name = name.lower()
    return name in NOISE_PARAMS or name.startswith(NOISE_PREFIXES)


def _split(url):
    try:
        return urlsplit((url or "").strip())
    except ValueError:
        return None


def clean_url(url):
    """`url` without noise query parameters or fragment; unparsable input comes back stripped."""
    parts = _split(url)
    if parts is None:
        return (url or "").strip()
    # Filter the raw "name=value" pairs so the kept ones stay byte for byte as given.
    kept = [pair for pair in parts.query.split("&") if pair and not _is_noise(unquote_plus(pair.split("=")[0]))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def canonical_url(url):
    """One spelling per page: see the module docstring. Empty for empty input."""
    parts = _split(url)
    if parts is None or not (url or "").strip():
        return (url or "").strip()
    scheme = parts.scheme.lower()
    try:
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
    except ValueError:  # a port that is not a number: keep the host part as given, lower-cased
        host, port = parts.netloc.rpartition("@")[2].lower(), None
    netloc = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_noise(k))
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def url_key(url):
    """The canonical URL without scheme and "www.": the identity used to compare pages."""
    canonical = canonical_url(url)
    key = canonical.split("://", 1)[1] if "://" in canonical else canonical
    return key[4:] if key.startswith("www.") else key


def story_title_key(title):
    """Lower-cased, spaces collapsed, Unicode-normalised, without a trailing " | Publisher"."""
    text = " ".join(unicodedata.normalize("NFKC", title or "").split())
    stripped = PUBLISHER_SUFFIX_RE.sub("", text).strip()
    return (stripped or text).casefold()


def _attribute(name):
    def get(item):
        return item.get(name, "") if isinstance(item, dict) else getattr(item, name, "")

    return get


def dedupe(items, url=_attribute("web_url"), title=_attribute("title")):
    """Keep the first item of each story. Two items are one story when their `url_key`s or their
    `story_title_key`s match; a duplicate's keys join its story, so chains collapse too.

    Items are objects or dicts with `web_url` and `title`; pass `url=`/`title=` getters otherwise.
    """
    seen_urls, seen_titles, kept = set(), set(), []
    for item in items:
        u, t = url_key(url(item)), story_title_key(title(item))
        duplicate = (u and u in seen_urls) or (t and t in seen_titles)
        if u:
            seen_urls.add(u)
        if t:
            seen_titles.add(t)
        if not duplicate:
            kept.append(item)
    return kept
