"""The assembly pages over HTTP: public pages, answering with a code, staff workflow, tenancy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.assemblies import services
from mitmachstadt.assemblies.factories import (
    QUOTAS_CSV,
    invite,
    make_assembly,
    register_csv,
    respond,
)
from mitmachstadt.assemblies.models import Assembly, Invitation, Member, Response, Seed, Selection
from mitmachstadt.ideas.factories import make_idea
from tests.events.conftest import staff_login


@pytest.mark.django_db
def test_public_pages_show_published_assemblies_of_this_municipality_only(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client
) -> None:
    shown = make_assembly(municipality, title="Bürgerrat Klima")
    hidden = make_assembly(municipality, title="Bürgerrat Entwurf")
    foreign = make_assembly(other_municipality, title="Bürgerrat Betadorf")
    for assembly in (shown, foreign):
        assembly.is_published = True
        assembly.save()
    page = client_a.get("/assemblies/").content.decode()
    assert "Bürgerrat Klima" in page
    assert "Bürgerrat Entwurf" not in page and "Bürgerrat Betadorf" not in page
    assert client_a.get(shown.get_absolute_url()).status_code == 200
    assert client_a.get(hidden.get_absolute_url()).status_code == 404
    assert client_a.get(foreign.get_absolute_url()).status_code == 404
    assert client_b.get(shown.get_absolute_url()).status_code == 404
    assert client_b.get(foreign.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_answering_online_with_the_code(
    municipality: Any, organiser: Any, client_a: Client
) -> None:
    assembly = make_assembly(municipality)
    services.assembly_publish(assembly=assembly, actor=organiser)
    [invitation, *_rest] = invite(assembly, organiser)
    page = client_a.get(f"/assemblies/{assembly.pk}/respond/?code={invitation.code}")
    assert invitation.code in page.content.decode()  # the QR code pre-fills the form
    wrong = client_a.post(f"/assemblies/{assembly.pk}/respond/", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 200 and 'id="id_code_error"' in wrong.content.decode()
    # Lower case and without dashes is fine too.
    response = client_a.post(
        f"/assemblies/{assembly.pk}/respond/", {"code": invitation.code.replace("-", "").lower()}
    )
    assert response.status_code == 302
    form = client_a.get(response["Location"]).content.decode()
    assert "What is your gender?" in form or "Geschlecht" in form
    category = {c.name: c for c in assembly.categories.all()}
    missing = client_a.post(
        f"/assemblies/{assembly.pk}/respond/answer/", {"willing": "yes", "consent": "on"}
    )
    assert missing.status_code == 200
    assert f'id="id_feature_{category["gender"].pk}_error"' in missing.content.decode()
    no_consent = client_a.post(
        f"/assemblies/{assembly.pk}/respond/answer/",
        {
            "willing": "yes",
            f"feature_{category['gender'].pk}": "female",
            f"feature_{category['age'].pk}": "40+",
        },
    )
    assert 'id="id_consent_error"' in no_consent.content.decode()
    done = client_a.post(
        f"/assemblies/{assembly.pk}/respond/answer/",
        {
            "willing": "yes",
            "consent": "on",
            f"feature_{category['gender'].pk}": "female",
            f"feature_{category['age'].pk}": "40+",
            "contact_email": "anna@example.org",
        },
    )
    answer = Response.objects.get(invitation=invitation)
    assert done.status_code == 200
    assert answer.pseudonym in done.content.decode()
    assert answer.answers == {"gender": "female", "age": "40+"}
    assert answer.channel == Response.Channel.ONLINE and answer.in_pool
    # Changing one's mind until the deadline.
    client_a.post(f"/assemblies/{assembly.pk}/respond/answer/", {"willing": "no"})
    answer.refresh_from_db()
    assert not answer.willing and answer.answers == {} and answer.contact_email == ""


@pytest.mark.django_db
def test_guessing_codes_is_rate_limited(
    municipality: Any, organiser: Any, client_a: Client
) -> None:
    cache.clear()
    assembly = make_assembly(municipality)
    services.assembly_publish(assembly=assembly, actor=organiser)
    invite(assembly, organiser)
    statuses = [
        client_a.post(
            f"/assemblies/{assembly.pk}/respond/", {"code": f"AAAA-BBBB-{i:04d}"}
        ).status_code
        for i in range(25)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[-1] == 429
    cache.clear()


@pytest.mark.django_db
def test_a_code_only_works_for_its_own_assembly(
    municipality: Any, other_municipality: Any, organiser: Any, client_a: Client, client_b: Client
) -> None:
    first = make_assembly(municipality)
    second = make_assembly(municipality, title="Zweiter Bürgerrat")
    for assembly in (first, second):
        services.assembly_publish(assembly=assembly, actor=organiser)
    [invitation, *_rest] = invite(first, organiser)
    invite(second, organiser)
    response = client_a.post(f"/assemblies/{second.pk}/respond/", {"code": invitation.code})
    assert response.status_code == 200  # unknown there
    assert (
        client_b.post(f"/assemblies/{first.pk}/respond/", {"code": invitation.code}).status_code
        == 404
    )


@pytest.mark.django_db
def test_staff_pages_need_an_organiser_of_this_municipality(
    municipality: Any, other_municipality: Any, client_a: Client, participant: Any
) -> None:
    assembly = make_assembly(municipality)
    assert client_a.get("/staff/assemblies/").status_code == 302
    client_a.force_login(participant)
    assert client_a.get("/staff/assemblies/").status_code == 403
    assert client_a.get(f"/staff/assemblies/{assembly.pk}/").status_code == 403
    foreign_admin = UserFactory(municipality=other_municipality, roles=(Role.ADMIN,))
    foreign = staff_login(Client(HTTP_HOST="beta.test"), foreign_admin)
    assert foreign.get(f"/staff/assemblies/{assembly.pk}/").status_code == 404
    assert foreign.get(f"/staff/assemblies/{assembly.pk}/letters.pdf").status_code == 404
    assert foreign.post(f"/staff/assemblies/{assembly.pk}/invitations/").status_code == 404


@pytest.mark.django_db
def test_the_whole_workflow_through_the_staff_pages(
    municipality: Any,
    organiser_client: Client,
    client_a: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=20))
    response = organiser_client.post(
        "/staff/assemblies/new/",
        {
            "title": "Bürgerrat Digitale Stadt",
            "guiding_question": "Welche digitalen Dienste braucht Gütersloh bis 2030?",
            "panel_size": "6",
            "invitations": "60",
            "stratify_by_district": "on",
            "one_per_household": "on",
            "min_age": "16",
            "algorithm": "leximin",
            "response_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assembly = Assembly.objects.get(title="Bürgerrat Digitale Stadt")
    base = f"/staff/assemblies/{assembly.pk}/"
    bad = organiser_client.post(base + "quotas/", {"text": "feature,value,min,max\ngender,f,x,2\n"})
    assert "line 2" in bad.content.decode() or "Zeile 2" in bad.content.decode()
    organiser_client.post(base + "quotas/", {"text": QUOTAS_CSV})
    assert assembly.categories.count() == 2
    organiser_client.post(
        base + "seeds/",
        {"purpose": "invitations", "kind": "public", "source": "Lotto am Samstag, aufsteigend"},
    )
    seed = Seed.objects.get(assembly=assembly)
    organiser_client.post(
        base + "register/",
        {"file": SimpleUploadedFile("melderegister.csv", register_csv(150), "text/csv")},
    )
    assert assembly.imports.get().eligible > 0
    organiser_client.post(base + f"seeds/{seed.pk}/reveal/", {"value": "1 2 3 4 5 6"})
    organiser_client.post(base + "invitations/")
    assembly.refresh_from_db()
    assert assembly.stage == Assembly.Stage.INVITED
    assert assembly.invites.count() == 60
    pdf = organiser_client.get(base + "letters.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    overview = organiser_client.get(base)
    assert overview.status_code == 200
    respond(assembly, share=0.7)
    # A paper reply, entered by staff with the code from the returned form.
    invitation = Invitation.objects.filter(assembly=assembly, response__isnull=True).first()
    assert invitation is not None
    found = organiser_client.post(base + "responses/", {"code": invitation.code})
    assert found["Location"].endswith(f"/responses/paper/{invitation.number}/")
    gender, age = assembly.categories.order_by("position")
    organiser_client.post(
        found["Location"],
        {
            "willing": "yes",
            "consent": "on",
            f"feature_{gender.pk}": "male",
            f"feature_{age.pk}": "16-39",
            "contact_phone": "05241 12345",
        },
    )
    assert Response.objects.get(invitation=invitation).channel == Response.Channel.PAPER
    assert organiser_client.get(base + "responses/").status_code == 200
    organiser_client.post(base + "responses/close/")
    organiser_client.post(
        base + "seeds/",
        {"purpose": "selection", "kind": "public", "source": "Die im Ratssaal gezogene Zahl"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        started = organiser_client.post(base + "selection/")
    selection = Selection.objects.get(assembly=assembly)
    assert started["Location"] == selection.get_absolute_url()
    assert selection.status == Selection.Status.READY, selection.error
    services.assembly_publish(assembly=assembly, actor=selection.created_by)
    lottery_page = client_a.get(selection.get_absolute_url()).content.decode()
    assert selection.lottery_sha256 in lottery_page
    selection_seed = Seed.objects.get(assembly=assembly, purpose=Seed.Purpose.SELECTION)
    organiser_client.post(base + f"seeds/{selection_seed.pk}/reveal/", {"value": "42"})
    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(base + f"selection/{selection.number}/draw/")
    selection.refresh_from_db()
    assert selection.status == Selection.Status.DRAWN, selection.error
    record = client_a.get(selection.get_absolute_url()).content.decode()
    assert f"panel-{selection.audit['draw']['panel']}" in record
    assert str(selection.drawn_number) in record
    first = selection.selected[0]
    lookup = client_a.get(selection.get_absolute_url() + f"?pseudonym={first.lower()}")
    assert "Drawn." in lookup.content.decode() or "Gezogen." in lookup.content.decode()
    members = organiser_client.get(base + "members/")
    assert members.status_code == 200
    idea = make_idea(
        municipality=municipality,
        author=UserFactory(municipality=municipality),
        title="Digitales Bürgeramt",
    )
    organiser_client.post(
        base + "recommendations/new/",
        {
            "title": "Alle Anträge auch online",
            "text": "Jeder Antrag der Stadt soll bis 2028 auch online möglich sein.",
            "support": "6 von 6",
            "ideas": [idea.pk],
            "decision": "adopted",
            "decision_reference": "https://oparl.example.org/paper/395-2027",
            "decision_date": "2027-06-30",
        },
    )
    organiser_client.post(base + "conclude/")
    assembly.refresh_from_db()
    assert assembly.stage == Assembly.Stage.CONCLUDED
    public = client_a.get(assembly.get_absolute_url()).content.decode()
    assert "Alle Anträge auch online" in public
    assert "https://oparl.example.org/paper/395-2027" in public
    assert idea.get_absolute_url() in public
    assert not Invitation.objects.filter(assembly=assembly).exclude(name="").exists()
    assert Member.objects.filter(assembly=assembly).count() == 6


@pytest.mark.django_db
def test_progress_fragment_polls_while_running_and_refreshes_when_done(
    municipality: Any, organiser: Any, client_a: Client
) -> None:
    assembly = make_assembly(municipality)
    services.assembly_publish(assembly=assembly, actor=organiser)
    invite(assembly, organiser)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=organiser)
    services.seed_announce(
        assembly=assembly,
        actor=organiser,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.PUBLIC,
        source="Die im Ratssaal gezogene Zahl",
    )
    selection = services.selection_start(assembly=assembly, actor=organiser)  # not run yet
    Selection.objects.filter(pk=selection.pk).update(
        status=Selection.Status.SOLVING, progress=0.42, progress_message="Leximin level 3"
    )
    page = client_a.get(selection.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert 'value="42"' in page and "Leximin level 3" in page
    assert f'href="{selection.get_absolute_url()}"' in page  # the link for people without JS
    fragment = client_a.get(selection.get_absolute_url() + "progress/")
    assert "HX-Refresh" not in fragment
    Selection.objects.filter(pk=selection.pk).update(status=Selection.Status.READY, progress=1)
    assert client_a.get(selection.get_absolute_url() + "progress/")["HX-Refresh"] == "true"
