"""The one step that derives an article's stored fields from its document's own.

    record = prepare(parse_document(data), source_path=path, content_hash=fingerprint(data))

The importer's reading workers call it for every document, and the test factories for every
article they make, so derived fields are computed in one place whoever stores the article.
"""

from articles.canonical import canonical_url, count_sources
from articles.models import Article

from .rendering import render_body


def prepare(record, source_path="", content_hash=""):
    """The `ArticleRecord` with its derived fields set: the rendered body, the text search reads,
    the number of distinct stories covering it, the canonical URL key and the slug (used when the
    article is created). Raises `DocumentError` for a body too complex to render."""
    related = record.related_links
    provider = record.provider
    return record._replace(
        body_html=render_body(record.body),
        search_text=" ".join([record.title, record.excerpt, provider.name, provider.domain, *record.topics]),
        source_count=(
            count_sources(record.web_url, [(link.web_url, link.title) for link in related])
            if related
            else 1  # the article alone
        ),
        url_key=canonical_url(record.web_url),
        slug=Article.slug_for(record.title, record.web_url),
        source_path=source_path,
        content_hash=content_hash,
    )
