from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Membership, Role
from mitmachstadt.geo.models import District
from mitmachstadt.tenants.models import FieldOfAction, Municipality

pytestmark = pytest.mark.django_db

SQUARE = [[[8.0, 51.0], [8.1, 51.0], [8.1, 51.1], [8.0, 51.1], [8.0, 51.0]]]


def staff_client(municipality: Any, host: str, *roles: str, **extra: Any) -> tuple[Client, Any]:
    user = UserFactory(municipality=municipality, roles=(Role.PARTICIPANT, *roles), **extra)
    secret = enable_totp(user)
    client = Client(HTTP_HOST=host)
    client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    return client, user


def test_admin_changes_settings_and_bad_input_keeps_the_form(municipality: Any) -> None:
    client, _user = staff_client(municipality, "alpha.test", Role.ADMIN)
    page = client.get("/staff/settings/")
    assert page.status_code == 200
    data = {
        "name": "Alphastadt",
        "short_name": "Alpha",
        "tagline": "Mitmachen!",
        "intro": "",
        "primary_color": "rot",
        "languages": ["de", "en"],
        "reaction_mode": "stars",
        "answer_days": "21",
        "map_center_lat": "51.9",
        "map_center_lon": "8.4",
        "map_zoom": "13",
        "contact_email": "",
        "imprint": "",
        "signup_open": "on",
    }
    bad = client.post("/staff/settings/", data)
    assert bad.status_code == 200 and 'value="Mitmachen!"' in bad.content.decode()
    assert Municipality.objects.get(pk=municipality.pk).reaction_mode == "updown"
    data["primary_color"] = "#224466"
    assert client.post("/staff/settings/", data).status_code == 302
    municipality.refresh_from_db()
    assert (municipality.reaction_mode, municipality.answer_days, municipality.primary_color) == (
        "stars",
        21,
        "#224466",
    )


def test_admin_manages_fields_and_districts(municipality: Any) -> None:
    client, _user = staff_client(municipality, "alpha.test", Role.ADMIN)
    response = client.post(
        "/staff/settings/fields/",
        {"slug": "bildung", "name": "Bildung", "description": "", "position": "1"},
    )
    assert response.status_code == 302
    field = FieldOfAction.objects.get(municipality=municipality, slug="bildung")
    client.post(
        f"/staff/settings/fields/{field.pk}/",
        {"name": "Bildung und Lernen", "description": "", "position": "2"},
    )
    field.refresh_from_db()
    assert field.name == "Bildung und Lernen" and field.slug == "bildung"
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Mitte", "slug": "mitte"},
                "geometry": {"type": "Polygon", "coordinates": SQUARE},
            },
            {
                "type": "Feature",
                "properties": {"name": "Kaputt"},
                "geometry": {"type": "Polygon", "coordinates": [[[8.0, 51.0], [8.1, 51.0]]]},
            },
        ],
    }
    upload = SimpleUploadedFile(
        "d.geojson", json.dumps(geojson).encode(), content_type="application/geo+json"
    )
    response = client.post("/staff/settings/districts/", {"file": upload})
    assert response.status_code == 200 and "Kaputt" in response.content.decode()
    assert not District.objects.filter(municipality=municipality).exists()  # all or nothing
    geojson["features"] = geojson["features"][:1]
    upload = SimpleUploadedFile("d.geojson", json.dumps(geojson).encode())
    assert client.post("/staff/settings/districts/", {"file": upload}).status_code == 302
    assert District.objects.get(municipality=municipality).name == "Mitte"


def test_admin_grants_and_revokes_roles(municipality: Any) -> None:
    client, admin = staff_client(municipality, "alpha.test", Role.ADMIN)
    person = UserFactory(municipality=municipality)
    assert (
        client.post("/staff/roles/", {"email": person.email, "role": Role.MODERATOR}).status_code
        == 302
    )
    membership = Membership.objects.get(user=person, role=Role.MODERATOR)
    assert (
        client.post("/staff/roles/", {"action": "revoke", "membership": membership.pk}).status_code
        == 302
    )
    assert not Membership.objects.filter(user=person, role=Role.MODERATOR).exists()
    own = Membership.objects.get(user=admin, role=Role.ADMIN)
    client.post("/staff/roles/", {"action": "revoke", "membership": own.pk})
    assert Membership.objects.filter(pk=own.pk).exists()


def test_other_roles_and_other_municipalities_are_refused(
    municipality: Any, other_municipality: Any
) -> None:
    moderator, _ = staff_client(municipality, "alpha.test", Role.MODERATOR)
    assert moderator.get("/staff/settings/").status_code == 403
    admin_b, _ = staff_client(other_municipality, "beta.test", Role.ADMIN)
    field = FieldOfAction.objects.create(municipality=municipality, slug="x", name="Nur Alpha")
    assert admin_b.get(f"/staff/settings/fields/{field.pk}/").status_code == 404
    foreign_membership = Membership.objects.filter(municipality=municipality).first()
    assert foreign_membership is not None
    assert (
        admin_b.post(
            "/staff/roles/", {"action": "revoke", "membership": foreign_membership.pk}
        ).status_code
        == 404
    )


def test_operator_creates_a_municipality(municipality: Any) -> None:
    client, _operator = staff_client(None, "alpha.test", is_operator=True)
    future_admin = UserFactory(municipality=municipality)
    response = client.post(
        "/staff/operator/",
        {
            "slug": "gamma",
            "name": "Gammaheim",
            "hosts": "gamma.test\nwww.gamma.test",
            "admin_email": future_admin.email,
        },
    )
    assert response.status_code == 302
    gamma = Municipality.objects.get(slug="gamma")
    assert Membership.objects.filter(
        municipality=gamma, user=future_admin, role=Role.ADMIN
    ).exists()
    assert Client(HTTP_HOST="www.gamma.test").get("/").status_code == 200
    taken = client.post(
        "/staff/operator/", {"slug": "delta", "name": "Delta", "hosts": "alpha.test"}
    )
    assert taken.status_code == 200 and not Municipality.objects.filter(slug="delta").exists()


def test_operator_page_needs_an_operator_with_second_factor(municipality: Any) -> None:
    admin, _ = staff_client(municipality, "alpha.test", Role.ADMIN)
    assert admin.get("/staff/operator/").status_code == 403
    operator = UserFactory(municipality=None, is_operator=True)
    client = Client(HTTP_HOST="alpha.test")
    client.force_login(operator)
    assert client.get("/staff/operator/").status_code in {302, 403}
