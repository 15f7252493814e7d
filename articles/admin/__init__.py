"""The editorial admin: editors decide what is public; imported content stays as the documents say.

Editors (the "Editors" group, made by a migration) view everything and hold `publish_article`;
they change nothing else. Imported content is read-only for superusers too (`ImportedContent`):
superusers may also delete articles. Every publish/unpublish goes through `articles.services.set_published`,
which records an `EditorialAction` and an admin `LogEntry`. State changes are POST-only.

Built for 100,000 articles: the changelist's filters, date hierarchy, row query and count are in
`articles.admin.changelist`; the review queue (`/admin/review/`) is in `articles.admin.review`.

Deleting an article leaves a tombstone (`services.delete_articles`): imports skip its document
until a superuser lifts the tombstone here (deletes it).
"""

from datetime import UTC

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .. import search, services
from ..canonical import is_http_url
from ..models import (
    Article,
    ArticleImage,
    EditorialAction,
    ImportRun,
    Provider,
    RelatedLink,
    Tombstone,
    Topic,
)
from ..services import set_published
from . import review
from .changelist import (
    HEAVY_ARTICLE_FIELDS,
    ArticleChangeList,
    CappedCountPaginator,
    ProviderFilter,
    QualityBandFilter,
    TopicFilter,
    YearFilter,
)

admin.site.site_header = f"{settings.PORTAL_NAME} — editorial admin"
admin.site.site_title = f"{settings.PORTAL_NAME} admin"
admin.site.index_template = "admin/editorial_index.html"

# The review queue lives at the admin's root (/admin/review/), in its namespace ("admin:articles_review").
_site_urls = admin.site.get_urls
admin.site.get_urls = lambda: [*review.urls(admin.site), *_site_urls()]

PUBLISH_PERMISSION = "articles.publish_article"
# The admin builds forms even for view-only pages: addresses without a scheme would be taken as
# https (Django 6's default, set now to silence Django 5's warning).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class ImportedContent:
    """Imported content is read-only for everyone, superusers included: the documents are its
    source of truth, and an edit here would leave the fields derived from it at import
    (search_text, url_key, source_count, body_html) stale, and be kept by re-imports of an
    unchanged document. Change the document and import it again instead."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ViewOnly(ImportedContent):
    """Viewed only, by everyone, superusers included: no add, change or delete."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "domain", "name_from_article"]
    search_fields = ["name", "domain"]


@admin.register(Topic)
class TopicAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(RelatedLink)
class RelatedLinkAdmin(ViewOnly, admin.ModelAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    exclude = ["images"]
    readonly_fields = ["image_previews"]
    list_display = ["title", "article", "provider", "published_at"]
    list_select_related = ["article", "provider"]
    search_fields = ["title"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"article__{name}" for name in HEAVY_ARTICLE_FIELDS))

    @admin.display(description="images")
    def image_previews(self, obj):
        return image_thumbnails(obj.images)


class ArticleImageInline(ViewOnly, admin.TabularInline):
    formfield_overrides = URL_FIELDS_HTTPS
    model = ArticleImage
    extra = 0


def image_thumbnails(images):
    """A document's image list ({"url", "width", "height"...}) as images: http(s) URLs only."""
    tags = [
        format_html('<img src="{}" alt="" loading="lazy" class="related-image">', image["url"])
        for image in images or []
        if isinstance(image, dict) and is_http_url(str(image.get("url") or ""))
    ]
    return format_html_join("", "{}", ((tag,) for tag in tags)) if tags else "–"


class RelatedLinkInline(ViewOnly, admin.StackedInline):
    formfield_overrides = URL_FIELDS_HTTPS
    model = RelatedLink
    extra = 0
    fk_name = "article"
    exclude = ["images"]
    readonly_fields = ["image_previews"]

    @admin.display(description="images")
    def image_previews(self, obj):
        return image_thumbnails(obj.images)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")


