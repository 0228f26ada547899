"""Netiquette and the public transparency report: counts per month, no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import ModerationAction, Reason, Report
from mitmachstadt.moderation.selectors import transparency_report


@pytest.mark.django_db
def test_netiquette_page_and_footer_links(client_a: Client) -> None:
    page = client_a.get("/netiquette/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Was nicht erlaubt ist" in text and "Hassrede oder Diskriminierung" in text
    assert 'href="/netiquette/"' in text and 'href="/privacy/"' in text


def _month_ago(months: int) -> dt.datetime:
    now = timezone.localtime()
    first = now.replace(day=15)
    for _ in range(months):
        first = (first.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    return first


@pytest.mark.django_db
def test_transparency_report_counts_per_month(
    municipality: Any, idea: Any, comment: Any, moderator: Any, other_municipality: Any
) -> None:
    reporters = [UserFactory(municipality=municipality) for _ in range(3)]
    old = services.report_create(
        municipality=municipality, target=idea, reporter=reporters[0], reason=Reason.SPAM
    )
    Report.objects.filter(pk=old.pk).update(created=_month_ago(2))
    services.report_create(
        municipality=municipality, target=comment, reporter=reporters[1], reason=Reason.HATE
    )
    services.report_create(
        municipality=municipality, target=idea, reporter=reporters[2], reason=Reason.HATE
    )
    services.content_hide(
        target=comment, actor=moderator, public_reason="Hass.", reason=Reason.HATE
    )
    # Another municipality's moderation is not counted here.
    other = UserFactory(municipality=other_municipality)
    from mitmachstadt.ideas.factories import make_idea

    services.report_create(
        municipality=other_municipality,
        target=make_idea(municipality=other_municipality, author=other),
        reporter=None,
        reason=Reason.SPAM,
    )

    report = transparency_report(municipality)
    this_month, two_ago = report.months[0], report.months[2]
    assert len(report.months) == 12
    assert (this_month.reports, this_month.reports_by_reason) == (2, {"hate": 2})
    assert this_month.actions == {"hide": 1}
    assert this_month.hidden_by_reason == {"hate": 1}
    assert this_month.median_hours is not None
    assert (two_ago.reports, two_ago.reports_by_reason) == (1, {"spam": 1})
    assert report.totals.reports == 3
    assert ModerationAction.objects.filter(action="hide").count() == 1


@pytest.mark.django_db
def test_transparency_page_and_csv(
    municipality: Any, idea: Any, participant: Any, client_a: Client, client_b: Client
) -> None:
    services.report_create(
        municipality=municipality, target=idea, reporter=participant, reason=Reason.MISLEADING
    )
    page = client_a.get("/transparency/").content.decode()
    assert "Transparenzbericht" in page and "Falsche oder irreführende Angaben" in page
    assert participant.display_name not in page and idea.title not in page
    response = client_a.get("/transparency.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    month = timezone.localdate().strftime("%Y-%m")
    assert [month, "reports", "", "1"] in rows
    assert [month, "reports_by_reason", "misleading", "1"] in rows
    other = list(csv.reader(io.StringIO(client_b.get("/transparency.csv").content.decode())))
    assert [month, "reports", "", "0"] in other
