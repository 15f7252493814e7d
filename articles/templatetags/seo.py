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
        parts.append(json_ld(structured_data.item_list(request, page, start=page.start_index())))
    return format_html_join("\n", "{}", ((part,) for part in parts))


@register.simple_tag(takes_context=True)
def front_page_ld(context, front):
    """The front page's JSON-LD: the WebSite with its search, and an ItemList of the stories shown
    (the lead first, then each day's), on the first page of stories."""
    request = context.get("request")
    if request is None:
        return ""
    parts = [json_ld(structured_data.website(request, settings.PORTAL_NAME))] if front.page == 1 else []
    stories = ([front.lead.story] if front.lead else []) + [
        item.story for day in front.days for item in day.stories
    ]
    if stories:
        parts.append(json_ld(structured_data.item_list(request, stories)))
    return format_html_join("\n", "{}", ((part,) for part in parts))


@register.simple_tag(takes_context=True)
def story_page_ld(context, page):
    """The story page's JSON-LD: an ItemList of the story's articles on the portal, oldest first
    (the lead's NewsArticle is its own page's, under that page's URL)."""
    request = context.get("request")
    if request is None or not page.members:
        return ""
    return json_ld(structured_data.item_list(request, page.members))
