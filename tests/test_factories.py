"""The factories store an article as the importer would store the same document."""

import pytest

from articles.models import Article

from . import factories as make

DERIVED = ["slug", "url_key", "source_count", "search_text", "body_html"]


@pytest.mark.django_db
def test_a_factory_article_is_stored_as_an_import_of_its_document_would_be(tmp_path, run_export, run_import):
    make.published("Heart study | Example", topics=["MRI", "AI"], related=2, body="Some *text*.")
    made = Article.objects.values(*DERIVED).get()
    assert made["source_count"] == 3 and "<em>text</em>" in made["body_html"]

    assert run_export(tmp_path)[0] == 0
    Article.objects.all().delete()
    code, _, err = run_import(tmp_path)

    assert code == 0, err
    assert Article.objects.values(*DERIVED).get() == made


@pytest.mark.django_db
def test_a_decided_article_keeps_the_editors_state_through_a_reimport(tmp_path, run_export, run_import):
    make.decided("Withdrawn by an editor", published=False)
    run_export(tmp_path)
    path = next(tmp_path.glob("*.txt"))
    text = path.read_text()
    assert "\npublished: false\n" in text
    path.write_text(text.replace("\npublished: false\n", "\npublished: true\n"))

    code, out, err = run_import(tmp_path)

    assert code == 0, err
    assert "1 updated" in out
    assert Article.objects.get().published is False
