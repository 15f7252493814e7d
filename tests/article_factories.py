"""Small factories, one per article state, for page tests (no import files needed)."""

import itertools
from datetime import UTC, datetime, timedelta

from articles.canonical import canonical_url
from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic

_counter = itertools.count(1)
BASE_DATE = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def provider(domain="example.com", name="Example News"):
    return Provider.objects.get_or_create(domain=domain, defaults={"name": name})[0]


def topic(name):
    return Topic.objects.get_or_create(slug=Topic.slug_for(name), defaults={"name": name})[0]


def article(title=None, published=True, topics=(), days=0, web_url=None, source=None, **fields):
    n = next(_counter)
    title = title or f"Article number {n}"
    web_url = web_url or f"https://example.com/news/{n}"
    created = Article.objects.create(
        title=title,
        excerpt=fields.pop("excerpt", f"Excerpt of article {n}."),
        published_at=BASE_DATE + timedelta(days=days),
        web_url=web_url,
        url_key=canonical_url(web_url),
        slug=Article.slug_for(title, web_url),
        published=published,
        provider=source or provider(),
        **fields,
    )
    if topics:
        created.topics.set([topic(name) for name in topics])
    return created


def published_article(**kwargs):
    return article(published=True, **kwargs)


def unpublished_article(**kwargs):
    return article(published=False, **kwargs)


def add_images(target, count, url="https://images.example.com/{}.jpg"):
    ArticleImage.objects.bulk_create(
        ArticleImage(article=target, position=i, url=url.format(i), width=640, height=480)
        for i in range(count)
    )


def add_related(target, count, source=None):
    RelatedLink.objects.bulk_create(
        RelatedLink(
            article=target,
            position=i,
            title=f"Related story {i} of {target.pk}",
            web_url=f"https://other{i}.example.org/story/{target.pk}",
            published_at=BASE_DATE + timedelta(hours=i),
            provider=source or provider("other.example.org", "Other"),
        )
        for i in range(count)
    )
