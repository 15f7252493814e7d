"""Reads for the story pages and the A-to-Z indexes: plain values in, objects and lists out
(no requests, no templates)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q

from .canonical import canonical_url, clean_url, group_stories
from .models import Article, ArticleImage, Provider, RelatedLink, Story, StoryAlias, Topic


def find_story(slug):
    """(story, None) for a story's slug, (None, survivor) for a retired one, (None, None) else."""
    story = Story.objects.select_related("lead", "lead__provider").filter(slug=slug).first()
    if story is not None:
        return story, None
    alias = StoryAlias.objects.select_related("story").filter(slug=slug).first()
    return None, (alias.story if alias else None)


@dataclass
class Entry:
    """One report in a story's timeline: a member article (`url` is our page) or a related link."""

    title: str
    url: str
    at: datetime | None
    is_ours: bool


@dataclass
class Source:
    name: str
    entries: list = field(default_factory=list)


@dataclass
class StoryPage:
    story: Story
    lead: Article | None
    image: ArticleImage | None
    members: list
    sources: list  # of Source, earliest report first


def story_page(story, include_unpublished=False):
    """Everything the story page shows, or None when readers may not see it (no published member)."""
    members = Article.objects.filter(story=story)
    if not include_unpublished:
        members = members.published()
    members = list(
        members.select_related("provider")
        .prefetch_related(
            Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
            Prefetch(
                "related_links", queryset=RelatedLink.objects.select_related("provider").order_by("position")
            ),
        )
        .order_by("published_at", "id")
    )
    if not members:
        return None
    lead = next((m for m in members if m.pk == story.lead_id), members[0])
    own = {m.url_key for m in members}
    links = [
        link for m in members for link in m.related_links.all() if canonical_url(link.web_url) not in own
    ]
    sources = {}
    for member in members:
        name = member.provider.name
        sources.setdefault(name, Source(name)).entries.append(
            Entry(member.title, member.get_absolute_url(), member.published_at, True)
        )
    for group in group_stories(links):
        link = group[0]
        name = link.provider.name if link.provider_id else link.web_url.split("/")[2]
        sources.setdefault(name, Source(name)).entries.append(
            Entry(link.title, clean_url(link.web_url), link.published_at, False)
        )
    for source in sources.values():
        source.entries.sort(key=lambda entry: (entry.at is None, entry.at or lead.published_at))
    ordered = sorted(
        sources.values(),
        key=lambda s: (s.entries[0].at is None, s.entries[0].at or lead.published_at, s.name),
    )
    images = list(lead.images.all())
    return StoryPage(
        story=story, lead=lead, image=images[0] if images else None, members=members, sources=ordered
    )


def story_link(article):
    """The story page an article's page links, or None when the article is alone in its story
    with no related coverage. `article.story` is selected with the article."""
    story = article.story
    if story is None or story.lead_id is None or (story.article_count < 2 and story.source_count < 2):
        return None
    return story


def story_of_article(slug):
    """The readable story of the published article `slug`, or None."""
    article = Article.objects.published().select_related("story").filter(slug=slug).first()
    return article.story if article and article.story and article.story.lead_id else None


def _public(relation):
    """Count only the articles public now, as `ArticleQuerySet.published()` defines them."""
    return Q(**{f"{relation}__in": Article.objects.published().values("pk")})


def topic_index():
    """Every topic with published articles, A to Z, with `article_count`."""
    return list(
        Topic.objects.annotate(article_count=Count("articles", filter=_public("articles")))
        .filter(article_count__gt=0)
        .order_by("name")
    )


def provider_index():
    """Every source with published articles, A to Z, with `article_count`."""
    return list(
        Provider.objects.annotate(article_count=Count("articles", filter=_public("articles")))
        .filter(article_count__gt=0)
        .order_by("name", "domain")
    )


FRONT_PAGE_STORIES = 30
MORE_LINKS = 5  # other sources named under a story


@dataclass
class Link:
    name: str
    url: str
    is_ours: bool


@dataclass
class TopStory:
    story: Story
    lead: Article
    more: list  # of Link: the other sources, members first


@dataclass
class Day:
    day: object
    stories: list


@dataclass
class FrontPage:
    lead: TopStory | None
    days: list  # of Day, newest first
    page: int
    has_next: bool


def front_page(page=1, per_page=FRONT_PAGE_STORIES):
    """Top stories: newest report day first, then the most sources and the hottest within a day.
    A fixed number of queries whatever the page (stories, leads' images, members, links)."""
    start = (page - 1) * per_page
    stories = list(
        Story.objects.published().top().select_related("lead", "lead__provider")[start : start + per_page + 1]
    )
    has_next = len(stories) > per_page
    stories = stories[:per_page]
    if not stories:
        return FrontPage(lead=None, days=[], page=page, has_next=False)
    lead_ids = [story.lead_id for story in stories]
    images = {}
    for image in ArticleImage.objects.filter(article_id__in=lead_ids).order_by("article_id", "-position"):
        images[image.article_id] = image  # the first position wins
    others = {}
    members = (
        Article.objects.published()
        .filter(story_id__in=[story.pk for story in stories])
        .exclude(pk__in=lead_ids)
        .select_related("provider")
        .order_by("story_id", "-quality", "-published_at")
        .only("slug", "story_id", "url_key", "provider__name")
    )
    for member in members:
        others.setdefault(member.story_id, []).append(
            Link(member.provider.name, member.get_absolute_url(), True)
        )
    links = (
        RelatedLink.objects.filter(article_id__in=lead_ids)
        .select_related("provider")
        .order_by("article_id", "position")
        .only("article_id", "web_url", "title", "provider__name")
    )
    related = {}
    for link in links:
        related.setdefault(link.article_id, []).append(link)
    top = []
    for story in stories:
        story.lead.first_image_cached = images.get(story.lead_id)
        more = others.get(story.pk, [])
        named = {link.name for link in more} | {story.lead.provider.name}
        for link in related.get(story.lead_id, []):
            name = link.provider.name if link.provider_id else link.web_url.split("/")[2]
            if name not in named:
                named.add(name)
                more.append(Link(name, clean_url(link.web_url), False))
        top.append(TopStory(story, story.lead, more[:MORE_LINKS]))
    days = []
    rest = top[1:] if page == 1 else top
    for item in rest:
        if not days or days[-1].day != item.story.latest_day:
            days.append(Day(item.story.latest_day, []))
        days[-1].stories.append(item)
    return FrontPage(lead=top[0] if page == 1 else None, days=days, page=page, has_next=has_next)
