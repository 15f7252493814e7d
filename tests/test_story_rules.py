"""Clustering rules without a database: which articles report one story."""

from datetime import UTC, datetime, timedelta

from articles.stories import rules

BASE = datetime(2024, 3, 1, tzinfo=UTC)


def node(pk, title="", url="", related=(), day=0):
    url_keys, title_key = rules.article_keys(url, title, list(related))
    return rules.Node(pk, BASE + timedelta(days=day), url_keys, title_key)


def test_a_page_among_anothers_related_links_is_one_story():
    nodes = [
        node(1, url="one.example/a", related=["https://two.example/b?utm_source=x"]),
        node(2, url="two.example/b"),
    ]
    assert rules.components(nodes, {}) == [[1, 2]]


def test_a_shared_related_link_is_one_story():
    nodes = [
        node(1, url="one.example/a", related=["https://www.paper.example/s/"]),
        node(2, url="two.example/b", related=["http://paper.example/s#top"]),
    ]
    assert rules.components(nodes, {}) == [[1, 2]]


def test_near_duplicate_titles_within_days_are_one_story_not_a_month_apart():
    nodes = [
        node(1, "New risk score predicts sudden cardiac death | Cardio Weekly", "a.example/1", day=0),
        node(2, "New Risk Score Predicts Sudden Cardiac Death!", "b.example/2", day=3),
        node(3, "New risk score predicts sudden cardiac death", "c.example/3", day=40),
    ]
    assert rules.components(nodes, {}) == [[1, 2], [3]]


def test_shared_topic_words_are_not_a_story():
    nodes = [
        node(1, "Deep learning predicts heart failure from ECG", "a.example/1"),
        node(2, "Deep learning predicts stroke from MRI", "a.example/2"),
    ]
    assert rules.components(nodes, {}) == [[1], [2]]


def test_short_titles_never_link():
    assert rules.components(
        [node(1, "Editorial", "a.example/1"), node(2, "Editorial", "b.example/2")], {}
    ) == [
        [1],
        [2],
    ]


def test_a_link_shared_by_many_articles_chains_nothing():
    home = "https://www.news.example/"
    nodes = [
        node(n, f"Unrelated report {n} on cardiology today", f"x.example/{n}", [home]) for n in range(40)
    ]
    assert rules.components(nodes, {}) == [[n] for n in range(40)]


def test_a_title_shared_by_hundreds_links_nothing():
    nodes = [node(n, "Press release from the society of cardiology", f"p.example/{n}") for n in range(300)]
    assert len(rules.components(nodes, {})) == 300


def test_corpus_wide_counts_decide_not_the_nodes_at_hand():
    nodes = [
        node(1, url="a.example/1", related=["https://h.example/"]),
        node(2, url="b.example/2", related=["https://h.example/"]),
    ]
    home = rules.key_of("u", "h.example/")
    assert rules.components(nodes, {home: 2}) == [[1, 2]]
    assert rules.components(nodes, {home: rules.MAX_SHARED + 1}) == [[1], [2]]


def test_thousands_of_related_links_count_only_the_first_ones():
    related = [f"https://site{n}.example/story" for n in range(5000)]
    url_keys, _ = rules.article_keys("a.example/1", "A title long enough to count", related)
    assert len(url_keys) == rules.MAX_LINKS + 1


def test_an_oversized_group_is_split_deterministically():
    # A chain: each article links the next one's page.
    count = rules.MAX_STORY_ARTICLES + 50
    nodes = [node(n, url=f"c.example/{n}", related=[f"https://c.example/{n + 1}"]) for n in range(count)]
    groups = rules.components(nodes, {})
    assert max(len(group) for group in groups) <= rules.MAX_STORY_ARTICLES
    assert sorted(pk for group in groups for pk in group) == list(range(count))
    assert rules.components(list(reversed(nodes)), {}) == groups


def test_the_order_of_articles_does_not_change_the_grouping():
    nodes = [
        node(1, url="a.example/1", related=["https://b.example/2"]),
        node(2, url="b.example/2"),
        node(3, url="c.example/3", related=["https://b.example/2"]),
        node(4, url="d.example/4"),
    ]
    assert rules.components(nodes, {}) == rules.components(nodes[::-1], {}) == [[1, 2, 3], [4]]


class Member:
    def __init__(self, pk, published=True, quality=None, heat=None, day=0):
        self.id, self.published, self.quality, self.heat = pk, published, quality, heat
        self.published_at = BASE + timedelta(days=day)


def test_lead_is_the_best_published_member_quality_then_heat_then_recency():
    members = [
        Member(1, quality=90, published=False),
        Member(2, quality=70, heat=5),
        Member(3, quality=70, heat=9),
    ]
    assert rules.lead_of(members).id == 3
    members = [Member(1, quality=70, heat=9, day=0), Member(2, quality=70, heat=9, day=1)]
    assert rules.lead_of(members).id == 2
    assert rules.lead_of([Member(1, published=False)]) is None


def test_the_fast_canonical_url_agrees_with_canonical_url():
    from articles.canonical import canonical_url

    urls = [
        "https://www.Example.com/a//b/",
        "http://example.com.",
        "HTTPS://WWW.EXAMPLE.COM",
        "https://example.com/a?utm_source=x",
        "https://example.com:8443/a",
        "https://example.com/a#frag",
        "https://user@example.com/a",
        "https://example.com/%7Euser/a%20b/",
        "https://example.com/a;b=c/",
        "https://münchen.example/a",
        " https://example.com/a ",
        "https://example.com/a\tb",
        "https://www.www.example.com/x",
    ]
    for url in urls:
        assert rules.fast_canonical_url(url) == canonical_url(url), url
