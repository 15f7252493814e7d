"""What a reader's query means, asked of whichever database the suite runs on (CI runs it on SQLite
and on PostgreSQL): the same cases, the same answers."""

import pytest
from django.db import connection

from articles import search, search_index
from articles.filters import parse_list_query
from articles.models import Article
from articles.selectors import article_listing as read_listing

from . import factories as make


def titles(queryset):
    return [article.title for article in queryset]


def found(q):
    return set(titles(search.matching(Article.objects.published(), search.parse(q))))


ECHO = "Echocardiographic AI predicts heart failure"
SPECT = "Deep learning reads SPECT images"
ECG = "Deep learning for ECG"
WEARABLE = "Wearable sensors in cardiology"
OTHER = "Hospital budgets grow"


@pytest.fixture
def corpus(db):
    make.published(
        ECHO,
        excerpt="The model can predict outcomes from echocardiography videos.",
        topics=["imaging"],
        when=2023,
    )
    make.published(
        SPECT, excerpt="A deep network trained on myocardial perfusion scans.", topics=["imaging"], when=2022
    )
    make.published(ECG, excerpt="Deep models predicted arrhythmia from electrocardiograms.", when=2021)
    make.published(
        WEARABLE,
        excerpt="Smartwatches detect atrial fibrillation; ECG patches improved the prediction of strokes.",
        when=2024,
    )
    make.published(OTHER, excerpt="Money for wards and staff.", when=2020)
    search_index.refresh_vocabulary()  # what an import does (PostgreSQL's suggestions)


def test_words_match_their_inflections(corpus):
    assert found("predicted") == {ECHO, ECG, WEARABLE}  # predicts, predicted, prediction
    assert found("image") == {ECHO, SPECT}  # images, and the topic Imaging


def test_the_last_word_matches_as_a_prefix(corpus):
    assert found("echocardio") == {ECHO}
    assert found("wear") == {WEARABLE}
    assert found("heart echocardio") == {ECHO}
    assert found("echocardio heart") == set()  # only the last word
    assert found("echocardio wear") == set()


def test_phrases_or_and_exclusion(corpus):
    assert found('"deep learning"') == {SPECT, ECG}
    assert found('"learning deep"') == set()
    assert found("spect OR ecg") == {SPECT, ECG, WEARABLE}
    assert found("deep -SPECT") == {ECG}
    assert found('deep -"spect images"') == {ECG}
    assert found("-deep") == {ECHO, WEARABLE, OTHER}
    assert found("heart-failure") == {ECHO}  # a hyphenated word is a phrase


def test_title_matches_rank_first_then_newer(corpus):
    ranked = titles(search.ranked(Article.objects.published(), search.parse("ecg")))
    assert ranked == [ECG, WEARABLE]  # the title match, although the other is newer
    make.published("Twin study", excerpt="Same text.", when=2018)
    make.published("Twin study", excerpt="Same text.", when=2019)
    twins = search.ranked(Article.objects.published(), search.parse("twin"))
    assert [article.published_at.year for article in twins] == [2019, 2018]


def test_more_of_the_query_in_the_title_ranks_higher_and_quality_breaks_a_day(db):
    import datetime as dt

    day = dt.datetime(2022, 3, 1, 9, tzinfo=dt.UTC)
    make.published("Okapi news", excerpt="zebra", when=day + dt.timedelta(hours=3), quality=10)
    make.published("Okapi and zebra", excerpt="", when=day - dt.timedelta(days=300))
    make.published("More okapi news", excerpt="zebra", when=day + dt.timedelta(hours=1), quality=90)
    ranked = titles(search.ranked(Article.objects.published(), search.parse("okapi zebra")))
    assert ranked == ["Okapi and zebra", "More okapi news", "Okapi news"]


