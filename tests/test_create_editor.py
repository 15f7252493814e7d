"""`manage.py create_editor`: a staff user in the Editors group, with clear errors."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.management.commands import create_editor

from .editorial import PASSWORD


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_editor", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", PASSWORD)


@pytest.fixture
def prompts(monkeypatch):
    """Answer the password prompts with the given strings, in order."""
    monkeypatch.delenv("EDITOR_PASSWORD", raising=False)

    def answer(*answers):
        replies = iter(answers)
        monkeypatch.setattr(create_editor.getpass, "getpass", lambda prompt="": next(replies))

    return answer


def test_creates_a_staff_editor_who_can_log_in(db, password_env, client):
    out = run("alice", "--email", "alice@example.com")
    assert "Editor 'alice' created" in out
    user = get_user_model().objects.get(username="alice")
    assert user.is_staff and not user.is_superuser
    assert user.email == "alice@example.com"
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert user.has_perm("articles.publish_article")
    assert not user.has_perm("articles.change_article")
    # Through the real login form (django-axes watches it; `client.login` passes no request).
    assert client.post("/admin/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/articles/article/").status_code == 200


def test_password_prompted_twice(db, prompts):
    prompts(PASSWORD, PASSWORD)
    run("bob")
    assert get_user_model().objects.get(username="bob").check_password(PASSWORD)


def test_different_passwords_create_nothing(db, prompts):
    prompts(PASSWORD, PASSWORD + "x")
    with pytest.raises(CommandError, match="The two passwords differ"):
        run("bob")
    assert not get_user_model().objects.filter(username="bob").exists()


def test_existing_user_is_a_clear_error(db, password_env):
    run("alice")
    with pytest.raises(CommandError, match="A user named 'alice' already exists"):
        run("alice")
    assert get_user_model().objects.filter(username="alice").count() == 1


@pytest.mark.parametrize(
    "password, message",
    [
        ("", "The password is empty"),
        ("   ", "The password is empty"),
        ("12345678", "This password is entirely numeric"),
        ("short1", "too short"),
    ],
)
def test_bad_passwords_are_refused(db, monkeypatch, password, message):
    monkeypatch.setenv("EDITOR_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        run("alice")
    assert not get_user_model().objects.exists()


def test_no_input_needs_the_environment_variable(db, monkeypatch):
    monkeypatch.delenv("EDITOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="set EDITOR_PASSWORD"):
        run("alice", "--no-input")


@pytest.mark.parametrize(
    "args, message",
    [(["bad name!"], "Invalid username"), (["alice", "--email", "not-an-address"], "Invalid e-mail")],
)
def test_bad_arguments_are_refused(db, password_env, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not get_user_model().objects.exists()
