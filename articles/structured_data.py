"""schema.org data for an article page (JSON-LD NewsArticle), as a plain dict.

Web layer: it takes the request to make absolute URLs. Escaping for the page is the
`json_ld` filter's job (the `seo` template tags), never this module's.
"""

from .templatetags.safe_urls import http_url

HEADLINE_MAX = 110  # schema.org / search engines truncate longer headlines


def news_article(article, request, site_name):
    """A NewsArticle about `article`; expects `with_page_data()` prefetches (no queries)."""
    page_url = request.build_absolute_uri(article.get_absolute_url())
    images = [url for url in (http_url(image.url) for image in article.images.all()) if url]
    headline = article.title
    if len(headline) > HEADLINE_MAX:
        headline = headline[: HEADLINE_MAX - 1] + "…"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "description": article.excerpt,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.updated_at.isoformat(),
        "url": page_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
        "isBasedOn": http_url(article.web_url),
        "publisher": {
            "@type": "Organization",
            "name": article.provider.name,
            "url": f"https://{article.provider.domain}/",
        },
        "sourceOrganization": {"@type": "Organization", "name": site_name},
        "keywords": [topic.name for topic in article.topics.all()],
    }
    if images:
        data["image"] = images
    if article.category:
        data["articleSection"] = article.category
    return {key: value for key, value in data.items() if value not in ("", [], None)}
