"""Full-text search over `Article.search_text` (title, excerpt, provider, topics).

One entry point per concern, each choosing the database's own text index:

- SQLite: the FTS5 table of articles.search_index, ranked by bm25.
- PostgreSQL: the GIN index on `to_tsvector('english', search_text)`, ranked by `ts_rank`.
- Anything else: every word must appear (case-insensitive substring), no ranking.

User input never reaches a query language: it is split into words, and each word is quoted.
"""

import re

from django.db import connections
from django.db.models import BigIntegerField, Func, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In

from .models import Unindexed
from .search_index import FTS_TABLE

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
WORD_RE = re.compile(r"\w+")


def search_terms(text):
    """The words of a query: at most MAX_TERMS, from its first MAX_QUERY_CHARS characters."""
    words = WORD_RE.findall((text or "")[:MAX_QUERY_CHARS])
    terms, seen = [], set()
    for word in words:
        key = word.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(word)
    return terms[:MAX_TERMS]


def fts5_query(terms):
    """An FTS5 MATCH expression: every term as a quoted string, all required."""
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)


def _vendor(queryset):
    return connections[queryset.db].vendor


def matching(queryset, terms):
    """Articles of `queryset` containing every term."""
    if not terms:
        return queryset
    vendor = _vendor(queryset)
    if vendor == "sqlite":
        # The matches are listed once and each article is probed against the list (`Unindexed`):
        # counting a common word's matches then walks a small index instead of fetching every
        # matching row by id (facet counts for "heart disease" at 100k articles: ~3x cheaper).
        matches = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts5_query(terms)])
        return queryset.filter(In(Unindexed("pk", output_field=BigIntegerField()), matches))
    if vendor == "postgresql":
        return queryset.alias(search_vector=EnglishVector("search_text")).filter(
            search_vector=_pg_query(terms)
        )
    condition = Q()
    for term in terms:
        condition &= Q(search_text__icontains=term)
    return queryset.filter(condition)


def ranked(queryset, terms):
    """Articles of `queryset` containing every term, best match first (then newest first; newest
    first only where the database has no text index)."""
    if not terms:
        return queryset
    vendor = _vendor(queryset)
    if vendor == "sqlite":
        # Join the FTS table itself: the match runs once and bm25 comes with it (a correlated
        # subquery would run the match once per article). The ORM cannot join a table without a
        # relation, hence `extra()`; the match expression goes in as a parameter.
        return queryset.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = articles_article.id", f"{FTS_TABLE} MATCH %s"],
            params=[fts5_query(terms)],
            select={"search_rank": f"{FTS_TABLE}.rank"},  # bm25: lower is better
        ).order_by("search_rank", "-published_at", "-id")
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchRank

        rank = SearchRank(EnglishVector("search_text"), _pg_query(terms))
        return (
            matching(queryset, terms)
            .annotate(search_rank=rank)
            .order_by("-search_rank", "-published_at", "-id")
        )
    return matching(queryset, terms).order_by("-published_at", "-id")


def _pg_query(terms):
    from django.contrib.postgres.search import SearchQuery

    # "plain" search: words AND-ed, punctuation ignored; never a syntax error.
    return SearchQuery(" ".join(terms), config="english", search_type="plain")


class EnglishVector(Func):
    """`to_tsvector('english', search_text)`: the very expression of the GIN index (articles.search_index)."""

    template = "to_tsvector('english'::regconfig, %(expressions)s)"

    def as_postgresql(self, compiler, connection, **extra_context):
        # The same vector, stored by the server in a generated column with its GIN index
        # (migration 0010_scale): ranking reads it instead of parsing every match's text again.
        sql, params = compiler.compile(self.source_expressions[0])
        if sql.endswith('"search_text"') and not params:
            return sql[: -len('"search_text"')] + '"search_vector"', params
        return self.as_sql(compiler, connection, **extra_context)

    @property
    def output_field(self):
        from django.contrib.postgres.search import SearchVectorField

        return SearchVectorField()
