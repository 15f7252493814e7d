"""What scaling to a million articles changed that a reader or an operator notices."""

import pytest

from articles.filters import parse_list_query
from articles.importing import import_paths, pipeline
from articles.models import Article, ContentVersion
from bench.corpus import generate

pytestmark = pytest.mark.django_db


def version():
    return ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first() or 0


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """30 generated documents, written by the importer in batches of 5."""
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 5)
    return generate(tmp_path / "corpus", 30)


def test_a_long_import_bumps_the_content_version_once_not_per_batch(corpus):
    before = version()
    report = import_paths([corpus], workers=1)
    assert report.created == 30
    # Six batches, one bump: readers' cached pages stayed valid while it ran.
    assert version() == before + 1


def test_bumps_come_every_interval_while_an_import_runs(corpus, settings):
    settings.CONTENT_VERSION_COALESCE_SECONDS = 0
    before = version()
    import_paths([corpus], workers=1)
    assert version() == before + 6


def test_a_re_import_of_unchanged_files_bumps_nothing(corpus):
    import_paths([corpus], workers=1)
    before = version()
    import_paths([corpus], workers=1)
    assert version() == before
    assert Article.objects.count() == 30


@pytest.fixture
def imported(corpus):
    import_paths([corpus], workers=1)
    return corpus


def test_new_filter_combinations_count_their_facets_without_a_query(
    imported, client, settings, django_assert_max_num_queries
):
    """Facet counts come from the in-memory bitmaps (articles.facet_index), built once per content
    version: a combination nobody asked for yet costs no counting query, whatever it matches."""
    from articles.facet_index import forget

    settings.CONTENT_VERSION_TTL = 60
    forget()
    client.get("/?sort=newest")  # builds the index
    with django_assert_max_num_queries(3):  # the page of articles, its topics and images
        response = client.get("/?topic=ai&topic=mri&year=2020&provider=nature.com&sort=oldest")
    assert response.status_code == 200


def test_bitmap_counts_equal_the_databases_grouped_counts(imported, settings):
    """Every facet of a few filter combinations, counted both ways."""
    from articles.selectors import article_listing

    combos = [
        {},
        {"topic": ["ai", "mri"]},
        {"topic": ["cardiology"], "provider": ["nature.com", "provider3.example.com"]},
        {"year": ["2019", "2024", "nonsense"], "topic": ["ct"]},
        {"q": "heart", "topic": ["ai"]},
    ]

    def counts(data):
        listing = article_listing(parse_list_query(data))
        return [(f.name, [(v.value, v.count) for v in f.values]) for f in listing.facets]

    for data in combos:
        settings.FACET_INDEX = True
        bitmaps = counts(data)
        settings.FACET_INDEX = False
        assert bitmaps == counts(data), data


def _database_settings(**env):
    import json
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    environ.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="portal.settings", **env)
    script = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_gets_a_connection_pool_sized_from_the_environment():
    url = "postgres://portal@127.0.0.1:5432/portal"
    database = _database_settings(DATABASE_URL=url, DJANGO_DB_POOL_MAX_SIZE="2")
    assert database["OPTIONS"]["pool"]["max_size"] == 2
    assert database["CONN_MAX_AGE"] == 0  # Django's pool refuses persistent connections
    database = _database_settings(DATABASE_URL=url, DJANGO_DB_POOL_MAX_SIZE="0")
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60


def test_sqlite_gets_no_pool():
    database = _database_settings(DATABASE_URL="sqlite:////tmp/never-opened.sqlite3")
    assert "pool" not in database["OPTIONS"]


def test_one_process_builds_the_index_the_others_load_it_from_the_cache(
    imported, client, settings, django_assert_max_num_queries
):
    from articles import content_version
    from articles.facet_index import forget

    settings.CONTENT_VERSION_TTL = 60
    forget()
    first = client.get("/?topic=ai").content
    forget()  # another process: nothing in its memory, the index in the shared cache
    content_version.forget_local()
    with django_assert_max_num_queries(4):  # the version, the page of articles, topics, images
        assert client.get("/?topic=ai").content == first


