"""Template helpers that guard output: `http_url` and `json_ld`."""

import json
import re

import pytest
from django.template import Context, Template

from articles.templatetags.safe_urls import http_url
from articles.templatetags.seo import json_ld


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a?b=1", "http://example.com", "HTTPS://EXAMPLE.COM/x"],
)
def test_http_url_keeps_http_and_https(url):
    assert http_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "JaVaScRiPt:x",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example/",
        "/relative",
        "https:evil",
        "https://",
        "ftp://x.example/",
        "",
        None,
        "https://exa mple.com/",
        "http://[::1",
    ],
)
def test_http_url_refuses_everything_else(url):
    assert http_url(url) == ""


def test_http_url_output_is_still_autoescaped():
    html = Template('{% load safe_urls %}<a href="{{ url|http_url }}">').render(
        Context({"url": 'https://a.example/"><script>x</script>'})
    )
    assert html == '<a href="https://a.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;">'


def test_json_ld_escapes_markup_and_parses_back():
    value = {"headline": "</script><script>alert(1)</script> & <!--", "n": 1}
    html = str(json_ld(value))
    assert html.startswith('<script type="application/ld+json">') and html.endswith("</script>")
    inner = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', html, re.S).group(1)
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == value
