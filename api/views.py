"""/api/: read-only JSON over the pages' Reads, described by an OpenAPI 3 schema (django-ninja).

Published articles only, by the same definition as the pages. Every bad parameter is a 400
problem (application/problem+json); a page past the end or an unknown slug is a 404 problem.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.http import urlencode
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger

from articles.selectors import PAGE_SIZE, article_detail
from articles.story_selectors import find_story, story_page
from articles.templatetags.safe_urls import http_url

from . import reads, schemas
from .problems import PROBLEM_TYPE, problem

LIST_PAGE_SIZE = 100  # topics and providers per page


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's schema, with the error responses typed as the problem details they are."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400:
                        response["content"] = {PROBLEM_TYPE: next(iter(response["content"].values()))}
        return schema


class Docs(Swagger):
    """Swagger UI from ninja's own static files; our template loads them with no inline script."""

    template = "api/docs.html"


api = PortalApi(
    title="Cardio AI News API",
    version="1",
    description=(
        "Read-only access to the portal's published articles, with the same filters, search, sort "
        "and facet counts as its pages. Errors are problem details (RFC 9457)."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=Docs(settings={"layout": "BaseLayout", "deepLinking": True, "defaultModelsExpandDepth": 0}),
)

ERRORS = {400: schemas.Problem, 404: schemas.Problem}


@api.exception_handler(ValidationError)
def bad_parameters(request, exc):
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "params")]
        errors.append((".".join(location[:1]) or "request", error.get("msg", "invalid")))
    return problem(400, "One or more parameters are invalid.", errors)


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem(404, str(exc) if isinstance(exc, NotFound) else "")


@api.exception_handler(HttpError)
def http_error(request, exc):
    return problem(exc.status_code, str(exc))


class NotFound(Http404):
    """A 404 whose message is meant for the client."""


# --- articles -------------------------------------------------------------------------------------


@api.get("/articles/", response={200: schemas.ArticlePage, **ERRORS}, url_name="articles", tags=["articles"])
def list_articles(request, params: Query[schemas.ArticleQuery]):
    """Published articles, filtered, searched and sorted as on the front page, with facet counts."""
    listing = reads.read_listing(params)
    page = listing.page
    if page is None:
        raise NotFound(
            f"There is no page {params.page}: this listing has {_pages(listing.total, PAGE_SIZE)}."
        )
    return {
        **_paging(request, page),
        "query": listing.query.q,
        "sort": listing.sort,
        "sorts": [key for key, _ in listing.sort_choices],
        "selected": {facet.name: facet.selected for facet in listing.facets},
        "unknown": [{"facet": facet, "value": value} for facet, value in listing.unknown],
        "facets": [
            {
                "name": facet.name,
                "title": facet.title,
                "values": [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in facet.values
                ],
            }
            for facet in listing.facets
        ],
        "results": [_summary(request, article) for article in page.object_list],
    }


@api.get(
    "/articles/{slug}/",
    response={200: schemas.ArticleDetail, 404: schemas.Problem},
    url_name="article",
    tags=["articles"],
)
def get_article(request, slug: str):
    """One published article, with its images, text and related coverage."""
    detail = article_detail(slug.replace("\x00", ""), AnonymousUser())  # the page's read, published only
    if detail is None:
        raise NotFound(f"No published article has the slug {slug[:120]!r}.")
    article = detail.article
    images = [_image(image) for image in article.images.all()]
    return {
        **_summary(request, article),
        "images": [image for image in images if image],
        "amp_url": http_url(article.amp_web_url) or None,
        "body_html": article.body_html,
        "related": [
            {
                "title": link.title,
                "url": http_url(link.href) or None,
                "published_at": link.published_at,
                "provider": link.provider.domain if link.provider else None,
                "portal_url": request.build_absolute_uri(link.portal_url) if link.portal_url else None,
            }
            for link in detail.related
        ],
    }


# --- topics and providers ------------------------------------------------------------------------


@api.get("/topics/", response={200: schemas.TopicPage, **ERRORS}, url_name="topics", tags=["topics"])
def list_topics(request, params: Query[schemas.PageQuery]):
    """Topics with published articles, the most articles first."""
    page = _list_page(reads.topics_with_counts(), params.page)
    absolute = request.build_absolute_uri
    return {
        **_paging(request, page),
        "results": [
            {
                "slug": slug,
                "name": name,
                "article_count": count,
                "url": absolute(reverse("articles:topic", kwargs={"slug": slug})),
                "articles_url": absolute(reverse("api:articles") + "?" + urlencode({"topic": slug})),
                "feed_url": absolute(reverse("articles:topic_feed", kwargs={"slug": slug})),
            }
            for slug, name, count in page.object_list
        ],
    }


@api.get(
    "/providers/", response={200: schemas.ProviderPage, **ERRORS}, url_name="providers", tags=["providers"]
)
def list_providers(request, params: Query[schemas.PageQuery]):
    """Sources with published articles, the most articles first."""
    page = _list_page(reads.providers_with_counts(), params.page)
    absolute = request.build_absolute_uri
    return {
        **_paging(request, page),
        "results": [
            {
                "domain": domain,
                "name": name or domain,
                "article_count": count,
                "url": absolute(reverse("articles:provider", kwargs={"domain": domain})),
                "articles_url": absolute(reverse("api:articles") + "?" + urlencode({"provider": domain})),
                "feed_url": absolute(reverse("articles:provider_feed", kwargs={"domain": domain})),
            }
            for domain, name, count in page.object_list
        ],
    }


