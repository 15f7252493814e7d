"""Stories in the database: keep `Story`, `StoryKey`, `StoryAlias` and `Article.story` in step with
the rules of `articles.stories.rules`.

`cluster_articles(ids)` runs after the importer writes a batch (same transaction): the articles'
keys are rewritten, then only the part of the corpus whose grouping can have changed is
re-grouped: the articles holding a key whose holders changed (where that key links at all), the
stories they were in, and everything linked to those. Every other story is a connected group no
changed key touches, so it stays as it is. `recluster()` groups the whole corpus from scratch; both
end in `_sync`, so they agree, story URLs included: a story's slug is its oldest member's
(lowest id), kept while it grows; a story that merges into another leaves a `StoryAlias`.
"""

from collections import Counter
from datetime import UTC, date, timedelta

from django.db import connection

from articles.canonical import group_stories
from articles.models import Article, RelatedLink, Story, StoryAlias, StoryKey

from . import rules

CHUNK = 2000  # values per IN (...) list


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _executemany(sql, rows):
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


class _Member:
    """An article as stories see it, with its related links as (url, title, published_at)."""

    __slots__ = (
        "id",
        "slug",
        "title",
        "web_url",
        "url_key",
        "published",
        "publish_at",
        "quality",
        "heat",
        "published_at",
        "story_id",
        "source_count",
        "links",
    )

    def __init__(self, row):
        for name, value in zip(self.__slots__, row, strict=False):
            setattr(self, name, value)
        self.links = []

    @classmethod
    def of_record(cls, pk, record):
        """The member of an article just created from `record` (its row holds what the record
        does: no story yet, no schedule), without reading it back."""
        member = cls(
            (pk, record.slug, record.title, record.web_url, record.url_key, bool(record.published), None)
        )
        member.quality, member.heat, member.published_at = record.quality, record.heat, record.published_at
        member.story_id, member.source_count = None, record.source_count
        member.links = [(link.web_url, link.title, link.published_at) for link in record.related_links]
        return member


def _aware(value):
    """SQLite hands raw queries naive UTC datetimes; PostgreSQL aware ones."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _in(column, values):
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _select(sql, column, values):
    """Rows of `sql`, whose WHERE clause ends in "{column} IN" the list, for `values`, a chunk at
    a time. Raw SQL: the ORM's per-value work on long IN lists costs more than the query."""
    rows = []
    for chunk in _chunks(values):
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} {_in(column, chunk)}", chunk)
            rows.extend(cursor.fetchall())
    return rows


