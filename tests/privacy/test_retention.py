"""Retention: IP addresses after 7 days, unverified accounts after 30, old exports, sessions."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role, User
from mitmachstadt.accounts.services import user_create
from mitmachstadt.moderation import services as moderation
from mitmachstadt.moderation.models import Report, SpamCheck
from mitmachstadt.privacy import services
from mitmachstadt.privacy.models import DataExport
from mitmachstadt.privacy.tasks import run_retention


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _unverified(municipality: Any, name: str, joined_days_ago: float, **kwargs: Any) -> User:
    user = user_create(
        email=f"{name.lower()}@example.org",
        display_name=name,
        password="x" * 12,
        municipality=municipality,
        **kwargs,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    User.objects.filter(pk=user.pk).update(date_joined=_ago(joined_days_ago))
    return user


@pytest.mark.django_db
def test_retention_command(
    municipality: Any, idea: Any, comment: Any, participant: Any, tmp_path: Any
) -> None:
    old_report = moderation.report_create(
        municipality=municipality,
        target=idea,
        reporter=None,
        reason="spam",
        ip_address="198.51.100.1",
    )
    new_report = moderation.report_create(
        municipality=municipality,
        target=comment,
        reporter=None,
        reason="spam",
        ip_address="198.51.100.2",
    )
    Report.objects.filter(pk=old_report.pk).update(created=_ago(8))
    check = moderation.spam_check(target=comment, author=participant, ip_address="198.51.100.3")
    assert check is not None
    SpamCheck.objects.filter(pk=check.pk).update(created=_ago(7.5))

    stale = _unverified(municipality, "Vergessen", 31)
    young = _unverified(municipality, "Frisch", 3)
    staff = _unverified(municipality, "Mitarbeiterin", 40, roles=(Role.PARTICIPANT, Role.REVIEWER))
    verified = UserFactory(municipality=municipality)
    User.objects.filter(pk=verified.pk).update(date_joined=_ago(90))

    export = services.export_request(user=participant, municipality=municipality)
    services.export_build(export_id=str(export.pk))
    export.refresh_from_db()
    path = export.file.path
    DataExport.objects.filter(pk=export.pk).update(created=_ago(8))
    Session.objects.create(session_key="x" * 32, session_data="e30", expire_date=_ago(1))
    Session.objects.create(session_key="y" * 32, session_data="e30", expire_date=_ago(-1))
    DBTaskResult.objects.create(
        status="SUCCESSFUL",
        args_kwargs={},
        task_path="x.y",
        backend_name="default",
        queue_name="default",
        priority=0,
        run_after=_ago(10),
        finished_at=_ago(9),
    )

    out = io.StringIO()
    call_command("retention", stdout=out)
    report = out.getvalue()
    assert "moderation.report_ip_addresses: 1" in report
    assert "moderation.spam_check_ip_addresses: 1" in report
    assert "privacy.unverified_accounts: 1" in report
    assert "privacy.data_exports: 1" in report

    assert Report.objects.get(pk=old_report.pk).reporter_ip is None
    assert Report.objects.get(pk=new_report.pk).reporter_ip == "198.51.100.2"
    assert SpamCheck.objects.get(pk=check.pk).ip_address is None
    assert not User.objects.filter(pk=stale.pk).exists()
    assert User.objects.filter(pk__in=[young.pk, staff.pk, verified.pk]).count() == 3
    assert not DataExport.objects.exists()
    import os

    assert not os.path.exists(path)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
    assert not DBTaskResult.objects.exists()
    # A second run finds nothing more to do.
    again = io.StringIO()
    call_command("retention", stdout=again)
    assert "removed 0 items" in again.getvalue()


@pytest.mark.django_db
def test_old_handled_reports_lose_reporter_and_details(
    municipality: Any, idea: Any, participant: Any, moderator: Any
) -> None:
    report = moderation.report_create(
        municipality=municipality,
        target=idea,
        reporter=participant,
        reason="other",
        details="Siehe Absatz 2",
    )
    moderation.report_dismiss(report=report, actor=moderator)
    Report.objects.filter(pk=report.pk).update(handled_at=_ago(400))
    result = services.retention_run()
    assert result["moderation.old_report_details"] == 1
    report.refresh_from_db()
    assert (report.reporter, report.details, report.reason, report.status) == (
        None,
        "",
        "other",
        "dismissed",
    )


@pytest.mark.django_db
def test_retention_as_a_background_task(municipality: Any) -> None:
    _unverified(municipality, "Vergessen", 31)
    result = run_retention.enqueue()
    assert result.return_value["privacy.unverified_accounts"] == 1
