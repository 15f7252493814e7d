"""Write articles back as seed-format documents: YAML front matter between `---` lines, then the body.

    export_articles("exported/")  # -> number of files written

Plain functions, no output of their own. Keys and their order come from the document table
(`importing.fields.ARTICLE`), as the seeds spell them (camelCase); empty optional values are left out,
as the seeds do. Importing the files into an empty database
gives the same articles, providers, topics, images and related links.
"""

import datetime as dt
from pathlib import Path

import yaml
from django.db.models import Prefetch

from articles.models import Article, ArticleImage, RelatedLink

from .importing.fields import ARTICLE, IMAGE, NESTED, PROVIDER, RELATED

CHUNK_SIZE = 500


class _Timestamp(str):
    """A UTC time written as a plain YAML timestamp (2021-01-29T23:41:00Z), as in the seeds."""


class _Dumper(yaml.SafeDumper):
    """Safe YAML that indents list items under their key, as the seeds do (the pure-Python
    dumper: the C one cannot be told to)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    _Timestamp, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:timestamp", str(value))
)


def _timestamp(value):
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return _Timestamp(value.strftime(pattern))


def _compact(pairs):
    """A dict of the pairs whose value is not empty ("" / None / []); order kept."""
    return {key: value for key, value in pairs if value not in ("", None, [])}


def _value(field, value):
    """A model value as the document spells it, by the field's kind in the document table."""
    if field.kind == "date":
        return _timestamp(value)
    if field.kind == "provider":
        return None if value is None else _compact((f.key, getattr(value, f.name)) for f in PROVIDER)
    return value


def _image(image):
    """An image (an `ArticleImage`, or a related link's JSON entry, keyed as in the document)."""
    if isinstance(image, dict):
        return _compact((field.key, image.get(field.key)) for field in IMAGE)
    return _compact((field.key, getattr(image, field.name)) for field in IMAGE)


def _related(link):
    return _compact(
        (
            field.key,
            [_image(image) for image in link.images]
            if field.kind == "images"
            else _value(field, getattr(link, field.name)),
        )
        for field in RELATED
    )


def article_data(article, topic_names):
    """The article as the seed documents spell it: a dict in the document table's key order.

    `article` comes with its provider, images and related links (with providers) loaded;
    `topic_names` in the order the document listed them."""
    nested = {
        "topics": lambda: list(topic_names),
        "images": lambda: [_image(image) for image in article.images.all()],
        "related": lambda: [_related(link) for link in article.related_links.all()],
    }
    return _compact(
        (
            field.key,
            nested[field.kind]() if field.kind in nested else _value(field, getattr(article, field.name)),
        )
        for field in ARTICLE
    )


# Blocks of front matter that the seeds set apart with a blank line: the nested ones and the
# secured blob.
_BLOCKS = [field.key for field in ARTICLE if field.kind in NESTED or field.kind == "raw"]


def render_document(article, topic_names):
    """The whole document text for one article."""
    data = article_data(article, topic_names)
    groups = [{key: value for key, value in data.items() if key not in _BLOCKS}]
    groups += [{key: data[key]} for key in _BLOCKS if key in data]
    front = "\n".join(
        yaml.dump(group, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 30)
        for group in groups
    )
    body = f"\n{article.body}\n" if article.body else ""
    return f"---\n{front}---\n{body}"


def _topic_names(article_ids):
    """{article id: [topic name, ...]} in the order the documents listed them (membership order)."""
    Membership = Article.topics.through
    names = {}
    rows = (
        Membership.objects.filter(article_id__in=article_ids)
        .order_by("pk")
        .values_list("article_id", "topic__name")
    )
    for article_id, name in rows:
        names.setdefault(article_id, []).append(name)
    return names


def export_articles(directory, on_progress=None):
    """Write every article to `directory`/<slug>.txt; return how many files were written.

    Reads in chunks, so memory stays flat however many articles there are."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        articles = (
            Article.objects.filter(pk__in=chunk)
            .order_by("pk")
            .select_related("provider")
            .prefetch_related(
                # By position alone: the children's Meta ordering starts with `article`, a join.
                Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
                Prefetch(
                    "related_links",
                    queryset=RelatedLink.objects.select_related("provider").order_by("position"),
                ),
            )
        )
        topics = _topic_names(chunk)
        for article in articles:
            text = render_document(article, topics.get(article.pk, []))
            (directory / f"{article.slug}.txt").write_text(text, encoding="utf-8")
            written += 1
        if on_progress:
            on_progress(written, len(ids))
    return written
