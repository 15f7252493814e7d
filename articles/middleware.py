"""Serve the reader's pages named in settings.PAGE_CACHE_VIEWS from the cache (articles/cache.py).

Applied by resolved view name rather than by decorating each view, so the list of cached pages
lives in one place (settings) and the views stay plain.
"""

from django.conf import settings

from .cache import page_for_anonymous


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
