"""One factory per article state, each written the way the importer writes an article.

    make.published("A title", domain="a.com", topics=["MRI"], when=2021, images=1, related=2)
    make.draft(title="Secret draft")
    make.decided(published=False)  # an editor's decision, which imports no longer override
    make.scheduled(publish_at=...)  # only once the model has `publish_at`
    make.save(*[make.record(f"Story {n}") for n in range(60)])  # many at once, as one import batch

A factory builds the `ArticleRecord` a document would give, derives its stored fields with the
importer's own `prepare` (slug, URL key, source count, search text, rendered body) and writes it
with the importer's writer, so factories cannot drift from imports. Values are taken as given,
not validated: a test may store what the parser would have refused (a hostile URL, say).
"""

import datetime as dt
import itertools

from django.utils import timezone

from articles import search_index
from articles.importing.fields import ArticleRecord, ImageRecord, ProviderRecord, RelatedRecord
from articles.importing.prepare import prepare
from articles.importing.writer import write_batch
from articles.models import Article, Provider, Topic

_numbers = itertools.count(1)
BASE_DATE = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


def day(offset):
    """A publication time `offset` days after BASE_DATE."""
    return BASE_DATE + dt.timedelta(days=offset)


def provider(domain="example.com", name=None):
    """The provider of `domain` (made when missing, named `name` or after the domain's first word)."""
    return Provider.objects.get_or_create(
        domain=domain, defaults={"name": name or domain.split(".")[0].title()}
    )[0]


def topic(name):
    return Topic.objects.get_or_create(slug=Topic.slug_for(name), defaults={"name": name})[0]


def published(title=None, **fields):
    """A published article (see `record` for the fields a test may set)."""
    return save(record(title, published=True, **fields))[0]


def draft(title=None, **fields):
    """An article not published, on which no editor has decided yet."""
    return save(record(title, published=False, **fields))[0]


def decided(title=None, published=True, **fields):
    """An article whose published state an editor decided: re-imports leave it alone."""
    [article] = save(record(title, published=published, **fields))
    article.published_decided_at = timezone.now()
    Article.objects.filter(pk=article.pk).update(published_decided_at=article.published_decided_at)
    return article


def scheduled(title=None, *, publish_at, **fields):
    """An article an editor scheduled: published, but public only from `publish_at` (a future
    time), through the editors' own service, as the review queue does."""
    from articles import services

    [article] = save(record(title, published=False, **fields))
    services.schedule([article.pk], publish_at)
    article.refresh_from_db()
    return article


def save(*records):
    """Write prepared records (see `record`) with the importer's writer, in one batch, with the
    search index kept in step as an import keeps it (PostgreSQL's suggestion vocabulary included);
    return the articles, in the same order."""
    with search_index.kept_in_step_during_import():
        for _, _, error in write_batch(list(records)):
            assert error is None, error
    articles = Article.objects.in_bulk([item.web_url for item in records], field_name="web_url")
    return [articles[item.web_url] for item in records]


def record(
    title=None,
    *,
    published=True,
    domain="example.com",
    source=None,
    topics=(),
    when=None,
    web_url=None,
    excerpt=None,
    images=(),
    image=None,
    related=(),
    body="",
    **fields,
):
    """The prepared `ArticleRecord` of one article, as the importer would write it (`save` writes it).

    `domain` or `source` (a Provider) names its provider; `topics` are topic names; `when` is a
    datetime or a year (default: one hour after the previous article, in 2021); `images` and
    `related` are counts or lists of URLs (`image`: one image URL); other keyword arguments are
    document fields by model name (heat, quality, type, amp_web_url...)."""
    n = next(_numbers)
    title = title or f"Article number {n}"
    if isinstance(when, int):
        when = dt.datetime(when, 6, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    when = when or dt.datetime(2021, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    source = source or provider(domain)
    web_url = web_url or f"https://{source.domain}/news/{n}"
    if image:
        images = [image]
    elif isinstance(images, int):
        images = [f"https://images.example.com/{n}/{i}.jpg" for i in range(images)]
    if isinstance(related, int):
        related = [f"https://other{i}.example.org/story/{n}" for i in range(related)]
    document = ArticleRecord(
        **{
            name: ""
            for name in ("category", "original_url", "amp_web_url", "cdn_amp_web_url", "type", "secured")
        },
        title=title,
        excerpt=f"Excerpt of article {n}." if excerpt is None else excerpt,
        published_at=when,
        web_url=web_url,
        quality=None,
        heat=None,
        published=published,
        provider=ProviderRecord(name=source.name, domain=source.domain),
        topics=list(topics),
        images=[ImageRecord(url=url, width=640, height=360, is_cached=None) for url in images],
        related_links=[
            RelatedRecord(
                title=f"Related story {i} of article {n}",
                excerpt="",
                published_at=BASE_DATE + dt.timedelta(hours=i),
                web_url=url,
                amp_web_url="",
                cdn_amp_web_url="",
                type="",
                provider=ProviderRecord(name="Other", domain="other.example.org"),
                quality=None,
                images=[],
            )
            for i, url in enumerate(related)
        ],
        body=body,
        warnings=[],
    )._replace(**fields)
    return prepare(document, source_path=f"factory/{n}.txt")
