"""Providers' domain names: pure functions, no database and no Django (the document parser uses
them in worker processes, the filters and views on query strings)."""

import re

DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?"
    r"(\.[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?)*$"
)


def normalize_domain(domain):
    """A provider's identity: its domain lower-cased, without surrounding space or a trailing dot."""
    return (domain or "").strip().lower().rstrip(".")


def is_domain(domain):
    """Whether a normalized `domain` is a syntactically valid (possibly internationalized) host name."""
    return bool(DOMAIN_RE.match(domain))
