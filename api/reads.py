"""The API's reads: the pages' selectors, adapted to the API's validated parameters.

`read_listing` is the one place the API calls the list selector: when the selector's signature
changes, only this function follows it.
"""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count

from articles.filters import FACETS, parse_list_query
from articles.models import Article, Story
from articles.selectors import article_listing, provider_counts, topic_counts
from articles.story_selectors import FRONT_PAGE_STORIES

STORY_PAGE_SIZE = FRONT_PAGE_STORIES


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


def top_stories():
    """The front page's top stories, in its order, each lead ready for an article summary."""
    return (
        Story.objects.published()
        .top()
        .select_related("lead", "lead__provider")
        .prefetch_related("lead__topics", "lead__images")
    )


def public_counts(stories):
    """{story id: its articles public now} (the stored `published_count` also counts scheduled ones)."""
    rows = (
        Article.objects.published()
        .filter(story__in=stories)
        .order_by()
        .values_list("story_id")
        .annotate(count=Count("id"))
    )
    return dict(rows)


def page_of(items, number, size, count=None):
    """Page `number` of `items` (None when out of range). `count`, when known, saves a COUNT query."""
    paginator = Paginator(items, size)
    if count is not None:
        paginator.count = count
    try:
        return paginator.page(number)
    except InvalidPage:
        return None
