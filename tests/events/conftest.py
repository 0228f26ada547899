"""Fixtures of the events tests: an organiser signed in with a second factor."""

from __future__ import annotations

import time
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


def staff_login(client: Client, user: Any) -> Client:
    """Sign `user` in through the real login and TOTP steps."""
    secret = enable_totp(user)
    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[-3000:]
    for _attempt in range(3):
        # A code can expire between computing and checking it at a 30-second boundary.
        code = current_totp_code(secret)
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
        if response.status_code == 302:
            break
        time.sleep(1)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return client


@pytest.fixture
def organiser(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, Role.MODERATOR))


@pytest.fixture
def organiser_client(organiser: Any) -> Client:
    return staff_login(Client(HTTP_HOST="alpha.test"), organiser)
