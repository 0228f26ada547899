"""Reads of moderation. Every selector takes the municipality first and never crosses it."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mitmachstadt.ideas.models import Comment, Idea

from .models import (
    AnswerTemplate,
    Block,
    ModerationAction,
    ModerationSettings,
    Reason,
    Report,
    TargetKind,
)


def moderation_settings(municipality: Any) -> ModerationSettings:
    config, _created = ModerationSettings.objects.get_or_create(municipality=municipality)
    return config


def active_block(municipality: Any, user: Any) -> Block | None:
    """The block that keeps `user` from taking part in `municipality` now, if any."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Block.objects.filter(municipality=municipality, user=user)
        .active()
        .order_by("-starts_at")
        .first()
    )


def blocks(municipality: Any, *, active_only: bool = False) -> QuerySet[Block]:
    qs = Block.objects.filter(municipality=municipality).select_related(
        "user", "created_by", "lifted_by"
    )
    return qs.active() if active_only else qs


@dataclass
class QueueFilter:
    status: str = Report.Status.OPEN
    reason: str = ""
    kind: str = ""
    source: str = ""
    assigned: str = ""  # "me", "none" or "" (anyone)


def report_queue(municipality: Any, flt: QueueFilter, user: Any) -> QuerySet[Report]:
    """Reports of the municipality for the queue, oldest open first."""
    qs = Report.objects.filter(municipality=municipality).select_related(
        "idea", "comment", "comment__idea", "profile", "reporter", "assigned_to"
    )
    if flt.status in Report.Status.values:
        qs = qs.filter(status=flt.status)
    if flt.reason in Reason.values:
        qs = qs.filter(reason=flt.reason)
    if flt.kind in TargetKind.values:
        qs = qs.filter(kind=flt.kind)
    if flt.source in Report.Source.values:
        qs = qs.filter(source=flt.source)
    if flt.assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif flt.assigned == "none":
        qs = qs.filter(assigned_to__isnull=True)
    if flt.status == Report.Status.OPEN:
        return qs.order_by("created", "id")
    return qs.order_by("-created", "-id")


def reports_per_target(municipality: Any, reports: list[Report]) -> dict[tuple[str, int], int]:
    """How many open reports each target of `reports` has (one query)."""
    ideas = {r.idea_id for r in reports if r.kind == TargetKind.IDEA and r.idea_id}
    comments = {r.comment_id for r in reports if r.kind == TargetKind.COMMENT and r.comment_id}
    profiles = {r.profile_id for r in reports if r.kind == TargetKind.PROFILE and r.profile_id}
    rows = (
        Report.objects.filter(municipality=municipality, status=Report.Status.OPEN)
        .filter(
            Q(kind=TargetKind.IDEA, idea_id__in=ideas)
            | Q(kind=TargetKind.COMMENT, comment_id__in=comments)
            | Q(kind=TargetKind.PROFILE, profile_id__in=profiles)
        )
        .values("kind", "idea_id", "comment_id", "profile_id")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[str, int], int] = {}
    for row in rows:
        key = row["idea_id"] or row["comment_id"] or row["profile_id"]
        counts[(row["kind"], key)] = row["n"]
    return counts


def report_for(municipality: Any, pk: int) -> Report | None:
    return (
        Report.objects.filter(municipality=municipality, pk=pk)
        .select_related("idea", "comment", "comment__idea", "profile", "reporter", "assigned_to")
        .first()
    )


def reports_on(municipality: Any, *, kind: str, pk: int) -> QuerySet[Report]:
    return Report.objects.filter(municipality=municipality, kind=kind, **{f"{kind}_id": pk})


def open_report_count(municipality: Any) -> int:
    return Report.objects.filter(municipality=municipality, status=Report.Status.OPEN).count()


def idea_for_moderation(municipality: Any, pk: int) -> Idea | None:
    return (
        Idea.objects.filter(municipality=municipality, pk=pk)
        .select_related("municipality", "created_by", "merged_into")
        .first()
    )


def comment_for_moderation(municipality: Any, pk: int) -> Comment | None:
    return (
        Comment.objects.filter(idea__municipality=municipality, pk=pk)
        .select_related("idea", "author")
        .first()
    )


def account_for_moderation(municipality: Any, pk: int) -> Any:
    from mitmachstadt.accounts.models import User

    return User.objects.filter(pk=pk, memberships__municipality=municipality).distinct().first()


@dataclass
class LogFilter:
    action: str = ""
    kind: str = ""
    moderator: str = ""  # "me", "filter" (automatic) or ""


def moderation_log(municipality: Any, flt: LogFilter, user: Any) -> QuerySet[ModerationAction]:
    qs = ModerationAction.objects.filter(municipality=municipality).select_related(
        "moderator", "idea", "comment", "profile"
    )
    if flt.action in ModerationAction.Kind.values:
        qs = qs.filter(action=flt.action)
    if flt.kind in TargetKind.values:
        qs = qs.filter(kind=flt.kind)
    if flt.moderator == "me":
        qs = qs.filter(moderator=user)
    elif flt.moderator == "filter":
        qs = qs.filter(moderator__isnull=True)
    return qs


