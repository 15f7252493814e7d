"""Small helpers for the reader's templates."""

from functools import lru_cache

from django import template
from django.template.defaulttags import querystring
from django.urls import get_script_prefix, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def facet_query(context, params, name, values):
    """`params` (a QueryDict) with facet `name` set to `values` and the page reset:
    `{% querystring params ... %}` for a facet whose name is a variable."""
    return querystring(context, params, **{name: list(values), "page": None})


@lru_cache(maxsize=4096)
def _reverse_cached(prefix, name, value):
    return reverse(name, args=[value])


@register.filter
def topic_url(topic):
    """`topic.get_absolute_url()`, remembered: list pages link the same few topics many times."""
    return _reverse_cached(get_script_prefix(), "articles:topic", topic.slug)


@register.filter
def provider_url(provider):
    """`provider.get_absolute_url()`, remembered."""
    return _reverse_cached(get_script_prefix(), "articles:provider", provider.domain)
