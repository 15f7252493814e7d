"""Basic admin registration (the editorial-admin issue builds the editors' tools)."""

from django.contrib import admin

from .models import Article, ArticleImage, Provider, RelatedLink, Topic


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 0


class RelatedLinkInline(admin.StackedInline):
    model = RelatedLink
    extra = 0
    fk_name = "article"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "published_at", "published"]
    list_filter = ["published"]
    search_fields = ["title"]
    list_select_related = ["provider"]
    raw_id_fields = ["provider"]
    inlines = [ArticleImageInline, RelatedLinkInline]


@admin.register(RelatedLink)
class RelatedLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "article", "provider", "published_at"]
    list_select_related = ["article", "provider"]
    raw_id_fields = ["article", "provider"]
