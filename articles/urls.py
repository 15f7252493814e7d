from django.urls import path
from django.views.decorators.http import require_safe

from . import feeds, story_views, views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("feed/", require_safe(feeds.LatestArticlesFeed()), name="feed"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    # Before the story pages: a story slugged "feed" would be shadowed (slugs end in a hash).
    path("stories/feed/", require_safe(feeds.TopStoriesFeed()), name="stories_feed"),
    path("stories/<slug:slug>/", story_views.story_detail, name="story"),
    path("stories/<slug:slug>/feed/", require_safe(feeds.StoryArticlesFeed()), name="story_feed"),
    path("articles/<slug:slug>/story/", story_views.article_story, name="article_story"),
    path("topics/", story_views.topics, name="topics"),
    path("providers/", story_views.providers, name="providers"),
    path("topics/<str:slug>/", views.topic_detail, name="topic"),
    path("topics/<str:slug>/feed/", require_safe(feeds.TopicArticlesFeed()), name="topic_feed"),
    path("providers/<str:domain>/", views.provider_detail, name="provider"),
    path("providers/<str:domain>/feed/", feeds.ProviderArticlesFeed(), name="provider_feed"),
    path("feeds.opml", feeds.feeds_opml, name="feeds_opml"),
]
