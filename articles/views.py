"""Reader-facing pages. Views stay short: the Reads (selectors, filters) do the work."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .domains import normalize_domain
from .filters import parse_list_query
from .models import Provider, Topic
from .selectors import article_detail as read_article_detail
from .selectors import article_listing


@require_safe
def article_list(request):
    return _listing_page(request, article_listing(parse_list_query(request.GET)))


@require_safe
def article_detail(request, slug):
    """Published articles for everyone; staff also preview unpublished ones (with a banner)."""
    detail = read_article_detail(slug, request.user)
    if detail is None:
        raise Http404("No such article")
    context = {"detail": detail, "article": detail.article}
    if request.user.is_staff:
        context["admin_url"] = reverse("admin:articles_article_change", args=[detail.article.pk])
    return render(request, "articles/article_detail.html", context)


@require_safe
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=_clean(slug))
    return _listing_page(request, article_listing(parse_list_query(request.GET), topic=topic))


@require_safe
def provider_detail(request, domain):
    provider = get_object_or_404(Provider, domain=normalize_domain(_clean(domain)))
    return _listing_page(request, article_listing(parse_list_query(request.GET), provider=provider))


def _clean(value):
    """A path value fit for a lookup: PostgreSQL refuses NUL characters outright."""
    if "\x00" in value:
        raise Http404("No such page")
    return value


def _listing_page(request, listing):
    """A listing rendered. A page number that is not a page of the list answers 404, with a page
    that says so and links back to the first page, filters kept."""
    status = 200 if listing.page is not None else 404
    return render(request, "articles/article_list.html", {"listing": listing}, status=status)
