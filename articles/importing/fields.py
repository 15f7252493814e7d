"""The document format in one table: each document key, the model field it fills, how it is cleaned.

The parser (`documents.parse_document`) cleans a document by these tables, the writer takes its
columns from them and the exporter writes documents back from them, so adding a document field is
one line here (plus the model field it fills). A plain module: no Django, no app registry, at import time.

Kinds, as the parser cleans them:
- `text`: a string, stripped; `raw` the same, unstripped. At most `limit` characters, else the
  model field's `max_length` (read from the model on first use, see `max_length`).
- `url`: an http(s) URL, refused otherwise; `link`: an optional one, dropped with a warning.
- `date`: a date or time, made UTC; `number`: a whole number; `flag`: true or false (absent:
  false); `tristate`: true, false or absent (unknown).
- `provider`, `topics`, `images`, `related`: the nested blocks, with their own tables below;
  `limit` is the most entries a list may have.

Each table also gives the shape of a cleaned value: `ArticleRecord`, `RelatedRecord` and
`ImageRecord` are named tuples with one field per row (by model field name), so a record is cheap
to send from a worker process and read by name everywhere.
"""

from collections import namedtuple
from typing import NamedTuple


class Field(NamedTuple):
    key: str  # as documents spell it (camelCase)
    name: str  # the model field it fills
    kind: str  # how the parser cleans it (see above)
    required: bool = False
    limit: int | None = None  # characters or list entries; None: the model field's max_length

    @property
    def is_column(self):
        """Stored in the model's own table (not a related row, a membership or a foreign key)."""
        return self.kind not in NESTED


NESTED = {"provider", "topics", "images", "related"}

# In the order the documents write them (the exporter keeps it).
ARTICLE = (
    Field("category", "category", "text"),
    Field("title", "title", "text", required=True),
    Field("excerpt", "excerpt", "text", limit=10_000),
    Field("publishedDateTime", "published_at", "date", required=True),
    Field("originalUrl", "original_url", "link"),
    Field("webUrl", "web_url", "url", required=True),
    Field("ampWebUrl", "amp_web_url", "link"),
    Field("cdnAmpWebUrl", "cdn_amp_web_url", "link"),
    Field("type", "type", "text"),
    Field("quality", "quality", "number"),
    Field("heat", "heat", "number"),
    Field("published", "published", "flag"),
    Field("provider", "provider", "provider"),
    Field("topics", "topics", "topics", limit=50),
    Field("images", "images", "images", limit=50),
    Field("related", "related_links", "related", limit=200),
    Field("secured", "secured", "raw", limit=64 * 1024),
)

# A related link: dropped with a warning (not refused) without a usable webUrl or a title.
RELATED = (
    Field("title", "title", "text"),
    Field("excerpt", "excerpt", "text", limit=10_000),
    Field("publishedDateTime", "published_at", "date"),
    Field("webUrl", "web_url", "link"),
    Field("ampWebUrl", "amp_web_url", "link"),
    Field("cdnAmpWebUrl", "cdn_amp_web_url", "link"),
    Field("type", "type", "text"),
    Field("provider", "provider", "provider"),
    Field("quality", "quality", "number"),
    Field("images", "images", "images", limit=50),
)

# An image: dropped with a warning without a usable url. Related links keep theirs as JSON, by key.
IMAGE = (
    Field("url", "url", "link"),
    Field("width", "width", "number"),
    Field("height", "height", "number"),
    Field("isCached", "is_cached", "tristate"),
)

PROVIDER = (
    Field("name", "name", "text"),
    Field("domain", "domain", "text"),
)

# What `prepare` derives from the document's own fields, and the bookkeeping of where it came from.
DERIVED = ("body_html", "search_text", "source_count", "url_key", "slug")
SOURCE = ("source_path", "content_hash")

ImageRecord = namedtuple("ImageRecord", [field.name for field in IMAGE])
ProviderRecord = namedtuple("ProviderRecord", [field.name for field in PROVIDER])
RelatedRecord = namedtuple("RelatedRecord", [field.name for field in RELATED])
ArticleRecord = namedtuple(
    "ArticleRecord",
    [*(field.name for field in ARTICLE), "body", "warnings", *DERIVED, *SOURCE],
    defaults=[None] * (len(DERIVED) + len(SOURCE)),  # set by `prepare`
)

# The article's own columns the writer fills from a prepared record, in this order. `published`
# is apart (editors may own it), and so is `slug` (set once, on creation). The document's own
# `published` value is always kept, in DOCUMENT_PUBLISHED, whoever decides the article's state:
# an editor who hands an article back to its document gets the document's value at once.
DOCUMENT_PUBLISHED = "document_published"
ARTICLE_COLUMNS = (
    *(field.name for field in ARTICLE if field.is_column and field.name != "published"),
    "body",
    *(name for name in DERIVED if name != "slug"),
    *SOURCE,
)
RELATED_COLUMNS = tuple(field.name for field in RELATED if field.is_column)
IMAGE_COLUMNS = tuple(field.name for field in IMAGE)


def max_length(model_name, name):
    """The model field's max_length. Reads the model, so it needs the app registry when called
    (the parser calls it once per process, on its first document; never at import time)."""
    from django.apps import apps

    return apps.get_model("articles", model_name)._meta.get_field(name).max_length
