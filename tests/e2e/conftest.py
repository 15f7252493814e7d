"""Browser-test fixtures: one live portal per session, Debian's Chromium, contexts and screenshots.

The portal runs as a separate gunicorn process (`portal.wsgi`) on a temporary SQLite database, prepared
once per session the way an operator would (migrate, collectstatic, import the seeds and a generated
corpus; `create_editor` for the editor's journey) and served with the production settings (debug off,
whitenoise, the real 404 page). The browser is Debian's Chromium (`make e2e` installs it); Playwright
never downloads one."""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import processes

# A loaded 2-core CI machine is slower than a laptop: give assertions room (actions keep 30 s).
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CORPUS_SIZE = 300
EDITOR_USERNAME = "e2e-editor"
EDITOR_PASSWORD = "e2e-editor-password-not-secret-42"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@dataclass
class LiveSite:
    """The running portal: its base URL and a way to run management commands on its database."""

    url: str
    env: dict
    log: Path

    def manage(self, *args, extra_env=None):
        result = processes.manage(*args, env={**self.env, **(extra_env or {})})
        if result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(map(str, args))} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def query(self, code):
        """Run Python in `manage.py shell` against the site's database; return what it prints, as JSON."""
        return json.loads(self.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The portal with the seeds and a generated corpus, served over HTTP for the whole session."""
    tmp = tmp_path_factory.mktemp("portal")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.site_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "e2e-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
        "E2E_STATIC_ROOT": str(tmp / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    port = int(os.environ.get("E2E_PORT") or processes.free_port())
    site = LiveSite(url=f"http://{processes.HOST}:{port}", env=env, log=tmp / "server.log")
    corpus = tmp / "corpus"
    subprocess.run(
        [sys.executable, "bench/corpus.py", str(corpus), "--count", str(CORPUS_SIZE)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    site.manage("migrate", "--noinput", "-v", "0")
    site.manage("collectstatic", "--noinput", "-v", "0")
    site.manage("import_articles", SEEDS, corpus)
    _import_stories(site, tmp / "stories")
    # gunicorn, as in production: two workers, so the browser's parallel requests overlap.
    with processes.LiveServer(env, port, log_path=site.log, ready_path="/", args=["--access-logfile", "-"]):
        yield site


@pytest.fixture(scope="session")
def editor(live_site):
    """An editor's login, made as an operator would: `create_editor`, password from the environment."""
    live_site.manage(
        "create_editor", EDITOR_USERNAME, "--no-input", extra_env={"EDITOR_PASSWORD": EDITOR_PASSWORD}
    )
    return EDITOR_USERNAME, EDITOR_PASSWORD


# pytest-playwright configuration: Debian's Chromium, headless, and the live site as base URL.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_site):
    return live_site.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp: axe-core is injected as a script tag, which a strict Content-Security-Policy refuses.
    # The desktop viewport is Playwright's default, 1280 x 720; phone contexts set their own.
    return {**browser_context_args, "bypass_csp": True}


# Article images live on other hosts: a grey placeholder stands in for them, so pages (and their
# screenshots) look as they would online while no request ever leaves the machine.
PLACEHOLDER_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="9">'
    '<rect width="16" height="9" fill="#8a94a6"/></svg>'
)


def _offsite(route):
    if route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER_IMAGE)
    else:
        route.abort()


def _offline(context, site_url):
    """Only the live site is reachable from the browser."""
    local = re.compile("^" + re.escape(site_url) + "(/|$)")
    context.route(lambda url: not local.match(url), _offsite)
    return context


@pytest.fixture
def context(new_context, live_site):
    return _offline(new_context(), live_site.url)


@pytest.fixture
def phone_context(new_context, live_site):
    return _offline(new_context(**PHONE), live_site.url)


@pytest.fixture
def dark_context(new_context, live_site):
    return _offline(new_context(color_scheme="dark"), live_site.url)


@pytest.fixture
def visitor(new_context, live_site):
    """A page in a browser context of its own (its own cookies): a reader who is not logged in."""
    return _offline(new_context(), live_site.url).new_page()