@pytest.fixture
def okapis(db):
    """36 articles over 8 days, five a day, one in four with "okapi" in its excerpt only, the
    qualities of a day different (unknown or 0 for some); a draft with "okapi" in its title, the
    newest."""
    import datetime as dt

    noon = dt.datetime(2024, 5, 10, 12, tzinfo=dt.UTC)
    make.save(
        *(
            make.record(
                f"Okapi sighting {n}" if n % 4 != 3 else f"Zoo report {n}",
                excerpt="An okapi near the river." if n % 4 == 3 else "Giraffes, and a report.",
                when=noon - dt.timedelta(days=n // 5, hours=n % 5),
                quality=(None, 0, 90, 40)[n % 4],
                topics=["wildlife"] if n % 3 else [],
            )
            for n in range(36)
        ),
        make.record("Okapi draft", published=False, when=noon + dt.timedelta(days=1)),
    )


@pytest.mark.parametrize("q", ["okapi", "okapi sighting", "okapi -zoo", "sighting OR zoo", "giraffes"])
@pytest.mark.parametrize("recent", [12, 17, 2000])
@pytest.mark.parametrize("counted", [False, True])
def test_every_page_of_a_search_is_a_slice_of_the_ranking(okapis, monkeypatch, q, recent, counted):
    """Whether a page is read from the newest articles' title matches or from the whole ranking
    (a small window makes both happen), and whether a window's titles are tested by the index or,
    the matches counted and many (all are, here), in a scratch table (SQLite), it holds the
    ranking's articles in its order."""
    monkeypatch.setattr(search, "RECENT", recent)
    monkeypatch.setattr(search, "SCRATCH_MATCHES_PER_ROW", 0)
    query = search.parse(q)
    for base in (Article.objects.published(), Article.objects.published().in_topics(["wildlife"])):
        ranking = titles(search.ranked(base, query))
        pages = search.RankedPages(base, query, count=len(ranking) if counted else None)
        for size in (1, 3, 5, 7, 13, 20):
            read = []
            for start in range(0, len(ranking) + size, size):
                read += titles(pages[start : start + size])
            assert read == ranking
    assert "Okapi draft" not in ranking


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's scratch table")
def test_a_windows_titles_are_tested_in_a_scratch_table_as_the_index_would_test_them(db):
    """The scratch table of a window splits words as the index does (same tokenizer, folded
    accents, stems, prefixes, phrases, OR, excluded words anywhere), so it marks the same
    articles; it keeps nothing from one window to the next, and nothing of it reaches the database."""
    make.published("Évora's cardiologists: AI reads échocardiograms", excerpt="Heart failure, earlier.")
    make.published('Okapi "sightings" rise; zoo-keepers\' AI [draft]', excerpt="A report on okapis.")
    make.published("Deep-learning ECG: 12-lead models", excerpt="Arrhythmia from electrocardiograms.")
    make.published("Wearables and the heart", excerpt="No okapi here.")
    rows = Article.objects.values_list("id", "title", "search_text")
    queries = [
        "evora",
        "echocardiogram",
        "AI",
        "sighting",
        "okapi -report",
        "okapi -zoo",
        '"deep learning"',
        "12 lead",
        "ecg OR wearables",
        "hear",
        "draft",
        "cardiologist heart",
        '"zoo keepers"',
        "AI -okapi",
    ]
    marked = []
    for q in queries:
        query = search.parse(q)
        by_index = set(
            Article.objects.annotate(hit=search._InTitle(query)).filter(hit=True).values_list("id", flat=True)
        )
        assert search._scratch_title_matches(connection, rows, query) == by_index, q
        marked.append(len(by_index))
    assert marked == [1, 1, 2, 1, 0, 0, 1, 1, 2, 1, 1, 0, 1, 1]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM temp.{search._SCRATCH}")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '%window%'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 tables")
def test_the_scratch_tables_tokenizer_is_the_indexs(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name IN (%s, %s)", list(search_index.FTS_TABLES))
        statements = [sql for (sql,) in cursor.fetchall()]
    assert len(statements) == 2
    assert all(f"tokenize='{search_index.FTS_TOKENIZER}'" in sql for sql in statements)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's scratch table")
def test_a_windows_scratch_table_needs_no_lock_an_import_holds(db, tmp_path):
    """An import holds SQLite's write lock for each batch; a reader's window is tested in its
    scratch table all the same, at once, not after the batch (the busy timeout)."""
    import sqlite3

    from django.db.backends.sqlite3.base import DatabaseWrapper

    database = tmp_path / "locked.sqlite3"
    with sqlite3.connect(database) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE articles_article (id INTEGER PRIMARY KEY, title TEXT, search_text TEXT)")
        setup.execute("INSERT INTO articles_article VALUES (7, 'Okapi sighting', 'Okapi sighting, zoo')")
    options = {**connection.settings_dict["OPTIONS"], "timeout": 0.1}  # IMMEDIATE transactions, as served
    reader = DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(database), "OPTIONS": options}, "reader"
    )
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import's batch
    writer.execute("INSERT INTO articles_article VALUES (8, 'Okapi draft', '')")
    try:
        rows = Article.objects.order_by("id").values_list("id", "title", "search_text")
        assert search._scratch_title_matches(reader, rows, search.parse("okapi")) == {7}
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.close()


