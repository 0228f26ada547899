"""Test and demo helpers: an assembly run through its workflow with synthetic data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from typing import Any

from django.utils import timezone

from . import services
from .models import Assembly, Invitation, Response, Seed

QUOTAS_CSV = """feature,value,min,max,label,question
gender,female,2,4,Frau,What is your gender?
gender,male,2,4,Mann,
age,16-39,2,4,16 bis 39 Jahre,How old are you?
age,40+,2,4,40 Jahre und älter,
"""

GIVEN = ["Anna", "Ben", "Clara", "David", "Emine", "Felix", "Greta", "Hakan", "Ida", "Jonas"]
FAMILY = ["Becker", "Schulz", "Yilmaz", "Wagner", "Hoffmann", "Koch", "Richter", "Klein"]
STREETS = ["Hauptstraße", "Berliner Straße", "Am Markt", "Kirchweg", "Dalkeweg", "Lindenallee"]


def register_csv(
    people: int = 200,
    *,
    districts: tuple[str, ...] = ("Innenstadt", "Avenwedde", "Spexard"),
    weights: tuple[int, ...] | None = None,
    seed: int = 7,
    delimiter: str = ";",
    german: bool = True,
) -> bytes:
    """A synthetic register extract (two people per address on average)."""
    rng = random.Random(seed)
    header = (
        [
            "Ordnungsmerkmal",
            "Vorname",
            "Nachname",
            "Straße",
            "Hausnummer",
            "PLZ",
            "Ort",
            "Stadtteil",
            "Geburtsjahr",
        ]
        if german
        else [
            "id",
            "given_name",
            "family_name",
            "street",
            "house_number",
            "postcode",
            "city",
            "district",
            "birth_year",
        ]
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for i in range(people):
        writer.writerow(
            [
                f"R{i + 1:06d}",
                rng.choice(GIVEN),
                rng.choice(FAMILY),
                rng.choice(STREETS),
                str(1 + (i // 2) % 97),
                "33330",
                "Gütersloh",
                rng.choices(districts, weights=weights)[0],
                str(rng.randint(1935, 2008)),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def make_assembly(municipality: Any, **kwargs: Any) -> Assembly:
    kwargs.setdefault("title", "Bürgerrat Mobilität")
    kwargs.setdefault("guiding_question", "Wie wollen wir uns 2035 in Gütersloh bewegen?")
    kwargs.setdefault("panel_size", 6)
    kwargs.setdefault("invitations", 60)
    kwargs.setdefault("response_deadline", timezone.now() + dt.timedelta(days=21))
    return services.assembly_create(
        municipality=municipality, actor=None, check_role=False, **kwargs
    )


def invite(assembly: Assembly, actor: Any, *, register: bytes | None = None) -> list[Invitation]:
    """Quotas, register, seed and the invitation draw."""
    if not assembly.categories.exists():
        services.quotas_set(assembly=assembly, actor=actor, text=QUOTAS_CSV)
    services.register_import(
        assembly=assembly, actor=actor, data=register or register_csv(), filename="register.csv"
    )
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=actor,
        purpose=Seed.Purpose.INVITATIONS,
        kind=Seed.Kind.PUBLIC,
        source="Lotto 6 aus 49 vom Samstag, die sechs Zahlen aufsteigend",
    )
    services.seed_reveal(seed=seed, actor=actor, value="3 11 19 27 38 45")
    return services.invitations_draw(assembly=assembly, actor=actor)


def respond(
    assembly: Assembly, *, share: float = 0.5, seed: int = 3, actor: Any = None
) -> list[Response]:
    """Let a share of the invitees answer "yes" with random features (some say "no")."""
    rng = random.Random(seed)
    cats = list(assembly.categories.prefetch_related("values"))
    answered = []
    for invitation in assembly.invites.order_by("number"):
        roll = rng.random()
        if roll > share:
            continue
        willing = roll < share * 0.9
        answers = {c.name: rng.choice([v.value for v in c.values.all()]) for c in cats}
        answered.append(
            services.response_submit(
                invitation=invitation,
                willing=willing,
                consent=willing,
                answers=answers,
                contact_email=f"person{invitation.number}@example.org" if willing else "",
                actor=actor,
            )
        )
    return answered
