"""Stories in the database: grouping on import, incrementally and from scratch, and story URLs."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.importing import import_paths
from articles.models import Article, Story, StoryAlias, StoryKey
from tests import story_corpus
from tests.story_corpus import CORPUS, EXPECTED

NAME_OF_URL = {url: name for name, _, url, *_ in CORPUS}
pytestmark = pytest.mark.django_db


def grouping():
    groups = {}
    for url, story in Article.objects.values_list("web_url", "story__slug"):
        groups.setdefault(story, set()).add(NAME_OF_URL.get(url, url))
    return sorted(groups.values(), key=sorted)


def slugs_by_group():
    return {
        frozenset(NAME_OF_URL[url] for url in story.members.values_list("web_url", flat=True)): story.slug
        for story in Story.objects.all()
    }


def recluster():
    out = StringIO()
    call_command("recluster_stories", stdout=out)
    return out.getvalue()


def test_one_import_groups_the_corpus_and_decoys_stay_apart(tmp_path):
    import_paths([story_corpus.write(tmp_path)], workers=1)
    assert grouping() == sorted(EXPECTED, key=sorted)


def test_importing_in_batches_groups_as_a_rebuild_does(tmp_path):
    names = [name for name, *_ in CORPUS]
    # Batches that cut stories apart: the later members arrive first.
    for number, batch in enumerate([names[2::3], names[1::3], names[0::3]]):
        import_paths([story_corpus.write(tmp_path / str(number), batch)], workers=1)
    incremental, slugs = grouping(), slugs_by_group()
    assert incremental == sorted(EXPECTED, key=sorted)
    assert recluster() == f"{len(EXPECTED)} stories\n"
    assert grouping() == incremental
    assert slugs_by_group() == slugs  # a rebuild keeps every story's URL


def test_a_story_keeps_its_url_when_it_grows(tmp_path):
    import_paths([story_corpus.write(tmp_path / "1", ["b"])], workers=1)
    slug = Article.objects.get().story.slug
    import_paths([story_corpus.write(tmp_path / "2", ["a", "c"])], workers=1)
    story = Story.objects.get(slug=slug)
    assert story.article_count == 3
    assert set(story.members.values_list("web_url", flat=True)) == {
        url for n, _, url, *_ in CORPUS if n in "abc"
    }


def test_an_article_linking_two_stories_merges_them_and_the_retired_url_is_an_alias(tmp_path):
    import_paths([story_corpus.write(tmp_path / "1", ["b", "d"])], workers=1)
    b, d = (
        Article.objects.get(web_url=url).story.slug
        for url in ("https://two.example/watch-afib", "https://one.example/cxr")
    )
    overrides = {"j": {"related": ["https://two.example/watch-afib", "https://one.example/cxr"]}}
    import_paths([story_corpus.write(tmp_path / "2", ["j"], **overrides)], workers=1)
    assert Story.objects.count() == 1
    survivor = Story.objects.get()
    assert survivor.slug == b and survivor.article_count == 3
    assert StoryAlias.objects.get(slug=d).story == survivor


def test_a_changed_document_that_drops_its_link_splits_the_story(tmp_path):
    import_paths([story_corpus.write(tmp_path, ["a", "b"])], workers=1)
    assert Story.objects.count() == 1
    story_corpus.write(tmp_path, ["a"], a={"related": []})
    import_paths([tmp_path], workers=1)
    assert grouping() == [{"a"}, {"b"}]
    before = grouping()
    recluster()
    assert grouping() == before


def test_story_counts_and_lead(tmp_path):
    import_paths([story_corpus.write(tmp_path, ["a", "b", "c"])], workers=1)
    story = Story.objects.get()
    # Members a, b, c; related links: b's page (twice, once with tracking noise) and a home page.
    assert (story.article_count, story.published_count, story.source_count) == (3, 3, 4)
    assert story.first_at == story_corpus.BASE
    assert story.latest_at == story_corpus.BASE + story_corpus.timedelta(days=1)
    assert story.lead.web_url == "https://three.example/rhythm"  # equal quality and heat: the newest


def test_a_story_with_no_published_member_has_no_lead(tmp_path):
    (tmp_path / "u.txt").write_text(
        story_corpus.document(
            "u", "Unpublished story about hearts", "https://u.example/1", 0, [], published=False
        )
    )
    import_paths([tmp_path], workers=1)
    assert Story.objects.get().lead is None
    assert not Story.objects.published().exists()


def test_unpublishing_the_lead_hands_the_story_to_the_next_member(tmp_path):
    from articles.services import set_published

    import_paths([story_corpus.write(tmp_path, ["a", "b", "c"])], workers=1)
    story = Story.objects.get()
    set_published([story.lead_id], False)
    story.refresh_from_db()
    assert story.lead.web_url == "https://two.example/watch-afib" and story.published_count == 2


def test_a_changed_document_with_the_same_keys_keeps_its_keys_and_its_story_recounts(tmp_path):
    import_paths([story_corpus.write(tmp_path, ["a", "b", "c"])], workers=1)
    keys = set(StoryKey.objects.values_list("pk", "article_id", "key"))
    story_corpus.write(tmp_path, ["a"], a={"published": False})  # same title and links
    import_paths([tmp_path], workers=1)
    assert set(StoryKey.objects.values_list("pk", "article_id", "key")) == keys  # rows untouched
    story = Story.objects.get()
    assert (story.article_count, story.published_count) == (3, 2)
    assert grouping() == [{"a", "b", "c"}]