def test_two_words_seldom_in_the_newest_titles_are_ranked_from_a_larger_window(db, monkeypatch):
    """The newest thirty articles match "okapi river" in their text only, the thirty before them
    in their titles: the first window (ten per result) holds no title match, the second, sized
    by that, holds them all, and the page comes from it without sorting every match."""
    import datetime as dt

    noon = dt.datetime(2024, 5, 10, 12, tzinfo=dt.UTC)
    make.save(
        *(
            make.record(
                f"Okapi by the river {n}" if n >= 30 else f"Zoo report {n}",
                excerpt="An okapi near the river.",
                when=noon - dt.timedelta(hours=n),
                quality=n % 7,
            )
            for n in range(60)
        )
    )
    query = search.parse("okapi river")
    ranking = titles(search.ranked(Article.objects.published(), query))
    assert all(title.startswith("Okapi by the river") for title in ranking[:30])

    def sort_every_match(*args):
        raise AssertionError("every match was sorted")

    monkeypatch.setattr(search, "ranked", sort_every_match)
    pages = search.RankedPages(Article.objects.published(), query)
    assert titles(pages[0:3]) == ranking[:3]
    assert titles(pages[3:6]) == ranking[3:6]


def test_search_list_pages_are_slices_of_the_ranking(okapis, monkeypatch):
    monkeypatch.setattr(search, "RECENT", 16)
    ranking = titles(search.ranked(Article.objects.published(), search.parse("okapi")))
    assert len(ranking) == 36
    assert titles(article_listing({"q": "okapi"}).articles) == ranking[:20]
    assert titles(article_listing({"q": "okapi", "page": "2"}).articles) == ranking[20:]


@pytest.mark.parametrize("small_topics", [0, 1000])
def test_search_pages_with_a_topic_are_slices_of_the_ranking(okapis, monkeypatch, small_topics):
    """The window of a search with a topic reads the topic's newest articles its own way (members
    by id for a small topic, a probe per row for a large one); the pages are the ranking all
    the same."""
    from articles import models

    monkeypatch.setattr(search, "RECENT", 6)
    monkeypatch.setattr(models, "SMALL_TOPIC_MEMBERS", small_topics)
    base = Article.objects.published().in_topics(["wildlife"])
    ranking = titles(search.ranked(base, search.parse("okapi")))
    assert len(ranking) == 24
    read = []
    for page in ("1", "2"):
        read += titles(article_listing({"q": "okapi", "topic": ["wildlife"], "page": page}).articles)
    assert read == ranking


