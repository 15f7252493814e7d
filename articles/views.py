"""Reader-facing pages. Views stay short: the Reads (selectors, filters) do the work."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import story_views
from .models import Article, Provider, Topic, normalize_domain
from .selectors import article_listing, unknown_values
from .story_selectors import story_link

PAGE_SIZE = 20


@require_safe
def article_list(request):
    if story_views.wants_front_page(request):
        return story_views.front(request)
    return _listing_page(request, article_listing(request.GET))


@require_safe
def article_detail(request, slug):
    """Published articles for everyone; staff also preview unpublished ones (with a banner)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).with_page_data(), slug=slug)
    context = {"article": article, "story": story_link(article)}
    if request.user.is_staff:
        context["admin_url"] = reverse("admin:articles_article_change", args=[article.pk])
    return render(request, "articles/article_detail.html", context)


@require_safe
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=_clean(slug))
    return _listing_page(request, article_listing(request.GET, topic=topic))


@require_safe
def provider_detail(request, domain):
    provider = get_object_or_404(Provider, domain=normalize_domain(_clean(domain)))
    return _listing_page(request, article_listing(request.GET, provider=provider))


def _clean(value):
    """A path value fit for a lookup: PostgreSQL refuses NUL characters outright."""
    if "\x00" in value:
        raise Http404("No such page")
    return value


def _listing_page(request, listing):
    """One page of a listing. A page that is not a number or out of range answers 404 with a page
    that says so and links back to the first page, filters kept."""
    paginator = Paginator(listing.articles, PAGE_SIZE)
    paginator.count = listing.total  # known from the facet counts: no COUNT query
    asked = request.GET.get("page", "1")
    try:
        page = paginator.page(asked)
    except InvalidPage:
        page, status = None, 404
    else:
        status = 200
    context = {
        "listing": listing,
        "page_obj": page,
        "paginator": paginator,
        "asked_page": asked[:20],
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1) if page else [],
        "unknown": unknown_values(listing) if page is not None and not paginator.count else [],
    }
    return render(request, "articles/article_list.html", context, status=status)
