"""Shared helpers of the idea page tests (no tests here)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Role
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.tenants.services import field_of_action_create

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.0, 51.0], [8.1, 51.0], [8.1, 51.1], [8.0, 51.1], [8.0, 51.0]]],
}


def html(response: Any) -> str:
    return response.content.decode()


def logged_in(user: Any, host: str = "alpha.test") -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def staff_client(user: Any, host: str = "alpha.test") -> Client:
    """A session signed in with password and TOTP, as staff pages require."""
    secret = enable_totp(user)
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response
    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302, response
    return client


def htmx(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data or {}, HTTP_HX_REQUEST="true")


def png_upload(name: str = "bild.png", size: tuple[int, int] = (40, 30)) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_upload(name: str = "plan.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"
    )


def error_text(page: str) -> str:
    """The text of all field error lists of a page (to assert messages next to fields)."""
    return " ".join(re.findall(r'class="field-errors"[^>]*>(.*?)</ul>', page, re.S))


@pytest.fixture(name="field")
def field_fixture(municipality: Any) -> Any:
    return field_of_action_create(municipality=municipality, slug="mobilitaet", name="Mobilität")


@pytest.fixture(name="district")
def district_fixture(municipality: Any) -> Any:
    return district_create(
        municipality=municipality, slug="innenstadt", name="Innenstadt", geometry=SQUARE
    )


@pytest.fixture(name="author")
def author_fixture(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, display_name="Ada Autorin")


@pytest.fixture(name="idea")
def idea_fixture(municipality: Any, author: Any, field: Any) -> Any:
    return make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Mehr Bänke am Marktplatz",
        text="Am Marktplatz fehlen Bänke zum Ausruhen, besonders für ältere Menschen.",
    )


@pytest.fixture(name="draft")
def draft_fixture(municipality: Any, author: Any, field: Any) -> Any:
    return make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Geheimer Entwurf einer Idee",
        text="Dieser Entwurf ist noch privat und soll niemandem sonst gezeigt werden.",
        submit=False,
    )


@pytest.fixture(name="moderator")
def moderator_fixture(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, Role.MODERATOR))


@pytest.fixture(name="reviewer")
def reviewer_fixture(municipality: Any) -> Any:
    return UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, Role.REVIEWER))
