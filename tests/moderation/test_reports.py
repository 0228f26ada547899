"""Reporting ideas, comments and profiles: by anyone, once, rate limited, never across towns."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.moderation.models import Reason, Report

from .helpers import login


@pytest.mark.django_db
def test_participant_reports_an_idea_with_a_reason(
    client_a: Client, idea: Any, participant: Any
) -> None:
    client = login("alpha.test", participant)
    page = client.get(f"/report/idea/{idea.pk}/")
    assert page.status_code == 200
    assert idea.title in page.content.decode()
    response = client.post(
        f"/report/idea/{idea.pk}/",
        {"reason": Reason.INSULT, "details": "Beleidigt Anwohner", "website": ""},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    report = Report.objects.get()
    assert (report.kind, report.idea, report.reporter) == ("idea", idea, participant)
    assert report.reason == Reason.INSULT
    assert report.details == "Beleidigt Anwohner"
    assert report.reporter_ip == "198.51.100.7"
    assert report.municipality_id == idea.municipality_id
    assert AuditEntry.objects.filter(action="moderation.report", target_id=str(report.pk)).exists()


@pytest.mark.django_db
def test_visitors_can_report_a_comment_and_a_profile(
    client_a: Client, comment: Any, author: Any
) -> None:
    response = client_a.post(f"/report/comment/{comment.pk}/", {"reason": Reason.SPAM})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    response = client_a.post(f"/report/profile/{author.pk}/", {"reason": Reason.NAME})
    assert response.status_code == 302
    kinds = sorted(Report.objects.values_list("kind", "reporter"))
    assert kinds == [("comment", None), ("profile", None)]


@pytest.mark.django_db
def test_reason_other_needs_details_and_errors_are_translated(client_a: Client, idea: Any) -> None:
    response = client_a.post(f"/report/idea/{idea.pk}/", {"reason": Reason.OTHER, "details": ""})
    assert response.status_code == 200
    assert "Bitte beschreiben Sie kurz, was nicht stimmt." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_reporting_the_same_thing_twice_is_refused(idea: Any, participant: Any) -> None:
    client = login("alpha.test", participant)
    client.post(f"/report/idea/{idea.pk}/", {"reason": Reason.SPAM})
    again = client.post(f"/report/idea/{idea.pk}/", {"reason": Reason.SPAM})
    assert again.status_code == 200
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_name_is_no_reason_for_an_idea(client_a: Client, idea: Any) -> None:
    response = client_a.post(f"/report/idea/{idea.pk}/", {"reason": Reason.NAME})
    assert response.status_code == 200
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_content_of_another_municipality_cannot_be_reported(
    client_b: Client, idea: Any, comment: Any, author: Any
) -> None:
    assert client_b.get(f"/report/idea/{idea.pk}/").status_code == 404
    assert client_b.post(f"/report/comment/{comment.pk}/", {"reason": "spam"}).status_code == 404
    assert client_b.post(f"/report/profile/{author.pk}/", {"reason": "name"}).status_code == 404
    assert client_b.get("/report/nonsense/1/").status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_drafts_cannot_be_reported(client_a: Client, municipality: Any, author: Any) -> None:
    from mitmachstadt.ideas.factories import make_idea

    draft = make_idea(municipality=municipality, author=author, submit=False)
    assert client_a.get(f"/report/idea/{draft.pk}/").status_code == 404


@pytest.mark.django_db
def test_rate_limit_answers_429_translated_and_keeps_the_input(
    settings: Any, idea: Any, municipality: Any
) -> None:
    settings.RATE_LIMITS = {"report": "2/3600"}
    reporters = [UserFactory(municipality=municipality) for _ in range(3)]
    client = Client(HTTP_HOST="alpha.test", REMOTE_ADDR="203.0.113.9")
    for reporter in reporters[:2]:
        client.force_login(reporter)
        assert client.post(f"/report/idea/{idea.pk}/", {"reason": "spam"}).status_code == 302
    client.force_login(reporters[2])
    typed = "Das hier ist ein ausführlicher Hinweis, der nicht verloren gehen darf."
    response = client.post(f"/report/idea/{idea.pk}/", {"reason": "misleading", "details": typed})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sie haben in kurzer Zeit viele Meldungen geschickt" in page
    assert typed in page
    assert 'value="misleading" ' in page and "checked" in page.split('value="misleading"')[1][:80]
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_rate_limit_message_in_english(settings: Any, idea: Any) -> None:
    settings.RATE_LIMITS = {"report": "0/3600"}
    client = Client(HTTP_HOST="alpha.test", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    response = client.post(f"/report/idea/{idea.pk}/", {"reason": "spam", "details": "x"})
    assert response.status_code == 429
    assert "You have sent many reports in a short time" in response.content.decode()


@pytest.mark.django_db
def test_report_form_honeypot_and_fill_time(settings: Any, client_a: Client, idea: Any) -> None:
    response = client_a.post(
        f"/report/idea/{idea.pk}/", {"reason": "spam", "website": "http://bot.example"}
    )
    assert response.status_code == 200
    assert not Report.objects.exists()
    settings.ANTISPAM_MIN_FILL_SECONDS = 3
    page = client_a.get(f"/report/idea/{idea.pk}/").content.decode()
    token = page.split('name="form_started" value="')[1].split('"')[0]
    too_fast = client_a.post(f"/report/idea/{idea.pk}/", {"reason": "spam", "form_started": token})
    assert too_fast.status_code == 200
    assert "Das ging sehr schnell" in too_fast.content.decode()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_idea_page_links_to_reporting_and_moderation(
    client_a: Client, idea: Any, comment: Any, mod_client: Client
) -> None:
    page = client_a.get(idea.get_absolute_url()).content.decode()
    assert f'href="/report/idea/{idea.pk}/"' in page
    assert f'href="/report/comment/{comment.pk}/"' in page
    assert "/staff/moderation/" not in page
    staff = mod_client.get(idea.get_absolute_url()).content.decode()
    assert f'href="/staff/moderation/ideas/{idea.pk}/"' in staff
    assert f'href="/staff/moderation/comments/{comment.pk}/"' in staff
