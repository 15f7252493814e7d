"""Write validated `ArticleRecord`s to the database in batches, upserting by `web_url`.

Every record reaching here has been validated, so a batch is written in one transaction. Should the
database still refuse a batch, it is retried one record at a time so that a bad record is rejected
alone and never leaves a partial row.
"""

from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone

from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic
from articles.stories import count_sources

from .documents import ArticleRecord
from .rendering import render_body

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Fields the document owns; `published` is handled apart because editors may own it.
CONTENT_FIELDS = [
    "title", "excerpt", "published_at", "original_url", "web_url", "amp_web_url", "cdn_amp_web_url",
    "type", "category", "quality", "heat", "provider", "secured", "body", "body_html", "search_text",
    "source_count", "source_path", "content_hash", "updated_at",
]


@dataclass
class Pending:
    """A validated record on its way to the database."""

    record: ArticleRecord
    path: str
    content_hash: str


def write_batch(batch, dry_run=False):
    """Write a list of `Pending`; return [(pending, status or None, error or None)]."""
    if dry_run:
        existing = _existing(batch)
        return [(item, _status(item, existing.get(item.record.web_url)), None) for item in batch]
    try:
        with transaction.atomic():
            return _write(batch)
    except DatabaseError:
        results = []
        for item in batch:
            try:
                with transaction.atomic():
                    results.extend(_write([item]))
            except DatabaseError as exc:
                results.append((item, None, f"database refused it: {' '.join(str(exc).split())[:200]}"))
        return results


def _existing(batch):
    urls = [item.record.web_url for item in batch]
    return {
        row["web_url"]: row
        for row in Article.objects.filter(web_url__in=urls).values(
            "id", "web_url", "content_hash", "source_path", "published", "published_decided_at"
        )
    }


def _status(item, row):
    if row is None:
        return CREATED
    if row["content_hash"] == item.content_hash and row["source_path"] == item.path:
        return UNCHANGED
    return UPDATED


def _write(batch):
    existing = _existing(batch)
    statuses = [(item, _status(item, existing.get(item.record.web_url))) for item in batch]
    changed = [(item, status) for item, status in statuses if status != UNCHANGED]
    providers = _upsert_providers([item.record for item in batch])
    if changed:
        topics = _upsert_topics([item.record for item, _ in changed])
        now = timezone.now()
        new_articles, updated_articles = [], []
        for item, status in changed:
            article = _article(item, providers, topics, now)
            if status == CREATED:
                article.slug = Article.slug_for(item.record.title, item.record.web_url)
                article.published = item.record.published
                article.created_at = now
                new_articles.append(article)
            else:
                article.pk = existing[item.record.web_url]["id"]
                updated_articles.append(article)
        Article.objects.bulk_create(new_articles)
        if updated_articles:
            Article.objects.bulk_update(updated_articles, CONTENT_FIELDS)
            _apply_published_unless_decided(changed, existing)
            ids = [article.pk for article in updated_articles]
            ArticleImage.objects.filter(article_id__in=ids).delete()
            RelatedLink.objects.filter(article_id__in=ids).delete()
            Article.topics.through.objects.filter(article_id__in=ids).delete()
        _write_children(new_articles + updated_articles, changed, providers, topics)
    return [(item, status, None) for item, status in statuses]


def _article(item, providers, topics, now):
    record = item.record
    return Article(
        title=record.title,
        excerpt=record.excerpt,
        published_at=record.published_at,
        original_url=record.original_url,
        web_url=record.web_url,
        amp_web_url=record.amp_web_url,
        cdn_amp_web_url=record.cdn_amp_web_url,
        type=record.type,
        category=record.category,
        quality=record.quality,
        heat=record.heat,
        provider_id=providers[record.provider.domain],
        secured=record.secured,
        body=record.body,
        body_html=render_body(record.body),
        search_text=" ".join(
            [record.title, record.excerpt, record.provider.name, record.provider.domain, *record.topics]
        ),
        source_count=count_sources(record.web_url, [(link.web_url, link.title) for link in record.related]),
        source_path=item.path,
        content_hash=item.content_hash,
        updated_at=now,
    )


