"""The admin login refuses password guessing (django-axes, portal.login_lockout)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

LOOK_ALIKES = ["ｅｄ１", "ᵉᵈ¹", "𝐞𝐝𝟏", "ⓔⓓ①"]  # each signs in as "ed1" (the login form NFKC-normalises)


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("ed1", "e@example.org", "right-password-1")


def attempt(client, password, username="ed1", address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def lock(client, settings, username="ed1", address="10.0.0.1"):
    settings.LOGIN_FAILURE_LIMIT = 3
    responses = [attempt(client, "wrong", username, address) for _ in range(3)]
    assert responses[-1].status_code == 429


def test_failures_below_the_limit_still_get_the_login_form(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        response = attempt(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()


def test_at_the_limit_even_the_right_password_is_refused_with_a_page_that_says_why(client, editor, settings):
    settings.LOGIN_FAILURE_WINDOW = 600
    lock(client, settings)

    response = attempt(client, "right-password-1")

    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Too many failed login attempts for this username from your address" in page
    assert "10 minutes" in page
    assert 'id="header"' in page  # in the admin's design
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_look_alike_usernames_count_against_the_account_they_sign_in_as(client, editor, settings, look_alike):
    lock(client, settings, username=look_alike)

    assert attempt(client, "right-password-1", username="ed1").status_code == 429


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_locked_account_cannot_be_reached_through_a_look_alike(client, editor, settings, look_alike):
    lock(client, settings)

    assert attempt(client, "right-password-1", username=look_alike).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(client, editor, settings, django_user_model):
    django_user_model.objects.create_superuser("other", "o@example.org", "other-password-1")
    lock(client, settings)

    # The owner elsewhere is not locked out by a stranger's guesses...
    assert attempt(client, "right-password-1", address="10.0.0.2").status_code == 302
    client.logout()
    # ...nor is another editor behind the same address.
    assert attempt(client, "other-password-1", username="other").status_code == 302
    client.logout()
    # Surrounding spaces are stripped by the login form, so by the lock too.
    assert attempt(client, "right-password-1", username=" ed1 ").status_code == 429


def test_no_cache_traffic_lifts_a_lock(client, editor, settings):
    lock(client, settings)
    for alias in settings.CACHES:  # what a flood of distinct pages does to a bounded cache, at worst
        caches[alias].clear()

    assert attempt(client, "right-password-1").status_code == 429


def test_failures_are_recorded_in_the_database_for_every_app_server(client, editor, settings):
    from axes.models import AccessAttempt

    settings.LOGIN_FAILURE_LIMIT = 5
    attempt(client, "wrong")
    attempt(client, "wrong", username="ｅｄ１")

    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        ("ed1", "10.0.0.1", 2)
    ]


def test_a_successful_login_clears_the_count(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, "right-password-1").status_code == 302
    client.logout()

    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, "right-password-1").status_code == 302


def test_the_lock_ends_with_the_window(client, editor, settings):
    from axes.models import AccessAttempt

    settings.LOGIN_FAILURE_WINDOW = 600
    lock(client, settings)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=601))

    assert attempt(client, "right-password-1").status_code == 302


def test_an_operator_lifts_a_lock_with_one_command(client, editor, settings):
    lock(client, settings)

    call_command("axes_reset_username", "ed1", stdout=StringIO())

    assert attempt(client, "right-password-1").status_code == 302


def test_the_login_page_itself_still_renders(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
