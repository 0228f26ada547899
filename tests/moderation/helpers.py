"""Helpers shared by the moderation and privacy tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Role


def login(host: str, user: Any) -> Client:
    """A client on `host`, signed in with the password (participants)."""
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def login_staff(host: str, user: Any) -> Client:
    """A client on `host`, signed in with password and TOTP, as staff pages require."""
    secret = enable_totp(user)
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/", response
    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    return client


def make_moderator(municipality: Any, **kwargs: Any) -> Any:
    return UserFactory(
        municipality=municipality, roles=(Role.PARTICIPANT, Role.MODERATOR), **kwargs
    )
