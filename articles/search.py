"""Full-text search: what a reader's query means, and how each database answers it.

A query is parsed once (`parse`) into an engine-neutral tree, a `Query`: groups of clauses that
must all match (a group matches when any of its clauses does: `OR`), and clauses that must not
(`-word`). A clause is one word or a phrase (`"exact phrase"`); the last word of a query also
matches as a prefix. Only runs of letters and digits survive the parsing, so the tree compiles to
each engine's syntax (`to_fts5`, `to_tsquery`) without any user text reaching it: any input is a
valid query, never an error.

- SQLite: the FTS5 tables of articles.search_index (Porter stemming over unicode61), one for the
  published articles and one for the rest.
- PostgreSQL: the narrow table of articles.search_index, a tsvector per article (English
  stemming; the title's words weighted 'A', which a title-only query asks for), partitioned by
  `published`, each part with a GIN index.

Ranking is the same on both: more of the query matched in the title first, then the newer day,
within a day the better quality, then the newer article. It costs one index lookup per query
group, not a scoring function per matching row (bm25 or ts_rank over the tens of thousands of
matches of a common word made a search slow). A list page reads its slice of the ranking through
`RankedPages`, which finds the first pages of a common word among the newest articles' title
matches instead of sorting every match.
- Anything else: every word must appear (case-insensitive substring), no ranking.

Highlighting (`highlight`, `snippet`) and "did you mean" (`suggestion`) stem words the way the
database in use does, so what is marked is what matched.
"""

import functools
import math
import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Expression,
    F,
    Func,
    IntegerField,
    Q,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND
from django.utils.html import escape, format_html, format_html_join

from .id_lists import aggregate_sql, id_bitmap
from .models import Unindexed
from .search_index import (
    FTS_PUBLISHED,
    FTS_TABLES,
    FTS_TOKENIZER,
    PG_SEARCH_PUBLISHED,
    PG_SEARCH_TABLE,
    vocabulary,
)

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX = 3  # shorter last words match whole words only: a one-letter prefix matches everything
WORD_RE = re.compile(r"[^\W_]+")  # letters and digits: what both engines' tokenizers keep
# A quoted phrase (maybe negated, maybe unterminated), or a run of anything else but spaces.
CHUNK_RE = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
SNIPPET_WORDS = 36


@dataclass(frozen=True)
class Clause:
    """One word, or a phrase of words in this order; `prefix`: the (single) word may go on."""

    words: tuple
    prefix: bool = False

    def __str__(self):
        text = " ".join(self.words)
        return f'"{text}"' if len(self.words) > 1 else text


@dataclass(frozen=True)
class Query:
    """Every group must match (a group: any of its clauses), no excluded clause may."""

    groups: tuple = ()  # of tuples of Clause
    excluded: tuple = ()  # of Clause

    def __bool__(self):
        return bool(self.groups or self.excluded)

    def __iter__(self):
        """The query's parts as plain strings (a cache key, the facet counts' among them)."""
        for group in self.groups:
            yield " OR ".join(str(clause) + ("*" if clause.prefix else "") for clause in group)
        for clause in self.excluded:
            yield f"-{clause}"

    def __len__(self):
        return len(self.groups) + len(self.excluded)

    @property
    def positive(self):
        return [clause for group in self.groups for clause in group]

    def text(self):
        """The query as a reader would type it (parses back to itself)."""
        parts = [" OR ".join(str(clause) for clause in group) for group in self.groups]
        return " ".join(parts + [f"-{clause}" for clause in self.excluded])


