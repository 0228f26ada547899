from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory
from mitmachstadt.accounts.models import Membership, Role, User
from tests.conftest import SmtpSink, message_text


def _signup(client: Client, **overrides: str) -> Any:
    data = {
        "email": "neu@example.org",
        "display_name": "Neue Stimme",
        "password1": "ein-langes-passwort-42",
        "password2": "ein-langes-passwort-42",
        "website": "",
    }
    data.update(overrides)
    return client.post("/accounts/signup/", data)


@pytest.mark.django_db
def test_signup_sends_a_verification_mail_over_smtp_and_the_link_activates(
    municipality: Any, client_a: Client, smtp_server: SmtpSink
) -> None:
    response = _signup(client_a)
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert user.display_name == "Neue Stimme"
    assert Membership.objects.filter(
        user=user, municipality=municipality, role=Role.PARTICIPANT
    ).exists()

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "neu@example.org"
    body = message_text(mail)
    link = re.search(r"https?://alpha\.test(/accounts/confirm-email/[^\s]+)", body)
    assert link, body

    # Not verified yet: login is refused until the link is followed.
    login = Client(HTTP_HOST="alpha.test").post(
        "/accounts/login/", {"login": "neu@example.org", "password": "ein-langes-passwort-42"}
    )
    assert "/accounts/confirm-email/" in login["Location"]

    confirm_page = client_a.get(link.group(1))
    assert confirm_page.status_code == 200
    confirmed = client_a.post(link.group(1))
    assert confirmed.status_code == 302
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_signup_errors_are_translated_and_keep_the_input(
    municipality: Any, client_a: Client
) -> None:
    UserFactory(display_name="Schon Vergeben", municipality=municipality)
    response = _signup(client_a, display_name="schon vergeben", password2="anders")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dieser Anzeigename ist vergeben" in page
    assert 'value="neu@example.org"' in page
    assert not User.objects.filter(email="neu@example.org").exists()


@pytest.mark.django_db
def test_signup_honeypot_rejects_bots(municipality: Any, client_a: Client) -> None:
    response = _signup(client_a, website="http://spam.example")
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()


@pytest.mark.django_db
def test_display_name_must_not_be_an_email(municipality: Any, client_a: Client) -> None:
    response = _signup(client_a, display_name="ich@example.org")
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()


@pytest.mark.django_db
def test_signup_closed_municipality(municipality: Any, client_a: Client) -> None:
    municipality.signup_open = False
    municipality.save()
    response = _signup(client_a)
    assert not User.objects.filter(email="neu@example.org").exists()
    assert response.status_code == 200


@pytest.mark.django_db
def test_login_logout_and_settings_page(participant: Any, client_a: Client) -> None:
    response = client_a.post(
        "/accounts/login/", {"login": participant.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    page = client_a.get("/accounts/settings/")
    assert page.status_code == 200
    assert participant.display_name in page.content.decode()

    saved = client_a.post("/accounts/settings/", {"display_name": "Umbenannt", "language": "en"})
    assert saved.status_code == 302
    participant.refresh_from_db()
    assert participant.display_name == "Umbenannt"
    assert participant.language == "en"

    client_a.post("/accounts/logout/")
    assert client_a.get("/accounts/settings/").status_code == 302


@pytest.mark.django_db
def test_password_reset_mail(participant: Any, client_a: Client, smtp_server: SmtpSink) -> None:
    response = client_a.post("/accounts/password/reset/", {"email": participant.email})
    assert response.status_code == 302
    [mail] = smtp_server.wait_for(1)
    assert "/accounts/password/reset/key/" in message_text(mail)


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(participant: Any, client_a: Client) -> None:
    pages = [
        client_a.post("/accounts/login/", {"login": participant.email, "password": "wrong"})
        for _ in range(7)
    ]
    assert "Zu viele gescheiterte Anmeldeversuche" in pages[-1].content.decode()
    # Even the right password is refused while the limit holds.
    right = client_a.post(
        "/accounts/login/", {"login": participant.email, "password": TEST_PASSWORD}
    )
    assert right.status_code == 200


@pytest.mark.django_db
def test_passwords_are_hashed_never_stored_plain(participant: Any) -> None:
    participant.refresh_from_db()
    assert TEST_PASSWORD not in participant.password
    assert participant.check_password(TEST_PASSWORD)


def test_production_hasher_is_argon2() -> None:
    from mitmachstadt import settings as project_settings

    # Tests swap in a fast hasher; production's list is built before that swap.
    with open(project_settings.__file__, encoding="utf-8") as handle:
        source = handle.read()
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher",' in source.split("if TESTING:")[0]
