"""The article changelist at scale (articles/admin/changelist.py): filters, search, date
hierarchy, query counts and the capped count."""

import html
import re

import pytest

from articles.admin.changelist import CappedCountPaginator, SourceCounts, source_counts
from articles.models import Article, Provider

from .editorial import CHANGELIST, PUBLISHED_TITLE, UNPUBLISHED_TITLE, article, messages_of


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", 5),
        ("?published__exact=1", 2),
        ("?quality_band=high", 0),
        ("?quality_band=medium", 3),
        ("?quality_band=low", 2),
        ("?topic=ai-in-healthcare", 1),
        ("?year=2021", 5),
        ("?year=2020", 0),
        ("?published_at__year=2021&published_at__month=6", 2),
        ("?q=SPECT", 1),
        ("?q=nature", 3),  # provider name
        ("?q=coronary+calcium", 1),
    ],
)
def test_changelist_filters_and_search(editor_client, query, expected):
    response = editor_client.get(CHANGELIST + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_provider_filter(editor_client):
    provider = article(PUBLISHED_TITLE).provider
    response = editor_client.get(f"{CHANGELIST}?provider__id__exact={provider.pk}")
    assert [row.title for row in response.context["cl"].result_list] == [PUBLISHED_TITLE]


@pytest.mark.parametrize(
    "query",
    [
        "?year=abc",
        "?year=99999999",
        "?quality_band=nope",
        "?topic=nope",
        "?provider__id__exact=abc",
        "?published_at__year=abc",
        "?published_at__year=9999",
        "?published_at__year=2021&published_at__month=13",
        "?o=99",
        "?bogus=1",
    ],
)
def test_bad_query_strings_are_not_errors(editor_client, query):
    response = editor_client.get(CHANGELIST + query, follow=True)
    assert response.status_code == 200


def test_changelist_query_count_does_not_grow_with_rows(
    editor_client, admin_client, run_import, tmp_path, django_assert_max_num_queries
):
    from bench.corpus import generate

    # 14: the unfiltered list also counts the articles per source (one grouped index scan).
    for client in (editor_client, admin_client):
        with django_assert_max_num_queries(14):
            assert client.get(CHANGELIST).status_code == 200
    code, _, err = run_import(generate(tmp_path / "corpus", 60))
    assert code == 0, err
    for client in (editor_client, admin_client):
        with django_assert_max_num_queries(14):
            response = client.get(CHANGELIST)
        assert len(response.context["cl"].result_list) == 50  # a full page, topics on every row
        # Filtered, the articles per source are counted under the other filters (one query more).
        with django_assert_max_num_queries(14):
            response = client.get(CHANGELIST + "?q=heart")
        assert len(response.context["cl"].result_list) > 20
        with django_assert_max_num_queries(14):
            client.get(CHANGELIST + "?topic=ai&quality_band=high&year=2021&published__exact=0")


def date_links(client, query):
    """The date hierarchy's markup on the changelist."""
    page = client.get(CHANGELIST + query).content.decode()
    return page[page.index('<nav class="toplinks">') :].split("</nav>")[0]


def test_date_hierarchy_drills_down(editor_client):
    # The seeds are all from 2021: the top level shows that year's months, as the admin does.
    nav = date_links(editor_client, "")
    assert re.findall(r">([A-Z][a-z]+)</a>", nav) == ["January", "February", "March", "June"]
    assert "?published_at__month=6&amp;published_at__year=2021" in nav
    nav = date_links(editor_client, "?published_at__year=2021&published_at__month=6")
    assert re.findall(r">(June \d+)</a>", nav) == ["June 1", "June 12"]
    assert "&lsaquo; 2021" in nav


def test_date_hierarchy_lists_years_when_there_are_several(editor_client, editor):
    from articles.services import set_published

    obj = article(UNPUBLISHED_TITLE)
    Article.objects.filter(pk=obj.pk).update(published_at=obj.published_at.replace(year=2019))
    set_published([obj.pk], True, editor)
    nav = date_links(editor_client, "")
    assert re.findall(r">(\d{4})</a>", nav) == ["2019", "2021"]
    nav = date_links(editor_client, "?published__exact=0")
    assert re.findall(r">([A-Z][a-z]+)</a>", nav) == ["February", "June"]  # 2021 only


def test_provider_filter_lists_only_providers_with_articles(editor_client):
    response = editor_client.get(CHANGELIST)
    spec = next(f for f in response.context["cl"].filter_specs if f.title == "provider")
    names = {name for _, name in spec.lookup_choices}
    assert names == set(Article.objects.values_list("provider__name", flat=True))
    # healthitanalytics.com is named by a related link only
    assert Provider.objects.filter(name="Analytics").exists() and "Analytics" not in names


def test_long_filtered_lists_are_counted_up_to_a_cap(editor_client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    assert "5 articles" in editor_client.get(CHANGELIST).content.decode()  # whole table: exact
    page = editor_client.get(CHANGELIST + "?year=2021").content.decode()
    assert "more than 3 articles" in page
    assert "Select all matching articles (more than 3)" in page
    assert "more than 3 results" in editor_client.get(CHANGELIST + "?q=learning").content.decode()
    assert "2 articles" in editor_client.get(CHANGELIST + "?published__exact=1").content.decode()
    # "Select all" acts on every matching article, not on the capped count.
    response = editor_client.post(
        CHANGELIST + "?year=2021",
        {"action": "publish_selected", "select_across": "1", "index": "0", "_selected_action": ["1"]},
        follow=True,
    )
    assert "3 articles published. 2 were already published: kept published (recorded)." in messages_of(
        response
    )
    assert Article.objects.published().count() == 5


def source_labels(client, query=""):
    """The source filter's entries as shown, "All" left out."""
    page = client.get(CHANGELIST + query).content.decode()
    block = page[page.index('<ul class="source-choices">') :].split("</ul>")[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items][1:]


def test_source_counts_are_exact_under_other_filters(editor_client):
    expected = {}
    for provider in Provider.objects.filter(articles__isnull=False).distinct():
        expected[provider.name] = Article.objects.filter(provider=provider, published=False).count()
    labels = source_labels(editor_client, "?published__exact=0")
    assert sorted(labels) == sorted(f"{name} ({count})" for name, count in expected.items())
    assert 0 in expected.values()  # a source with no unpublished article shows "(0)"
    assert "about" not in " ".join(labels)
    # Choosing a source keeps the counts of the others (they count under every other filter).
    nature = Provider.objects.get(domain="nature.com")
    assert f"Nature ({expected['Nature']})" in source_labels(
        editor_client, f"?published__exact=0&provider__id__exact={nature.pk}"
    )


def test_source_counts_past_the_budget_are_labelled_estimates(editor_client, settings):
    settings.ADMIN_SOURCE_COUNT_ROWS = 2  # more rows match than may be counted
    page = editor_client.get(CHANGELIST + "?year=2021").content.decode()
    assert "Counts marked “about” are estimates" in page
    labels = source_labels(editor_client, "?year=2021")
    assert any(re.fullmatch(r".+ \(about \d+\)", label) for label in labels)
    assert not any(re.fullmatch(r".+ \(\d+\)", label) for label in labels)  # no estimate passes as exact
    # The whole table is still counted exactly (one grouped count over an index).
    assert "about" not in " ".join(source_labels(editor_client))


def test_source_count_estimates_scale_the_sample(seeded):
    queryset = Article.objects.filter(quality__gte=0)
    exact = source_counts(queryset, budget=100)
    assert exact.exact and sum(exact.counts.values()) == queryset.count()
    estimate = source_counts(queryset, budget=2)
    assert not estimate.exact
    ids = sorted(queryset.values_list("pk", flat=True))
    if ids == list(range(ids[0], ids[0] + len(ids))):  # contiguous ids: the estimate is the total
        assert sum(estimate.counts.values()) == pytest.approx(len(ids))
    assert SourceCounts({1: 1234.5}, exact=False).label(1) == "about 1,200"
    assert SourceCounts({}, exact=True).label(1) == "0"