def parse(text):
    """The `Query` meant by `text`: words (stemmed by the engine), `"phrases"`, `OR` between two
    clauses, `-word` or `-"phrase"` to exclude; the last word also as a prefix. Everything else
    (any other punctuation, operators of the engines' own syntax) only separates words. At most
    MAX_TERMS words, from the first MAX_QUERY_CHARS characters."""
    text = (text or "")[:MAX_QUERY_CHARS]
    chunks = list(CHUNK_RE.finditer(text))
    groups, excluded = [], []
    budget, join_next = MAX_TERMS, False
    for index, chunk in enumerate(chunks):
        negated_quote, quoted, bare = chunk.groups()
        if bare == "OR":
            join_next = bool(groups)
            continue
        if quoted is not None:
            negated, phrase, source = bool(negated_quote), True, quoted
        else:
            negated = bare.startswith("-") and len(bare) > 1
            phrase, source = False, bare[1:] if negated else bare
        words = tuple(WORD_RE.findall(source.casefold()))[:budget]
        if not words:
            continue
        budget -= len(words)
        last = index == len(chunks) - 1
        prefix = last and not phrase and not negated and len(words) == 1 and len(words[0]) >= MIN_PREFIX
        clause = Clause(words, prefix)
        if negated:
            if clause not in excluded:
                excluded.append(clause)
        elif join_next:
            if clause not in groups[-1]:
                groups[-1] = (*groups[-1], clause)
        else:
            same = [i for i, group in enumerate(groups) if len(group) == 1 and group[0].words == words]
            if not same:
                groups.append((clause,))
            elif prefix:
                groups[same[0]] = (clause,)  # "heart HEART": once, as the prefix it ends with
        join_next = False
        if budget <= 0:
            break
    return Query(tuple(groups), tuple(excluded))


def search_terms(text):
    """The parsed query of a reader's text (see `parse`)."""
    return parse(text)


def _as_query(terms):
    """`terms` as a Query: a Query, or (for callers holding plain words) a list of words, all required."""
    if isinstance(terms, Query):
        return terms
    return parse(" ".join(f'"{term}"' for term in terms))


# --- compiling the tree --------------------------------------------------------------------------


def to_fts5(query, column=None):
    """The FTS5 MATCH expression of `query`'s clauses: every word quoted, so it is only ever a
    string to FTS5 (`"near"`, `"and"`), never an operator. `column` ("title") restricts every
    group to that column (excluded clauses stay excluded from every column). Needs at least one
    group."""

    def clause(item):
        return '"' + " ".join(item.words) + '"' + ("*" if item.prefix else "")

    def group(items):
        expression = clause(items[0]) if len(items) == 1 else "(" + " OR ".join(map(clause, items)) + ")"
        return f"{{{column}}} : {expression}" if column else expression

    expression = " AND ".join(group(items) for items in query.groups)
    return expression + "".join(f" NOT {clause(item)}" for item in query.excluded)


def to_tsquery(query, weights=""):
    """The text for PostgreSQL's `to_tsquery('english', ...)`: every word a quoted lexeme (only
    letters and digits are in it; quotes and backslashes would be dropped all the same), `<->`
    inside phrases, `:*` on a prefix, `|`, `&` and `!` between them; `weights` ("A": the title's)
    restricts every required word to those parts (excluded ones stay excluded from every part).
    Needs at least one group."""

    def lexeme(word, prefix=False, weights=weights):
        label = ("*" if prefix else "") + weights
        return "'" + word.replace("\\", "").replace("'", "") + "'" + (f":{label}" if label else "")

    def clause(item, weights=weights):
        text = " <-> ".join(lexeme(word, item.prefix, weights) for word in item.words)
        return f"({text})" if len(item.words) > 1 else text

    def group(items):
        return clause(items[0]) if len(items) == 1 else "(" + " | ".join(map(clause, items)) + ")"

    expression = " & ".join(group(items) for items in query.groups)
    return expression + "".join(f" & !{clause(item, weights='')}" for item in query.excluded)


def _any_of(clauses):
    """A Query matching articles with any of `clauses` (the excluded ones, when nothing is required)."""
    return Query(groups=(tuple(clauses),))


# --- the database's answer -------------------------------------------------------------------------


def _vendor(queryset):
    return connections[queryset.db].vendor


_TSQUERY = "to_tsquery('english'::regconfig, %s)"
_PG_MATCHES = f"SELECT article_id FROM {PG_SEARCH_TABLE} WHERE search_vector @@ {_TSQUERY}"  # both parts
_PG_PUBLISHED_MATCHES = f"{_PG_MATCHES} AND published"  # the published partition alone


