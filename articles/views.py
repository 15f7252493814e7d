"""Reader-facing pages (the reader's-site issue grows these)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .models import Article, Provider, Topic


def article_list(request):
    articles = Article.objects.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles})


def article_detail(request, slug):
    """Published articles for everyone; staff also preview unpublished ones (with a banner)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).with_page_data(), slug=slug)
    context = {"article": article}
    if request.user.is_staff:
        context["admin_url"] = reverse("admin:articles_article_change", args=[article.pk])
    return render(request, "articles/article_detail.html", context)


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    articles = topic.articles.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles, "topic": topic})


def provider_detail(request, domain):
    provider = get_object_or_404(Provider, domain=domain)
    articles = provider.articles.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles, "provider": provider})
