"""Personal data in moderation (privacy protocol): reports, blocks, spam checks, IP addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AnswerTemplate, Block, ModerationAction, Report, SpamCheck


def processing() -> list[dict[str, Any]]:
    return [
        {
            "key": "moderation",
            "name": _("Reports and moderation"),
            "purpose": _(
                "Keeping the discussion civil and lawful: handling reports, hiding content, "
                "blocking accounts, publishing the transparency report."
            ),
            "data": _(
                "Reports (reason, details, who reported – never shown to the author), decisions "
                "of the moderators, blocks with their reason and end."
            ),
            "legal_basis": _("Art. 6(1)(e) GDPR; for reports of illegal content also Art. 6(1)(c)"),
            "retention": _(
                "Handled reports lose the reporter and the details after %(days)d days; the "
                "counts stay for the transparency report. Blocks end at their date."
            )
            % {"days": settings.RETENTION_REPORT_DAYS},
            "recipients": _("The moderators of the municipality."),
        },
        {
            "key": "spam_filter",
            "name": _("Spam filter and abuse defence"),
            "purpose": _(
                "Holding suspicious posts for a person to check, without any external service "
                "and without device fingerprinting."
            ),
            "data": _(
                "For new ideas, comments and reports: a score and its signals (e.g. number of "
                "links, copied text, posts per minute), and the IP address of the request."
            ),
            "legal_basis": _("Art. 6(1)(e) GDPR"),
            "retention": _("IP addresses are erased after %(days)d days.")
            % {"days": settings.RETENTION_IP_DAYS},
            "recipients": _("The moderators of the municipality."),
        },
    ]


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Reports the person made, reports and decisions about them, blocks, spam checks."""
    about_you = Q(profile=user) | Q(idea__created_by=user) | Q(comment__author=user)
    return {
        "reports_made": [
            {
                "municipality": r.municipality_id,
                "kind": r.kind,
                "object": r.idea_id or r.comment_id or r.profile_id,
                "reason": r.reason,
                "details": r.details,
                "status": r.status,
                "ip_address": r.reporter_ip,
                "created": _when(r.created),
            }
            for r in Report.objects.filter(reporter=user)
        ],
        # Who reported stays confidential: that is someone else's personal data.
        "reports_about_you": [
            {
                "municipality": r.municipality_id,
                "kind": r.kind,
                "object": r.idea_id or r.comment_id or r.profile_id,
                "reason": r.reason,
                "status": r.status,
                "created": _when(r.created),
            }
            for r in Report.objects.filter(about_you)
        ],
        "moderation_decisions_about_you": [
            {
                "municipality": a.municipality_id,
                "action": a.action,
                "kind": a.kind,
                "object": a.idea_id or a.comment_id or a.profile_id,
                "reason": a.reason,
                "public_reason": a.public_reason,
                "created": _when(a.created),
            }
            for a in ModerationAction.objects.filter(about_you)
        ],
        "moderation_actions_by_you": [
            {
                "municipality": a.municipality_id,
                "action": a.action,
                "kind": a.kind,
                "object": a.idea_id or a.comment_id or a.profile_id,
                "public_reason": a.public_reason,
                "note": a.note,
                "created": _when(a.created),
            }
            for a in ModerationAction.objects.filter(moderator=user)
        ],
        "blocks": [
            {
                "municipality": b.municipality_id,
                "reason": b.reason,
                "from": _when(b.starts_at),
                "until": _when(b.ends_at),
                "lifted": _when(b.lifted_at),
            }
            for b in Block.objects.filter(user=user)
        ],
        "spam_checks": [
            {
                "municipality": s.municipality_id,
                "kind": s.kind,
                "object": s.idea_id or s.comment_id,
                "score": s.score,
                "signals": s.signals,
                "held": s.held,
                "ip_address": s.ip_address,
                "created": _when(s.created),
            }
            for s in SpamCheck.objects.filter(author=user)
        ],
    }


def _scrub(text: str, needles: list[str]) -> str:
    for needle in needles:
        if needle and needle.casefold() in text.casefold():
            start = text.casefold().index(needle.casefold())
            text = text[:start] + "[…]" + text[start + len(needle) :]
            return _scrub(text, needles)
    return text


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Unlink reports, decisions and checks from the person; erase their IP addresses."""
    addresses = set(
        Report.objects.filter(reporter=user, reporter_ip__isnull=False).values_list(
            "reporter_ip", flat=True
        )
    ) | set(
        SpamCheck.objects.filter(author=user, ip_address__isnull=False).values_list(
            "ip_address", flat=True
        )
    )
    # The same address on other rows is still this person's address.
    Report.objects.filter(reporter_ip__in=addresses).update(reporter_ip=None)
    SpamCheck.objects.filter(ip_address__in=addresses).update(ip_address=None)
    Report.objects.filter(reporter=user).update(reporter=None)
    SpamCheck.objects.filter(author=user).update(author=None)
    needles = [user.email, user.display_name]
    for action in ModerationAction.objects.filter(profile=user):
        ModerationAction.objects.filter(pk=action.pk).update(
            public_reason=_scrub(action.public_reason, needles),
            note=_scrub(action.note, needles),
            profile=None,
        )
    for report in Report.objects.filter(profile=user):
        Report.objects.filter(pk=report.pk).update(
            details=_scrub(report.details, needles), note=_scrub(report.note, needles), profile=None
        )
    ModerationAction.objects.filter(moderator=user).update(moderator=None)
    Report.objects.filter(assigned_to=user).update(assigned_to=None)
    Report.objects.filter(handled_by=user).update(handled_by=None)
    Block.objects.filter(user=user).delete()
    Block.objects.filter(created_by=user).update(created_by=None)
    Block.objects.filter(lifted_by=user).update(lifted_by=None)
    AnswerTemplate.objects.filter(created_by=user).update(created_by=None)


def purge(now: dt.datetime) -> dict[str, int]:
    """Erase IP addresses after a few days; handled reports lose reporter and details later."""
    ip_cutoff = now - dt.timedelta(days=settings.RETENTION_IP_DAYS)
    report_cutoff = now - dt.timedelta(days=settings.RETENTION_REPORT_DAYS)
    return {
        "report_ip_addresses": Report.objects.filter(
            created__lt=ip_cutoff, reporter_ip__isnull=False
        ).update(reporter_ip=None),
        "spam_check_ip_addresses": SpamCheck.objects.filter(
            created__lt=ip_cutoff, ip_address__isnull=False
        ).update(ip_address=None),
        "old_report_details": Report.objects.filter(handled_at__lt=report_cutoff)
        .filter(Q(reporter__isnull=False) | ~Q(details=""))
        .update(reporter=None, details=""),
    }
