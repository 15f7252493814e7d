"""Read an article document and turn it into a clean, validated `ArticleRecord`.

Plain functions, no database: text in, record (or a one-line `DocumentError`) out.
A document is YAML front matter between two `---` lines, then an optional body.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from articles.canonical import is_http_url, normalize_domain

try:  # libyaml's parser, events only: the documents' data is built here (see _build)
    from yaml.cyaml import CParser as _Parser
except ImportError:  # PyYAML without libyaml: the pure-Python parser, same events
    _Parser = yaml.SafeLoader
_RESOLVER = yaml.resolver.Resolver()  # plain scalar -> tag, as yaml.safe_load resolves them
# The first characters of the plain scalars that may resolve to something other than text
# (digits, signs, "~", the letters of true/false/yes/no/on/off/null...): any other plain scalar is
# text, as Resolver.resolve finds after looking up its resolvers by that first character.
_MAY_NOT_BE_TEXT = frozenset(_RESOLVER.yaml_implicit_resolvers)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # for the few non-text scalars

# Sane limits: anything larger is not an article but an accident or an attack.
MAX_FILE_BYTES = 1024 * 1024
MAX_FRONT_MATTER_CHARS = 256 * 1024
MAX_NESTING = 20
MAX_TITLE = 500
MAX_EXCERPT = 10_000
MAX_SHORT_TEXT = 50  # type, category
MAX_PROVIDER_NAME = 200
MAX_TOPIC_NAME = 100
MAX_TOPICS = 50
MAX_IMAGES = 50
MAX_RELATED = 200
MAX_SECURED = 64 * 1024
MAX_SCORE = 1_000_000
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
# Bump when cleaning rules change, so unchanged files are re-imported once under the new rules.
FORMAT_VERSION = b"articles-1\n"

DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?"
    r"(\.[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?)*$"
)
TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0"}


class DocumentError(ValueError):
    """A document that cannot become an article; the message is one line for the reader."""


@dataclass
class ImageRecord:
    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None


@dataclass
class ProviderRecord:
    domain: str
    name: str


@dataclass
class RelatedRecord:
    title: str
    web_url: str
    excerpt: str = ""
    published_at: dt.datetime | None = None
    amp_web_url: str = ""
    cdn_amp_web_url: str = ""
    type: str = ""
    provider: ProviderRecord | None = None
    quality: int | None = None
    images: list[ImageRecord] = field(default_factory=list)


@dataclass
class ArticleRecord:
    title: str
    web_url: str
    published_at: dt.datetime
    provider: ProviderRecord
    excerpt: str = ""
    original_url: str = ""
    amp_web_url: str = ""
    cdn_amp_web_url: str = ""
    type: str = ""
    category: str = ""
    quality: int | None = None
    heat: int | None = None
    published: bool = False
    topics: list[str] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    related: list[RelatedRecord] = field(default_factory=list)
    secured: str = ""
    body: str = ""
    warnings: list[str] = field(default_factory=list)


def fingerprint(data):
    """The content hash of a document's bytes: equal bytes give equal articles, so a re-import of
    an unchanged file writes nothing. FORMAT_VERSION is part of it so that a change in how
    documents are cleaned makes every file count as changed once."""
    return hashlib.sha256(FORMAT_VERSION + data).hexdigest()


# --- Reading -------------------------------------------------------------------------------------


def decode(data):
    """Bytes to text: UTF-8 (a BOM is allowed), no NUL bytes, line endings made `\\n`."""
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if "\x00" in text:
        raise DocumentError("contains NUL characters")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text):
    """Return (front matter, body). The first `---` line after the opening one closes it;
    any later `---` line belongs to the body."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise DocumentError("no front matter: the file must start with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body.strip("\n").rstrip()
    raise DocumentError("front matter is not closed by a '---' line")


def load_front_matter(front):
    """Safe YAML only: plain data types, no aliases, bounded size and nesting."""
    if len(front) > MAX_FRONT_MATTER_CHARS:
        raise DocumentError(f"front matter is larger than {MAX_FRONT_MATTER_CHARS // 1024} KiB")
    try:
        data = _build(front)
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {_one_line(exc)}") from None
    if data is _NOTHING or data is None:
        raise DocumentError("front matter is empty")
    if not isinstance(data, dict):
        raise DocumentError(f"front matter must be a mapping of keys, not {_kind(data)}")
    return data


