"""Staff pages of reviewers and the committee clerk, and the public assessment page."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.reviews import selectors
from mitmachstadt.reviews.models import CriterionVerdict

from . import a11y
from .helpers import assess_all, criteria, idea_in, staff, staff_client

pytestmark = pytest.mark.django_db

PAGES = ["/staff/review/", "/staff/review/overdue/", "/staff/committee/"]


@pytest.fixture
def reviewer(municipality: Any) -> Any:
    return staff(municipality, Role.REVIEWER)


@pytest.fixture
def clerk(municipality: Any) -> Any:
    return staff(municipality, Role.COMMITTEE_CLERK)


def _html(response: Any) -> str:
    return str(response.content.decode())


@pytest.mark.parametrize("path", PAGES)
def test_staff_pages_need_the_role_and_a_second_factor(
    path: str, municipality: Any, client_a: Client
) -> None:
    response = client_a.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    participant = UserFactory(municipality=municipality)
    client_a.force_login(participant)
    assert client_a.get(path).status_code == 403
    not_enough = {
        "/staff/review/": Role.MODERATOR,
        "/staff/review/overdue/": Role.COMMITTEE_CLERK,
        "/staff/committee/": Role.REVIEWER,
    }[path]
    assert staff_client(staff(municipality, not_enough)).get(path).status_code == 403
    needed = {
        "/staff/review/": Role.REVIEWER,
        "/staff/review/overdue/": Role.MODERATOR,
        "/staff/committee/": Role.COMMITTEE_CLERK,
    }[path]
    member = staff(municipality, needed)
    password_only = Client(HTTP_HOST="alpha.test")
    password_only.force_login(member)
    assert password_only.get(path)["Location"] == "/accounts/second-factor/"
    page = staff_client(member).get(path)
    assert page.status_code == 200
    a11y.check(_html(page))


def test_real_login_with_totp_reaches_the_review_queue(municipality: Any, reviewer: Any) -> None:
    secret = enable_totp(reviewer)
    client = Client(HTTP_HOST="alpha.test")
    client.post("/accounts/login/", {"login": reviewer.email, "password": TEST_PASSWORD})
    for _attempt in range(3):
        response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
        if response.status_code == 302:
            break
        time.sleep(1)
    assert client.get("/staff/review/").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_staff_of_another_municipality_is_refused(
    path: str, municipality: Any, other_municipality: Any
) -> None:
    outsider = staff(
        other_municipality, Role.REVIEWER, Role.COMMITTEE_CLERK, Role.MODERATOR, Role.ADMIN
    )
    assert staff_client(outsider, host="alpha.test").get(path).status_code == 403


def test_a_reviewer_of_a_cannot_act_in_b(
    municipality: Any, other_municipality: Any, reviewer: Any
) -> None:
    criteria(other_municipality, 2)
    foreign = idea_in("in_review", municipality=other_municipality, title="Idee in Betadorf")
    # On A's host, B's idea does not exist.
    client = staff_client(reviewer, host="alpha.test")
    assert client.get(f"/staff/review/{foreign.pk}/").status_code == 404
    assert client.post(f"/staff/review/{foreign.pk}/", {"action": "start"}).status_code == 404
    # On B's host, the reviewer of A holds no role.
    client_b = staff_client(reviewer, host="beta.test")
    assert client_b.get(f"/staff/review/{foreign.pk}/").status_code == 403
    response = client_b.post(
        f"/staff/review/{foreign.pk}/", {"action": "decide", "decision": "return", "reason": "x"}
    )
    assert response.status_code == 403
    assert Idea.objects.get(pk=foreign.pk).state == "in_review"
    assert not CriterionVerdict.objects.exists()


def test_review_from_start_to_decision(municipality: Any, reviewer: Any) -> None:
    checklist = criteria(municipality, 2)
    idea = idea_in("submitted", municipality=municipality)
    client = staff_client(reviewer)
    queue = _html(client.get("/staff/review/"))
    assert f"/staff/review/{idea.pk}/" in queue
    page = client.get(f"/staff/review/{idea.pk}/")
    assert 'value="start"' in _html(page)
    response = client.post(f"/staff/review/{idea.pk}/", {"action": "start", "start-reason": ""})
    assert response.status_code == 302
    assert Idea.objects.get(pk=idea.pk).state == "in_review"

    page = client.get(f"/staff/review/{idea.pk}/")
    html = _html(page)
    a11y.check(html)
    for c in checklist:
        assert f'name="verdict_{c.slug}"' in html and f'name="justification_{c.slug}"' in html

    # An invalid row comes back with its error tied to the field.
    response = client.post(
        f"/staff/review/{idea.pk}/",
        {
            "action": "save",
            f"verdict_{checklist[0].slug}": "met",
            f"justification_{checklist[0].slug}": "zu kurz",
        },
    )
    assert response.status_code == 400
    html = _html(response)
    a11y.check(html)
    error_id = f"id_justification_{checklist[0].slug}_errors"
    assert f'id="{error_id}"' in html
    assert re.search(rf'aria-describedby="[^"]*{error_id}', html)
    assert 'aria-invalid="true"' in html

    # Accepting with a missing criterion is refused with a clear message.
    response = client.post(
        f"/staff/review/{idea.pk}/",
        {"action": "decide", "decision": "accept", "reason": "Erfüllt alle Kriterien."},
    )
    assert response.status_code == 400
    assert checklist[0].name in _html(response)
    assert Idea.objects.get(pk=idea.pk).state == "in_review"

    data = {"action": "save", "summary": "Empfehlung."}
    for c in checklist:
        data[f"verdict_{c.slug}"] = "met"
        data[f"justification_{c.slug}"] = f"{c.name} ist nachvollziehbar erfüllt."
    assert client.post(f"/staff/review/{idea.pk}/", data).status_code == 302
    assert CriterionVerdict.objects.count() == 2

    response = client.post(
        f"/staff/review/{idea.pk}/",
        {"action": "decide", "decision": "accept", "reason": "Erfüllt alle Kriterien."},
    )
    assert response.status_code == 302
    assert Idea.objects.get(pk=idea.pk).state == "candidate"
    assert selectors.published_assessments(municipality, idea)[0].summary == "Empfehlung."


def test_decision_without_reason_is_shown_on_the_field(municipality: Any, reviewer: Any) -> None:
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    response = staff_client(reviewer).post(
        f"/staff/review/{idea.pk}/", {"action": "decide", "decision": "return", "reason": ""}
    )
    assert response.status_code == 400
    html = _html(response)
    assert 'id="id_reason_errors"' in html
    assert Idea.objects.get(pk=idea.pk).state == "in_review"


def test_committee_records_a_decision(municipality: Any, reviewer: Any, clerk: Any) -> None:
    criteria(municipality, 2)
    idea = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    client = staff_client(clerk)
    queue = _html(client.get("/staff/committee/"))
    assert f"/staff/committee/{idea.pk}/" in queue
    page = client.get(f"/staff/committee/{idea.pk}/")
    html = _html(page)
    a11y.check(html)
    assert 'type="date"' in html and 'name="document_reference"' in html
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        f"/staff/committee/{idea.pk}/",
        {
            "decision": "committee_approve",
            "meeting_date": future,
            "document_reference": "Drucksache 99/2025",
            "reason": "Einstimmig beschlossen.",
        },
    )
    assert response.status_code == 400
    assert 'id="id_meeting_date_errors"' in _html(response)
    assert Idea.objects.get(pk=idea.pk).state == "candidate"
    response = client.post(
        f"/staff/committee/{idea.pk}/",
        {
            "decision": "committee_approve",
            "meeting_date": "2025-05-20",
            "document_reference": "Drucksache 99/2025",
            "reason": "Einstimmig beschlossen.",
        },
    )
    assert response.status_code == 302
    record = Transition.objects.get(idea=idea, name="committee_approve")
    assert (record.meeting_date, record.document_reference, record.actor_id) == (
        dt.date(2025, 5, 20),
        "Drucksache 99/2025",
        clerk.pk,
    )
    assert "Drucksache 99/2025" in _html(client.get("/staff/committee/"))
    # Now only the funding approval is left to record.
    html = _html(client.get(f"/staff/committee/{idea.pk}/"))
    assert 'value="funding_approved"' in html and 'value="committee_approve"' not in html


def test_a_reviewer_cannot_post_committee_decisions(
    municipality: Any, reviewer: Any, clerk: Any
) -> None:
    criteria(municipality, 1)
    idea = idea_in("candidate", municipality=municipality, reviewer=reviewer, clerk=clerk)
    response = staff_client(reviewer).post(
        f"/staff/committee/{idea.pk}/",
        {
            "decision": "committee_reject",
            "meeting_date": "2025-05-20",
            "document_reference": "Drucksache 99/2025",
            "reason": "Abgelehnt.",
        },
    )
    assert response.status_code == 403
    assert Idea.objects.get(pk=idea.pk).state == "candidate"


def test_overdue_page_lists_waiting_ideas(municipality: Any, reviewer: Any) -> None:
    idea = idea_in("submitted", municipality=municipality, title="Wartet seit Wochen")
    Idea.objects.filter(pk=idea.pk).update(submitted_at=timezone.now() - dt.timedelta(days=40))
    html = _html(staff_client(reviewer).get("/staff/review/overdue/"))
    assert "Wartet seit Wochen" in html and ">26<" in html


def test_public_assessment_page(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client, reviewer: Any
) -> None:
    checklist = criteria(municipality, 2)
    idea = idea_in("in_review", municipality=municipality, reviewer=reviewer)
    assess_all(idea, reviewer)
    html = _html(client_a.get(f"/assessments/{idea.pk}/"))
    assert checklist[0].name not in html  # not public before the decision
    from mitmachstadt.reviews import services

    services.review_decide(idea=idea, actor=reviewer, decision="accept", reason="Erfüllt.")
    response = client_a.get(f"/assessments/{idea.pk}/")
    html = _html(response)
    a11y.check(html)
    assert checklist[0].name in html and "nachvollziehbar erfüllt" in html
    assert client_b.get(f"/assessments/{idea.pk}/").status_code == 404
    draft = idea_in("draft", municipality=municipality)
    assert client_a.get(f"/assessments/{draft.pk}/").status_code == 404
