"""Whole pages for anonymous readers, from the cache, keyed by the content version and the URL.

`PageCacheMiddleware` applies it to the views named in settings.PAGE_CACHE_VIEWS (by resolved
view name, so the list of cached pages lives in one place and the views stay plain).
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import set_response_etag

from . import content_version
from .filters import FACETS, RELEVANCE, SORT_ALIASES, SORTS

_KEPT_HEADERS = {"content-type", "content-language", "link", "x-robots-tag", "last-modified", "etag"}


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in settings.PAGE_CACHE_VIEWS:
            return None
        return page_for_anonymous(request, view_func, view_args, view_kwargs)


def _request_is_cacheable(request):
    """GET by an anonymous reader with nothing personal waiting (messages, credentials)."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.user.is_authenticated
    )


def _response_is_cacheable(request, response):
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page holds a CSRF token, or will set the CSRF cookie: personal.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (messages is not None and (messages.used or messages.added_new))
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


# The query parameters each cached page reads. A URL with any other parameter, a parameter given
# twice where one is read, or a value that is not a valid choice is answered but never stored:
# otherwise every `?junk=N` would store another copy of the page (a cache flood, and a cold cache
# for everyone else).
_LIST_PARAMETERS = frozenset({*FACETS, "q", "sort", "page"})
_FRONT_PARAMETERS = frozenset({"view", "stories"})  # `/` with no filter: the front page of stories
_SINGLE_VALUED = {"q", "sort", "page", "p"}
_PARAMETERS = {
    "articles:list": _LIST_PARAMETERS | _FRONT_PARAMETERS,
    "articles:topic": _LIST_PARAMETERS,
    "articles:provider": _LIST_PARAMETERS,
    "sitemap_section": frozenset({"p"}),
    # The API refuses what it does not read (400, never stored); these are what it reads.
    "api:articles": _LIST_PARAMETERS,
    "api:topics": frozenset({"page"}),
    "api:providers": frozenset({"page"}),
    "api:stories": frozenset({"page"}),
    "api:story": frozenset(),
}
_VALID = {
    "sort": lambda value: value in SORTS or value in SORT_ALIASES or value == RELEVANCE,
    "page": lambda value: value.isdigit() and len(value) <= 6,
    "p": lambda value: value.isdigit() and len(value) <= 6,
    "stories": lambda value: value.isdigit() and len(value) <= 4,
    "view": lambda value: value == "compact",
}


def _query_is_storable(request):
    known = _PARAMETERS.get(request.resolver_match.view_name, frozenset())
    for name, values in request.GET.lists():
        if name not in known or (name in _SINGLE_VALUED and len(values) > 1):
            return False
        valid = _VALID.get(name)
        if valid is not None and not all(valid(value) for value in values):
            return False
    return True


def _page_key(request):
    return f"page:{content_version.token()}:{content_version.digest(request.build_absolute_uri())}"


def page_for_anonymous(request, view, args, kwargs):
    """The view's response, served from the cache to anonymous readers' GET requests.

    Staff and signed-in users always get a fresh page, and so does a request carrying messages.
    A response that sets a cookie, holds a CSRF token, shows messages, or is not a 200 is never
    stored, nor is a page asked for with parameters it does not read or values it does not accept.
    Entries are keyed by the content version (with the next scheduled publication) and the
    absolute URL (host, path, query).
    """
    if not _request_is_cacheable(request):
        return view(request, *args, **kwargs)
    key = _page_key(request)
    frozen = cache.get(key)
    if frozen is not None:
        status, content, headers = frozen
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response
    response = view(request, *args, **kwargs)
    if callable(getattr(response, "render", None)) and not response.is_rendered:
        response.render()
    if _response_is_cacheable(request, response) and _query_is_storable(request):
        set_response_etag(response)  # computed once, not on every hit by ConditionalGetMiddleware
        headers = [(name, value) for name, value in response.items() if name.lower() in _KEPT_HEADERS]
        cache.set(key, (response.status_code, response.content, headers), settings.PAGE_CACHE_SECONDS)
    return response
