"""`export_articles`: seed-format documents that import back into exactly the same data."""

import re

import pytest

from articles.models import Article, Provider, RelatedLink, Topic

from .conftest import GOOD, SEEDS

pytestmark = pytest.mark.django_db

TRICKY = """\
---
title: "2024"
excerpt: "Line one\\nline two: with a colon, 'quotes' and \\"doubles\\" — and ünïcödé"
publishedDateTime: 2024-02-29T23:59:59.250000+05:30
webUrl: "https://tricky.example.org/a?x=1&y=2#frag"
type: "true"
category: "null"
quality: 0
heat: -1
published: true
provider:
  name: "Tricky: the provider"
  domain: Tricky.Example.ORG.
topics: [AI, "ai", "Ärzte & Ärztinnen", "123"]
images:
  - url: "https://img.example.org/a.png"
  - url: "https://img.example.org/b.png"
    width: 0
    isCached: false
related:
  - title: "Second position matters"
    webUrl: "https://x.example.com/1"
    images:
      - url: "https://img.example.com/only-url.png"
  - title: "No provider block"
    webUrl: "https://y.example.com/2"
    publishedDateTime: 2020-01-01
    quality: 7
secured: "  leading and trailing spaces, ;semi;colons;, a # hash  "
---

Body with a rule:

---

- a list
- [link](https://example.com)
"""


def snapshot():
    """Everything an article is, keyed by its identity, minus bookkeeping (ids, timestamps, file paths)."""
    skip = {
        "id",
        "created_at",
        "updated_at",
        "source_path",
        "content_hash",
        "provider",
        "published_decided_at",
    }
    fields = [f.name for f in Article._meta.concrete_fields if f.name not in skip]
    Membership = Article.topics.through
    articles = {}
    for article in Article.objects.select_related("provider").order_by("web_url"):
        row = {name: getattr(article, name) for name in fields}
        row["provider"] = (article.provider.domain, article.provider.name)
        row["topics"] = list(
            Membership.objects.filter(article=article)
            .order_by("pk")
            .values_list("topic__slug", "topic__name")
        )
        row["images"] = list(article.images.values_list("position", "url", "width", "height", "is_cached"))
        row["related"] = [
            (
                link.position,
                link.title,
                link.excerpt,
                link.published_at,
                link.web_url,
                link.amp_web_url,
                link.cdn_amp_web_url,
                link.type,
                link.provider and (link.provider.domain, link.provider.name),
                link.quality,
                link.images,
            )
            for link in RelatedLink.objects.filter(article=article).select_related("provider")
        ]
        articles[article.web_url] = row
    return {
        "articles": articles,
        "providers": set(Provider.objects.values_list("domain", "name", "name_from_article")),
        "topics": set(Topic.objects.values_list("slug", "name")),
    }


def test_round_trip_loses_nothing(run_import, run_export, tmp_path):
    tricky = tmp_path / "in" / "tricky.txt"
    tricky.parent.mkdir()
    tricky.write_text(TRICKY, encoding="utf-8")
    code, _, err = run_import(SEEDS, GOOD, tricky)
    assert code == 0, err
    before = snapshot()
    assert len(before["articles"]) == 13
    assert before["articles"]["https://tricky.example.org/a?x=1&y=2#frag"]["body"].startswith(
        "Body with a rule:"
    )

    code, out, _ = run_export(tmp_path / "out")
    assert code == 0
    assert out.strip() == f"13 articles exported to {tmp_path / 'out'}"
    assert len(list((tmp_path / "out").iterdir())) == 13

    Article.objects.all().delete()
    Provider.objects.all().delete()
    Topic.objects.all().delete()
    code, out, err = run_import(tmp_path / "out")
    assert code == 0, err
    assert err == ""  # nothing dropped: the export holds only safe URLs
    assert out.strip().splitlines()[-1] == "13 created, 0 updated, 0 unchanged, 0 rejected"
    assert snapshot() == before


def test_exported_seed_keeps_the_seed_layout(seeded, run_export, tmp_path):
    run_export(tmp_path)
    article = Article.objects.get(web_url__contains="Novel-deep-learning-system")
    exported = (tmp_path / f"{article.slug}.txt").read_text()
    original = (SEEDS / "001_eaa275ea85e408ae.txt").read_text()

    def keys(text):
        return re.findall(r"^ *-? *([A-Za-z]+):", text, flags=re.MULTILINE)

    assert keys(exported) == keys(original)
    assert exported.replace('"', "") == original.replace('"', "").rstrip("\n") + "\n"


def test_editor_decisions_are_exported_as_published(seeded, run_export, tmp_path):
    article = Article.objects.published().first()
    Article.objects.filter(pk=article.pk).update(published=False)
    run_export(tmp_path)
    assert "\npublished: false\n" in (tmp_path / f"{article.slug}.txt").read_text()


def test_export_into_a_file_is_a_usage_error(run_export, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, _, err = run_export(target)
    assert code == 2
    assert f"{target}: not a folder" in err


def test_export_of_an_empty_database_writes_nothing(db, run_export, tmp_path):
    code, out, _ = run_export(tmp_path / "empty")
    assert code == 0
    assert out.strip() == f"0 articles exported to {tmp_path / 'empty'}"
