"""The half-yearly monitoring report for the funding body, and the committee's agenda.

Both are built as plain tables (`Table`), so that the HTML page, the PDF, the CSV and the XLSX
show exactly the same figures.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.ideas.states import PROJECT_STATES, PUBLIC_STATES, State
from mitmachstadt.projects.models import Indicator, Measurement, Milestone, Project
from mitmachstadt.projects.templatetags.projects_tags import format_euro, format_number

from .figures import Figures, spent_between


@dataclass(frozen=True)
class Period:
    """A half-year: H1 is January to June, H2 July to December."""

    year: int
    half: int

    @property
    def key(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        if self.half == 1:
            return _("first half of %(year)d") % {"year": self.year}
        return _("second half of %(year)d") % {"year": self.year}

    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    def end_before(self) -> dt.datetime:
        """The first moment after the period (exclusive upper bound)."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    def previous(self) -> Period:
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, value: str, today: dt.date) -> Period:
        """ "2025-H2" -> Period; anything else: the last completed half-year."""
        match = re.fullmatch(r"(\d{4})-H([12])", (value or "").strip())
        if match:
            period = cls(int(match.group(1)), int(match.group(2)))
            if 2000 <= period.year <= today.year + 1:
                return period
        return cls.containing(today).previous()


def available_periods(municipality: Any, today: dt.date) -> list[Period]:
    """Half-years from the first submitted idea up to the current one, newest first."""
    first = (
        Idea.objects.filter(municipality=municipality, submitted_at__isnull=False)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    current = Period.containing(today)
    start = Period.containing(timezone.localdate(first)) if first else current
    periods = [current]
    while periods[-1] != start and len(periods) < 40:
        periods.append(periods[-1].previous())
    return periods


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    # Raw values per row for CSV/XLSX (numbers stay numbers); same shape as rows.
    raw: list[list[Any]] = field(default_factory=list)


class _IdeaRow(NamedTuple):
    pk: int
    title: str
    state: str
    cluster_name: str | None
    submitted_at: dt.datetime | None
    first_answer_at: dt.datetime | None


class _StepRow(NamedTuple):
    pk: int
    idea_id: int
    name: str
    to_state: str
    created: dt.datetime
    meeting_date: dt.date | None
    document_reference: str


def _state_as_of(idea: _IdeaRow, steps: list[_StepRow], moment: dt.datetime) -> str | None:
    """The idea's state just before `moment`, from its transitions (None: not yet submitted)."""
    state = None
    for step in steps:
        if step.created < moment:
            state = step.to_state
    if state is None and not steps and idea.submitted_at and idea.submitted_at < moment:
        state = idea.state
    return state


@dataclass
class MonitoringReport:
    municipality: Any
    period: Period
    generated: dt.datetime
    tables: list[Table]
    summary: dict[str, Any]


def monitoring_report(municipality: Any, period: Period) -> MonitoringReport:
    """Figures of one half-year: activity in it, and the state of the projects at its end."""
    start, before = period.start_at(), period.end_before()
    promise = dt.timedelta(days=municipality.answer_days)
    # Plain rows, not model objects: the report reads every idea and step of the municipality.
    public = Idea.objects.filter(municipality=municipality, is_hidden=False).exclude(
        state__in=[State.DRAFT, State.WITHDRAWN]
    )
    ideas = [
        _IdeaRow(*row)
        for row in public.order_by("id").values_list(
            "pk", "title", "state", "cluster__name", "submitted_at", "first_answer_at"
        )
    ]
    by_idea: dict[int, list[_StepRow]] = {i.pk: [] for i in ideas}
    steps_qs = Transition.objects.filter(idea__in=public).order_by("created", "id")
    for row in steps_qs.values_list(
        "pk", "idea_id", "name", "to_state", "created", "meeting_date", "document_reference"
    ):
        by_idea[row[1]].append(_StepRow(*row))

    # 1. Stages at the end of the period.
    at_end = {i.pk: _state_as_of(i, by_idea[i.pk], before) for i in ideas}
    state_rows = []
    for state in State.values:
        if state not in PUBLIC_STATES:
            continue
        count = sum(1 for s in at_end.values() if s == state)
        state_rows.append([str(State(state).label), count])

    # 2. Activity in the period.
    submitted = [i for i in ideas if i.submitted_at and start <= i.submitted_at < before]
    answered = [i for i in ideas if i.first_answer_at and start <= i.first_answer_at < before]
    answer_days = [
        (i.first_answer_at - i.submitted_at).total_seconds() / 86400
        for i in answered
        if i.submitted_at and i.first_answer_at
    ]
    due_in_period = [
        i for i in ideas if i.submitted_at and start <= i.submitted_at + promise < before
    ]
    in_time = [
        i
        for i in due_in_period
        if i.first_answer_at is not None
        and i.submitted_at is not None
        and i.first_answer_at - i.submitted_at <= promise
    ]
    steps: dict[str, int] = {}
    decisions: list[_StepRow] = []
    for records in by_idea.values():
        for record in records:
            if start <= record.created < before:
                steps[record.name] = steps.get(record.name, 0) + 1
                if record.name.startswith("committee_") or record.name == "funding_approved":
                    decisions.append(record)
    decisions.sort(key=lambda r: (r.meeting_date or r.created.date(), r.pk))
    median = round(statistics.median(answer_days), 1) if answer_days else None
    share = len(in_time) / len(due_in_period) if due_in_period else None
    share_text = f"{format_number(Decimal(str(share)) * 100, 0)} %" if share is not None else "–"
    activity: list[tuple[str, Any, Any]] = [
        (_("Ideas submitted"), len(submitted), len(submitted)),
        (_("Official first answers given"), len(answered), len(answered)),
        (
            _("Median days to the first answer"),
            median,
            format_number(median) if median is not None else "–",
        ),
        (_("Ideas whose answer was due in the period"), len(due_in_period), len(due_in_period)),
        (_("… of them answered within the promised days"), len(in_time), len(in_time)),
        (_("Share answered in time"), round(share, 4) if share is not None else None, share_text),
    ]
    activity += [
        (str(rule.label), steps[name], steps[name])
        for name, rule in workflow.TRANSITIONS.items()
        if steps.get(name) and name != "submit"
    ]

    # 3. Projects at the end of the period.
    titles = {i.pk: i for i in ideas}
    project_ids = [pk for pk, state in at_end.items() if state in PROJECT_STATES]
    projects = {
        p.idea_id: p
        for p in Project.objects.filter(municipality=municipality, idea_id__in=project_ids)
    }
    spent_in = spent_between(municipality, period.start, period.end)
    spent_until = spent_between(municipality, dt.date(1900, 1, 1), period.end)
    milestones = list(
        Milestone.objects.filter(project__idea_id__in=project_ids)
        .select_related("project")
        .order_by("due", "id")
    )
    project_rows_raw: list[list[Any]] = []
    for pk in sorted(project_ids, key=lambda k: titles[k].title.lower()):
        idea, project, end_state = titles[pk], projects.get(pk), at_end[pk]
        mine = [m for m in milestones if m.project.idea_id == pk]
        planned = project.cost_planned if project else Decimal(0)
        project_rows_raw.append(
            [
                idea.title,
                str(State(end_state).label) if end_state else "",
                idea.cluster_name or "",
                planned,
                spent_until.get(pk, Decimal(0)),
                spent_in.get(pk, Decimal(0)),
                sum(1 for m in mine if period.start <= m.due <= period.end),
                sum(1 for m in mine if m.done_on and period.start <= m.done_on <= period.end),
                sum(
                    1
                    for m in mine
                    if m.due <= period.end and not (m.done_on and m.done_on <= period.end)
                ),
            ]
        )

    milestone_rows_raw: list[list[Any]] = []
    for m in milestones:
        due_in = period.start <= m.due <= period.end
        done_in = m.done_on is not None and period.start <= m.done_on <= period.end
        if not (due_in or done_in):
            continue
        if m.done_on and m.done_on <= period.end:
            status = _("done on %(date)s") % {"date": m.done_on.isoformat()}
        else:
            status = _("open")
        milestone_rows_raw.append(
            [titles[m.project.idea_id].title, m.title, m.due, m.done_on, status]
        )

    indicator_rows_raw: list[list[Any]] = []
    indicators = list(
        Indicator.objects.filter(project__idea_id__in=project_ids)
        .select_related("project")
        .order_by("project__idea_id", "position", "id")
    )
    latest: dict[int, Measurement] = {}
    for measurement in Measurement.objects.filter(
        indicator__in=indicators, measured_on__lte=period.end
    ).order_by("measured_on", "id"):
        latest[measurement.indicator_id] = measurement
    for indicator in indicators:
        value = latest.get(indicator.pk)
        indicator_rows_raw.append(
            [
                titles[indicator.project.idea_id].title,
                indicator.name,
                indicator.unit,
                indicator.baseline,
                indicator.target,
                value.value if value else None,
                value.measured_on if value else None,
            ]
        )

    decision_rows_raw = [
        [
            record.meeting_date or timezone.localdate(record.created),
            titles[record.idea_id].title,
            str(workflow.TRANSITIONS[record.name].label),
            record.document_reference,
        ]
        for record in decisions
    ]

    def show(value: Any, money: bool = False) -> Any:
        if value is None:
            return "–"
        if isinstance(value, dt.date):
            return value.strftime("%d.%m.%Y")
        if money:
            return format_euro(value)
        if isinstance(value, Decimal | float) and not isinstance(value, bool):
            return format_number(value)
        return value

    tables = [
        Table(
            "activity",
            _("Activity in the period"),
            [_("Figure"), _("Value")],
            [[label, text] for label, _raw, text in activity],
            raw=[[label, raw] for label, raw, _text in activity],
            note=_(
                "Answer times count days from submission to the first official answer; "
                "the promise is %(days)d days."
            )
            % {"days": municipality.answer_days},
        ),
        Table(
            "stages",
            _("Ideas by state at the end of the period"),
            [_("State"), _("Ideas")],
            [list(r) for r in state_rows],
            raw=state_rows,
        ),
        Table(
            "projects",
            _("Projects at the end of the period"),
            [
                _("Project"),
                _("State"),
                _("Cluster"),
                _("Planned (EUR)"),
                _("Spent until the end of the period (EUR)"),
                _("Spent in the period (EUR)"),
                _("Milestones due in the period"),
                _("Milestones done in the period"),
                _("Milestones open and due by the end"),
            ],
            [
                [r[0], r[1], r[2], show(r[3], True), show(r[4], True), show(r[5], True), *r[6:]]
                for r in project_rows_raw
            ],
            raw=project_rows_raw,
        ),
        Table(
            "milestones",
            _("Milestones due or done in the period"),
            [_("Project"), _("Milestone"), _("Due"), _("Done on"), _("Status")],
            [[r[0], r[1], show(r[2]), show(r[3]), r[4]] for r in milestone_rows_raw],
            raw=milestone_rows_raw,
        ),
        Table(
            "kpis",
            _("Key performance indicators (latest value by the end of the period)"),
            [
                _("Project"),
                _("Indicator"),
                _("Unit"),
                _("Baseline"),
                _("Target"),
                _("Latest value"),
                _("Measured on"),
            ],
            [
                [r[0], r[1], r[2], show(r[3]), show(r[4]), show(r[5]), show(r[6])]
                for r in indicator_rows_raw
            ],
            raw=indicator_rows_raw,
        ),
        Table(
            "decisions",
            _("Committee decisions in the period"),
            [_("Meeting"), _("Idea"), _("Decision"), _("Committee document")],
            [[show(r[0]), r[1], r[2], r[3] or "–"] for r in decision_rows_raw],
            raw=decision_rows_raw,
        ),
    ]
    summary = {
        "submitted": len(submitted),
        "answered": len(answered),
        "median_days": median,
        "share_in_time": share,
        "projects": len(project_ids),
        "planned": sum((r[3] for r in project_rows_raw), Decimal(0)),
        "spent_until": sum((r[4] for r in project_rows_raw), Decimal(0)),
        "spent_in": sum((r[5] for r in project_rows_raw), Decimal(0)),
        "decisions": len(decisions),
    }
    return MonitoringReport(municipality, period, timezone.now(), tables, summary)


def dashboard_tables(fig: Figures) -> list[Table]:
    """The dashboard's figures as tables (for its CSV and XLSX downloads)."""
    answers = fig.answers
    share = answers.within_share

    def counts(key: str, title: str, rows: list[Any], label: str) -> Table:
        raw = [[r.label, r.value] for r in rows]
        return Table(key, title, [label, _("Ideas")], [list(r) for r in raw], raw=raw)

    budget_raw = [
        [
            b.title,
            b.cluster,
            str(State(b.state).label),
            b.concept,
            b.investment,
            b.operation,
            b.planned,
            b.spent,
        ]
        for b in fig.budget
    ]
    milestone_raw: list[list[Any]] = [
        [m.project_title, m.title, m.due, _("overdue") if m.due < fig.today else _("due")]
        for m in [*fig.milestones_overdue, *fig.milestones_due]
    ]
    answer_raw: list[list[Any]] = [
        [_("Promised days for a first answer"), answers.promise_days],
        [_("Ideas submitted"), answers.submitted],
        [_("Ideas answered"), answers.answered],
        [_("Median days to the first answer"), answers.median_days],
        [_("Ideas due for an answer"), answers.due],
        [_("… answered within the promised days"), answers.within],
        [_("Share answered in time"), round(share, 4) if share is not None else None],
        [_("Still waiting although overdue"), answers.open_overdue],
    ]
    return [
        counts("states", _("Ideas by state"), fig.by_state, _("State")),
        counts("funnel", _("From idea to project"), fig.funnel, _("Step")),
        Table(
            "clusters",
            _("Ideas and projects by cluster"),
            [_("Cluster"), _("Ideas"), _("Projects")],
            [[r.label, r.value, r.extra["projects"]] for r in fig.by_cluster],
            raw=[[r.label, r.value, r.extra["projects"]] for r in fig.by_cluster],
        ),
        counts("fields", _("Ideas by field of action"), fig.by_field, _("Field of action")),
        counts("districts", _("Ideas by district"), fig.by_district, _("District")),
        Table(
            "budget",
            _("Budget planned and spent per project"),
            [
                _("Project"),
                _("Cluster"),
                _("State"),
                _("Concept (EUR)"),
                _("Investment (EUR)"),
                _("Operation (EUR)"),
                _("Planned (EUR)"),
                _("Spent (EUR)"),
            ],
            [[r[0], r[1], r[2], *(format_euro(v) for v in r[3:])] for r in budget_raw],
            raw=budget_raw,
        ),
        Table(
            "milestones",
            _("Milestones overdue and due in the next 90 days"),
            [_("Project"), _("Milestone"), _("Due"), _("Status")],
            [[r[0], r[1], r[2].strftime("%d.%m.%Y"), r[3]] for r in milestone_raw],
            raw=milestone_raw,
        ),
        Table(
            "answers",
            _("Answer times"),
            [_("Figure"), _("Value")],
            [[r[0], "–" if r[1] is None else r[1]] for r in answer_raw],
            raw=answer_raw,
        ),
    ]
