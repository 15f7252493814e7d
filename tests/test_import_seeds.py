from articles.models import Article, Provider, RelatedLink, Topic

from .conftest import SEEDS


def test_seeds_give_five_articles_two_published(seeded):
    assert seeded.strip().splitlines()[-1] == "5 created, 0 updated, 0 unchanged, 0 rejected"
    assert Article.objects.count() == 5
    assert Article.objects.published().count() == 2
    assert set(Topic.objects.values_list("slug", flat=True)) == {"ai", "machine-learning", "ai-in-healthcare"}
    assert RelatedLink.objects.count() == 9


def test_article_provider_names_win_and_headlines_are_not_names(seeded):
    names = dict(Provider.objects.values_list("domain", "name"))
    assert names["nature.com"] == "Nature"
    assert names["medicalxpress.com"] == "Medical Xpress"
    assert names["miragenews.com"] == "miragenews.com"


def test_reimport_is_idempotent(seeded, run_import):
    code, out, _ = run_import(SEEDS)
    assert code == 0
    assert out.strip().splitlines()[-1] == "0 created, 0 updated, 5 unchanged, 0 rejected"
    assert Article.objects.count() == 5
