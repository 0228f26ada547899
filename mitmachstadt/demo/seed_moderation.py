"""Demo moderation: answer templates of the administration, and a few handled and open reports
spread over the last months, so that the queue and the transparency report show something.

The reports and their decisions are demo inventions; the templates are plausible standard texts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mitmachstadt.ideas.models import Comment, Idea
from mitmachstadt.moderation import services as moderation
from mitmachstadt.moderation.models import ModerationAction, Reason, Report
from mitmachstadt.tenants.models import Municipality

TEMPLATES = [
    (
        "Eingang bestätigt",
        "Vielen Dank für Ihre Idee „{title}“! Das Team Digitaler Wandel der Stadt "
        "{municipality} hat sie erhalten und prüft sie in den nächsten Wochen anhand der "
        "Auswahlkriterien der Digitalen Agenda. Über jeden Schritt informieren wir Sie hier.",
    ),
    (
        "An die Fachabteilung weitergeleitet",
        "Ihre Idee „{title}“ betrifft die Zuständigkeit einer Fachabteilung. Wir haben sie "
        "dorthin weitergegeben und melden uns hier mit deren Einschätzung.",
    ),
    (
        "Ähnliche Idee vorhanden",
        "Zu „{title}“ gibt es bereits eine sehr ähnliche Idee. Damit die Unterstützung nicht "
        "verteilt wird, führen wir beide zusammen; alle Kommentare und Unterstützungen bleiben "
        "erhalten.",
    ),
    (
        "Nicht in der Zuständigkeit der Stadt",
        "Vielen Dank für „{title}“. Die Umsetzung liegt leider nicht in der Zuständigkeit der "
        "Stadt {municipality}, sondern beim Kreis oder beim Land. Wir haben die Idee an die "
        "zuständige Stelle weitergegeben.",
    ),
]


def _backdate(report: Report, days: int, handled_after_hours: float | None = None) -> None:
    created = timezone.now() - dt.timedelta(days=days)
    fields: dict[str, Any] = {"created": created}
    if handled_after_hours is not None:
        fields["handled_at"] = created + dt.timedelta(hours=handled_after_hours)
        ModerationAction.objects.filter(report=report).update(created=fields["handled_at"])
    Report.objects.filter(pk=report.pk).update(**fields)


def seed_moderation(
    *, municipality: Municipality, people: dict[str, Any], data: dict[str, Any]
) -> None:
    """Answer templates and a handful of reports (handled and open) for the demo."""
    moderator = people["role:moderator"]
    for title, text in TEMPLATES:
        moderation.answer_template_save(
            municipality=municipality, actor=moderator, title=title, text=text
        )
    reporters = [
        u
        for name, u in people.items()
        if not name.startswith("role:") and not u.is_operator and u != moderator
    ]
    comments = list(
        Comment.objects.filter(idea__municipality=municipality, deleted_at__isnull=True)
        .exclude(author=None)
        .order_by("id")[:3]
    )
    ideas = list(Idea.objects.filter(municipality=municipality).public().order_by("id")[:2])
    if len(reporters) < 3 or len(comments) < 3 or len(ideas) < 2:
        return
    handled = [
        (comments[0], reporters[0], Reason.OFF_TOPIC, "dismiss", 70, 20),
        (ideas[0], reporters[1], Reason.DUPLICATE, "resolve", 40, 30),
        (comments[1], reporters[2], Reason.MISLEADING, "dismiss", 12, 6),
    ]
    for target, reporter, reason, decision, days, hours in handled:
        if reporter in {getattr(target, "author", None), getattr(target, "created_by", None)}:
            continue
        report = moderation.report_create(
            municipality=municipality, target=target, reporter=reporter, reason=reason
        )
        handler = moderation.report_resolve if decision == "resolve" else moderation.report_dismiss
        handler(report=report, actor=moderator, note="Demo: geprüft")
        _backdate(report, days, handled_after_hours=hours)
    open_report = moderation.report_create(
        municipality=municipality,
        target=comments[2],
        reporter=reporters[0],
        reason=Reason.OFF_TOPIC,
        details="Der Kommentar passt eher zu einer anderen Idee.",
    )
    _backdate(open_report, 1)
