"""The review queue (`/admin/review/`): the articles no editor has decided yet, one decision each.

    review_queue(params) -> ReviewQueue     the rows, count and filters of one queue page
    queue_view / decide_view                the admin pages (plain GETs and POSTs; the keyboard
                                            script in static/js/review.js only clicks the buttons)

Every decision goes through `articles.services`, which records it. Built for 100,000 undecided
articles: each sort walks a partial index over undecided rows (`Article.Meta.indexes`), the
thumbnail is a subquery per shown row, and the page stays within a fixed number of queries.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from .. import services
from ..models import Article, ArticleImage, ImportRun, Provider, Topic
from .changelist import HEAVY_ARTICLE_FIELDS, QualityBandFilter, natural_key

VIEW_PERMISSION = "articles.view_article"
PUBLISH_PERMISSION = "articles.publish_article"
PER_PAGE = 50
COUNT_CAP = 2000
SORTS = {
    "new": ("Newest import", ["-created_at", "-id"]),
    "date": ("Date", ["-published_at", "-id"]),
    "quality": ("Quality", ["-quality", "-id"]),
    "heat": ("Heat", ["-heat", "-id"]),
}
SHOWS = {"undecided": "To review", "scheduled": "Scheduled"}


def providers_named(source):
    """The providers whose domain or name is `source` (any case), as a subquery. Matching the
    provider table first lets the database probe a short id list per article, instead of
    joining every article to its provider to test an OR."""
    return Provider.objects.filter(Q(domain=source.strip().lower()) | Q(name__iexact=source.strip())).values(
        "pk"
    )


def sources():
    """Providers that have articles, sorted by name as people read them (one query)."""
    has_articles = Exists(Article.objects.filter(provider=OuterRef("pk")))  # an index probe each
    providers = Provider.objects.filter(has_articles).only("name", "domain")
    return sorted(providers, key=lambda provider: (natural_key(provider.name), provider.domain))


@dataclass
class Choice:
    value: str
    label: str
    selected: bool


class ReviewQueue:
    """One page of the queue for `params` (a QueryDict or dict of strings). Bad values are ignored
    (and listed in `ignored`), never an error: the queue is a page people reach by links."""

    def __init__(self, params):
        self.params = params
        self.ignored = []
        self.show = self._choice("show", SHOWS, "undecided")
        self.sort = self._choice("sort", SORTS, "new")
        self.band = self._choice("quality_band", QualityBandFilter.BANDS, "")
        self.source = (params.get("source") or "").strip()[:253]
        self.topic = (params.get("topic") or "").strip()[:120]
        self.run = (params.get("run") or "").strip()
        if self.run and self.run != "last" and not (self.run.isdigit() and len(self.run) < 10):
            self.ignored.append("run")
            self.run = ""

    def _choice(self, name, choices, default):
        value = self.params.get(name) or default
        if value not in choices and value != default:
            self.ignored.append(name)
            return default
        return value

    @property
    def filtered(self):
        return bool(self.source or self.topic or self.run or self.band)

    @cached_property
    def matching(self):
        """The articles shown, filtered and ordered: what is counted."""
        if self.show == "scheduled":
            articles = Article.objects.scheduled().order_by("publish_at", "id")
        else:
            articles = Article.objects.undecided().order_by(*SORTS[self.sort][1])
        if self.source:
            articles = articles.filter(provider__in=providers_named(self.source))
        if self.topic:
            articles = articles.in_topics([self.topic], newest_few=True)
        if self.band:
            articles = articles.filter(**QualityBandFilter.BANDS[self.band][1])
        if self.run:
            runs = ImportRun.objects.all()
            run = runs.order_by("-started_at", "-id") if self.run == "last" else runs.filter(pk=int(self.run))
            # Articles created within the run: bounds from subqueries, so no query of its own.
            articles = articles.filter(
                created_at__gte=Subquery(run.values("started_at")[:1]),
                created_at__lte=Subquery(run.values("finished_at")[:1]),
            )
        return articles

    @cached_property
    def queryset(self):
        """`matching`, with what each row shows: provider, thumbnail, topics."""
        thumbnail = ArticleImage.objects.filter(article=OuterRef("pk")).order_by("position").values("url")[:1]
        return (
            self.matching.select_related("provider")
            .defer(*(name for name in HEAVY_ARTICLE_FIELDS if name != "excerpt"))
            .annotate(thumbnail_url=Subquery(thumbnail))
            .prefetch_related(
                Prefetch("topics", queryset=Topic.objects.only("id", "name", "slug").order_by("name"))
            )
        )

    @cached_property
    def count(self):
        """Exact for the whole queue (an index count); capped when filtered (see `capped`)."""
        if not self.filtered:
            return self.matching.order_by().count()
        return self.matching.order_by().values("pk")[: COUNT_CAP + 1].count()

    @property
    def capped(self):
        return self.count > COUNT_CAP

    def page(self, number):
        paginator = Paginator(self.queryset, PER_PAGE)
        paginator.count = min(self.count, COUNT_CAP)  # the count is known: no second COUNT query
        try:
            return paginator.page(number)
        except InvalidPage:
            return paginator.page(1)

    def choices(self, name, options):
        current = self.params.get(name) or ""
        return [Choice(value, label, value == current) for value, label in options]


def review_queue(params):
    return ReviewQueue(params)


# --- Views ----------------------------------------------------------------------------------


def queue_view(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    queue = review_queue(request.GET)
    page = queue.page(request.GET.get("p") or 1)
    context = {
        **admin.site.each_context(request),
        "title": "Review queue",
        "queue": queue,
        "page": page,
        "rows": list(page.object_list),
        "can_publish": request.user.has_perm(PUBLISH_PERMISSION),
        "sources": sources(),
        "topics": queue.choices("topic", Topic.objects.order_by("name").values_list("slug", "name")),
        "bands": queue.choices(
            "quality_band", [(k, label) for k, (label, _) in QualityBandFilter.BANDS.items()]
        ),
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "shows": list(SHOWS.items()),
        "now": timezone.now(),
        "back": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/articles/review_queue.html", context)


DECISIONS = {
    "publish": "published",
    "keep": "kept unpublished",
    "unpublish": "unpublished",
    "schedule": "scheduled",
    "cancel": "no longer scheduled: it stays unpublished",
    "follow": "follows its document again",
}


def decide_view(request, pk):
    """POST decision=publish|keep|unpublish|schedule|cancel|follow (publish_at for a schedule),
    then back to `next` (an admin address) or the queue."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied
    article = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    decision = request.POST.get("decision")
    user = request.user
    if decision == "publish":
        if not services.set_published([article.pk], True, user):
            messages.success(request, f"“{article}” kept published.")
            return _back(request)
    elif decision in ("keep", "unpublish"):
        services.set_published([article.pk], False, user)
    elif decision == "cancel":
        if not services.cancel_schedule([article.pk], user):
            messages.warning(request, f"“{article}” was not scheduled: nothing to cancel.")
            return _back(request)
    elif decision == "follow":
        if not services.follow_document([article.pk], user):
            messages.warning(request, f"“{article}” already follows its document.")
            return _back(request)
    elif decision == "schedule":
        when = parse_utc_datetime(request.POST.get("publish_at", ""))
        if when is None or when <= timezone.now():
            messages.error(
                request, "Not scheduled: give a date and time in the future, in UTC (YYYY-MM-DD HH:MM)."
            )
            return _back(request)
        services.schedule([article.pk], when, user)
        messages.success(request, f"“{article}” scheduled for {when:%Y-%m-%d %H:%M} UTC.")
        return _back(request)
    else:
        return HttpResponseBadRequest(
            "Unknown decision: choose publish, keep, unpublish, schedule, cancel or follow."
        )
    messages.success(request, f"“{article}” {DECISIONS[decision]}.")
    return _back(request)


def parse_utc_datetime(value):
    """A `datetime-local` value (or "YYYY-MM-DD HH:MM") read as UTC, or None. Editors work in
    several time zones: every time in the admin is entered and shown in UTC, and labelled so."""
    value = (value or "").strip().replace("T", " ")[:19]
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            naive = datetime.strptime(value, layout)
        except ValueError:
            continue
        return naive.replace(tzinfo=UTC)
    return None


def _back(request):
    target = request.POST.get("next") or ""
    safe = (
        target.startswith("/admin/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\\" not in target
    )
    return redirect(target if safe else reverse("admin:articles_review"))


def urls(site):
    return [
        path("review/", site.admin_view(queue_view), name="articles_review"),
        path("review/<int:pk>/decide/", site.admin_view(decide_view), name="articles_review_decide"),
    ]