def _apply_published_unless_decided(changed, existing):
    """On update the document's `published` applies only while no editor has decided.

    The condition is in the UPDATE itself, so an editor's decision taken while the import
    runs is not overwritten either.
    """
    wanted = {True: [], False: []}
    for item, status in changed:
        row = existing.get(item.record.web_url)
        if status == UPDATED and row["published_decided_at"] is None and row["published"] != item.record.published:
            wanted[item.record.published].append(row["id"])
    for value, ids in wanted.items():
        if ids:
            Article.objects.filter(pk__in=ids, published_decided_at__isnull=True).update(published=value)


def _write_children(articles, changed, providers, topics):
    images, links, memberships = [], [], []
    Membership = Article.topics.through
    for article, (item, _) in zip(articles, _in_order(articles, changed), strict=True):
        record = item.record
        for position, image in enumerate(record.images):
            images.append(ArticleImage(
                article_id=article.pk, position=position, url=image.url, width=image.width,
                height=image.height, is_cached=image.is_cached,
            ))
        for position, related in enumerate(record.related):
            links.append(RelatedLink(
                article_id=article.pk,
                position=position,
                title=related.title,
                excerpt=related.excerpt,
                published_at=related.published_at,
                web_url=related.web_url,
                amp_web_url=related.amp_web_url,
                cdn_amp_web_url=related.cdn_amp_web_url,
                type=related.type,
                provider_id=providers[related.provider.domain],
                quality=related.quality,
                images=[
                    {"url": i.url, "width": i.width, "height": i.height, "isCached": i.is_cached}
                    for i in related.images
                ],
            ))
        for name in record.topics:
            memberships.append(Membership(article_id=article.pk, topic_id=topics[Topic.slug_for(name)]))
    ArticleImage.objects.bulk_create(images)
    RelatedLink.objects.bulk_create(links)
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)


def _in_order(articles, changed):
    by_url = {item.record.web_url: (item, status) for item, status in changed}
    return [by_url[article.web_url] for article in articles]


def _upsert_providers(records):
    """Return {domain: provider id}. An article's own provider name wins over a related link's."""
    names = {}  # domain -> (name, from_article)
    for record in records:
        for related in record.related:
            domain, name = related.provider.domain, related.provider.name
            if names.get(domain, (domain,))[0] == domain:  # a real name beats the bare domain
                names[domain] = (name, False)
    for record in records:
        names[record.provider.domain] = (record.provider.name, True)
    existing = {p.domain: p for p in Provider.objects.filter(domain__in=list(names))}
    missing = [
        Provider(domain=domain, name=name, name_from_article=from_article)
        for domain, (name, from_article) in names.items()
        if domain not in existing
    ]
    if missing:
        Provider.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update({p.domain: p for p in Provider.objects.filter(domain__in=[p.domain for p in missing])})
    renamed = []
    for domain, (name, from_article) in names.items():
        provider = existing[domain]
        if from_article and (provider.name != name or not provider.name_from_article):
            provider.name, provider.name_from_article = name, True
            renamed.append(provider)
        elif not provider.name_from_article and provider.name == domain and name != domain:
            provider.name = name
            renamed.append(provider)
    if renamed:
        Provider.objects.bulk_update(renamed, ["name", "name_from_article"])
    return {domain: provider.pk for domain, provider in existing.items()}


def _upsert_topics(records):
    """Return {slug: topic id}; a topic's first name is kept."""
    names = {}
    for record in records:
        for name in record.topics:
            names.setdefault(Topic.slug_for(name), name)
    existing = dict(Topic.objects.filter(slug__in=list(names)).values_list("slug", "id"))
    missing = [Topic(slug=slug, name=name) for slug, name in names.items() if slug not in existing]
    if missing:
        Topic.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(Topic.objects.filter(slug__in=[t.slug for t in missing]).values_list("slug", "id"))
    return existing

