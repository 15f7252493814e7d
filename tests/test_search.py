"""Text search: the database's own index (SQLite FTS5 here), safe quoting, ranking, fallback."""

import pytest
from django.db import connection

from articles import search, search_index
from articles.filters import parse_list_query
from articles.models import Article
from articles.selectors import article_listing

from . import factories as make


def listing_for(data):
    return article_listing(parse_list_query(data))


def titles(queryset):
    return [article.title for article in queryset]


@pytest.fixture
def texts(db):
    make.published(
        "Heart failure model",
        excerpt="A study of heart failure.",
        domain="cardio.example.com",
        topics=["heart-failure"],
        when=2020,
    )
    make.published(
        "Echo video analysis",
        excerpt="Mentions the heart once. " + "Many other words about echo video. " * 8,
        domain="echo.example.com",
        topics=["echocardiography"],
        when=2022,
    )
    make.published("Unrelated", excerpt="Nothing to see.", domain="other.example.com", when=2021)


def test_terms_are_words_only():
    assert list(search.search_terms('"AND( NEAR(a b) * heart-failure ^x')) == [
        '"and near a b heart failure x"'  # an unterminated quote runs to the end
    ]
    # Punctuation inside a run of characters joins its words into a phrase ("heart-failure").
    assert list(search.search_terms("AND( NEAR(a b) * heart-failure ^x")) == [
        "and",
        '"near a"',
        "b",
        '"heart failure"',
        "x",
    ]
    assert not search.search_terms("")
    assert search.to_fts5(search.parse('sa"y')) == '"sa" AND "y"'


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "AND(",
        "NEAR(heart failure)",
        "heart OR",
        "-heart",
        "heart:",
        "é日本🫀",
        "a" * 10_000,
        "'; DROP TABLE articles_article; --",
        "col:heart",
        "{heart}",
    ],
)
def test_operators_and_junk_never_raise(texts, q):
    list(search.matching(Article.objects.published(), search.search_terms(q)))
    list(listing_for({"q": q}).articles)


def test_every_word_must_match(texts):
    published = Article.objects.published()
    assert set(titles(search.matching(published, ["heart"]))) == {
        "Heart failure model",
        "Echo video analysis",
    }
    assert titles(search.matching(published, ["heart", "failure"])) == ["Heart failure model"]
    assert titles(search.matching(published, ["HEART", "Failure"])) == ["Heart failure model"]  # any case


def test_search_covers_provider_and_topic_names(texts):
    published = Article.objects.published()
    assert titles(search.matching(published, ["echocardiography"])) == ["Echo video analysis"]
    assert titles(search.matching(published, ["cardio"])) == ["Heart failure model"]  # provider name


def test_relevance_is_the_default_order_for_a_search(texts):
    listing = listing_for({"q": "heart failure heart"})
    assert listing.sort == "relevance"
    # The newer article mentions "heart" once in a long text; the older one is all about it.
    assert titles(listing_for({"q": "heart"}).articles) == ["Heart failure model", "Echo video analysis"]
    assert titles(listing_for({"q": "heart", "sort": "newest"}).articles) == [
        "Echo video analysis",
        "Heart failure model",
    ]


def test_index_follows_inserts_updates_and_deletes(texts):
    article = Article.objects.get(title="Unrelated")
    published = Article.objects.published()
    assert titles(search.matching(published, ["zebra"])) == []
    Article.objects.filter(pk=article.pk).update(search_text="Zebra crossing")
    assert titles(search.matching(published, ["zebra"])) == ["Unrelated"]
    assert titles(search.matching(published, ["nothing"])) == []
    article.delete()
    assert titles(search.matching(published, ["zebra"])) == []


def test_reimport_keeps_the_index_in_step(seeded, run_import, tmp_path):
    from .conftest import SEEDS

    source = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    changed = tmp_path / "001.txt"
    changed.write_text(
        source.replace("Novel deep learning system", "Platypus learning system", 1), encoding="utf-8"
    )
    code, _, err = run_import(changed)
    assert code == 0, err
    published = Article.objects.published()
    assert titles(search.matching(published, ["platypus"])) == [
        "Platypus learning system can predict cardiovascular risk from CT scans"
    ]
    assert titles(search.matching(published, ["novel", "system"])) == []


def test_fallback_without_a_text_index_matches_substrings(texts, monkeypatch):
    monkeypatch.setattr(search, "_vendor", lambda queryset: "other")
    published = Article.objects.published()
    assert titles(search.matching(published, ["heart", "failure"])) == ["Heart failure model"]
    assert titles(search.ranked(published, ["heart"])) == [
        "Echo video analysis",
        "Heart failure model",
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 triggers")
def test_triggers_come_back_after_a_table_rebuild(texts):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_article_fts_au")
    assert search_index.ensure_index(connection) is True
    assert search_index.ensure_index(connection) is False
    Article.objects.filter(title="Unrelated").update(search_text="Okapi")
    assert titles(search.matching(Article.objects.published(), ["okapi"])) == ["Unrelated"]
