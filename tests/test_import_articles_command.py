"""`manage.py import_articles` as a real process: exit codes, stderr lines, no tracebacks, no crash."""

import pytest

from .conftest import BAD, GOOD
from .processes import clean_environ
from .processes import manage as run_manage


@pytest.fixture(scope="module")
def manage(tmp_path_factory):
    """Run manage.py against a migrated throwaway SQLite file; return (exit code, stdout, stderr)."""
    database = tmp_path_factory.mktemp("cli") / "db.sqlite3"
    env = clean_environ(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{database}")

    def run(*args):
        result = run_manage(*args, env=env, timeout=120)
        return result.returncode, result.stdout, result.stderr

    code, _, err = run("migrate", "--noinput", "-v0")
    assert code == 0, err
    return run


def test_rejection_exits_1_with_one_line_per_file_and_no_traceback(manage, tmp_path):
    # Deep enough to crash PyYAML's C composer (a segfault) if it were ever given this document.
    deep = tmp_path / "deep.txt"
    deep.write_text(
        "---\ntitle: deep\nwebUrl: https://e.com/deep\npublishedDateTime: 2024-01-01\n"
        "extra: " + "[" * 120_000 + "\n---\n"
    )
    code, out, err = manage("import_articles", GOOD / "minimal.txt", deep, BAD / "tag_python_apply.txt")
    assert code == 1
    assert out.strip().splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 2 rejected"
    assert err.splitlines() == [
        f"{deep}: YAML is nested deeper than 20 levels",
        f"{BAD / 'tag_python_apply.txt'}: YAML tag !!python/object/apply:os.system is not allowed",
        "CommandError: 2 of 3 files rejected",
    ]


def test_no_path_at_all_exits_2(manage):
    code, _, err = manage("import_articles")
    assert code == 2
    assert "the following arguments are required: PATH" in err
