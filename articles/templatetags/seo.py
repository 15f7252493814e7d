"""Head tags for search engines and social cards."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles import structured_data

register = template.Library()

# As django.utils.html.json_script: inside <script> no "<", ">" or "&" may appear literally,
# so "</script>" in a title cannot close the element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def json_ld(value):
    """`value` as a `<script type="application/ld+json">` element, escaped like `json_script`."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    # Safe: the JSON text carries no "<", ">" or "&" after the translation above.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag(takes_context=True)
def news_article_ld(context, article):
    """The article page's JSON-LD NewsArticle element ("" without a request)."""
    request = context.get("request")
    if request is None:
        return ""
    return json_ld(structured_data.news_article(article, request, settings.PORTAL_NAME))


@register.simple_tag(takes_context=True)
def list_page_ld(context, page, front=False):
    """A list page's JSON-LD: an ItemList of the cards shown, after the WebSite on the front page."""
    request = context.get("request")
    if request is None:
        return ""
    parts = []
    if front:
        parts.append(json_ld(structured_data.website(request, settings.PORTAL_NAME)))
    if page is not None and len(page):
        parts.append(json_ld(structured_data.item_list(request, page)))
    return format_html_join("\n", "{}", ((part,) for part in parts))
