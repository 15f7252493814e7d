"""Factories for list-page tests: articles built straight through the models, one call each."""

import datetime as dt
import itertools

from articles.models import Article, ArticleImage, Provider, Topic

_numbers = itertools.count(1)


def provider(domain, name=None):
    return Provider.objects.get_or_create(
        domain=domain, defaults={"name": name or domain.split(".")[0].title()}
    )[0]


def topic(slug, name=None):
    return Topic.objects.get_or_create(slug=slug, defaults={"name": name or slug.replace("-", " ").title()})[
        0
    ]


def article(
    title="An article",
    *,
    domain="example.com",
    topics=(),
    when=None,
    published=True,
    excerpt="",
    image=None,
    heat=None,
    quality=None,
    source_count=1,
):
    """A published article (unless told) by `domain`, in `topics` (slugs), at `when` (a datetime or
    a year). `image` is a URL for its first image."""
    n = next(_numbers)
    if isinstance(when, int):
        when = dt.datetime(when, 6, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    when = when or dt.datetime(2021, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    source = provider(domain)
    topic_objects = [topic(slug) for slug in topics]
    url = f"https://{domain}/news/{n}"
    item = Article.objects.create(
        title=title,
        excerpt=excerpt,
        published_at=when,
        web_url=url,
        slug=Article.slug_for(title, url),
        published=published,
        provider=source,
        heat=heat,
        quality=quality,
        source_count=source_count,
        search_text=" ".join([title, excerpt, source.name, source.domain, *(t.name for t in topic_objects)]),
    )
    item.topics.set(topic_objects)
    if image:
        ArticleImage.objects.create(article=item, position=0, url=image, width=640, height=360)
    return item
