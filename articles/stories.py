"""When two links are the same story: canonical URLs and comparable titles.

Plain functions, no database. Used at import to count the distinct sources covering an article
(`Article.source_count`) and usable wherever related coverage is deduplicated.

- A canonical URL ignores scheme, a leading "www.", case of the host, a trailing slash, the
  fragment, the order of query parameters and tracking/noise parameters such as `utm_*`,
  `?code=…&error=cookies_not_supported`.
- A comparable title ignores case, spacing, punctuation and a trailing " | Publisher" suffix.
- Two links are one story when they share a canonical URL or a comparable title.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

NOISE_PARAMETERS = {
    "code",
    "error",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ref",
    "ref_src",
    "referrer",
    "source",
    "src",
    "cmp",
    "cmpid",
    "ito",
    "ncid",
    "sr_share",
    "share",
    "amp",
    "output",
    "via",
    "__twitter_impression",
    "_ga",
    "_gl",
    "yclid",
    "spm",
    "trk",
    "s_cid",
}
NOISE_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "oly_", "vero_")
TITLE_SUFFIX_RE = re.compile(r"\s+\|\s+[^|]{1,80}$")
NON_WORD_RE = re.compile(r"[\W_]+")


def canonical_url(url):
    """A comparable form of `url`; equal for the same page reached through noisy variants."""
    try:
        parts = urlsplit((url or "").strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return (url or "").strip().lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/").rstrip("/") or "/"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in NOISE_PARAMETERS and not key.lower().startswith(NOISE_PREFIXES)
    )
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def comparable_title(title):
    """A title without a trailing " | Publisher" suffix, case, punctuation and spacing."""
    title = (title or "").strip()
    shorter = TITLE_SUFFIX_RE.sub("", title)
    if len(shorter) >= 12:  # never reduce a title to a stub
        title = shorter
    return NON_WORD_RE.sub(" ", title.casefold()).strip()


def group_stories(items, url=lambda item: item.web_url, title=lambda item: item.title):
    """Group `items` (in order) into stories; return a list of lists, first appearance first.

    Items sharing a canonical URL or a comparable title end up in the same group."""
    groups, by_key = [], {}
    for item in items:
        keys = [("url", canonical_url(url(item)))]
        if comparable_title(title(item)):
            keys.append(("title", comparable_title(title(item))))
        found = []
        for key in keys:
            index = by_key.get(key)
            if index is not None and index not in found:
                found.append(index)
        if not found:
            index = len(groups)
            groups.append([item])
        else:
            index = min(found)
            groups[index].append(item)
            for other in found:  # the item joins two stories: merge them
                if other != index:
                    groups[index].extend(groups[other])
                    groups[other] = []
                    for known, value in by_key.items():
                        if value == other:
                            by_key[known] = index
        for key in keys:
            by_key[key] = index
    return [group for group in groups if group]


def count_sources(article_url, related):
    """How many sources cover an article's story: the article itself plus its related links,
    deduplicated among themselves (same canonical URL or same title), leaving out links back to
    the article's own page. `related` is an iterable of (web_url, title) pairs.

    A related link from another publisher under the same headline counts: it is another source."""
    own = canonical_url(article_url)
    stories = group_stories(related, url=lambda item: item[0], title=lambda item: item[1])
    others = [story for story in stories if all(canonical_url(url) != own for url, _ in story)]
    return 1 + len(others)
