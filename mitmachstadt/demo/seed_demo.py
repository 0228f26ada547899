"""Seed the demo municipality Gütersloh from data/guetersloh.json (drawn from the seeds)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from mitmachstadt.accounts.models import Role, User
from mitmachstadt.accounts.services import user_create
from mitmachstadt.geo.services import district_create
from mitmachstadt.tenants.models import Municipality
from mitmachstadt.tenants.services import (
    cluster_create,
    criterion_create,
    field_of_action_create,
    municipality_create,
)

from . import accounts as demo_accounts

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


@cache
def load_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "guetersloh.json").read_text("utf-8"))
    return data


def load_districts() -> dict[str, Any]:
    name = load_data().get("districts_file", "guetersloh_districts.geojson")
    districts: dict[str, Any] = json.loads((DATA_DIR / name).read_text("utf-8"))
    return districts


def _activate_demo_totp(user: User) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, demo_accounts.DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)


def seed_municipality(*, hosts: list[str] | None = None) -> Municipality:
    """Create the municipality with its configuration: fields, clusters, criteria, districts."""
    data = load_data()
    m = data["municipality"]
    municipality = municipality_create(
        slug=m["slug"],
        name=m["name"],
        short_name=m.get("short_name", ""),
        hosts=hosts or DEMO_HOSTS,
        tagline=m.get("tagline", ""),
        intro=m.get("intro", ""),
        primary_color=m.get("primary_color", "#0b5394"),
        map_center_lat=m["center"][0],
        map_center_lon=m["center"][1],
        map_zoom=m.get("zoom", 13),
        answer_days=m.get("answer_days", 14),
        reaction_mode=m.get("reaction_mode", "updown"),
        languages=["de", "en"],
        is_demo=True,
        contact_email="digitalisierung@demo.mitmachstadt.de",
        imprint=(
            "Demo-Installation von Mitmachstadt mit Daten aus der Digitalen Agenda Gütersloh. "
            "Keine offizielle Seite der Stadt Gütersloh."
        ),
    )
    for position, field in enumerate(data["fields"]):
        field_of_action_create(
            municipality=municipality,
            slug=field["slug"],
            name=field["name"],
            description=field.get("description", ""),
            position=position,
            is_demo=True,
        )
    for position, cluster in enumerate(data["clusters"]):
        cluster_create(
            municipality=municipality,
            slug=cluster["slug"],
            name=cluster["name"],
            description=cluster.get("description", ""),
            position=position,
            is_demo=True,
        )
    for position, criterion in enumerate(data["criteria"]):
        criterion_create(
            municipality=municipality,
            slug=criterion["slug"],
            name=criterion["name"],
            description=criterion.get("description", ""),
            group=criterion.get("group", "agenda"),
            position=position,
        )
    for feature in load_districts()["features"]:
        props = feature["properties"]
        district_create(
            municipality=municipality,
            slug=props["slug"],
            name=props["name"],
            geometry=feature["geometry"],
            is_demo=True,
        )
    return municipality


def seed_accounts(municipality: Municipality) -> dict[str, User]:
    """Demo accounts per role; staff accounts have TOTP with the published demo secret."""
    people: dict[str, User] = {}
    data = load_data()
    participants = [p for p in data.get("demo_people", []) if p.get("role") == "participant"]
    for index, person in enumerate(participants, start=1):
        people[person["display_name"]] = user_create(
            email=demo_accounts.PARTICIPANT_EMAIL.format(index=index),
            display_name=person["display_name"],
            password=demo_accounts.DEMO_PASSWORD,
            municipality=municipality,
            is_demo=True,
        )
    staff = [p for p in data.get("demo_people", []) if p.get("role") != "participant"]
    for person in staff:
        role = person["role"]
        is_operator = role == "operator"
        user = user_create(
            email=demo_accounts.STAFF_EMAILS[role],
            display_name=person["display_name"],
            password=demo_accounts.DEMO_PASSWORD,
            municipality=None if is_operator else municipality,
            roles=() if is_operator else (Role.PARTICIPANT, role),
            is_demo=True,
            is_operator=is_operator,
        )
        _activate_demo_totp(user)
        people[person["display_name"]] = user
        people[f"role:{role}"] = user
    _mark_emails_verified({u.pk: u for u in people.values()}.values())
    return people


def _mark_emails_verified(users: Any) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )


def _content_steps() -> list[Any]:
    # Domain content in dependency order; each step takes (municipality, people, data).
    from .seed_events import seed_events
    from .seed_ideas import seed_ideas
    from .seed_moderation import seed_moderation
    from .seed_projects import seed_projects

    return [seed_ideas, seed_projects, seed_events, seed_moderation]


@transaction.atomic
def seed_demo() -> Municipality:
    """Seed the whole demo municipality; fails if it exists (use --if-empty to skip)."""
    municipality = seed_municipality()
    people = seed_accounts(municipality)
    for step in _content_steps():
        step(municipality=municipality, people=people, data=load_data())
    return municipality


def demo_exists() -> bool:
    return Municipality.objects.filter(slug=load_data()["municipality"]["slug"]).exists()
