"""Only http(s) URLs reach `href` and `src`: `{{ url|http_url }}` is "" for anything else."""

from django import template

from articles.canonical import is_http_url

register = template.Library()


@register.filter
def http_url(value):
    """The URL when it is http(s), else "". Autoescaping still applies to what comes out."""
    value = str(value or "")
    return value if is_http_url(value) else ""


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` made absolute for the current request ("" without one, e.g. on the 500 page)."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else ""
