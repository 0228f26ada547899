"""Open calls: apply, review under /staff/, accept or decline with an e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.events import services
from mitmachstadt.events.factories import make_call, make_format
from mitmachstadt.events.models import Application, OpenCall
from tests.conftest import message_text

MOTIVATION = "Ich bin Radfahrerin und möchte die Mobilität in Gütersloh mitgestalten."


@pytest.mark.django_db
def test_apply_once_and_only_while_open(municipality: Any, participant: Any) -> None:
    call = make_call(municipality)
    application = services.application_submit(call=call, user=participant, motivation=MOTIVATION)
    assert application.status == Application.Status.SUBMITTED
    with pytest.raises(ValidationError):
        services.application_submit(call=call, user=participant, motivation=MOTIVATION)
    with pytest.raises(ValidationError) as short:
        services.application_submit(
            call=make_call(municipality, title="Zweiter Aufruf"),
            user=participant,
            motivation="kurz",
        )
    assert "motivation" in short.value.error_dict
    expired = make_call(
        municipality, title="Abgelaufen", closes=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError):
        services.application_submit(call=expired, user=participant, motivation=MOTIVATION)
    draft = make_call(municipality, title="Noch nicht offen", open=False)
    with pytest.raises(ValidationError):
        services.application_submit(call=draft, user=participant, motivation=MOTIVATION)


@pytest.mark.django_db
def test_withdraw_and_apply_again(municipality: Any, participant: Any) -> None:
    call = make_call(municipality)
    application = services.application_submit(call=call, user=participant, motivation=MOTIVATION)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(
            application=application, user=UserFactory(municipality=municipality)
        )
    services.application_withdraw(application=application, user=participant)
    again = services.application_submit(call=call, user=participant, motivation=MOTIVATION + "!")
    assert again.pk == application.pk and again.status == Application.Status.SUBMITTED


@pytest.mark.django_db
def test_decisions_are_mailed_with_the_message(
    municipality: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    organiser = UserFactory(municipality=municipality, roles=(Role.ADMIN,))
    call = make_call(municipality, title="Open Call Morgenmacher-Beirat")
    accepted_user = UserFactory(municipality=municipality)
    declined_user = UserFactory(municipality=municipality)
    declined_user.language = "en"  # each mail goes out in the recipient's language
    declined_user.save(update_fields=["language"])
    a = services.application_submit(call=call, user=accepted_user, motivation=MOTIVATION)
    b = services.application_submit(call=call, user=declined_user, motivation=MOTIVATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            application=a, actor=organiser, accept=True, message="Erstes Treffen am 3. März."
        )
        services.application_decide(application=b, actor=organiser, accept=False)
    mails = {m["To"]: m for m in smtp_server.wait_for(2)}
    accepted = message_text(mails[accepted_user.email])
    assert "Open Call Morgenmacher-Beirat" in accepted
    assert "Erstes Treffen am 3. März." in accepted
    assert "angenommen" in mails[accepted_user.email]["Subject"]
    assert "About your application" in mails[declined_user.email]["Subject"]
    a.refresh_from_db()
    assert a.status == Application.Status.ACCEPTED and a.decided_by == organiser
    with pytest.raises(ValidationError):
        services.application_decide(application=a, actor=organiser, accept=True)
    with pytest.raises(PermissionDenied):
        services.application_decide(
            application=b, actor=UserFactory(municipality=municipality), accept=True
        )


@pytest.mark.django_db
def test_apply_through_the_page(municipality: Any, client_a: Client, participant: Any) -> None:
    call = make_call(municipality, question="Was möchten Sie im Denklabor bewegen?")
    page = client_a.get(call.get_absolute_url()).content.decode()
    assert "Was möchten Sie im Denklabor bewegen?" not in page  # the form is for signed-in people
    client_a.force_login(participant)
    page = client_a.get(call.get_absolute_url()).content.decode()
    assert "Was möchten Sie im Denklabor bewegen?" in page
    response = client_a.post(call.get_absolute_url(), {"motivation": "zu kurz"})
    assert response.status_code == 200
    assert 'id="id_motivation_error"' in response.content.decode()
    response = client_a.post(
        call.get_absolute_url(), {"motivation": MOTIVATION, "availability": "abends"}
    )
    assert response.status_code == 302
    assert Application.objects.get(user=participant).availability == "abends"
    client_a.post(f"/calls/{call.pk}/withdraw/")
    assert Application.objects.get(user=participant).status == Application.Status.WITHDRAWN


@pytest.mark.django_db
def test_calls_are_listed_per_municipality_and_drafts_hidden(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client
) -> None:
    make_call(municipality, title="Aufruf Alphastadt")
    draft = make_call(municipality, title="Aufruf Entwurf", open=False)
    make_call(other_municipality, title="Aufruf Betadorf")
    page = client_a.get("/calls/").content.decode()
    assert "Aufruf Alphastadt" in page
    assert "Aufruf Entwurf" not in page and "Aufruf Betadorf" not in page
    assert client_a.get(draft.get_absolute_url()).status_code == 404
    call_b = OpenCall.objects.get(title="Aufruf Betadorf")
    assert client_a.get(call_b.get_absolute_url()).status_code == 404
    assert client_b.get(call_b.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_staff_review_flow(
    municipality: Any,
    other_municipality: Any,
    organiser_client: Client,
    participant: Any,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fmt = make_format(municipality, name="Denklabor")
    closes = timezone.localtime(timezone.now() + dt.timedelta(days=20))
    response = organiser_client.post(
        "/staff/events/calls/new/",
        {
            "title": "Open Call Denklabor 2027",
            "format": fmt.pk,
            "description": "Wir suchen zehn Stadtexpertinnen und Stadtexperten.",
            "question": "Was bringen Sie mit?",
            "seats": "10",
            "closes": closes.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    call = OpenCall.objects.get(title="Open Call Denklabor 2027")
    organiser_client.post(f"/staff/events/calls/{call.pk}/", {"status": "open"})
    call.refresh_from_db()
    assert call.status == OpenCall.Status.OPEN
    application = services.application_submit(call=call, user=participant, motivation=MOTIVATION)
    page = organiser_client.get(f"/staff/events/calls/{call.pk}/").content.decode()
    assert participant.display_name in page
    review = f"/staff/events/calls/{call.pk}/applications/{application.pk}/"
    assert MOTIVATION in organiser_client.get(review).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(
            review, {"decision": "accept", "message": "Willkommen im Denklabor!"}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    [mail] = smtp_server.wait_for(1)
    assert "Willkommen im Denklabor!" in message_text(mail)

    foreign = make_call(other_municipality, title="Fremder Aufruf")
    assert organiser_client.get(f"/staff/events/calls/{foreign.pk}/").status_code == 404
