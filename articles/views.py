"""Reader-facing pages (the reader's-site issue grows these)."""

from django.shortcuts import get_object_or_404, render

from .models import Article, Provider, Topic


def article_list(request):
    articles = Article.objects.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles})


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published().select_related("provider"), slug=slug)
    return render(request, "articles/article_detail.html", {"article": article})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    articles = topic.articles.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles, "topic": topic})


def provider_detail(request, domain):
    provider = get_object_or_404(Provider, domain=domain)
    articles = provider.articles.published().select_related("provider")[:20]
    return render(request, "articles/article_list.html", {"articles": articles, "provider": provider})
