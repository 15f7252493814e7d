from django.urls import path

from . import feeds, story_views, views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("stories/<slug:slug>/", story_views.story_detail, name="story"),
    path("articles/<slug:slug>/story/", story_views.article_story, name="article_story"),
    path("topics/", story_views.topics, name="topics"),
    path("providers/", story_views.providers, name="providers"),
    path("topics/<str:slug>/", views.topic_detail, name="topic"),
    path("topics/<str:slug>/feed/", feeds.TopicArticlesFeed(), name="topic_feed"),
    path("providers/<str:domain>/", views.provider_detail, name="provider"),
]