_NOTHING = object()
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
# The only scalar types a document may hold; anything else (python/object, binary, set...) is refused.
_SCALAR_CONSTRUCTORS = {
    f"tag:yaml.org,2002:{name}": yaml.constructor.SafeConstructor.yaml_constructors[
        f"tag:yaml.org,2002:{name}"
    ]
    for name in ("null", "bool", "int", "float", "timestamp")
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", None, "!"}


def _build(front):
    """Turn the YAML event stream straight into dicts, lists and scalars.

    Never composes a node graph, so nesting is checked as it grows (the C composer crashes on
    very deep nesting), aliases are refused before they can multiply (billion laughs) and only
    plain data tags are constructed. Return `_NOTHING` for an empty stream."""
    parser = _Parser(front)
    try:
        get_event = parser.get_event
        get_event()  # StreamStart
        event = get_event()
        if isinstance(event, yaml.StreamEndEvent):
            return _NOTHING
        ScalarEvent, MappingStartEvent, SequenceStartEvent = (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
        )
        MappingEndEvent, SequenceEndEvent = yaml.MappingEndEvent, yaml.SequenceEndEvent
        # The collection being filled, whether it is a mapping, and its pending key; enclosing
        # collections wait on `stack`. `container` is None at the top level.
        container, is_map, key, stack = None, False, _NOTHING, []
        result = _NOTHING
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                value = event.value  # text when quoted, or plain and known to be: the common cases
                if event.tag is not None or (
                    event.implicit[0] and value[:1] in _MAY_NOT_BE_TEXT and _PLAIN_TAGS.get(value) != _STR_TAG
                ):
                    value = _scalar(event, is_key=is_map and key is _NOTHING)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag not in _COLLECTION_TAGS:
                    raise DocumentError(f"YAML tag {_short_tag(event.tag)} is not allowed")
                if is_map and key is _NOTHING:
                    raise DocumentError("YAML keys must be plain text")
                if len(stack) >= MAX_NESTING:
                    raise DocumentError(f"YAML is nested deeper than {MAX_NESTING} levels")
                stack.append((container, is_map, key))
                is_map = kind is MappingStartEvent
                container, key = ({} if is_map else []), _NOTHING
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value = container
                container, is_map, key = stack.pop()
            elif kind is yaml.AliasEvent:
                raise DocumentError("YAML aliases (*name) are not allowed")
            else:  # DocumentEnd: the front matter holds one document only
                if not isinstance(get_event(), yaml.StreamEndEvent):
                    raise DocumentError("front matter holds more than one YAML document")
                return result
            if container is None:
                result = value
            elif not is_map:
                container.append(value)
            elif key is _NOTHING:
                key = value
            else:
                container[key] = value
                key = _NOTHING
    finally:
        parser.dispose()


def _scalar(event, is_key):
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:  # quoted: always text
            return event.value
        tag = _PLAIN_TAGS.get(event.value)
        if tag is None:
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
            if len(event.value) <= 40 and len(_PLAIN_TAGS) < 10_000:  # keys and short values
                _PLAIN_TAGS[event.value] = tag
    if tag == _STR_TAG:
        return event.value
    if tag == _INT_TAG and event.value.isdigit() and (event.value[0] != "0" or event.value == "0"):
        try:  # plain decimal (a leading 0 means octal in YAML 1.1): no need for a node
            return int(event.value)
        except ValueError:  # more digits than Python converts
            raise DocumentError(f"invalid number {event.value[:40]!r}...") from None
    if tag == _MERGE_TAG and is_key:
        raise DocumentError("YAML merge keys (<<) are not allowed")
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:
        raise DocumentError(f"YAML tag {_short_tag(tag)} is not allowed")
    try:
        return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, event.value, style=event.style))
    except (ValueError, OverflowError) as exc:  # e.g. 2021-13-45, or a 5000-digit number
        what = "date" if tag == "tag:yaml.org,2002:timestamp" else "value"
        raise DocumentError(
            f"invalid {what} {event.value[:40]!r}: {' '.join(str(exc).split())}"[:200]
        ) from None


