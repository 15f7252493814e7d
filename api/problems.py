"""Errors as RFC 9457 problem details (`application/problem+json`), and what every /api/ response
carries: CORS open for reading, an answer to preflight requests, and never an HTML page.

`ApiMiddleware` applies to paths under /api/ only, outside the views, so it also covers what no
API view answers: unknown URLs (Django's 404 page), wrong methods, errors raised past the API's
handlers. Placed near the top of MIDDLEWARE so its headers reach 304s and cached responses too.
"""

import json
from http import HTTPStatus

from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"
JSON_TYPES = ("application/json", PROBLEM_TYPE)
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
EXPOSED_HEADERS = "ETag, Content-Length"


def problem(status, detail="", errors=()):
    """A problem-details response: `errors` lists (parameter, message) pairs for a bad request."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
    }
    if errors:
        body["errors"] = [{"parameter": name, "message": message} for name, message in errors]
    return HttpResponse(json.dumps(body), status=status, content_type=f"{PROBLEM_TYPE}; charset=utf-8")


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = self._preflight(request)
        else:
            head = request.method == "HEAD"
            if head:
                request.method = "GET"  # the API's views answer GET; HEAD is GET without the body
            response = self.get_response(request)
            response = self._as_problem(request, response)
            if head and not response.streaming:
                response.content = b""
            if request.method == "GET" and response.status_code in (200, 304):
                # Like the pages: any cache may keep a copy, and asks again (ETag, 304) before use.
                patch_cache_control(response, public=True, no_cache=True)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    def _preflight(self, request):
        response = HttpResponse(status=204)
        response["Allow"] = ALLOWED_METHODS
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        asked = request.headers.get("Access-Control-Request-Headers", "")
        if asked:
            response["Access-Control-Allow-Headers"] = asked[:1000]
            patch_vary_headers(response, ["Access-Control-Request-Headers"])
        response["Access-Control-Max-Age"] = "86400"
        return response

    def _as_problem(self, request, response):
        """An error answered outside the API's handlers (404 page, 405, 500) as a problem."""
        if response.status_code < 400 or response.get("Content-Type", "").startswith(JSON_TYPES):
            return response
        detail = ""
        if response.status_code == 404:
            detail = f"Nothing at {request.path[:200]}; the API's endpoints are listed at {PREFIX}schema/."
        elif response.status_code == 405:
            detail = f"The API is read-only: use {ALLOWED_METHODS}."
        replacement = problem(response.status_code, detail)
        if response.has_header("Allow"):
            replacement["Allow"] = ALLOWED_METHODS
        return replacement