@admin.register(Article)
class ArticleAdmin(ImportedContent, admin.ModelAdmin):
    """View-only for everyone; the published state changes through `set_published` (the buttons
    and actions), which keeps the record. Superusers may delete an article: it leaves a tombstone
    (who, when, why), and imports skip its document until the tombstone is lifted."""

    formfield_overrides = URL_FIELDS_HTTPS
    list_display_links = None  # the title column links to the article itself
    list_filter = ["published", ("provider", ProviderFilter), TopicFilter, YearFilter, QualityBandFilter]
    date_hierarchy = "published_at"
    # The search box matches words through the portal's text index (articles.search), over the
    # title, excerpt, provider and topics; `search_fields` only turns the box on.
    search_fields = ["title", "excerpt", "provider__name"]
    search_help_text = "Words from the title, excerpt, provider or topics; every word must match."
    list_select_related = ["provider"]
    list_per_page = 50
    paginator = CappedCountPaginator
    # The filtered count is shown; the count of the whole table is not worth a second query, nor
    # are facet counts (one COUNT per topic, year and band on every page).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    inlines = [ArticleImageInline, RelatedLinkInline]
    actions = ["publish_selected", "unpublish_selected", "schedule_selected"]
    view_on_site = True
    fieldsets = [
        (None, {"fields": ["title", "excerpt", "provider", "topics", "published_at", "slug"]}),
        (
            "Published state",
            {"fields": ["published", "publish_at", "published_decided_at", "document_published"]},
        ),
        ("Scores", {"fields": ["type", "category", "quality", "heat"]}),
        ("Addresses", {"fields": ["web_url", "original_url", "amp_web_url", "cdn_amp_web_url"]}),
        (
            "Source",
            {
                "classes": ["collapse"],
                "fields": ["source_path", "body", "secured", "created_at", "updated_at"],
            },
        ),
    ]

    class Media:
        css = {"all": ["css/admin_articles.css"]}

    # Permissions

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def get_search_results(self, request, queryset, search_term):
        terms = search.search_terms(search_term)
        if not terms:
            return queryset, False
        return search.matching(queryset, terms), False

    def delete_model(self, request, obj):
        services.delete_articles(Article.objects.filter(pk=obj.pk), request.user, self._reason(request))

    def delete_queryset(self, request, queryset):
        services.delete_articles(queryset, request.user, self._reason(request))

    @staticmethod
    def _reason(request):
        """Why, as typed on the delete confirmation page (see its template)."""
        return " ".join(request.POST.get("reason", "").split())[:1000]

    def get_deleted_objects(self, objs, request):
        # An article's images, related links and editorial actions go with it (its deletion is
        # logged); they are read-only in the admin, which would otherwise forbid the deletion.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed -= {model._meta.verbose_name for model in (ArticleImage, RelatedLink, EditorialAction)}
        return deleted, model_count, perms_needed, protected

    # Changelist

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_list_display(self, request):
        can_publish = self.has_publish_permission(request) and IS_POPUP_VAR not in request.GET
        state = self._state_column(request) if can_publish else "state_display"
        # Few columns, each worth its width: everything fits at 1280 px; on a phone the state
        # (with its button) comes right after the title (see css/admin_articles.css).
        return ["thumbnail", "title_with_excerpt", "provider", "published_date", state]

    @admin.display(description="")
    def thumbnail(self, obj):
        src = obj.thumbnail_url if is_http_url(str(obj.thumbnail_url or "")) else ""
        return format_html('<img src="{}" alt="" loading="lazy" class="article-thumb">', src) if src else ""

    @admin.display(description="title", ordering="title")
    def title_with_excerpt(self, obj):
        excerpt = obj.excerpt if len(obj.excerpt) <= 160 else obj.excerpt[:159].rstrip() + "…"
        topics = ", ".join(topic.name for topic in obj.topics.all())
        return format_html(
            '<a href="{}" class="article-title">{}</a><span class="article-excerpt">{}</span>'
            '<span class="article-facts">{} <a href="{}">View on site</a></span>',
            reverse("admin:articles_article_change", args=[obj.pk]),
            obj.title,
            excerpt,
            " · ".join(
                part
                for part in (
                    f"quality {obj.quality}" if obj.quality is not None else "",
                    f"heat {obj.heat}" if obj.heat_known else "",
                    topics,
                )
                if part
            ),
            obj.get_absolute_url(),
        )

    @admin.display(description="date", ordering="published_at")
    def published_date(self, obj):
        return timezone.localtime(obj.published_at).date().isoformat()

    @admin.display(description="state", ordering="published")
    def state_display(self, obj):
        return _state_label(obj)

    def _state_column(self, request):
        """The published state with a Publish/Unpublish button, bound to this request's filters.

        The changelist is one big <form> (for the actions) carrying the CSRF token; a nested form
        is not valid HTML, so the button posts that form to the toggle URL with `formaction`.
        """
        preserved = self.get_preserved_filters(request)

        @admin.display(description="state", ordering="published")
        def state(obj):
            url = reverse("admin:articles_article_toggle_published", args=[obj.pk])
            if preserved:
                url = f"{url}?{preserved}"
            return format_html(
                '<span class="article-state">{}</span> <button type="submit" class="button" formaction="{}" '
                'formmethod="post" name="published" value="{}">{}</button>',
                _state_label(obj),
                url,
                "0" if obj.published else "1",
                "Unpublish" if obj.published else "Publish",
            )

        return state

    # Publishing

    @admin.action(description="Publish selected %(verbose_name_plural)s", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Unpublish selected %(verbose_name_plural)s", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._decide(request, queryset, False)

    @admin.action(description="Schedule selected %(verbose_name_plural)s…", permissions=["publish"])
    def schedule_selected(self, request, queryset):
        """A page asking when (in UTC); its form posts this action again with `publish_at`,
        the selection and the changelist's filters (in its address) as they were."""
        value = request.POST.get("publish_at")
        error = ""
        if value is not None:
            when = review.parse_utc_datetime(value)
            if when is None or when <= timezone.now():
                error = "Give a date and time in the future, in UTC (YYYY-MM-DD HH:MM)."
            else:
                scheduled = services.schedule(queryset, when, request.user)
                noun = "article" if scheduled == 1 else "articles"
                self.message_user(
                    request,
                    f"{scheduled} {noun} scheduled: public from {when:%Y-%m-%d %H:%M} UTC (recorded).",
                    messages.SUCCESS,
                )
                return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule the selected articles",
            "opts": self.opts,
            "count": queryset.count(),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "value": value or "",
            "error": error,
            "now": timezone.now(),
            "changelist_url": add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts},
                reverse("admin:articles_article_changelist"),
            ),
        }
        return TemplateResponse(
            request, "admin/articles/article/schedule_selected.html", context, status=400 if error else 200
        )

    def _decide(self, request, queryset, published):
        selected = queryset.count()
        changed = set_published(queryset, published, request.user)
        verb = "published" if published else "unpublished"
        message = f"{changed} {'article' if changed == 1 else 'articles'} {verb}."
        if selected > changed:
            kept = selected - changed
            message += f" {kept} {'was' if kept == 1 else 'were'} already {verb}: kept {verb} (recorded)."
        self.message_user(request, message, messages.SUCCESS)

    def get_urls(self):
        toggle = path(
            "<path:object_id>/toggle-published/",
            self.admin_site.admin_view(self.toggle_published_view),
            name="articles_article_toggle_published",
        )
        return [toggle, *super().get_urls()]

    def toggle_published_view(self, request, object_id):
        """POST published=1|0: set one article's state, then go back where the editor was."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_publish_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        wanted = request.POST.get("published")
        if wanted not in ("0", "1"):
            self.message_user(request, "Nothing changed: choose Publish or Unpublish.", messages.ERROR)
        else:
            published = wanted == "1"
            verb = "published" if published else "unpublished"
            if set_published([article.pk], published, request.user):
                self.message_user(request, f"“{article}” {verb}.", messages.SUCCESS)
            else:
                self.message_user(request, f"“{article}” was already {verb}: kept {verb} (recorded).")
        if request.POST.get("_return") == "site":
            return redirect(article.get_absolute_url())
        if request.POST.get("_return") == "change":
            url = reverse("admin:articles_article_change", args=[article.pk])
        else:
            url = reverse("admin:articles_article_changelist")
        return redirect(
            add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
            )
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_publish": self.has_publish_permission(request),
            "toggle_query": self.get_preserved_filters(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(EditorialAction)
class EditorialActionAdmin(ViewOnly, admin.ModelAdmin):
    """The record of decisions: read-only for everyone, editors included."""

    list_display = ["at", "user", "action", "state_change", "article_link"]
    list_display_links = ["at"]
    # "at" filters by Today / Past 7 days / This month / This year. No date hierarchy: Django's
    # truncates every row's date, and bulk actions make this table grow fast.
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "action", "at"]
    list_select_related = ["user", "article"]
    search_fields = ["article__title"]
    show_full_result_count = False
    fields = ["at", "user", "action", "state_change", "article_link"]
    readonly_fields = fields
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"article__{name}" for name in HEAVY_ARTICLE_FIELDS))

    @admin.display(description="change")
    def state_change(self, obj):
        change = (
            f"{EditorialAction.state_label(obj.from_state)} → {EditorialAction.state_label(obj.to_state)}"
        )
        if obj.publish_at:
            change += f", public from {obj.publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return change

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article)


def _state_label(article):
    if article.is_scheduled:
        return f"scheduled {article.publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return "published" if article.is_public else "unpublished"


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Every import on the record, newest first: read-only for everyone."""

    list_display = ["__str__", "started_by", "counts", "new_link"]
    fields = ["started_at", "finished_at", "started_by", "path_list", "counts", "new_link", "problem_list"]
    readonly_fields = fields
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="paths")
    def path_list(self, obj):
        return format_html_join(", ", "<code>{}</code>", ((path,) for path in obj.paths)) or "–"

    @admin.display(description="counts")
    def counts(self, obj):
        return (
            f"{obj.created} created, {obj.updated} updated, {obj.unchanged} unchanged, "
            f"{obj.rejected} rejected, {obj.suppressed} suppressed"
        )

    @admin.display(description="new articles")
    def new_link(self, obj):
        url = reverse("admin:articles_review") + f"?run={obj.pk}"
        return format_html('<a href="{}">New in this run, in the review queue</a>', url)

    @admin.display(description="rejected and suppressed files")
    def problem_list(self, obj):
        if not obj.problems:
            return "–"
        return format_html(
            '<ul class="import-problems">{}</ul>',
            format_html_join(
                "",
                "<li><code>{}</code> ({}): {}</li>",
                ((p.get("path", ""), p.get("kind", ""), p.get("reason", "")) for p in obj.problems),
            ),
        )


@admin.register(Tombstone)
class TombstoneAdmin(admin.ModelAdmin):
    """Deleted articles' web URLs. A superuser lifts a tombstone by deleting it: the next import
    of the document brings the article back, as a new, undecided article."""

    list_display = ["web_url", "title", "deleted_by", "deleted_at", "reason"]
    list_select_related = ["deleted_by"]
    search_fields = ["web_url", "title"]
    fields = list_display
    readonly_fields = fields
    actions = ["lift_selected"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(
        description="Lift the selected tombstones (the next import brings the articles back)",
        permissions=["delete"],
    )
    def lift_selected(self, request, queryset):
        lifted, _ = queryset.delete()
        self.message_user(
            request, f"{lifted} {'tombstone' if lifted == 1 else 'tombstones'} lifted.", messages.SUCCESS
        )
