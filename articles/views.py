"""Reader-facing pages. Views stay short: the Reads (selectors, filters) do the work."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import search, story_views
from .domains import normalize_domain
from .filters import DEFAULT_SORT, FACETS, MAX_VALUES, parse_list_query
from .models import Provider, Topic
from .selectors import MAX_SEARCH_PAGE, MAX_SEARCH_RESULTS, article_listing
from .selectors import article_detail as read_article_detail

INDEXED_PAGES = 5  # deeper pages of a list are for readers, not for search engines


@require_safe
def article_list(request):
    if story_views.wants_front_page(request):
        return story_views.front(request)
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
        if request.user.has_perm("articles.publish_article"):
            context["toggle_url"] = reverse(
                "admin:articles_article_toggle_published", args=[detail.article.pk]
            )
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
    searched_beyond = bool(listing.query.terms) and listing.total > MAX_SEARCH_RESULTS
    context = {
        "listing": listing,
        "capped": _capped(request.GET, searched_beyond=searched_beyond),
        **_crawl_hints(request, listing),
    }
    return render(request, "articles/article_list.html", context, status=status)


def _crawl_hints(request, listing):
    """What search engines should make of a list URL. Every combination of filters, sort, search
    and page is a distinct URL: only the simple ones (no search, at most one filter value, the
    default sort, one of the first pages) are indexed; the rest answer `noindex,follow` and point
    to their simplest form as canonical, so crawlers neither index nor keep caches cold with them."""
    chips, page = listing.chips, listing.page
    noindex = (
        page is None
        or bool(listing.query.q)
        or len(chips) > 1
        or listing.sort != DEFAULT_SORT
        or page.number > INDEXED_PAGES
    )
    query = {chips[0].name: chips[0].value} if len(chips) == 1 and not listing.query.q else {}
    if not noindex and page.number > 1:
        query["page"] = page.number
    canonical = request.path + (f"?{urlencode(query)}" if query else "")
    return {"robots_noindex": noindex, "canonical_url": request.build_absolute_uri(canonical)}


FACET_NOUNS = {"topic": "topics", "provider": "sources", "year": "years"}


def _capped(query, searched_beyond=False):
    """What the reader asked for beyond what one request may ask (values per facet, words and
    characters of a search), said plainly: the page used the first ones only."""
    notes = []
    for name in FACETS:
        if len({value for value in query.getlist(name) if value.strip()}) > MAX_VALUES:
            notes.append(f"Only the first {MAX_VALUES} {FACET_NOUNS[name]} you chose were used.")
    text = query.get("q") or ""
    if len(text) > search.MAX_QUERY_CHARS or len(search.WORD_RE.findall(text)) > search.MAX_TERMS:
        notes.append(
            f"Only the first {search.MAX_TERMS} words (at most {search.MAX_QUERY_CHARS} characters)"
            " of your search were used."
        )
    if searched_beyond:
        notes.append(
            f"Search results are listed up to page {MAX_SEARCH_PAGE} (the best {MAX_SEARCH_RESULTS}):"
            " add words or filters to narrow the search."
        )
    return notes
