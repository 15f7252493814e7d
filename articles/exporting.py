"""Write articles back as seed-format documents: YAML front matter between `---` lines, then the body.

    export_articles("exported/")  # -> number of files written

Plain functions, no output of their own. Keys come in the seeds' order and spelling (camelCase);
empty optional values are left out, as the seeds do. Importing the files into an empty database
gives the same articles, providers, topics, images and related links.
"""

import datetime as dt
from pathlib import Path

import yaml
from django.db.models import Prefetch

from articles.models import Article, ArticleImage, RelatedLink

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


def _image(url, width, height, is_cached):
    return _compact([("url", url), ("width", width), ("height", height), ("isCached", is_cached)])


def _provider(provider):
    return None if provider is None else {"name": provider.name, "domain": provider.domain}


def article_data(article, topic_names):
    """The article as the seed documents spell it: a dict in seed key order.

    `article` comes with its provider, images and related links (with providers) loaded;
    `topic_names` in the order the document listed them."""
    return _compact(
        [
            ("category", article.category),
            ("title", article.title),
            ("excerpt", article.excerpt),
            ("publishedDateTime", _timestamp(article.published_at)),
            ("originalUrl", article.original_url),
            ("webUrl", article.web_url),
            ("ampWebUrl", article.amp_web_url),
            ("cdnAmpWebUrl", article.cdn_amp_web_url),
            ("type", article.type),
            ("quality", article.quality),
            ("heat", article.heat),
            ("published", article.published),
            ("provider", _provider(article.provider)),
            ("topics", list(topic_names)),
            ("images", [_image(i.url, i.width, i.height, i.is_cached) for i in article.images.all()]),
            (
                "related",
                [
                    _compact(
                        [
                            ("title", link.title),
                            ("excerpt", link.excerpt),
                            ("publishedDateTime", _timestamp(link.published_at)),
                            ("webUrl", link.web_url),
                            ("ampWebUrl", link.amp_web_url),
                            ("cdnAmpWebUrl", link.cdn_amp_web_url),
                            ("type", link.type),
                            ("provider", _provider(link.provider)),
                            ("quality", link.quality),
                            (
                                "images",
                                [
                                    _image(i.get("url"), i.get("width"), i.get("height"), i.get("isCached"))
                                    for i in link.images
                                ],
                            ),
                        ]
                    )
                    for link in article.related_links.all()
                ],
            ),
            ("secured", article.secured),
        ]
    )


# Blocks of front matter that the seeds set apart with a blank line.
_BLOCKS = ["provider", "topics", "images", "related", "secured"]


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