class _VectorMatches(Expression):
    """PostgreSQL: the query's own article table (whatever alias it has: as a subquery of the
    facet counts, it is renamed) restricted to the articles whose vector matches `tsquery`;
    from the published partition alone when the query keeps only those (a reader's)."""

    output_field = BooleanField()

    def __init__(self, tsquery, published_only):
        super().__init__()
        self.tsquery = tsquery
        self.published_only = published_only

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        matches = _PG_PUBLISHED_MATCHES if self.published_only else _PG_MATCHES
        return f"{table}.id IN ({matches})", [self.tsquery]


def _published_only(queryset):
    """Whether `queryset` keeps only published articles: `published=True` among the conditions
    all its rows meet (Article.objects.published() has it)."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return False
    return any(
        isinstance(child, Exact)
        and getattr(child.lhs, "target", None) == queryset.model._meta.get_field("published")
        and child.rhs is True
        for child in where.children
    )


def _pg_vector_test(compiler, tests, params, default, published_only):
    """PostgreSQL: `tests` (SQL over `search_vector`) for each article of the query's own table,
    read from its row of the search table by id: for the few rows a page or a window ranks, one
    index lookup each (a title-only tsquery is rechecked against the vector: through a GIN index
    it would test every article holding the word), in the published partition alone when the
    query keeps only published articles."""
    table = compiler.quote_name_unless_alias(compiler.query.base_table)
    if published_only:
        row = f"{PG_SEARCH_PUBLISHED} WHERE article_id = {table}.id"
    else:
        row = f"{PG_SEARCH_TABLE} WHERE article_id = {table}.id AND published = {table}.published"
    return f"COALESCE((SELECT {tests} FROM {row}), {default})", params


class _TitleHits(Expression):
    """How many of the query's groups match in the article's title (0 to all of them): the
    ranking's first key. One index lookup per group, listed once per query; no per-row scoring
    function (bm25 or ts_rank over tens of thousands of matches of a common word is what made a
    search slow)."""

    output_field = IntegerField()

    def __init__(self, query, published_only=False):
        super().__init__()
        self.query = query
        self.published_only = published_only

    def as_sqlite(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        probes, params = [], []
        for group in self.query.groups:
            rowids = _fts5_rowids(Query(groups=(group,)), self.published_only, column="title")
            probes.append(f"(+{table}.id IN ({rowids.sql}))")
            params.extend(rowids.params)
        return "(" + " + ".join(probes) + ")", params

    def as_postgresql(self, compiler, connection):
        groups = [Query(groups=(group,)) for group in self.query.groups]
        tests = " + ".join([f"(search_vector @@ {_TSQUERY})::int"] * len(groups))
        params = [to_tsquery(g, weights="A") for g in groups]
        return _pg_vector_test(compiler, tests, params, "0", self.published_only)


class _Day(Func):
    """The UTC day of a datetime, cheap on each engine (SQLite: the stored text's first ten
    characters; Django's TruncDate calls a Python function per row there)."""

    output_field = CharField()
    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 10)", **extra_context)


def matching(queryset, terms):
    """Articles of `queryset` matching `terms` (a Query, or a list of words all required)."""
    query = _as_query(terms)
    if not query:
        return queryset
    vendor = _vendor(queryset)
    published_only = _published_only(queryset)
    if vendor == "sqlite":
        if not query.groups:
            return queryset.exclude(pk__in=_fts5_rowids(_any_of(query.excluded), published_only))
        # The matches are listed once and each article is probed against the list (`Unindexed`):
        # counting a common word's matches then walks a small index instead of fetching every
        # matching row by id (facet counts for "heart disease" at 100k articles: ~3x cheaper).
        matches = _fts5_rowids(query, published_only)
        return queryset.filter(In(Unindexed("pk", output_field=BigIntegerField()), matches))
    if vendor == "postgresql":
        if not query.groups:
            return queryset.exclude(_VectorMatches(to_tsquery(_any_of(query.excluded)), published_only))
        return queryset.filter(_VectorMatches(to_tsquery(query), published_only))
    return queryset.filter(_substrings(query))


