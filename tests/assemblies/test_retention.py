"""The retention rules for personal data, stage by stage, and the answers' own rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.assemblies import personal_data, services
from mitmachstadt.assemblies.factories import invite, make_assembly, register_csv, respond
from mitmachstadt.assemblies.models import (
    Assembly,
    Invitation,
    Member,
    RegisterEntry,
    Response,
    Seed,
    Selection,
)
from mitmachstadt.assemblies.retention import RETENTION_DAYS, retention_apply


def _with_addresses(assembly: Assembly) -> set[int]:
    return set(
        Invitation.objects.filter(assembly=assembly, address_erased_at__isnull=True)
        .exclude(name="")
        .values_list("number", flat=True)
    )


def _drawn(assembly: Assembly, organiser: Any, run_on_commit: Any) -> Selection:
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=organiser,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.PUBLIC,
        source="Die im Ratssaal gezogene Zahl",
    )
    selection = run_on_commit(services.selection_start, assembly=assembly, actor=organiser)
    services.seed_reveal(seed=seed, actor=organiser, value="99")
    run_on_commit(services.selection_draw, selection=selection, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.DRAWN, selection.error
    return selection


@pytest.mark.django_db
def test_personal_data_is_deleted_step_by_step(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly = make_assembly(municipality)
    services.register_import(
        assembly=assembly,
        actor=organiser,
        data=register_csv(100),
        filename="r.csv",
    )
    assert RegisterEntry.objects.count() > 0
    invite(assembly, organiser)
    # Rule 1: no register rows survive the invitation draw.
    assert RegisterEntry.objects.count() == 0
    answered = respond(assembly, share=0.6)
    in_pool = {r.invitation.number for r in answered if r.in_pool}
    declined = {r.invitation.number for r in answered if not r.willing}
    assert declined
    services.responses_close(assembly=assembly, actor=organiser)
    # Rule 2: once answers close, only people in the pool keep name and address.
    assert _with_addresses(assembly) == in_pool
    selection = _drawn(assembly, organiser, run_on_commit)
    services.recommendation_save(
        assembly=assembly,
        actor=organiser,
        title="Mehr Busse am Abend",
        text="Die Stadtbusse fahren bis Mitternacht im Halbstundentakt.",
    )
    services.assembly_conclude(assembly=assembly, actor=organiser)
    # Rule 3: when the assembly concludes, no names, addresses or contacts remain ...
    assert _with_addresses(assembly) == set()
    assert not Response.objects.filter(assembly=assembly).exclude(contact_email="").exists()
    # ... but the pseudonymous record does, and still matches the panel.
    assert Member.objects.filter(assembly=assembly).count() == 6
    assert sorted(
        Response.objects.filter(pseudonym__in=selection.selected).values_list(
            "pseudonym", flat=True
        )
    ) == sorted(selection.selected)
    assert Response.objects.filter(assembly=assembly, willing=True).exclude(answers={}).exists()


@pytest.mark.django_db
def test_the_retention_command_cleans_old_assemblies_whatever_their_stage(
    municipality: Any, organiser: Any
) -> None:
    old = make_assembly(municipality, title="Alter Bürgerrat")
    invite(old, organiser)
    respond(old, share=0.5)
    recent = make_assembly(municipality, title="Neuer Bürgerrat")
    invite(recent, organiser)
    Assembly.objects.filter(pk=old.pk).update(
        response_deadline=timezone.now() - dt.timedelta(days=RETENTION_DAYS + 1)
    )
    call_command("assembly_retention")
    assert _with_addresses(old) == set()
    assert not Response.objects.filter(assembly=old).exclude(contact_email="").exists()
    assert len(_with_addresses(recent)) == recent.invitations
    assert retention_apply() == {}  # nothing left to do


@pytest.mark.django_db
def test_answers_close_at_the_deadline_but_paper_replies_can_still_be_entered(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality)
    first, second, *_rest = invite(assembly, organiser)
    Assembly.objects.filter(pk=assembly.pk).update(
        response_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    answers = {"gender": "male", "age": "40+"}
    with pytest.raises(ValidationError):
        services.response_submit(invitation=first, willing=True, consent=True, answers=answers)
    # A letter posted in time and entered by staff still counts until answers are closed.
    response = services.response_submit(
        invitation=second, willing=True, consent=True, answers=answers, actor=organiser
    )
    assert response.channel == Response.Channel.PAPER and response.entered_by == organiser
    with pytest.raises(Exception):  # noqa: B017 - a participant cannot enter paper replies
        services.response_submit(
            invitation=first,
            willing=True,
            consent=True,
            answers=answers,
            actor=UserFactory(municipality=municipality),
        )
    services.responses_close(assembly=assembly, actor=organiser)
    with pytest.raises(ValidationError):
        services.response_submit(
            invitation=first, willing=True, consent=True, answers=answers, actor=organiser
        )


@pytest.mark.django_db
def test_withdrawing_consent_frees_the_seat(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    selection = _drawn(assembly, organiser, run_on_commit)
    response = Response.objects.get(assembly=assembly, pseudonym=selection.selected[0])
    services.response_withdraw(response=response, actor=organiser)
    member = Member.objects.get(response=response)
    assert member.status == Member.Status.DROPPED
    assert [m.pk for m in services.vacancies(assembly)] == [member.pk]


@pytest.mark.django_db
def test_personal_data_hooks_cover_staff_actions(municipality: Any, organiser: Any) -> None:
    assembly = make_assembly(municipality)
    assembly.created_by = organiser
    assembly.save()
    [invitation, *_rest] = invite(assembly, organiser)
    services.response_submit(
        invitation=invitation,
        willing=True,
        consent=True,
        answers={"gender": "female", "age": "16-39"},
        actor=organiser,
    )
    data = personal_data.export(organiser)
    assert [a["assembly"] for a in data["assemblies_created"]] == [assembly.title]
    assert [r["letter"] for r in data["assembly_paper_replies_entered"]] == [invitation.number]
    personal_data.erase(organiser, keep_content=True)
    assert personal_data.export(organiser) == {
        "assemblies_created": [],
        "assembly_paper_replies_entered": [],
    }
    assert Response.objects.get(invitation=invitation).willing  # the answer itself stays


@pytest.mark.django_db
def test_privacy_hooks_describe_and_apply_the_retention(municipality: Any, organiser: Any) -> None:
    assert {row["key"] for row in personal_data.PROCESSING} == {
        "assembly_register",
        "assembly_invitations",
    }
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    respond(assembly, share=0.5)
    assert personal_data.purge(timezone.now()) == {"assembly_addresses": 0, "assembly_contacts": 0}
    later = timezone.now() + dt.timedelta(days=RETENTION_DAYS + 30)
    counts = personal_data.purge(later)
    assert counts["assembly_addresses"] == assembly.invitations
    assert counts["assembly_contacts"] > 0
    assert _with_addresses(assembly) == set()
