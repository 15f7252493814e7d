"""Parsing and validating one document: bytes in, a clean record or a one-line reason out (no database)."""

import datetime as dt

import pytest

from articles.importing import rendering
from articles.importing.documents import (
    MAX_FILE_BYTES,
    DocumentError,
    fingerprint,
    is_http_url,
    load_front_matter,
    parse_document,
    split_front_matter,
)

from .conftest import BAD, GOOD, REJECTIONS, SEEDS


def test_every_bad_fixture_has_an_expected_reason():
    assert sorted(REJECTIONS) == sorted(p.name for p in BAD.iterdir() if p.name != "body_too_complex.txt")


@pytest.mark.parametrize("name", sorted(REJECTIONS))
def test_bad_document_is_rejected_with_one_line_reason(name):
    with pytest.raises(DocumentError) as caught:
        parse_document((BAD / name).read_bytes())
    message = str(caught.value)
    assert REJECTIONS[name] in message
    assert "\n" not in message and len(message) <= 200


def test_python_tags_construct_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DocumentError):
        parse_document(b'---\nx: !!python/object/apply:os.system ["touch pwned"]\n---\n')
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "front",
    [
        "a: !!binary aGVsbG8=",
        "a: !!set {x, y}",
        "a: !custom thing",
        "? [a, b]\n: c",
        "<<: {title: merged}",
        "a: &anchor [1]\nb: *anchor",
    ],
)
def test_only_plain_yaml_data_is_accepted(front):
    with pytest.raises(DocumentError):
        load_front_matter(front)


def test_very_deep_nesting_is_refused_quickly_without_crashing():
    # The C composer segfaults on such input; the event-based loader stops at depth 21.
    for front in ["a: " + "[" * 120_000, "a:\n" + "- " * 100_000 + "x", "a: " + "{a: " * 60_000]:
        with pytest.raises(DocumentError, match="nested deeper than 20"):
            load_front_matter(front)


def test_huge_numbers_are_rejected_not_crashing():
    with pytest.raises(DocumentError, match="invalid number"):
        load_front_matter("quality: " + "9" * 5000)
    with pytest.raises(DocumentError, match="out of range"):
        parse_document(
            b"---\ntitle: t\nwebUrl: https://e.com/a\npublishedDateTime: 2024-01-01\nquality: 10000000\n---\n"
        )


def test_file_larger_than_the_limit_is_rejected():
    data = b"---\ntitle: big\nwebUrl: https://e.com/big\npublishedDateTime: 2024-01-01\n---\n"
    with pytest.raises(DocumentError, match="larger than 1024 KiB"):
        parse_document(data + b"x" * MAX_FILE_BYTES)


def test_body_too_complex_for_markdown_is_rejected_in_bounded_time(monkeypatch):
    monkeypatch.setattr(rendering, "RENDER_SECONDS", 0.2)
    record = parse_document((BAD / "body_too_complex.txt").read_bytes())
    with pytest.raises(DocumentError, match="body is too complex to render"):
        rendering.render_body(record.body)
    assert rendering.render_body("Still *works* after.") == "<p>Still <em>works</em> after.</p>"


# --- Accepted documents ----------------------------------------------------------------------------


def parse(name):
    return parse_document((GOOD / name).read_bytes())


def test_byte_order_mark_is_accepted():
    record = parse("bom.txt")
    assert record.title == "Starts with a byte order mark"
    assert record.body == "Body after a BOM."


def test_crlf_line_endings_are_accepted():
    record = parse("crlf.txt")
    assert record.title == "Windows line endings"
    assert record.topics == ["AI"]
    assert record.body == "First line.\n\nSecond paragraph."


def test_unknown_keys_are_ignored():
    record = parse("unknown_keys.txt")
    assert record.title == "Carries keys nobody knows"
    assert record.provider.name == "Example News" and record.warnings == []


def test_missing_optional_fields_get_defaults():
    record = parse("minimal.txt")
    assert (record.excerpt, record.type, record.quality, record.heat, record.published) == (
        "",
        "",
        None,
        None,
        False,
    )
    assert (record.topics, record.images, record.related_links, record.secured, record.body) == (
        [],
        [],
        [],
        "",
        "",
    )
    assert (record.provider.domain, record.provider.name) == ("minimal.example.org", "minimal.example.org")


def test_dates_with_offsets_become_utc():
    assert parse("date_offset.txt").published_at == dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)


def test_dash_line_inside_the_body_is_body_text():
    record = parse("dash_line_in_body.txt")
    assert record.published is True
    assert record.body == "Above the rule.\n\n---\n\nBelow the rule."


def test_optional_urls_that_are_not_http_are_dropped_with_a_warning():
    record = parse("unsafe_optional_urls.txt")
    assert (record.amp_web_url, record.cdn_amp_web_url) == ("", "")
    assert [image.url for image in record.images] == ["https://img.example.com/kept.jpg"]
    assert [link.web_url for link in record.related_links] == ["https://other.example.net/story"]
    assert record.related_links[0].amp_web_url == ""
    assert [image.url for image in record.related_links[0].images] == ["https://img.example.net/ok.png"]
    assert len(record.warnings) == 6
    assert all(warning.endswith("dropped") for warning in record.warnings)


def test_seed_document_parses_fully():
    record = parse_document((SEEDS / "001_eaa275ea85e408ae.txt").read_bytes())
    assert record.published is True and record.quality == 58 and record.heat == 88
    assert record.topics == ["Machine Learning", "AI"]
    assert len(record.related_links) == 3 and record.related_links[0].provider.name == "Nature"
    assert record.images[0].width == 620 and record.images[0].is_cached is True
    assert record.secured.endswith(";oNqp8giPss7oAK54w6gv6w==")


def test_front_matter_ends_at_the_first_closing_line():
    front, body = split_front_matter("---\na: 1\n---\nb\n---\nc\n")
    assert (front, body) == ("a: 1", "b\n---\nc")


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.com/a?b=c&d=e#f", True),
        ("HTTP://Example.com", True),
        ("https://例え.jp/パス", True),
        ("javascript:alert(1)", False),
        ("ftp://example.com/", False),
        ("/relative/path", False),
        ("https://", False),
        ("https://exa mple.com/", False),
        ("https://example.com/\x00", False),
        ("http:///no-host", False),
    ],
)
def test_is_http_url(url, ok):
    assert is_http_url(url) is ok


def test_fingerprint_changes_with_the_bytes():
    assert fingerprint(b"a") == fingerprint(b"a") != fingerprint(b"b")


def test_the_document_table_names_real_model_fields():
    from articles.importing.fields import ARTICLE, ARTICLE_COLUMNS, IMAGE, RELATED, RELATED_COLUMNS
    from articles.models import Article, ArticleImage, RelatedLink

    for model, table, columns in [
        (Article, ARTICLE, ARTICLE_COLUMNS),
        (RelatedLink, RELATED, RELATED_COLUMNS),
    ]:
        names = {field.name for field in model._meta.get_fields()}
        assert {field.name for field in table} <= names
        assert set(columns) <= names
    assert {field.name for field in IMAGE} <= {field.name for field in ArticleImage._meta.get_fields()}


def test_the_parser_imports_without_the_app_registry():
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = "import articles.importing.documents, articles.domains, articles.canonical"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
