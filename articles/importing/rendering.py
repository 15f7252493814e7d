"""Article bodies: Markdown rendered once, at import, and sanitized to a safe subset of HTML."""

import contextlib
import signal
import threading

import markdown
import nh3

from .documents import DocumentError

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
# Python-Markdown is quadratic or worse on some inputs (thousands of '['): a body that takes
# longer than this is refused rather than hanging the import.
RENDER_SECONDS = 3.0

_converter = None


class _TooSlow(Exception):
    pass


def _markdown(text):
    """One Markdown converter per process, reset between documents (building one costs more
    than converting a short body)."""
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    return _converter.reset().convert(text)


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _TooSlow in the block after `seconds` (main thread only: elsewhere, no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render_body(text):
    """Markdown to sanitized HTML: no scripts, styles or images, and only http(s) and mailto links.

    Raises DocumentError for a body too complex to render in RENDER_SECONDS."""
    global _converter
    if not text.strip():
        return ""
    try:
        with _time_limit(RENDER_SECONDS):
            html = _markdown(text)
    except _TooSlow:
        _converter = None  # interrupted mid-document: start the next one afresh
        raise DocumentError(f"body is too complex to render (over {RENDER_SECONDS:g} s)") from None
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