# --- stories -------------------------------------------------------------------------------------


@api.get("/stories/", response={200: schemas.StoryPage, **ERRORS}, url_name="stories", tags=["stories"])
def list_stories(request, params: Query[schemas.PageQuery]):
    """Top stories as the front page ranks them: newest report day first, then the most sources
    and the hottest within a day."""
    page = reads.page_of(reads.top_stories(), params.page, reads.STORY_PAGE_SIZE)
    if page is None:
        count = reads.top_stories().count()
        raise NotFound(
            f"There is no page {params.page}: this list has {_pages(count, reads.STORY_PAGE_SIZE)}."
        )
    counts = reads.public_counts(page.object_list)
    return {
        **_paging(request, page),
        "results": [
            _story(request, story, story.lead, counts.get(story.pk, 0)) for story in page.object_list
        ],
    }


@api.get(
    "/stories/{slug}/",
    response={200: schemas.StoryDetail, 301: None, 404: schemas.Problem},
    url_name="story",
    tags=["stories"],
)
def get_story(request, slug: str):
    """One story with a published article: its lead, its articles and its coverage by source, as
    the story page shows them. A merged story's retired slug answers 301 to the survivor."""
    story, survivor = find_story(slug.replace("\x00", ""))
    if survivor is not None:
        url = reverse("api:story", kwargs={"slug": survivor.slug})
        return HttpResponsePermanentRedirect(request.build_absolute_uri(url))
    page = story_page(story) if story is not None else None  # the page's read, published only
    if page is None:
        raise NotFound(f"No story with a published article has the slug {slug[:120]!r}.")
    prefetch_related_objects(page.members, "topics")  # the one thing a summary needs beyond the page
    absolute = request.build_absolute_uri
    return {
        **_story(request, story, page.lead, len(page.members)),
        "articles": [_summary(request, member) for member in page.members],
        "sources": [
            {
                "name": source.name,
                "reports": [
                    {
                        "title": entry.title,
                        "url": absolute(entry.url) if entry.is_ours else (http_url(entry.url) or None),
                        "published_at": entry.at,
                        "is_ours": entry.is_ours,
                    }
                    for entry in source.entries
                ],
            }
            for source in page.sources
        ],
    }


# --- helpers -------------------------------------------------------------------------------------


def _list_page(rows, number):
    page = reads.page_of(rows, number, LIST_PAGE_SIZE)
    if page is None:
        raise NotFound(f"There is no page {number}: this list has {_pages(len(rows), LIST_PAGE_SIZE)}.")
    return page


def _pages(count, size):
    pages = max(1, -(-count // size))
    return f"{pages} page{'s' if pages != 1 else ''}"


def _paging(request, page):
    """count, page, pages, page_size, and next/previous as absolute URLs keeping every parameter."""

    def link(number):
        query = request.GET.copy()
        if number == 1:
            query.pop("page", None)
        else:
            query["page"] = str(number)
        path = request.path + (f"?{query.urlencode()}" if query else "")
        return request.build_absolute_uri(path)

    paginator = page.paginator
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "page_size": paginator.per_page,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
    }


def _story(request, story, lead, article_count):
    absolute = request.build_absolute_uri
    return {
        "slug": story.slug,
        "headline": lead.title,
        "lead": _summary(request, lead),
        "article_count": article_count,
        "source_count": story.source_count,
        "first_at": story.first_at,
        "latest_at": story.latest_at,
        "url": absolute(story.get_absolute_url()),
        "api_url": absolute(reverse("api:story", kwargs={"slug": story.slug})),
        "feed_url": absolute(reverse("articles:story_feed", kwargs={"slug": story.slug})),
    }


def _image(image):
    url = http_url(image.url)
    return {"url": url, "width": image.width, "height": image.height} if url else None


def _summary(request, article):
    """An article as the listing shows it; expects provider, topics and images prefetched."""
    absolute = request.build_absolute_uri
    provider = article.provider
    first = article.first_image
    return {
        "slug": article.slug,
        "title": article.title,
        "excerpt": article.excerpt,
        "published_at": article.published_at,
        "url": absolute(article.get_absolute_url()),
        "api_url": absolute(reverse("api:article", kwargs={"slug": article.slug})),
        "original_url": http_url(article.web_url) or None,
        "provider": {
            "domain": provider.domain,
            "name": provider.name or provider.domain,
            "url": absolute(provider.get_absolute_url()),
        },
        "topics": [
            {"slug": topic.slug, "name": topic.name, "url": absolute(topic.get_absolute_url())}
            for topic in article.topics.all()
        ],
        "image": _image(first) if first else None,
        "category": article.category,
        "type": article.type,
        "quality": article.quality,
        "heat": article.heat,
        "source_count": article.source_count,
    }