def log_of(municipality: Any, *, kind: str, pk: int) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(
        municipality=municipality, kind=kind, **{f"{kind}_id": pk}
    ).select_related("moderator")


def answer_templates(municipality: Any) -> QuerySet[AnswerTemplate]:
    return AnswerTemplate.objects.filter(municipality=municipality)


# --- Transparency report --------------------------------------------------------------------

# The actions the public report counts (assignments are internal bookkeeping).
PUBLIC_ACTIONS = [
    ModerationAction.Kind.HOLD,
    ModerationAction.Kind.HIDE,
    ModerationAction.Kind.RESTORE,
    ModerationAction.Kind.EDIT,
    ModerationAction.Kind.MERGE,
    ModerationAction.Kind.RENAME,
    ModerationAction.Kind.BLOCK,
    ModerationAction.Kind.UNBLOCK,
    ModerationAction.Kind.RESOLVE,
    ModerationAction.Kind.DISMISS,
]


@dataclass
class MonthRow:
    month: dt.date
    reports: int = 0
    filter_holds: int = 0
    reports_by_reason: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    hidden_by_reason: dict[str, int] = field(default_factory=dict)
    median_hours: float | None = None


@dataclass
class TransparencyReport:
    months: list[MonthRow]
    reasons: list[tuple[str, str]]
    actions: list[tuple[str, str]]
    totals: MonthRow


def _month_key(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return dt.date(value.year, value.month, 1)
    return dt.date(value.year, value.month, 1)


def transparency_report(municipality: Any, *, months: int = 12) -> TransparencyReport:
    """Counts of reports, actions and reasons per month (no personal data), newest month first."""
    today = timezone.localdate()
    start = dt.date(today.year, today.month, 1)
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    tz = timezone.get_current_timezone()
    rows: dict[dt.date, MonthRow] = {}
    month = start
    while month <= today:
        rows[month] = MonthRow(month=month)
        month = (month + dt.timedelta(days=32)).replace(day=1)

    reports = Report.objects.filter(municipality=municipality, created__gte=since)
    report_counts = (
        reports.annotate(m=TruncMonth("created", tzinfo=tz))
        .values_list("m", "reason", "source")
        .annotate(n=Count("id"))
    )
    for when, reason, source, n in report_counts:
        month_row = rows.get(_month_key(when))
        if month_row is None:
            continue
        if source == Report.Source.FILTER:
            month_row.filter_holds += n
        else:
            month_row.reports += n
            month_row.reports_by_reason[reason] = month_row.reports_by_reason.get(reason, 0) + n
    actions = ModerationAction.objects.filter(
        municipality=municipality, created__gte=since, action__in=PUBLIC_ACTIONS
    )
    action_counts = (
        actions.annotate(m=TruncMonth("created", tzinfo=tz))
        .values_list("m", "action", "reason")
        .annotate(n=Count("id"))
    )
    for when, action, reason, n in action_counts:
        month_row = rows.get(_month_key(when))
        if month_row is None:
            continue
        month_row.actions[action] = month_row.actions.get(action, 0) + n
        if action == ModerationAction.Kind.HIDE and reason:
            month_row.hidden_by_reason[reason] = month_row.hidden_by_reason.get(reason, 0) + n
    durations: dict[dt.date, list[float]] = defaultdict(list)
    for created, handled in reports.filter(
        handled_at__isnull=False, source=Report.Source.PERSON
    ).values_list("created", "handled_at"):
        if handled is not None:
            durations[_month_key(created)].append((handled - created).total_seconds() / 3600)
    for key, values in durations.items():
        if key in rows:
            rows[key].median_hours = round(statistics.median(values), 1)

    totals = MonthRow(month=start)
    reasons_total: Counter[str] = Counter()
    actions_total: Counter[str] = Counter()
    hidden_total: Counter[str] = Counter()
    for month_row in rows.values():
        totals.reports += month_row.reports
        totals.filter_holds += month_row.filter_holds
        reasons_total.update(month_row.reports_by_reason)
        actions_total.update(month_row.actions)
        hidden_total.update(month_row.hidden_by_reason)
    totals.reports_by_reason = dict(reasons_total)
    totals.actions = dict(actions_total)
    totals.hidden_by_reason = dict(hidden_total)
    all_durations = [v for values in durations.values() for v in values]
    totals.median_hours = round(statistics.median(all_durations), 1) if all_durations else None
    return TransparencyReport(
        months=sorted(rows.values(), key=lambda r: r.month, reverse=True),
        reasons=[(value, str(label)) for value, label in Reason.choices],
        actions=[(k.value, str(k.label)) for k in PUBLIC_ACTIONS],
        totals=totals,
    )