@pytest.mark.parametrize("small_topics", [0, 1000])
def test_a_search_on_a_topics_own_page_reads_its_windows_shaped_for_them(okapis, monkeypatch, small_topics):
    """On a topic's page (/topics/wildlife/?q=okapi) the topic is the page's, not a filter, yet its
    windows read it the same way: a large topic probed per row (EXISTS), not its every member
    listed for each window, and the pages are the ranking."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles import models
    from articles.models import Topic

    monkeypatch.setattr(search, "RECENT", 6)
    monkeypatch.setattr(models, "SMALL_TOPIC_MEMBERS", small_topics)
    wildlife = Topic.objects.get(slug="wildlife")
    ranking = titles(search.ranked(Article.objects.published().in_topics([wildlife]), search.parse("okapi")))
    read = []
    with CaptureQueriesContext(connection) as queries:
        for page in ("1", "2"):
            read += titles(
                read_listing(parse_list_query({"q": "okapi", "page": page}), topic=wildlife).articles
            )
    assert read == ranking
    windows = [q["sql"] for q in queries if "LIMIT 6" in q["sql"] and "articles_article_topics" in q["sql"]]
    assert windows, "no window was read"
    if not small_topics:
        assert all("EXISTS" in sql for sql in windows)


def test_sort_overrides_relevance(corpus):
    assert titles(article_listing({"q": "ecg"}).articles) == [ECG, WEARABLE]
    assert titles(article_listing({"q": "ecg", "sort": "newest"}).articles) == [WEARABLE, ECG]


def test_search_combines_with_facets_and_counts_stay_exact(corpus):
    listing = article_listing({"q": "deep OR echocardio", "topic": ["imaging"]})
    assert set(titles(listing.articles)) == {ECHO, SPECT}
    topics = {
        value.value: value.count
        for facet in listing.facets
        if facet.name == "topic"
        for value in facet.values
    }
    assert topics == {"imaging": 2}
    assert listing.total == 2


def test_did_you_mean_from_the_corpus_vocabulary(corpus):
    assert search.suggestion(search.parse("echocardiografic")) == "echocardiographic"
    assert search.suggestion(search.parse("arrythmia deep")) == "arrhythmia deep"
    assert search.suggestion(search.parse("deep learning")) == ""  # nothing to correct
    listing = article_listing({"q": "echocardiografic"})
    assert listing.total == 0
    assert listing.suggestion == "echocardiographic"


def test_did_you_mean_never_offers_a_word_only_unpublished_articles_hold(corpus):
    """A suggestion is a word of the published articles: one only a draft holds would reveal the
    draft, and lead to a page with no results."""
    make.draft("Embargoed: tachyarrhythmiagenic findings", excerpt="Not public yet.")
    search_index.refresh_vocabulary()
    assert search.suggestion(search.parse("tachyarrhythmiagenik")) == ""
    assert found("tachyarrhythmiagenic") == set()
    # Published, the word is found and suggested at once (SQLite) or after the next import's
    # vocabulary refresh (PostgreSQL).
    Article.objects.filter(title__startswith="Embargoed").update(published=True)
    search_index.refresh_vocabulary()
    assert found("tachyarrhythmiagenic") == {"Embargoed: tachyarrhythmiagenic findings"}
    assert search.suggestion(search.parse("tachyarrhythmiagenik")) == "tachyarrhythmiagenic"


def test_the_results_page_links_the_suggestion(corpus, client):
    page = client.get("/", {"q": "echocardiografic", "topic": "imaging"}).content.decode()
    assert "Did you mean" in page
    assert 'href="?q=echocardiographic&amp;topic=imaging"' in page or (
        'href="?topic=imaging&amp;q=echocardiographic"' in page
    )
    assert "Did you mean" not in client.get("/", {"q": "deep"}).content.decode()


def test_result_cards_mark_the_matching_words(corpus, client):
    make.published("Predicting <script>alert(1)</script> risk", excerpt="x & y predicts <b>it</b>", when=2019)
    page = client.get("/", {"q": "predicted"}).content.decode()
    assert "<mark>predicts</mark> heart failure" in page
    assert "can <mark>predict</mark> outcomes" in page
    assert "<mark>Predicting</mark> &lt;script&gt;alert(1)&lt;/script&gt; risk" in page
    assert "x &amp; y <mark>predicts</mark> &lt;b&gt;it&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page
    plain = client.get("/").content.decode()
    assert "<mark>" not in plain


def test_a_long_excerpt_shows_a_snippet_around_the_match(db):
    text = " ".join(f"filler{n}" for n in range(100)) + " the zebra appears here " + "tail " * 50
    html = str(search.snippet(text, search.parse("zebra")))
    assert "<mark>zebra</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html.split()) < search.SNIPPET_WORDS + 5


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "*",
        "NEAR(",
        "NEAR(deep learning)",
        "AND",
        "deep AND",
        "OR",
        "OR deep OR",
        "-",
        "--",
        "-deep -",
        "'",
        "deep's",
        "\\",
        "\\'",
        "\x00",
        "deep\x00learning",
        "a" * 10_000,
        "!@#$%^&*()_+={}[]|:;<>,.?/~`",
        "col:deep",
        "deep:*",
        "deep & !learning | (x",
        "{deep}",
        "é日本🫀",
        "'; DROP TABLE articles_article; --",
    ],
)
def test_hostile_input_never_raises_and_never_reaches_the_engine(corpus, client, q):
    query = search.parse(q)
    for word in (word for clause in query.positive + list(query.excluded) for word in clause.words):
        assert search.WORD_RE.fullmatch(word)
    list(search.matching(Article.objects.published(), query))
    list(search.ranked(Article.objects.published(), query))
    search.suggestion(query)
    assert client.get("/", {"q": q}).status_code == 200


def test_operators_of_the_engines_are_plain_words(corpus):
    make.published("Near and far", excerpt="Not an operator.", when=2019)
    assert found("NEAR") == {"Near and far"}
    assert found("near AND far") == {"Near and far"}


def test_parsing():
    query = search.parse('Deep "heart failure" spect OR ecg -mouse -"in vitro" echocardio')
    assert list(query) == ["deep", '"heart failure"', "spect OR ecg", "echocardio*", "-mouse", '-"in vitro"']
    assert query.text() == 'deep "heart failure" spect OR ecg echocardio -mouse -"in vitro"'
    assert [[c.words for c in g] for g in search.parse(query.text()).groups] == [
        [c.words for c in g] for g in query.groups
    ]
    assert not search.parse("*** ---")
    assert list(search.parse("heart Heart HEART")) == ["heart*"]
    assert list(search.parse("ab")) == ["ab"]  # too short to be a prefix
    assert (
        sum(len(c.words) for c in search.parse(" ".join(f"w{n}" for n in range(100))).positive)
        == search.MAX_TERMS
    )
    assert search.to_fts5(search.parse('near "a b" OR c -d')) == '"near" AND ("a b" OR "c") NOT "d"'
    assert search.to_tsquery(search.parse('near "a b" OR c -d')) == "'near' & (('a' <-> 'b') | 'c') & !'d'"
    assert search.to_tsquery(search.parse("predic")) == "'predic':*"


def article_listing(data):
    return read_listing(parse_list_query(data))
