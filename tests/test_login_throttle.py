"""portal/login_throttle.py: the admin login refuses password guessing."""

import pytest


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "e@example.org", "right-password-1")


def attempt(client, password, username="editor", address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_a_few_failures_still_get_the_login_form(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = attempt(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()


def test_after_the_limit_even_the_right_password_is_refused_with_429(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW = 600
    for _ in range(3):
        attempt(client, "wrong")

    response = attempt(client, "right-password-1")

    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Too many failed login attempts" in response.content.decode()
    assert "10 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_refusal_is_per_username_and_address(client, editor, settings, django_user_model):
    settings.LOGIN_FAILURE_LIMIT = 2
    django_user_model.objects.create_superuser("other", "o@example.org", "other-password-1")
    for _ in range(2):
        attempt(client, "wrong")

    assert attempt(client, "right-password-1", address="10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, "other-password-1", username="other").status_code == 302
    client.logout()
    assert attempt(client, "right-password-1", username=" EDITOR ").status_code == 429


def test_a_successful_login_clears_the_count(client, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, "right-password-1").status_code == 302
    client.logout()

    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, "right-password-1").status_code == 302


def test_the_refusal_ends_with_the_window(client, editor, settings):
    from django.core.cache import cache

    settings.LOGIN_FAILURE_LIMIT = 1
    attempt(client, "wrong")
    assert attempt(client, "right-password-1").status_code == 429

    cache.clear()  # what the window's expiry does

    assert attempt(client, "right-password-1").status_code == 302


def test_the_login_page_itself_still_renders(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
