"""The API's reads: the pages' selectors, adapted to the API's validated parameters.

`read_listing` is the one place the API calls the list selector: when the selector's signature
changes, only this function follows it.
"""

from django.core.paginator import InvalidPage, Paginator

from articles.filters import FACETS, parse_list_query
from articles.models import Article
from articles.selectors import article_listing, provider_counts, topic_counts


def read_listing(params, *, topic=None, provider=None):
    """The list pages' `Listing` for validated `ArticleQuery` params, page included."""
    query = parse_list_query(
        {
            **{name: getattr(params, name) for name in FACETS},
            "q": params.q,
            "sort": params.sort or "",
            "page": str(params.page),
        }
    )
    return article_listing(query, topic=topic, provider=provider)


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
