"""Article bodies: Markdown rendered once, at import, and sanitized to a safe subset of HTML."""

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
    "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


_converter = None


def _markdown(text):
    """One Markdown converter per process, reset between documents (building one costs more
    than converting a short body)."""
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    return _converter.reset().convert(text)


def render_body(text):
    """Markdown to sanitized HTML: no scripts, styles or images, and only http(s) and mailto links."""
    if not text.strip():
        return ""
    html = _markdown(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
