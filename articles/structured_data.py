"""schema.org data (JSON-LD) for the reader's pages, as plain dicts: a NewsArticle for an article
page; a WebSite with its SearchAction and an ItemList of the cards shown for the list pages.

Web layer: it takes the request to make absolute URLs. Escaping for the page is the
`json_ld` filter's job (the `seo` template tags), never this module's.
"""

from django.templatetags.static import static
from django.urls import reverse

from .templatetags.safe_urls import http_url

HEADLINE_MAX = 110  # schema.org / search engines truncate longer headlines
LOGO = ("icons/icon-512.png", 512)  # a square logo, as Google asks for an Organization's


def publisher(request, site_name):
    """This portal, as the Organization that publishes the pages."""
    path, size = LOGO
    return {
        "@type": "Organization",
        "name": site_name,
        "url": request.build_absolute_uri(reverse("articles:list")),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(path)),
            "width": size,
            "height": size,
        },
    }


def news_article(article, request, site_name):
    """A NewsArticle about `article`; expects `with_page_data()` prefetches (no queries).

    The source wrote the story: it is the author. This portal publishes the page: it is the
    publisher. Both dates are the story's own: the import time says nothing about the story."""
    page_url = request.build_absolute_uri(article.get_absolute_url())
    images = [url for url in (http_url(image.url) for image in article.images.all()) if url]
    original = http_url(article.web_url)
    headline = article.title
    if len(headline) > HEADLINE_MAX:
        headline = headline[: HEADLINE_MAX - 1] + "…"
    provider = article.provider
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "description": article.excerpt,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.published_at.isoformat(),
        "url": page_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
        "isBasedOn": original,
        "sameAs": original,
        "author": [
            {
                "@type": "Organization",
                "name": provider.name or provider.domain,
                "url": f"https://{provider.domain}/",
            }
        ],
        "publisher": publisher(request, site_name),
        "keywords": [topic.name for topic in article.topics.all()],
    }
    if images:
        data["image"] = images
    if article.category:
        data["articleSection"] = article.category
    return {key: value for key, value in data.items() if value not in ("", [], None)}


def website(request, site_name):
    """The site, with the search box search engines may offer (`/?q=...`)."""
    home = request.build_absolute_uri(reverse("articles:list"))
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site_name,
        "url": home,
        "publisher": publisher(request, site_name),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{home}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


def item_list(request, items, start=1):
    """The articles or stories of a list page, in the order shown (a summary page: each item is a
    URL); `start` is the first item's position."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": start + offset,
                "url": request.build_absolute_uri(item.get_absolute_url()),
            }
            for offset, item in enumerate(items)
        ],
    }
