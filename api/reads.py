"""The API's reads: the pages' selectors, adapted to the API's validated parameters.

`read_listing` is the one place the API calls the list selector: when the selector's signature
changes, only this function follows it.
"""

from django.core.paginator import InvalidPage, Paginator
from django.http import QueryDict

from articles.filters import FACETS
from articles.models import Article
from articles.selectors import article_listing, provider_counts, topic_counts, unknown_values


def read_listing(params, *, topic=None, provider=None):
    """(listing, unknown values) for validated `ArticleQuery` params, as the list pages read it."""
    data = QueryDict(mutable=True)
    for name in FACETS:
        data.setlist(name, getattr(params, name))
    if params.q:
        data["q"] = params.q
    if params.sort:
        data["sort"] = params.sort
    listing = article_listing(data, topic=topic, provider=provider)
    unknown = unknown_values(listing) if not listing.total else []
    return listing, unknown


def topics_with_counts():
    """[(slug, name, published article count)] for every topic with published articles, most first."""
    return topic_counts(Article.objects.published(), limit=None)


def providers_with_counts():
    """[(domain, name, published article count)] for every source with published articles, most first."""
    return provider_counts(Article.objects.published(), limit=None)


def page_of(items, number, size, count=None):
    """Page `number` of `items` (None when out of range). `count`, when known, saves a COUNT query."""
    paginator = Paginator(items, size)
    if count is not None:
        paginator.count = count
    try:
        return paginator.page(number)
    except InvalidPage:
        return None
