"""Stages 3 to 6: answers, the background lottery, the draw, the audit record, replacements."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from mitmachstadt.assemblies import services
from mitmachstadt.assemblies.factories import invite, make_assembly, respond
from mitmachstadt.assemblies.lottery import draw, panel_violations, run, verify
from mitmachstadt.assemblies.models import Assembly, Member, Seed, Selection
from mitmachstadt.assemblies.pool import load

SEED = "Ziehung im Ratssaal am 5. März 2027: 4711"


def _announce(assembly: Assembly, actor: Any, purpose: str = Seed.Purpose.SELECTION) -> Seed:
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=actor,
        purpose=purpose,
        kind=Seed.Kind.PUBLIC,
        source="Die Zahl, die im Ratssaal öffentlich gezogen wird",
    )
    return seed


def _selected_assembly(
    municipality: Any, organiser: Any, run_on_commit: Any, **kwargs: Any
) -> tuple[Assembly, Selection]:
    assembly = make_assembly(municipality, **kwargs)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    seed = _announce(assembly, organiser)
    selection = run_on_commit(services.selection_start, assembly=assembly, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.READY, selection.error
    services.seed_reveal(seed=seed, actor=organiser, value=SEED)
    run_on_commit(services.selection_draw, selection=selection, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.DRAWN, selection.error
    return assembly, selection


@pytest.mark.django_db
def test_panel_is_drawn_meets_the_quotas_and_is_seated(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly, selection = _selected_assembly(municipality, organiser, run_on_commit)
    assembly.refresh_from_db()
    assert assembly.stage == Assembly.Stage.SELECTED
    assert len(selection.selected) == 6
    pool = load(selection.features_csv, selection.people_csv, selection.household_column)
    assert panel_violations(pool, 6, selection.selected) == []
    seated = set(
        Member.objects.filter(assembly=assembly).values_list("response__pseudonym", flat=True)
    )
    assert seated == set(selection.selected)
    # The numbered lottery is what the drawn number picked from.
    [panel] = [p for p in selection.lottery if p["number"] == selection.audit["draw"]["panel"]]
    assert sorted(panel["people"]) == sorted(selection.selected)
    assert panel["tickets"][0] <= selection.drawn_number <= panel["tickets"][1]
    assert selection.summary["min"] > 0
    assert abs(sum(p["probability"] for p in selection.lottery) - 1) < 1e-9


@pytest.mark.django_db
def test_same_seed_and_pool_give_the_same_result(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    _assembly, selection = _selected_assembly(municipality, organiser, run_on_commit)
    pool = load(selection.features_csv, selection.people_csv, selection.household_column)
    runs = [
        run(pool, selection.size, SEED, selection.algorithm, tickets=selection.tickets)
        for _ in range(2)
    ]
    (r1, d1, a1), (r2, d2, a2) = runs
    assert r1.lottery_sha256 == r2.lottery_sha256 == selection.lottery_sha256
    assert d1 == d2
    assert sorted(d1.selected) == sorted(selection.selected)
    assert d1.number == selection.drawn_number
    assert a1 == a2 == selection.audit
    other = draw(r1, SEED + " ")  # outer spaces do not change a seed
    assert other.number == d1.number
    numbers = {draw(r1, f"{SEED} {i}").number for i in range(20)}
    assert len(numbers) > 1  # another seed draws another ticket


@pytest.mark.django_db
def test_published_files_reproduce_the_draw(
    municipality: Any, organiser: Any, run_on_commit: Any, tmp_path: Path, client_a: Any
) -> None:
    assembly, selection = _selected_assembly(municipality, organiser, run_on_commit)
    services.assembly_publish(assembly=assembly, actor=organiser)
    bundle = client_a.get(f"/assemblies/{assembly.pk}/draws/{selection.number}/bundle.zip")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        archive.extractall(tmp_path)
    report = json.loads((tmp_path / "audit.json").read_text("utf-8"))
    checked = verify(report, tmp_path / "features.csv", tmp_path / "people.csv")
    assert checked.ok, checked.problems
    assert "re-run reproduces the ticket list" in checked.checks
    assert report["seed"] == SEED
    assert report["selected"] == sorted(selection.selected)
    text = (tmp_path / "people.csv").read_text("utf-8")
    for invitation in assembly.invites.all():
        assert invitation.code not in text
        if invitation.name:
            assert invitation.name not in text


@pytest.mark.django_db
def test_the_seed_must_wait_for_the_published_lottery(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    with pytest.raises(ValidationError):  # no seed announced yet
        services.selection_start(assembly=assembly, actor=organiser)
    seed = _announce(assembly, organiser)
    with pytest.raises(ValidationError):  # no lottery published yet
        services.seed_reveal(seed=seed, actor=organiser, value=SEED)
    selection = run_on_commit(services.selection_start, assembly=assembly, actor=organiser)
    selection.refresh_from_db()
    with pytest.raises(ValidationError):  # seed not revealed
        services.selection_draw(selection=selection, actor=organiser)
    services.seed_reveal(seed=seed, actor=organiser, value=SEED)
    with pytest.raises(ValidationError):  # only once
        services.seed_reveal(seed=seed, actor=organiser, value="anders")


@pytest.mark.django_db
def test_commit_reveal_seed_must_match_its_commitment(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    seed, secret = services.seed_announce(
        assembly=assembly,
        actor=organiser,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.COMMIT,
        source="Geheimnis der Bürgermeisterin, im Tresor hinterlegt",
    )
    assert secret and seed.commitment == services.seed_hash(secret)
    selection = run_on_commit(services.selection_start, assembly=assembly, actor=organiser)
    with pytest.raises(ValidationError):
        services.seed_reveal(seed=seed, actor=organiser, value=secret + "x")
    services.seed_reveal(seed=seed, actor=organiser, value=f"  {secret} ")
    run_on_commit(services.selection_draw, selection=selection, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.DRAWN
    assert selection.audit["seed"] == secret


def _answer(invitation: Any, gender: str, age: str) -> None:
    services.response_submit(
        invitation=invitation, willing=True, consent=True, answers={"gender": gender, "age": age}
    )


@pytest.mark.django_db
def test_a_pool_that_cannot_fill_a_quota_is_refused_at_the_start(
    municipality: Any, organiser: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    for invitation in assembly.invites.all()[:12]:
        _answer(invitation, "female", "40+")
    services.responses_close(assembly=assembly, actor=organiser)
    _announce(assembly, organiser)
    with pytest.raises(ValidationError) as refused:
        services.selection_start(assembly=assembly, actor=organiser)
    # Translated, naming file, line and column of the quota that cannot be met.
    assert "features.csv" in refused.value.messages[0]
    assert "Zeile" in refused.value.messages[0]
    assert not Selection.objects.exists()


@pytest.mark.django_db
def test_infeasible_quotas_fail_in_the_background_with_a_translated_message(
    municipality: Any, organiser: Any, run_on_commit: Any
) -> None:
    assembly = make_assembly(municipality)
    invite(assembly, organiser)
    invites = list(assembly.invites.all()[:14])
    # The only two women share a household, so no panel can have two women.
    for invitation in invites[:2]:
        invitation.household = "same-household"
        invitation.save(update_fields=["household"])
        _answer(invitation, "female", "16-39")
    for index, invitation in enumerate(invites[2:]):
        _answer(invitation, "male", "40+" if index % 2 else "16-39")
    services.responses_close(assembly=assembly, actor=organiser)
    _announce(assembly, organiser)
    selection = run_on_commit(services.selection_start, assembly=assembly, actor=organiser)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.FAILED
    assert "Haushalt" in selection.error


@pytest.mark.django_db
def test_replacements_are_drawn_the_same_way(
    municipality: Any, organiser: Any, run_on_commit: Any, tmp_path: Path
) -> None:
    assembly, selection = _selected_assembly(municipality, organiser, run_on_commit)
    leaving = Member.objects.filter(assembly=assembly).order_by("response__pseudonym")[:2]
    for member in leaving:
        services.member_drop(member=member, actor=organiser, reason="zieht weg")
    with pytest.raises(ValidationError):  # a seed of its own is needed
        services.replacement_start(assembly=assembly, actor=organiser)
    seed = _announce(assembly, organiser, Seed.Purpose.REPLACEMENT)
    replacement = run_on_commit(services.replacement_start, assembly=assembly, actor=organiser)
    replacement.refresh_from_db()
    assert replacement.status == Selection.Status.READY, replacement.error
    services.seed_reveal(seed=seed, actor=organiser, value="Nachziehung 2027-04-01: 815")
    run_on_commit(services.selection_draw, selection=replacement, actor=organiser)
    replacement.refresh_from_db()
    assert replacement.status == Selection.Status.DRAWN, replacement.error
    active = sorted(
        Member.objects.filter(assembly=assembly, status=Member.Status.ACTIVE).values_list(
            "response__pseudonym", flat=True
        )
    )
    assert len(active) == 6
    dropped = {m.response.pseudonym for m in leaving}
    assert not dropped & set(active)
    pool = load(selection.features_csv, selection.people_csv, selection.household_column)
    assert panel_violations(pool, 6, active) == []
    assert (
        set(
            Member.objects.filter(replaced_by=replacement).values_list(
                "response__pseudonym", flat=True
            )
        )
        == dropped
    )
    (tmp_path / "features.csv").write_text(replacement.features_csv, "utf-8")
    (tmp_path / "people.csv").write_text(replacement.people_csv, "utf-8")
    checked = verify(replacement.audit, tmp_path / "features.csv", tmp_path / "people.csv")
    assert checked.ok, checked.problems
