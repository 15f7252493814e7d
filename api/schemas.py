"""The API's documents, as pydantic schemas: what the OpenAPI schema at /api/schema/ describes."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from articles.filters import MAX_VALUES, MAX_YEAR, MIN_YEAR, RELEVANCE, SORT_ALIASES, SORTS
from articles.search import MAX_QUERY_CHARS

# The older names of sorts stay accepted (answered under the current name).
Sort = Literal[(RELEVANCE, *SORTS, *SORT_ALIASES)]
TopicSlug = Annotated[str, StringConstraints(max_length=120)]
Domain = Annotated[str, StringConstraints(max_length=253)]
Year = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]


class ArticleQuery(Schema):
    """The filters, search and sort of the front page, stricter: a bad value is a 400, not ignored."""

    q: str = Field("", max_length=MAX_QUERY_CHARS, description="Words to search for (all must match).")
    topic: list[TopicSlug] = Field(
        [], max_length=MAX_VALUES, description="Topic slugs; repeat for several (any matches)."
    )
    provider: list[Domain] = Field(
        [], max_length=MAX_VALUES, description="Source domains; repeat for several (any matches)."
    )
    year: list[Year] = Field(
        [], max_length=MAX_VALUES, description="Years of publication (UTC); repeat for several (any matches)."
    )
    sort: Sort | None = Field(
        None, description="Order of the results; by default relevance for a search, else newest."
    )
    page: int = Field(1, ge=1, le=10**9, description="Page number, from 1.")

    @field_validator("year")
    @classmethod
    def _years_in_range(cls, years):
        for year in years:
            if not MIN_YEAR <= int(year) <= MAX_YEAR:
                raise ValueError(f"a year between {MIN_YEAR} and {MAX_YEAR}")
        return years


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=10**9, description="Page number, from 1.")


class ProblemError(Schema):
    parameter: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = Field([], description="For a bad request: each bad parameter.")


class TopicRef(Schema):
    slug: str
    name: str
    url: str = Field(description="The topic's page on the portal.")


class ProviderRef(Schema):
    domain: str
    name: str
    url: str = Field(description="The source's page on the portal.")


class Image(Schema):
    url: str
    width: int | None
    height: int | None


class ArticleSummary(Schema):
    slug: str
    title: str
    excerpt: str
    published_at: dt.datetime = Field(description="When the source published the story.")
    url: str = Field(description="The article's page on the portal.")
    api_url: str
    original_url: str | None = Field(description="The story at its source (http or https only).")
    provider: ProviderRef
    topics: list[TopicRef]
    image: Image | None = Field(description="The first image, if any.")
    category: str
    type: str
    quality: int | None = Field(description="Editorial quality score, 0 to 100.")
    heat: int | None = Field(description="Reader interest, 0 to 100; -1 or null when unknown.")
    source_count: int = Field(description="Distinct stories covering this one, itself included.")


class RelatedLink(Schema):
    title: str
    url: str | None = Field(description="The related story (http or https only).")
    published_at: dt.datetime | None
    provider: str | None = Field(description="The related story's source domain.")
    portal_url: str | None = Field(description="Our page for it, when it is one of our articles.")


class ArticleDetail(ArticleSummary):
    images: list[Image]
    amp_url: str | None
    body_html: str = Field(description="The article's text as sanitized HTML (may be empty).")
    related: list[RelatedLink] = Field(description="Other coverage of the story, one link per story.")


class FacetValue(Schema):
    value: str
    label: str
    count: int = Field(description="Articles the listing would have with this value toggled on.")
    selected: bool


class Facet(Schema):
    name: Literal["topic", "provider", "year"]
    title: str
    values: list[FacetValue]


class UnknownValue(Schema):
    facet: Literal["topic", "provider", "year"]
    value: str


class Selected(Schema):
    topic: list[str]
    provider: list[str]
    year: list[str]


class Paged(Schema):
    count: int = Field(description="Items in all pages.")
    page: int
    pages: int
    page_size: int
    next: str | None = Field(description="The next page's URL, every other parameter kept.")
    previous: str | None


class ArticlePage(Paged):
    query: str
    sort: Sort = Field(description="The order in effect.")
    sorts: list[Sort] = Field(description="The orders this listing offers.")
    selected: Selected
    unknown: list[UnknownValue] = Field(description="Selected topics or sources that do not exist.")
    facets: list[Facet] = Field(
        description="Counts per value, each under every other selected filter (OR within a facet)."
    )
    results: list[ArticleSummary]


class Topic(Schema):
    slug: str
    name: str
    article_count: int = Field(description="Published articles in the topic.")
    url: str
    articles_url: str = Field(description="The topic's articles in the API.")
    feed_url: str


class TopicPage(Paged):
    results: list[Topic]


class Provider(Schema):
    domain: str
    name: str
    article_count: int = Field(description="Published articles from the source.")
    url: str
    articles_url: str = Field(description="The source's articles in the API.")
    feed_url: str


class ProviderPage(Paged):
    results: list[Provider]


class StorySummary(Schema):
    slug: str
    headline: str = Field(description="The lead article's title.")
    lead: ArticleSummary = Field(description="The story's best published article.")
    article_count: int = Field(description="Published articles in the story.")
    source_count: int = Field(description="Distinct sources: the articles' and their related coverage's.")
    first_at: dt.datetime | None = Field(description="The story's first report.")
    latest_at: dt.datetime | None = Field(description="The story's latest report.")
    url: str = Field(description="The story's page on the portal.")
    api_url: str
    feed_url: str = Field(description="The story's Atom feed: its articles, newest first.")


class StoryPage(Paged):
    results: list[StorySummary] = Field(description="Top stories, as the front page ranks them.")


class StoryReport(Schema):
    title: str
    url: str | None = Field(
        description="Our article's page, or the related story at its source (http or https only)."
    )
    published_at: dt.datetime | None
    is_ours: bool = Field(description="True for one of the story's articles on the portal.")


class StorySource(Schema):
    name: str
    reports: list[StoryReport] = Field(description="Earliest first.")


class StoryDetail(StorySummary):
    articles: list[ArticleSummary] = Field(description="Every published article of the story, oldest first.")
    sources: list[StorySource] = Field(
        description="The story's timeline by source, earliest source first: its articles and their "
        "related coverage, one report per story elsewhere."
    )