@pytest.fixture
def phone_page(phone_context):
    return phone_context.new_page()


@pytest.fixture
def dark_page(dark_context):
    return dark_context.new_page()


@pytest.fixture(scope="session")
def screenshot():
    """Save a full-page screenshot as screenshots/NAME.png (git-ignored) for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, animations="disabled")

    return save


_SAMPLE_CODE = """
import json
from articles.models import Article
published = Article.objects.published().newest_first()
newest = published.first()
rich = published.filter(related_links__isnull=False).exclude(body="").distinct().first() or newest
second = published.exclude(pk__in=[newest.pk, rich.pk]).first()  # the editor unpublishes this one
private = Article.objects.filter(published=False).newest_first().first()
topic = newest.topics.order_by("slug").first()
word = max(newest.title.split(), key=len).strip("().,:;!?")
print(json.dumps({
    "newest": {"title": newest.title, "path": newest.get_absolute_url()},
    "rich": {"title": rich.title, "path": rich.get_absolute_url()},
    "second": {"title": second.title, "path": second.get_absolute_url()},
    "private": {"title": private.title, "path": private.get_absolute_url()},
    "topic": {"name": topic.name, "slug": topic.slug},
    "provider": {"name": newest.provider.name, "domain": newest.provider.domain},
    "word": word,
}))
"""


@pytest.fixture(scope="session")
def sample(live_site):
    """Facts about the site's data, read once at the start of the session (before editors change it).

    `newest` and `rich` (published, with a body and related coverage) stay published all session;
    the editor's journey unpublishes `second` (the newest other one) and publishes `private` (the newest
    unpublished one; newer than most published articles, so it shows on the first page of `/`).
    """
    return live_site.query(_SAMPLE_CODE)


# The names of `main_pages`, for tests parametrized over them.
PAGES = [
    "front",
    "compact",
    "story",
    "topics",
    "providers",
    "list",
    "filtered",
    "search",
    "topic",
    "provider",
    "article",
    "article-rich",
    "not-found",
]


def _import_stories(site, folder):
    """The hand-built story corpus (tests/story_corpus.py), in two imports so that the second
    merges two stories of the first: the retired story's URL then redirects."""
    from tests import story_corpus

    site.manage("import_articles", story_corpus.write(folder / "first", ["b", "d"]))
    merging = {"j": {"related": ["https://two.example/watch-afib", "https://one.example/cxr"]}}
    names = ["a", "c", "e", "f", "g", "h", "i", "j"]
    site.manage("import_articles", story_corpus.write(folder / "second", names, **merging))


_STORIES_CODE = """
import json
from articles.models import Story, StoryAlias
alias = StoryAlias.objects.select_related("story").get(slug__startswith="ai-reads-chest-x-rays")
big = Story.objects.published().order_by("-article_count", "id").first()
print(json.dumps({"retired": "/stories/%s/" % alias.slug, "survivor": alias.story.get_absolute_url(),
                  "story": big.get_absolute_url(), "headline": big.lead.title}))
"""


@pytest.fixture(scope="session")
def stories(live_site):
    """A story page with several members, and a retired story URL with its survivor."""
    return live_site.query(_STORIES_CODE)


@pytest.fixture(scope="session")
def main_pages(sample, stories):
    """The pages every accessibility and validity check covers, by name."""
    topic, provider = sample["topic"]["slug"], sample["provider"]["domain"]
    return {
        "front": "/",
        "compact": "/?view=compact",
        "list": "/?sort=newest",
        "story": stories["story"],
        "topics": "/topics/",
        "providers": "/providers/",
        "filtered": f"/?topic={topic}&provider={provider}",
        "search": f"/?q={sample['word']}",
        "topic": f"/topics/{topic}/",
        "provider": f"/providers/{provider}/",
        "article": sample["newest"]["path"],
        "article-rich": sample["rich"]["path"],
        "not-found": "/articles/no-such-article-here/",
    }