def every_match(terms, using="default"):
    """The ids of the published articles matching `terms` (a BitMap), read from the text index
    alone (SQLite: the published FTS5 table; PostgreSQL: the published partition). None on other
    engines, or when nothing is required. Listing a common word's matches this way costs a
    fraction of filtering the articles by them (the facet counts need every match:
    articles.facet_index)."""
    query = _as_query(terms)
    connection = connections[using]
    # The same listing of the published matches as a reader's `matching`, aggregated.
    if connection.vendor == "sqlite" and query.groups:
        rowids = _fts5_rowids(query, published_only=True)
        sql, params = f"SELECT {aggregate_sql('rowid', 'sqlite')} FROM ({rowids.sql})", rowids.params
    elif connection.vendor == "postgresql" and query.groups:
        ids = aggregate_sql("article_id", "postgresql")
        sql, params = f"SELECT {ids} FROM ({_PG_PUBLISHED_MATCHES}) AS matches", [to_tsquery(query)]
    else:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return id_bitmap(cursor.fetchone()[0])


def _fts5_rowids(query, published_only, column=None):
    """SQLite: the rowids matching `query` (in `column` alone, if given) in the published FTS5
    table, or in both."""
    tables = (FTS_PUBLISHED,) if published_only else FTS_TABLES
    sql = " UNION ALL ".join(f"SELECT rowid FROM {table} WHERE {table} MATCH %s" for table in tables)
    return RawSQL(sql, [to_fts5(query, column=column)] * len(tables))


def _substrings(query):
    """Without a text index: every group has a clause whose words all appear; no excluded one does."""

    def clause(item):
        condition = Q()
        for word in item.words:
            condition &= Q(search_text__icontains=word)
        return condition

    condition = Q()
    for group in query.groups:
        alternatives = Q()
        for item in group:
            alternatives |= clause(item)
        condition &= alternatives
    for item in query.excluded:
        condition &= ~clause(item)
    return condition


def ranked(queryset, terms):
    """Articles of `queryset` matching `terms`, best first: those matching more of the query in
    their title, then the newer day, within a day the better quality, then the newer article
    (newest first only where the database has no text index, or when nothing is required)."""
    query = _as_query(terms)
    if not query:
        return queryset
    vendor = _vendor(queryset)
    if not query.groups or vendor not in ("sqlite", "postgresql"):
        return matching(queryset, query).order_by("-published_at", "-id")
    return (
        matching(queryset, query)
        .annotate(search_rank=_TitleHits(query, _published_only(queryset)))
        .order_by("-search_rank", *_within_rank())
    )


def _within_rank():
    """The ranking's keys after the title hits: the newer day, the better quality, the newer article."""
    return (_Day("published_at").desc(), F("quality").desc(nulls_last=True), "-published_at", "-id")


