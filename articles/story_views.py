"""Story pages and the A-to-Z indexes: short views over `articles.story_selectors`."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .story_selectors import find_story, front_page, provider_index, story_of_article, story_page, topic_index


@require_safe
def story_detail(request, slug):
    """Readers see a story with a published member; staff preview every member. A retired story
    (merged into another) answers 301 to the survivor."""
    story, survivor = find_story(slug)
    if survivor is not None:
        return redirect(survivor, permanent=True)
    page = story_page(story, include_unpublished=request.user.is_staff) if story else None
    if page is None:
        raise Http404("No such story")
    return render(request, "articles/story_detail.html", {"page": page, "story": story})


@require_safe
def article_story(request, slug):
    """The story of a published article (list cards link here: the list reads no story)."""
    story = story_of_article(slug)
    if story is None:
        raise Http404("No such story")
    return redirect(story)


@require_safe
def topics(request):
    return render(request, "articles/topic_index.html", {"topics": topic_index()})


@require_safe
def providers(request):
    return render(request, "articles/provider_index.html", {"providers": provider_index()})


FRONT_PAGE_PARAMETERS = {"view", "stories"}


def wants_front_page(request):
    """`/` with no filter, sort, search or article page: the top stories (`view`, and `stories`:
    the page of stories)."""
    return set(request.GET) <= FRONT_PAGE_PARAMETERS


def front(request):
    compact = request.GET.get("view") == "compact"
    try:
        page = int(request.GET.get("stories", "1"))
    except ValueError:
        page = 0
    if not 1 <= page <= 1000:
        raise Http404("No such page")
    listing = front_page(page)
    if page > 1 and not listing.days:
        raise Http404("No such page")
    context = {
        "front": listing,
        "compact": compact,
        "canonical_url": request.build_absolute_uri(reverse("articles:list")),
    }
    return render(request, "articles/front_page.html", context)