def test_a_writer_killed_owing_a_bump_leaves_no_cache_trusted_and_the_next_import_pays(settings, corpus):
    """A long import skips bumps and pays them every few seconds; killed in between (kill -9: no
    `finally` runs), it leaves committed articles no cache key knows of. The debt is on the record:
    readers' keys stop standing still, and the next import pays it before anything else."""
    from datetime import timedelta

    from django.utils import timezone

    from articles import content_version

    settings.CONTENT_VERSION_TTL = 0
    settings.CONTENT_VERSION_COALESCE_SECONDS = 60
    with content_version.coalesced():
        content_version.bump()  # skipped: owed, and said so in the database
        assert ContentVersion.objects.get(pk=1).owed_since is not None
    assert ContentVersion.objects.get(pk=1).owed_since is None  # paid when the block ends

    # What a writer killed owing a bump leaves behind: the debt, soon overdue.
    owed = version()
    ContentVersion.objects.filter(pk=1).update(owed_since=timezone.now())
    token = content_version.token()  # a live writer may still pay: keys stand
    assert content_version.token() == token
    ContentVersion.objects.filter(pk=1).update(owed_since=timezone.now() - timedelta(seconds=63))
    assert content_version.token() != token  # overdue: readers' cached pages and facet index no longer match

    import_paths([corpus], workers=1)
    row = ContentVersion.objects.get(pk=1)
    assert row.value > owed and row.owed_since is None


def test_an_import_of_new_articles_brings_the_facet_index_up_to_date_without_reading_every_article(
    tmp_path, settings, client, monkeypatch
):
    """At a million articles the index takes seconds to build, and a long import bumps the content
    version every few seconds: each process reads only the articles added since; any other change
    (an editor's decision) builds it again. Either way its counts are the database's."""
    from articles import content_version, facet_index, services
    from articles.selectors import article_listing

    settings.CONTENT_VERSION_TTL = 60
    builds = []
    build = facet_index.build
    monkeypatch.setattr(facet_index, "build", lambda: builds.append(1) or build())

    def counts(data):
        listing = article_listing(parse_list_query(data))
        return listing.total, [(f.name, [(v.value, v.count) for v in f.values]) for f in listing.facets]

    def database_counts(data):
        settings.FACET_INDEX = False
        try:
            return counts(data)
        finally:
            settings.FACET_INDEX = True

    def next_version():
        content_version.forget_local()  # as every process does within CONTENT_VERSION_TTL

    import_paths([generate(tmp_path / "first", 30)], workers=1)
    next_version()
    before = counts({"topic": ["ai"]})
    assert len(builds) == 1

    import_paths([generate(tmp_path / "second", 30, seed=2)], workers=1)  # 30 new articles
    next_version()
    for data in ({}, {"topic": ["ai"]}, {"provider": ["nature.com"], "year": ["2021", "2024"]}):
        assert counts(data) == database_counts(data), data
    assert counts({"topic": ["ai"]}) != before
    assert len(builds) == 1  # brought up to date, not built again

    services.set_published(list(Article.objects.published().values_list("id", flat=True)[:3]), False)
    next_version()
    assert counts({}) == database_counts({})
    assert len(builds) == 2


def test_a_list_few_articles_match_is_read_by_id_and_stays_as_live_as_the_database(
    imported, client, settings, monkeypatch
):
    """Few matches (two topics and two sources at a million articles): the page is read by the
    facet index's ids rather than by walking the date index, with the same articles in the same
    order, and an article written or unpublished since the index was built shows at once."""
    import re

    from articles import selectors
    from articles.facet_index import forget

    from . import factories

    monkeypatch.setattr(selectors, "SPARSE_SHARE", 1)  # 30 articles: no list is sparse otherwise

    def slugs(url):
        response = client.get(url)
        assert response.status_code == 200
        return re.findall(r'class="card__title"><a href="/articles/([^/]+)/', response.content.decode())

    settings.CONTENT_VERSION_TTL = 60
    forget()
    url = "/?topic=ai&topic=cardiology&year=2018&year=2019&year=2020&year=2021&sort=oldest"
    by_id = slugs(url)
    settings.FACET_INDEX = False
    assert slugs(url) == by_id and by_id
    settings.FACET_INDEX = True

    new = factories.published("Written since", domain="nature.com", topics=["AI"], when=2018)  # no bump
    gone = Article.objects.get(slug=by_id[0])
    Article.objects.filter(pk=gone.pk).update(published=False)  # no bump either
    assert slugs(url) == [new.slug, *by_id[1:]]


def test_postgresql_reads_best_rated_lists_in_index_order(imported):
    """PostgreSQL sorts NULL first in a descending order, so an index on `quality DESC` cannot give
    "Best rated" (unrated last): a topic's list sorted by quality read and sorted every published
    article (0.5 s at a million). The index in the list's own order needs no sort."""
    from django.db import connection
    from django.http import QueryDict

    from articles import selectors
    from articles.filters import ArticleFilter

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's NULL order")
    query = parse_list_query(QueryDict("sort=quality"))
    filterset = ArticleFilter(query.filter_data(), queryset=Article.objects.published())
    sql, params = selectors._ordered(filterset, query)[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        for plan in ("seqscan", "bitmapscan", "sort"):  # 30 articles: any plan would do otherwise
            cursor.execute(f"SET LOCAL enable_{plan} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_quality_nulls_last_idx" in plan and "Sort" not in plan, plan