class _InTitle(Expression):
    """Whether the article matches every group of the query in its title, and no excluded clause
    anywhere: the first rank (it matches the whole query, and ranks above the rest)."""

    output_field = BooleanField()

    def __init__(self, query, published_only=False):
        super().__init__()
        self.query = query
        self.published_only = published_only

    def as_sqlite(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        rowids = _fts5_rowids(self.query, self.published_only, column="title")
        return f"(+{table}.id IN ({rowids.sql}))", rowids.params

    def as_postgresql(self, compiler, connection):
        tests = f"search_vector @@ {_TSQUERY}"
        params = [to_tsquery(self.query, weights="A")]
        return _pg_vector_test(compiler, tests, params, "false", self.published_only)


# How many of the newest articles of a list are looked through for the title matches that make
# its first results: ten per result (a word in at least one title in ten finds them), at most
# RECENT. When they hold too few, one larger window follows, as large as the title matches'
# share of the first suggests (twice over, for safety), at most WINDOW_GROWTH times RECENT.
RECENT_PER_RESULT = 10
RECENT = 2000
WINDOW_GROWTH = 10
# SQLite: a window is tested in a scratch FTS5 table of its own rows (`_scratch_title_matches`)
# when the query has at least this many matches per row of the window; otherwise against the list
# of every title match in the index. The scratch costs about 25 us per row; the list grows with
# the query's matches (a common word: 3-4 ms at 100,000 articles, 30-40 ms at 1,000,000), and the
# two cost the same at about 200 matches per row on both sizes.
SCRATCH_MATCHES_PER_ROW = 200


class RankedPages:
    """`ranked(queryset, terms)` as a Paginator's object list: a slice of it is the same
    articles in the same order, read without ranking every match when it can be.

    Ranking a common word sorts every article that matches it (tens of thousands), yet its first
    pages are usually all title matches (the first rank) of the last few days. So the newest
    articles of the list (`queryset`: filtered, without the text query; RECENT_PER_RESULT per
    article up to the end of the slice) are listed first, from the date index, those matching
    the whole query in their title marked (on SQLite, when the text query alone matches many
    articles, `matches` if known, else `count`, by a scratch text index of the window's own
    rows). When they hold enough for the slice, and the day of the last one needed is not cut by
    the end of that window, only those of that day or newer can make the slice: they alone are
    sorted. When they do not, a second, larger window is tried, sized by the share of title
    matches in the first (two words seldom in one title). Otherwise, or when `count` (how many
    articles match, if known) is no more than a window, the full ranking is sliced. The windows
    are read from what `newest` returns when given: the same list, shaped for reading its newest
    rows only. The articles come with `select_related` and `prefetch_related` (lookups) applied,
    as a page shows them."""

    def __init__(
        self, queryset, terms, select_related=(), prefetch_related=(), count=None, newest=None, matches=None
    ):
        self.queryset = queryset
        self.matches = count if matches is None else matches
        self.newest_shaped = newest
        self.query = _as_query(terms)
        self.select_related = select_related
        self.prefetch_related = prefetch_related
        self.count = count

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1) or key.stop is None:
            raise TypeError("RankedPages only reads slices with an end")
        start, stop = key.start or 0, key.stop
        ranked_by_engine = self.query.groups and _vendor(self.queryset) in ("sqlite", "postgresql")
        candidates = self._recent_title_matches(stop) if ranked_by_engine else None
        if candidates is not None:
            # By id alone: the window has just read them from the list (its filters again, a
            # topic's member list for one, would cost more than the page).
            articles = self.queryset.model.objects.filter(pk__in=candidates).order_by(*_within_rank())
        elif ranked_by_engine:
            # The slice's ids sorted in a subquery, then only their rows read: a sort of the rows
            # themselves would carry every column of every match through it.
            ids = ranked(self.queryset, self.query).values("id")[start:stop]
            articles = self.queryset.model.objects.filter(pk__in=ids).annotate(
                search_rank=_TitleHits(self.query, _published_only(self.queryset))
            )
            articles, start, stop = articles.order_by("-search_rank", *_within_rank()), 0, None
        else:
            articles = ranked(self.queryset, self.query)
        articles = articles.select_related(*self.select_related).prefetch_related(*self.prefetch_related)
        return list(articles[start:stop])

    @functools.cached_property
    def newest(self):
        """The list the windows read: what `newest` returns (the same list shaped for reading its
        newest rows only: a topic's members probed per row, not listed, 15-40 ms less per window
        at a million articles on SQLite), asked only when a window is read, since choosing that
        shape may cost a query."""
        return self.queryset if self.newest_shaped is None else self.newest_shaped()

    def _recent_title_matches(self, needed):
        """Ids among which the first `needed` articles of the ranking are (all title matches),
        read from the newest articles of the list; None when they are not all there."""
        if needed < 1:
            return None
        size = min(RECENT, needed * RECENT_PER_RESULT)
        for last_try in (False, True):
            if self.count is not None and self.count <= size:
                return None  # sorting every match costs no more than the window
            recent = self._newest(size)
            titled = [(pk, day) for pk, day, in_title in recent if in_title]
            if len(titled) >= needed:
                last_day = titled[needed - 1][1]
                if len(recent) < size or recent[-1][1] < last_day:
                    return [pk for pk, day in titled if day >= last_day]
                # Otherwise that day goes on past the window: some of it was not looked at.
            if len(recent) < size or last_try:
                return None  # the whole list was looked at, or the larger window too
            share = max(len(titled), 1) / size  # of the newest articles, those matching in title
            size = min(RECENT * WINDOW_GROWTH, max(2 * size, math.ceil(2 * needed / share)))

    def _newest(self, size):
        """[(id, day, whether it matches the whole query in its title)] of the `size` newest
        articles of the list."""
        # The window's ids in a subquery, so that the title test runs on its rows alone (PostgreSQL
        # would otherwise test every row of a filtered list before keeping the newest).
        window = self.newest.order_by("-published_at", "-id").values("id")[:size]
        recent = self.queryset.model.objects.filter(pk__in=window).order_by("-published_at", "-id")
        many = self.matches is not None and size * SCRATCH_MATCHES_PER_ROW <= self.matches
        if many and _vendor(self.queryset) == "sqlite":
            text = "search_text" if self.query.excluded else Value("")  # excluded words: anywhere
            connection = connections[self.queryset.db]
            matched = _scratch_title_matches(connection, recent.values_list("id", "title", text), self.query)
            return [(pk, day, pk in matched) for pk, day in recent.values_list("id", _Day("published_at"))]
        in_title = _InTitle(self.query, _published_only(self.queryset))
        return list(recent.values_list("id", _Day("published_at"), in_title))


