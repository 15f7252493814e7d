"""Reader-facing pages. Views stay short: the Reads (selectors, filters) do the work."""

from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import search
from .filters import DEFAULT_SORT, FACETS, ArticleFilter
from .models import Article, Provider, Topic, normalize_domain
from .selectors import article_listing, unknown_values

PAGE_SIZE = 20
INDEXED_PAGES = 5  # deeper pages of a list are for readers, not for search engines
# Ranking by relevance sorts every match and keeps page x 20 of them: a deep page of a common
# word cost several times the first (bench/expensive.py). Nobody reads past this far.
MAX_SEARCH_PAGE = 50
MAX_SEARCH_RESULTS = MAX_SEARCH_PAGE * PAGE_SIZE


@require_safe
def article_list(request):
    return _listing_page(request, article_listing(request.GET))


@require_safe
def article_detail(request, slug):
    """Published articles for everyone; staff also preview unpublished ones (with a banner)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).with_page_data(), slug=slug)
    context = {"article": article}
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
        number = paginator.validate_number(asked)
        if listing.query and number > MAX_SEARCH_PAGE:
            raise InvalidPage
        page = paginator.page(number)
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
        "capped": _capped(
            request.GET, searched_beyond=bool(listing.query) and listing.total > MAX_SEARCH_RESULTS
        ),
        **_crawl_hints(request, listing, page),
    }
    return render(request, "articles/article_list.html", context, status=status)


def _crawl_hints(request, listing, page):
    """What search engines should make of a list URL. Every combination of filters, sort, search
    and page is a distinct URL: only the simple ones (no search, at most one filter value, the
    default sort, one of the first pages) are indexed; the rest answer `noindex,follow` and point
    to their simplest form as canonical, so crawlers neither index nor keep caches cold with them."""
    chips = listing.chips
    noindex = (
        page is None
        or bool(listing.query)
        or len(chips) > 1
        or listing.sort != DEFAULT_SORT
        or page.number > INDEXED_PAGES
    )
    query = {chips[0].name: chips[0].value} if len(chips) == 1 and not listing.query else {}
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
        limit = ArticleFilter.base_filters[name].field.max_values
        if len({value for value in query.getlist(name) if value.strip()}) > limit:
            notes.append(f"Only the first {limit} {FACET_NOUNS[name]} you chose were used.")
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
