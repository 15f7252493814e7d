"""Admin template tags of the editorial desk."""

from django import template

from articles.models import Article

register = template.Library()


@register.simple_tag
def review_count():
    """How many articles wait for an editor's decision (one count over a partial index)."""
    return Article.objects.undecided().count()
