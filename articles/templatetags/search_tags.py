"""Search results: the reader's words marked in a card's title and excerpt.

    {% load search_tags %}
    {{ article.title|highlight:listing.terms }}
    {{ article.excerpt|snippet:listing.terms }}

Without a query (`terms` empty or missing), the text comes back escaped, unmarked (a snippet then
is the text's first words)."""

from django import template

from articles import search

register = template.Library()


@register.filter
def highlight(text, terms):
    return search.highlight(text, terms or None)


@register.filter
def snippet(text, terms):
    return search.snippet(text, terms or None)