def _load_members(ids, into):
    """Add the `_Member` of each of `ids` not yet in `into` (one query per chunk: the links
    joined, in document order). Raw SQL: the ORM's per-value work costs more than the query."""
    missing = [pk for pk in ids if pk not in into]
    quote = connection.ops.quote_name
    columns = ", ".join(f"a.{quote(Article._meta.get_field(name).column)}" for name in _Member.__slots__[:-1])
    for chunk in _chunks(missing):
        sql = (
            f"SELECT {columns}, r.web_url, r.title, r.published_at FROM {_table(Article)} a "
            f"LEFT JOIN {_table(RelatedLink)} r ON r.article_id = a.id WHERE {_in('a.id', chunk)} "
            "ORDER BY a.id, r.position"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            rows = cursor.fetchall()
        for *row, url, title, at in rows:
            member = into.get(row[0])
            if member is None:
                member = into[row[0]] = _Member(row)
                member.published = bool(member.published)
                member.published_at = _aware(member.published_at)
                member.publish_at = _aware(member.publish_at)
            if url:
                member.links.append((url, title, _aware(at)))
    return into


def _write_keys(ids, members, fresh=()):
    """Bring the keys of articles `ids` (loaded into `members`) up to date; return Counters of
    the keys they held before and hold now, and their nodes. Articles in `fresh` (or all, when
    it is True) hold no keys yet. An article whose keys did not change (an edit of its text, its
    scores) is left out of both Counters and its rows stay as they are: no holder changed."""
    table, article, key = _table(StoryKey), *(connection.ops.quote_name(n) for n in ("article_id", "key"))
    stored = {}
    if fresh is not True:
        for pk, found in _select(
            f"SELECT {article}, {key} FROM {table} WHERE", article, [pk for pk in ids if pk not in fresh]
        ):
            stored.setdefault(pk, set()).add(found)
    old, new, nodes, rows, replaced = Counter(), Counter(), {}, [], []
    _load_members(ids, members)
    for pk in ids:
        member = members.get(pk)
        if member is None:
            continue
        url_keys, title_key = rules.article_keys(
            member.url_key, member.title, [link[0] for link in member.links]
        )
        node = nodes[pk] = rules.Node(pk, member.published_at, url_keys, title_key)
        keys = node.keys
        before = stored.get(pk)
        if before is not None:
            if before == keys:
                continue
            old.update(before)
            replaced.append(pk)
        new.update(keys)
        rows.extend((pk, key) for key in keys)
    for chunk in _chunks(replaced):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {_in(article, chunk)}", chunk)
    _executemany(f"INSERT INTO {table} ({article}, {key}) VALUES (%s, %s)", rows)
    return old, new, nodes


def _holders(keys, limit):
    """{key: [article ids]} for those of `keys` held by at most `limit` articles, and the set of
    the others (more holders: noise, or keys nobody holds)."""
    holders = {}
    table, key = _table(StoryKey), connection.ops.quote_name("key")
    for chunk in _chunks(keys):
        sql = (
            f"SELECT {key}, article_id FROM {table} WHERE {key} IN (SELECT {key} FROM {table} "
            f"WHERE {_in(key, chunk)} GROUP BY {key} HAVING COUNT(*) <= %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, limit])
            for found, article_id in cursor.fetchall():
                holders.setdefault(found, []).append(article_id)
    return holders, set(keys) - holders.keys()


def cluster_articles(article_ids, created=None):
    """Bring stories up to date after articles `article_ids` were written (created or changed).
    Call inside the writing transaction. `created`, optional: {id: prepared `ArticleRecord`} of
    those just created from a record, which need not be read back."""
    touched = sorted(set(article_ids))
    if not touched:
        return
    created = created or {}
    members = {pk: _Member.of_record(pk, record) for pk, record in created.items()}
    old, new, nodes = _write_keys(touched, members, fresh=created)
    # The holders of every changed key that links now or linked before the change (before, it
    # had `old - new` more holders: at most len(touched) fewer).
    holders, noise = _holders(old.keys() | new.keys(), rules.MAX_SHARED + len(touched))
    seeds = set(touched)
    for key, ids in holders.items():
        if min(len(ids), len(ids) - new[key] + old[key]) <= rules.MAX_SHARED:
            seeds.update(ids)
    seeds |= _members_of_stories_of(seeds, members)
    known = {key: ids for key, ids in holders.items() if len(ids) <= rules.MAX_SHARED}
    noise |= holders.keys() - known.keys()
    nodes, counts = _closure(seeds, nodes, known, noise)
    _sync(rules.components(nodes.values(), counts), members)


def _members_of_stories_of(ids, members=None):
    """Ids of every member of the stories of articles `ids` (their story known for those loaded
    into `members`)."""
    members = members or {}
    story_ids = {members[pk].story_id for pk in ids if pk in members} - {None}
    unknown = [pk for pk in ids if pk not in members]
    story = connection.ops.quote_name("story_id")
    article = _table(Article)
    story_ids.update(
        row[0]
        for row in _select(f"SELECT {story} FROM {article} WHERE {story} IS NOT NULL AND", "id", unknown)
    )
    return {row[0] for row in _select(f"SELECT id FROM {article} WHERE", story, sorted(story_ids))}


def _closure(seeds, nodes, holders, noise):
    """Nodes of `seeds` and of every article linked to them, transitively; with the counts of
    their keys (any count above MAX_SHARED stands for "noise"). `nodes`, `holders` (of keys
    that link) and `noise` (keys that do not) are what is known already."""
    nodes = {pk: node for pk, node in nodes.items() if pk in seeds}
    counts = {key: len(ids) for key, ids in holders.items()}
    counts.update(dict.fromkeys(noise, rules.MAX_SHARED + 1))
    frontier = set(seeds) - nodes.keys()
    found = {pk for ids in holders.values() for pk in ids}
    while True:
        frontier |= found - nodes.keys()
        if not frontier:
            break
        loaded = _nodes(frontier)
        nodes.update(loaded)
        frontier = set()
        keys = {key for node in loaded.values() for key in node.keys} - counts.keys()
        holders, noise = _holders(keys, rules.MAX_SHARED)
        counts.update({key: len(ids) for key, ids in holders.items()})
        counts.update(dict.fromkeys(noise, rules.MAX_SHARED + 1))
        found = {pk for ids in holders.values() for pk in ids}
    return nodes, counts


def _nodes(ids):
    found = {}
    key = connection.ops.quote_name("key")
    rows = _select(
        f"SELECT k.article_id, k.{key}, a.published_at, a.title FROM {_table(StoryKey)} k "
        f"JOIN {_table(Article)} a ON a.id = k.article_id WHERE",
        "k.article_id",
        sorted(ids),
    )
    for pk, key, at, title in rows:
        found.setdefault(pk, (_aware(at), title, set()))[2].add(key)
    nodes = {}
    for pk, (at, title, keys) in found.items():
        title_key = rules.title_key(title)
        url_keys = frozenset(keys - {title_key})
        nodes[pk] = rules.Node(pk, at, url_keys, title_key if title_key in keys else None)
    return nodes


def refresh_stories_of(article_ids):
    """Recount the stories of `article_ids` after a change that does not regroup them (an editor
    publishing or unpublishing: the lead and counts follow)."""
    members = _members_of_stories_of(article_ids)
    groups = {}
    for chunk in _chunks(members):
        for pk, story_id in Article.objects.filter(pk__in=chunk).values_list("pk", "story_id"):
            groups.setdefault(story_id, []).append(pk)
    _sync(sorted(sorted(group) for group in groups.values()), {})


def recluster():
    """Group the whole corpus from scratch (`manage.py recluster_stories`). Story URLs survive
    wherever the grouping allows. Returns the number of stories."""
    StoryKey.objects.all().delete()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    members, nodes = {}, {}
    for chunk in _chunks(ids, 10_000):
        nodes.update(_write_keys(chunk, members, fresh=True)[2])
    groups = rules.components(nodes.values(), {})  # every holder is among the nodes
    _sync(groups, members, everything=True)
    return len(groups)


def _sync(groups, members, everything=False):
    """Make the stories of the articles in `groups` be exactly `groups` (and, with `everything`,
    delete stories left with no article). `members`: the `_Member`s loaded so far."""
    ids = [pk for group in groups for pk in group]
    _load_members(ids, members)

    wanted = {}  # slug -> (group, stats)
    for group in groups:
        group_members = [members[pk] for pk in group]
        wanted[members[group[0]].slug] = (group, _stats(group_members))
    # The members' stories, and any story holding a wanted slug (left behind by deleted
    # articles: it is taken over).
    story_table = _table(Story)
    adapt = _datetime_adapter()
    story_columns = ["id", "slug", *STAT_FIELDS]
    selected = ", ".join(
        connection.ops.quote_name(Story._meta.get_field(name).column) for name in story_columns
    )
    old_stories = {}  # slug -> {field: value}
    old_story_ids = sorted({m.story_id for m in members.values() if m.story_id is not None})
    for column, values in (("id", old_story_ids), ("slug", None)):
        if values is None:
            values = sorted(wanted.keys() - old_stories.keys())
        for row in _select(f"SELECT {selected} FROM {story_table} WHERE", column, values):
            story = dict(zip(story_columns, row, strict=True))
            for name in ("first_at", "latest_at"):
                story[name] = _aware(story[name])
            if isinstance(story["latest_day"], str):
                story["latest_day"] = date.fromisoformat(story["latest_day"])
            old_stories[story["slug"]] = story

    # New stories first (their slugs may be retired aliases: the story split out again).
    new_slugs = [slug for slug in wanted if slug not in old_stories]
    alias_table = _table(StoryAlias)
    slug_column = connection.ops.quote_name("slug")
    for chunk in _chunks(new_slugs):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {alias_table} WHERE {_in(slug_column, chunk)}", chunk)
    if new_slugs:
        columns = ", ".join(
            connection.ops.quote_name(Story._meta.get_field(name).column) for name in ["slug", *STAT_FIELDS]
        )
        _executemany(
            f"INSERT INTO {story_table} ({columns}) VALUES ({', '.join(['%s'] * (1 + len(STAT_FIELDS)))})",
            [(slug, *_adapted(wanted[slug][1], adapt).values()) for slug in new_slugs],
        )
    story_of_slug = dict(
        _select(f"SELECT {slug_column}, id FROM {story_table} WHERE", slug_column, new_slugs)
    )
    changed = []
    for slug, story in old_stories.items():
        if slug in wanted:
            story_of_slug[slug] = story["id"]
            stats = wanted[slug][1]
            if any(story[name] != value for name, value in stats.items()):
                changed.append((*_adapted(stats, adapt).values(), story["id"]))
    if changed:
        columns = ", ".join(
            f"{connection.ops.quote_name(Story._meta.get_field(name).column)} = %s" for name in STAT_FIELDS
        )
        _executemany(f"UPDATE {story_table} SET {columns} WHERE id = %s", changed)

    moves = []
    for slug, (group, _) in wanted.items():
        story_id = story_of_slug[slug]
        moves.extend((story_id, pk) for pk in group if members[pk].story_id != story_id)
    _executemany(f"UPDATE {_table(Article)} SET story_id = %s WHERE id = %s", moves)

    retired = [story for slug, story in old_stories.items() if slug not in wanted]
    if retired:
        # A retired story redirects to the story of its founder, else of any former member.
        group_of = {pk: slug for slug, (group, _) in wanted.items() for pk in group}
        by_slug = dict(
            _select(
                f"SELECT {slug_column}, id FROM {_table(Article)} WHERE",
                slug_column,
                [s["slug"] for s in retired],
            )
        )
        former = {}
        for member in members.values():
            if member.story_id is not None and member.id in group_of:
                former.setdefault(member.story_id, group_of[member.id])
        targets = []  # (retired story, surviving story id)
        for story in retired:
            target_slug = group_of.get(by_slug.get(story["slug"])) or former.get(story["id"])
            if target_slug is not None:
                targets.append((story, story_of_slug[target_slug]))
        story_column = connection.ops.quote_name("story_id")
        _executemany(
            f"UPDATE {alias_table} SET {story_column} = %s WHERE {story_column} = %s",
            [(target, story["id"]) for story, target in targets],
        )
        slugs = [story["slug"] for story, _ in targets]
        for chunk in _chunks(slugs):
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {alias_table} WHERE {_in(slug_column, chunk)}", chunk)
        _executemany(
            f"INSERT INTO {alias_table} ({slug_column}, {story_column}) VALUES (%s, %s)",
            [(story["slug"], target) for story, target in targets],
        )
        for chunk in _chunks([story["id"] for story in retired]):
            Story.objects.filter(pk__in=chunk).delete()
    if everything:
        Story.objects.filter(members__isnull=True).delete()


def _adapted(stats, adapt=None):
    """`stats` as the database takes them (`adapt`: from `_datetime_adapter()`)."""
    adapt = adapt or _datetime_adapter()
    day = stats["latest_day"]
    return {
        **stats,
        "first_at": adapt(stats["first_at"]),
        "latest_at": adapt(stats["latest_at"]),
        "latest_day": None if day is None else connection.ops.adapt_datefield_value(day),
    }


def _datetime_adapter():
    """`connection.ops.adapt_datetimefield_value`, with a shortcut for the common case: SQLite
    keeping UTC takes an aware UTC datetime as its naive text (the backend's general path
    costs a noticeable share of a big import)."""
    general = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone_name != "UTC":
        return general

    def adapt(value):
        if value is None or value.utcoffset() != _ZERO:
            return general(value)
        return str(value.replace(tzinfo=None))

    return adapt


_ZERO = timedelta(0)


STAT_FIELDS = [
    "lead_id",
    "article_count",
    "published_count",
    "source_count",
    "heat",
    "first_at",
    "latest_at",
    "latest_day",
]


def _stats(members):
    """What a story shows and is ranked by, from its members and their related links."""
    lead = rules.lead_of(members)
    # What readers see: the published members and their coverage (all members while none is).
    shown = [m for m in members if m.published] or members
    times = [m.published_at for m in shown]
    times.extend(at for m in shown for _, _, at in m.links if at is not None)
    if len(shown) == 1:
        source_count = shown[0].source_count  # the same rule, applied at import
    else:
        coverage = [(m.web_url, m.title) for m in shown]
        coverage.extend((url, title) for m in shown for url, title, _ in m.links)
        source_count = len(group_stories(coverage, url=lambda item: item[0], title=lambda item: item[1]))
    heats = [m.heat for m in members if m.published and m.heat is not None]
    latest_published = max((m.published_at for m in members if m.published), default=None)
    return {
        "lead_id": lead.id if lead else None,
        "article_count": len(members),
        "published_count": sum(1 for m in members if m.published),
        "source_count": source_count,
        "heat": max(heats, default=-1),
        "first_at": min(times),
        "latest_at": max(times),
        "latest_day": latest_published.astimezone(UTC).date() if latest_published else None,
    }
