"""Stage 1 and 2: quotas, the seeded invitation draw, letters, and the register's deletion."""

from __future__ import annotations

import base64
import re
import zlib
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from mitmachstadt.assemblies import invitations, services
from mitmachstadt.assemblies.factories import QUOTAS_CSV, invite, make_assembly, register_csv
from mitmachstadt.assemblies.letters import letters_pdf
from mitmachstadt.assemblies.models import Assembly, RegisterEntry, Seed
from mitmachstadt.assemblies.register import parse_register


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a reportlab PDF (its content streams, inflated)."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):  # reportlab wraps compressed streams in ASCII85
            data = base64.a85decode(data[:-2].replace(b"\n", b""))
        try:
            parts.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            parts.append(data.decode("latin-1"))
    text = "\n".join(parts)
    # Strings use the PDF's WinAnsi encoding with octal escapes for non-ASCII characters.
    return re.sub(r"\\(\d{3})", lambda m: bytes([int(m.group(1), 8)]).decode("cp1252"), text)


def test_allocation_is_proportional_and_adds_up() -> None:
    shares = invitations.allocate({"Innenstadt": 500, "Avenwedde": 300, "Ebbesloh": 20}, 100)
    assert sum(shares.values()) == 100
    assert shares == {"Innenstadt": 61, "Avenwedde": 37, "Ebbesloh": 2}
    assert invitations.allocate({"A": 3, "B": 1}, 10) == {
        "A": 3,
        "B": 1,
    }  # never more than live there


def test_the_draw_depends_only_on_register_seed_and_count() -> None:
    people = parse_register(register_csv(500), salt="s", require_district=True).people
    first, strata = invitations.draw(
        people, 60, seed="3 11 19 27 38 45", register_sha256="abc", stratify=True
    )
    again, _ = invitations.draw(
        list(reversed(people)), 60, seed=" 3 11 19 27 38 45 ", register_sha256="abc", stratify=True
    )
    assert [p.reference for p in first] == [p.reference for p in again]
    other, _ = invitations.draw(
        people, 60, seed="4 11 19 27 38 45", register_sha256="abc", stratify=True
    )
    assert {p.reference for p in other} != {p.reference for p in first}
    assert len(first) == 60 == sum(s.invited for s in strata)
    per_district = Counter(p.district for p in first)
    assert per_district == {s.district: s.invited for s in strata if s.invited}
    for stratum in strata:
        assert abs(stratum.invited - 60 * stratum.population / len(people)) < 1


@pytest.mark.django_db
def test_invitation_draw_deletes_the_register_and_records_what_is_public(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality, invitations=40)
    register = register_csv(300)
    invites = invite(assembly, organiser, register=register)
    assembly.refresh_from_db()
    assert assembly.stage == Assembly.Stage.INVITED
    assert len(invites) == 40
    assert [i.number for i in invites] == list(range(1, 41))
    assert len({i.code for i in invites}) == 40
    assert all(
        re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", i.code)
        for i in invites
    )
    # Retention rule 1: the register rows are gone in the same step; only the hash stays.
    assert not RegisterEntry.objects.exists()
    record = assembly.invitation_record
    import hashlib

    assert record["register_sha256"] == hashlib.sha256(register).hexdigest()
    assert record["seed"] == "3 11 19 27 38 45"
    assert record["invited"] == 40 and record["eligible"] + record["too_young"] == 300
    assert sum(s["invited"] for s in record["strata"]) == 40
    # The same draw again gives the same people (by register id, kept nowhere but in the letters).
    people = parse_register(register, salt=assembly.household_salt, require_district=True).people
    again, _ = invitations.draw(
        people, 40, seed=record["seed"], register_sha256=record["register_sha256"], stratify=True
    )
    assert [f"{p.given_name} {p.family_name}" for p in again] == [i.name for i in invites]
    assert [p.household for p in again] == [i.household for i in invites]
    with pytest.raises(ValidationError):
        services.invitations_draw(assembly=assembly, actor=organiser)


@pytest.mark.django_db
def test_the_seed_is_revealed_only_after_the_register_is_fixed(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality)
    services.quotas_set(assembly=assembly, actor=organiser, text=QUOTAS_CSV)
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=organiser,
        purpose=Seed.Purpose.INVITATIONS,
        kind=Seed.Kind.PUBLIC,
        source="Lotto am Samstag, die sechs Zahlen",
    )
    with pytest.raises(ValidationError):
        services.seed_reveal(seed=seed, actor=organiser, value="1 2 3 4 5 6")
    with pytest.raises(ValidationError):
        services.invitations_draw(assembly=assembly, actor=organiser)
    services.register_import(
        assembly=assembly, actor=organiser, data=register_csv(100), filename="r.csv"
    )
    services.seed_reveal(seed=seed, actor=organiser, value="1 2 3 4 5 6")
    with pytest.raises(ValidationError):  # no swapping the register once the seed is known
        services.register_import(
            assembly=assembly, actor=organiser, data=register_csv(100, seed=9), filename="r.csv"
        )
    services.invitations_draw(assembly=assembly, actor=organiser)


@pytest.mark.django_db
def test_quota_errors_name_line_and_column_and_change_nothing(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality)
    services.quotas_set(assembly=assembly, actor=organiser, text=QUOTAS_CSV)
    before = services.quotas_text(assembly)
    cases = [
        ("feature,value,min,max\ngender,female,2,x\n", "Zeile 2", "max"),
        ("feature,value,min,max\ngender,female,5,2\n", "Zeile 2", "min"),
        ("feature,value,max\ngender,female,2\n", "Zeile 1", "min"),
        ("feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n", "Zeile 2", "max"),
    ]
    for text, line, column in cases:
        with translation.override("de"), pytest.raises(ValidationError) as problem:
            services.quotas_set(assembly=assembly, actor=organiser, text=text)
        message = problem.value.message_dict["text"][0]
        assert line in message and f"„{column}“" in message, message
    assert services.quotas_text(assembly) == before


@pytest.mark.django_db
def test_quota_labels_and_questions_and_what_may_change_later(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    gender = assembly.categories.get(name="gender")
    assert gender.question == "What is your gender?"
    assert [v.label for v in gender.values.all()] == ["Frau", "Mann"]
    changed = QUOTAS_CSV.replace("gender,female,2,4", "gender,female,3,4")
    services.quotas_set(assembly=assembly, actor=organiser, text=changed)
    assert gender.values.get(value="female").minimum == 3
    with pytest.raises(ValidationError):
        services.quotas_set(
            assembly=assembly, actor=organiser, text=QUOTAS_CSV + "gender,diverse,0,1,,\n"
        )


@pytest.mark.django_db
def test_letters_pdf_has_a_letter_and_a_reply_form_per_invitee(
    municipality: Any, organiser: Any, organiser_client: Client
) -> None:
    assembly = make_assembly(municipality, invitations=12)
    invites = invite(assembly, organiser)
    pdf = letters_pdf(
        assembly, invites, answer_url="https://alpha.test/assemblies/1/respond/", sender="a@b.c"
    )
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 24
    text = _pdf_text(pdf)
    for invitation in invites:
        assert invitation.code in text
        assert invitation.street in text
        assert invitation.name in text
    assert "Wie wollen wir uns 2035 in G" in text
    response = organiser_client.get(f"/staff/assemblies/{assembly.pk}/letters.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
