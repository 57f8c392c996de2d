"""Sign-in security that allauth gives us, checked through the real login page."""

from django.contrib.auth.hashers import identify_hasher

from tests.factories import UserFactory


def test_passwords_are_hashed_with_argon2(db):
    user = UserFactory()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_failed_logins_are_throttled_per_account(client, db):
    given_user = UserFactory(email="target@example.org")
    for attempt in range(5):
        # A different client IP each time: the per-account limit must hold on its own.
        client.post(
            "/accounts/login/",
            {"login": given_user.email, "password": f"wrong-{attempt}"},
            REMOTE_ADDR=f"10.0.0.{attempt + 1}",
        )
    # When even the right password is tried next, from yet another address,
    response = client.post(
        "/accounts/login/",
        {"login": given_user.email, "password": "correct horse battery"},
        REMOTE_ADDR="10.0.0.99",
    )
    # then the account stays locked for now, with a message that says so.
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_the_right_password_signs_in(client, db):
    given_user = UserFactory(email="right@example.org")
    response = client.post(
        "/accounts/login/", {"login": given_user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(given_user.pk)