_SCRATCH = "articles_window_fts"


def _scratch_title_matches(connection, rows, query):
    """SQLite: the ids of `rows` (a queryset of id, title, search_text) matching every group of
    `query` in the title and no excluded clause anywhere, as the index would say (`_InTitle`).

    The rows are indexed in a scratch FTS5 table with the index's tokenizer and asked the same
    MATCH. Probing the index instead lists every title match of the corpus: 65,000 for a common
    word at a million articles, 30-40 ms, where a window of 200 rows costs 6-8 ms here. The table
    is the connection's own, in its temp schema: filling it writes nothing to the database and
    takes none of its locks. The rows go in with one statement, so in one transaction (row by row,
    FTS5 would flush each to a segment of its own and merge them: 1,000 rows took 81 ms, not 24)."""
    table = f"temp.{_SCRATCH}"
    empty = f"INSERT INTO {table}({_SCRATCH}) VALUES ('delete-all')"
    rows_sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
            f"title, search_text, content='', tokenize='{FTS_TOKENIZER}')"
        )
        cursor.execute(empty)  # whatever an interrupted request left
        cursor.execute(f"INSERT INTO {table}(rowid, title, search_text) {rows_sql}", params)
        cursor.execute(
            f"SELECT rowid FROM {table} WHERE {_SCRATCH} MATCH %s", [to_fts5(query, column="title")]
        )
        matched = {pk for (pk,) in cursor.fetchall()}
        cursor.execute(empty)
    return matched


# --- highlighting ------------------------------------------------------------------------------


@functools.cache
def _stemmer(vendor):
    """The stemmer the database's index uses: Porter (SQLite FTS5), Snowball English (PostgreSQL)."""
    import snowballstemmer

    algorithm = {"sqlite": "porter", "postgresql": "english"}.get(vendor)
    if algorithm is None:
        return lambda word: word
    stem = snowballstemmer.stemmer(algorithm).stemWord
    return functools.lru_cache(maxsize=4096)(stem)


def _default_vendor():
    return connections["default"].vendor


def _marker(query, vendor):
    """A function telling whether a word of a document matched one of `query`'s required clauses."""
    stem = _stemmer(vendor)
    whole, prefixes = set(), []
    for clause in query.positive:
        for word in clause.words:
            if clause.prefix:
                prefixes.append((word, stem(word)))
            else:
                whole.add(stem(word))

    def matches(word):
        folded = word.casefold()
        stemmed = stem(folded)
        if stemmed in whole:
            return True
        return any(folded.startswith(raw) or stemmed.startswith(cut) for raw, cut in prefixes)

    return matches