def _short_tag(tag):
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag[:80]


# Plain (unquoted) scalar -> its resolved tag: keys and common values repeat in every document.
_PLAIN_TAGS = {}


def _one_line(exc):
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" (line {mark.line + 2}, column {mark.column + 1})" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def _kind(value):
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


# --- Cleaning ------------------------------------------------------------------------------------


def parse_document(data):
    """Bytes of one document to an `ArticleRecord`, or raise `DocumentError`."""
    front, body = split_front_matter(decode(data))
    record = clean_article(load_front_matter(front))
    record.body = body
    return record


def clean_article(data):
    warnings = []
    web_url = _url(data.get("webUrl"), "webUrl")
    if not web_url:
        raise DocumentError("missing webUrl")
    record = ArticleRecord(
        title=_text(data.get("title"), "title", MAX_TITLE, required=True),
        web_url=web_url,
        published_at=_datetime(data.get("publishedDateTime"), "publishedDateTime", required=True),
        provider=_provider(data.get("provider"), web_url, "provider", warnings)
        or _provider_from_url(web_url),
        excerpt=_text(data.get("excerpt"), "excerpt", MAX_EXCERPT),
        original_url=_optional_url(data.get("originalUrl"), "originalUrl", warnings),
        amp_web_url=_optional_url(data.get("ampWebUrl"), "ampWebUrl", warnings),
        cdn_amp_web_url=_optional_url(data.get("cdnAmpWebUrl"), "cdnAmpWebUrl", warnings),
        type=_text(data.get("type"), "type", MAX_SHORT_TEXT),
        category=_text(data.get("category"), "category", MAX_SHORT_TEXT),
        quality=_int(data.get("quality"), "quality"),
        heat=_int(data.get("heat"), "heat"),
        published=_bool(data.get("published"), "published"),
        topics=_topics(data.get("topics")),
        images=_images(data.get("images"), "images", warnings),
        related=_related(data.get("related"), warnings),
        secured=_text(data.get("secured"), "secured", MAX_SECURED, strip=False),
        warnings=warnings,
    )
    return record


