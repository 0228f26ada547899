from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Role


def _login(client: Client, user: Any) -> Any:
    return client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.REVIEWER, Role.COMMITTEE_CLERK, Role.ADMIN])
def test_staff_without_second_factor_cannot_reach_staff_pages(
    municipality: Any, client_a: Client, role: str
) -> None:
    staff = UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, role))
    _login(client_a, staff)
    response = client_a.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"
    explained = client_a.get("/accounts/second-factor/")
    assert explained.status_code == 403
    assert "/accounts/2fa/totp/activate/" in explained.content.decode()


@pytest.mark.django_db
def test_staff_with_totp_enabled_but_session_without_it_is_refused(
    municipality: Any, client_a: Client
) -> None:
    staff = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    enable_totp(staff)
    # Force a password-only session (as if logged in before 2FA was set up).
    client_a.force_login(staff)
    assert client_a.get("/staff/")["Location"] == "/accounts/second-factor/"


@pytest.mark.django_db
def test_staff_login_with_totp_reaches_staff_pages(municipality: Any, client_a: Client) -> None:
    staff = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    secret = enable_totp(staff)
    response = _login(client_a, staff)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client_a.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    page = client_a.get("/staff/")
    assert page.status_code == 200
    assert "Prüfer" in page.content.decode() or "Reviewer" in page.content.decode()


@pytest.mark.django_db
def test_participant_is_denied_staff_pages(participant: Any, client_a: Client) -> None:
    _login(client_a, participant)
    assert client_a.get("/staff/").status_code == 403


@pytest.mark.django_db
def test_staff_of_one_municipality_is_not_staff_in_another(
    municipality: Any, other_municipality: Any, client_b: Client
) -> None:
    staff = UserFactory(municipality=municipality, roles=(Role.ADMIN,))
    secret = enable_totp(staff)
    _login(client_b, staff)
    client_b.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert client_b.get("/staff/").status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client_a: Client) -> None:
    response = client_a.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_admin_site_needs_second_factor(municipality: Any, client_a: Client) -> None:
    operator = UserFactory(municipality=None, is_operator=True)
    operator.is_staff = True
    operator.save()
    client_a.force_login(operator)
    assert client_a.get("/admin/")["Location"] == "/accounts/second-factor/"