def highlight(text, terms, vendor=None):
    """`text` escaped, the words that match `terms` in `<mark>`."""
    text = text or ""
    query = _as_query(terms) if terms else Query()
    if not query.groups:
        return escape(text)
    matches = _marker(query, vendor or _default_vendor())
    parts, position = [], 0
    for word in WORD_RE.finditer(text):
        if matches(word.group()):
            parts.append(escape(text[position : word.start()]))
            parts.append(format_html("<mark>{}</mark>", word.group()))
            position = word.end()
    parts.append(escape(text[position:]))
    return format_html_join("", "{}", ((part,) for part in parts))


def snippet(text, terms, words=SNIPPET_WORDS, vendor=None):
    """A short passage of `text` (about `words` words) around its first match, highlighted; the
    start of the text when nothing in it matches."""
    text = text or ""
    spans = [match.span() for match in re.finditer(r"\S+", text)]
    start = 0
    query = _as_query(terms) if terms else Query()
    if query.groups and len(spans) > words:
        matches = _marker(query, vendor or _default_vendor())
        for index, (begin, end) in enumerate(spans):
            if any(matches(word) for word in WORD_RE.findall(text[begin:end])):
                start = max(0, min(index - words // 4, len(spans) - words))
                break
    chosen = spans[start : start + words]
    if not chosen:
        return escape(text)
    passage = text[chosen[0][0] : chosen[-1][1]]
    before = "… " if start > 0 else ""
    after = " …" if start + words < len(spans) else ""
    return format_html("{}{}{}", before, highlight(passage, query, vendor), after)


# --- did you mean ------------------------------------------------------------------------------


def edit_distance(a, b, limit):
    """Levenshtein distance between `a` and `b`, or `limit + 1` once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_distance(word):
    return 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3


def suggestion(terms, using="default"):
    """A query like `terms` with its unknown words replaced by the nearest words of the indexed
    articles (edit distance over the index's vocabulary), as text; "" when there is none."""
    query = _as_query(terms)
    connection = connections[using]
    vendor = connection.vendor
    if not query.groups or vendor not in ("sqlite", "postgresql"):
        return ""
    stem = _stemmer(vendor)
    words = vocabulary(connection)
    replaced = {}
    for clause in query.positive:
        for word in clause.words:
            if word in replaced or word.isdigit():
                continue
            stemmed = stem(word)
            if len(stemmed) < 3 or words.knows(stemmed, prefix=clause.prefix):
                continue
            limit = _allowed_distance(stemmed)
            scored = []
            for candidate, documents in words.near(stemmed, limit):
                distance = edit_distance(stemmed, candidate, limit)
                if distance <= limit:
                    scored.append((distance, -documents, candidate))
            if not scored:
                continue
            surface = _surface_form(min(scored)[2], word, stem, using)
            if surface and surface != word:
                replaced[word] = surface
    if not replaced:
        return ""

    def fix(clause):
        return Clause(tuple(replaced.get(word, word) for word in clause.words), clause.prefix)

    groups = tuple(tuple(fix(clause) for clause in group) for group in query.groups)
    return Query(groups, query.excluded).text()


def _surface_form(stemmed, typed, stem, using):
    """The word of the indexed texts whose stem is `stemmed` that is closest to what was typed
    (the vocabulary holds stems: "echocardiograph" stands for "echocardiographic" and more)."""
    from .models import Article

    probe = Query(groups=((Clause((stemmed,), prefix=True),),))
    texts = matching(Article.objects.using(using).all(), probe).values_list("search_text", flat=True)[:20]
    forms = {word for text in texts for word in WORD_RE.findall(text.casefold()) if stem(word) == stemmed}
    if not forms:
        return ""
    return min(forms, key=lambda form: (edit_distance(form, typed, len(form) + len(typed)), form))