def _text(value, name, max_length, required=False, strip=True):
    if value is None:
        if required:
            raise DocumentError(f"missing {name}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocumentError(f"{name} must be text, not {_kind(value)}")
    text = str(value)
    if strip:
        text = text.strip()
    if required and not text:
        raise DocumentError(f"missing {name}")
    if len(text) > max_length:
        raise DocumentError(f"{name} is longer than {max_length} characters")
    return text


def _int(value, name):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DocumentError(f"{name} must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,9}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise DocumentError(f"{name} must be a whole number, not {value!r}"[:200])
    if not -MAX_SCORE <= value <= MAX_SCORE:
        raise DocumentError(f"{name} {value} is out of range")
    return value


def _bool(value, name):
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise DocumentError(f"{name} must be true or false, not {value!r}"[:200])


def _datetime(value, name, required=False):
    if value is None or value == "":
        if required:
            raise DocumentError(f"missing {name}")
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise DocumentError(f"{name} is not a date: {value!r}"[:200]) from None
    else:
        raise DocumentError(f"{name} is not a date: {value!r}"[:200])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise DocumentError(f"{name} {moment.date()} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return moment


def _url(value, name):
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise DocumentError(f"{name} must be text, not {_kind(value)}")
    value = value.strip()
    if not is_http_url(value):
        raise DocumentError(f"{name} is not an http(s) URL: {value!r}"[:200])
    return value


def _optional_url(value, name, warnings):
    """An optional URL that is not http(s) is dropped with a warning, never stored."""
    try:
        return _url(value, name)
    except DocumentError as exc:
        warnings.append(f"{exc}; dropped")
        return ""


def _provider_from_url(url):
    domain = normalize_domain(urlsplit(url).hostname)
    return ProviderRecord(domain=domain, name=domain)


def plausible_provider_name(name, domain):
    """Related links sometimes name a provider after a headline ("Armed robbery in Revesby" for
    miragenews.com). Trust such a name only when it and the domain share a word."""
    compact = re.sub(r"[^0-9a-z]", "", name.casefold())
    labels = [re.sub(r"[^0-9a-z]", "", label) for label in domain.split(".")[:-1] or [domain]]
    return bool(compact) and any(
        label and (compact in label or label in compact) for label in labels if label != "www"
    )


def _provider(value, url, name, warnings, trust_name=True):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DocumentError(f"{name} must be a mapping with name and domain, not {_kind(value)}")
    domain = normalize_domain(_text(value.get("domain"), f"{name}.domain", 253))
    if domain and not DOMAIN_RE.match(domain):
        warnings.append(f"{name}.domain {domain!r} is not a domain name; taken from the URL instead"[:200])
        domain = ""
    if not domain:
        return ProviderRecord(
            domain=_provider_from_url(url).domain,
            name=_text(value.get("name"), f"{name}.name", MAX_PROVIDER_NAME)
            or _provider_from_url(url).domain,
        )
    provider_name = _text(value.get("name"), f"{name}.name", MAX_PROVIDER_NAME)
    if not trust_name and not plausible_provider_name(provider_name, domain):
        provider_name = ""
    return ProviderRecord(domain=domain, name=provider_name or domain)


def _list(value, name, limit):
    if value is None:
        return []
    if not isinstance(value, list):
        raise DocumentError(f"{name} must be a list, not {_kind(value)}")
    if len(value) > limit:
        raise DocumentError(f"{name} has more than {limit} entries")
    return value


def _topics(value):
    if isinstance(value, str):
        value = [value]
    names, seen = [], set()
    for index, item in enumerate(_list(value, "topics", MAX_TOPICS)):
        topic = " ".join(_text(item, f"topics[{index}]", MAX_TOPIC_NAME).split())
        key = topic.casefold()
        if topic and key not in seen:
            seen.add(key)
            names.append(topic)
    return names


def _images(value, name, warnings):
    images = []
    for index, item in enumerate(_list(value, name, MAX_IMAGES)):
        where = f"{name}[{index}]"
        if not isinstance(item, dict):
            raise DocumentError(f"{where} must be a mapping with a url, not {_kind(item)}")
        url = _optional_url(item.get("url"), f"{where}.url", warnings)
        if not url:
            continue
        width, height = _int(item.get("width"), f"{where}.width"), _int(item.get("height"), f"{where}.height")
        if (width is not None and width < 0) or (height is not None and height < 0):
            raise DocumentError(f"{where} has a negative size")
        cached = item.get("isCached")
        images.append(
            ImageRecord(
                url=url,
                width=width,
                height=height,
                is_cached=None if cached is None else _bool(cached, f"{where}.isCached"),
            )
        )
    return images


def _related(value, warnings):
    related = []
    for index, item in enumerate(_list(value, "related", MAX_RELATED)):
        where = f"related[{index}]"
        if not isinstance(item, dict):
            raise DocumentError(f"{where} must be a mapping, not {_kind(item)}")
        url = _optional_url(item.get("webUrl"), f"{where}.webUrl", warnings)
        if not url:
            if item.get("webUrl") in (None, ""):
                warnings.append(f"{where} has no webUrl; dropped")
            continue
        title = _text(item.get("title"), f"{where}.title", MAX_TITLE)
        if not title:
            warnings.append(f"{where} has no title; dropped")
            continue
        related.append(
            RelatedRecord(
                title=title,
                web_url=url,
                excerpt=_text(item.get("excerpt"), f"{where}.excerpt", MAX_EXCERPT),
                published_at=_datetime(item.get("publishedDateTime"), f"{where}.publishedDateTime"),
                amp_web_url=_optional_url(item.get("ampWebUrl"), f"{where}.ampWebUrl", warnings),
                cdn_amp_web_url=_optional_url(item.get("cdnAmpWebUrl"), f"{where}.cdnAmpWebUrl", warnings),
                type=_text(item.get("type"), f"{where}.type", MAX_SHORT_TEXT),
                provider=_provider(item.get("provider"), url, f"{where}.provider", warnings, trust_name=False)
                or _provider_from_url(url),
                quality=_int(item.get("quality"), f"{where}.quality"),
                images=_images(item.get("images"), f"{where}.images", warnings),
            )
        )
    return related
