"""The controlling figures ("Controlling Projektstatus für Politik"), computed from the records.

One function, `compute`, reads the municipality's public ideas with their transitions, answers
and project data once, and derives every figure the dashboard, the CSV/XLSX files and the
monitoring report show, so that they always agree.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mitmachstadt.geo.models import District
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.ideas.states import OPEN_STATES, PROJECT_STATES, PUBLIC_STATES, State
from mitmachstadt.projects.models import Expenditure, Milestone, Project
from mitmachstadt.tenants.models import Cluster, FieldOfAction

S = State
# The funnel from ideas to projects: a step is reached when the idea has ever been in one of
# its states (from its transitions) or is in one now.
FUNNEL: list[tuple[str, Any, frozenset[str]]] = [
    ("submitted", gettext_lazy("Ideas submitted"), frozenset(PUBLIC_STATES)),
    (
        "reviewed",
        gettext_lazy("Reviewed"),
        frozenset(
            {
                S.IN_REVIEW,
                S.CANDIDATE,
                S.REVISION_REQUESTED,
                *PROJECT_STATES,
            }
        ),
    ),
    (
        "candidate",
        gettext_lazy("Project candidates"),
        frozenset({S.CANDIDATE, S.REVISION_REQUESTED, *PROJECT_STATES}),
    ),
    ("project", gettext_lazy("Projects (committee approved)"), frozenset(PROJECT_STATES)),
    (
        "implementation",
        gettext_lazy("In implementation or beyond"),
        frozenset({S.IN_IMPLEMENTATION, S.COMPLETED, S.SCALED_CITYWIDE, S.DISCONTINUED}),
    ),
    ("completed", gettext_lazy("Completed or scaled"), frozenset({S.COMPLETED, S.SCALED_CITYWIDE})),
]
# Milestones due within this many days count as "due soon".
DUE_HORIZON_DAYS = 90


@dataclass
class DashboardFilter:
    """What the dashboard is narrowed to; every value travels in the URL (shareable)."""

    cluster: str = ""
    field: str = ""
    district: str = ""  # a district's slug, or "citywide"
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_params(cls, municipality: Any, params: Any) -> DashboardFilter:
        """Read the filter from query parameters; unknown values are ignored, not errors."""

        def slug(name: str, model: Any) -> str:
            value = str(params.get(name, "") or "")[:80]
            if value and model.objects.filter(municipality=municipality, slug=value).exists():
                return value
            return ""

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(str(params.get(name, "") or ""))
            except ValueError:
                return None

        district = str(params.get("district", "") or "")
        return cls(
            cluster=slug("cluster", Cluster),
            field=slug("field", FieldOfAction),
            district="citywide" if district == "citywide" else slug("district", District),
            since=day("since"),
            until=day("until"),
        )

    def params(self) -> dict[str, str]:
        values = {
            "cluster": self.cluster,
            "field": self.field,
            "district": self.district,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}

    def query_string(self) -> str:
        return urlencode(self.params())

    @property
    def active(self) -> bool:
        return bool(self.params())

    def apply(self, qs: QuerySet[Idea]) -> QuerySet[Idea]:
        if self.cluster:
            qs = qs.filter(cluster__slug=self.cluster)
        if self.field:
            qs = qs.filter(fields__slug=self.field)
        if self.district == "citywide":
            qs = qs.filter(citywide=True)
        elif self.district:
            qs = qs.filter(district__slug=self.district)
        if self.since:
            qs = qs.filter(submitted_at__date__gte=self.since)
        if self.until:
            qs = qs.filter(submitted_at__date__lte=self.until)
        return qs.distinct()


@dataclass
class Row:
    key: str
    label: str
    value: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class BudgetRow:
    idea_id: int
    title: str
    state: str
    cluster: str
    concept: Decimal | None
    investment: Decimal | None
    operation: Decimal | None
    spent: Decimal

    @property
    def planned(self) -> Decimal:
        return sum((c for c in (self.concept, self.investment, self.operation) if c), Decimal(0))

    @property
    def spent_share(self) -> float | None:
        return float(self.spent / self.planned) if self.planned else None


@dataclass
class MilestoneRow:
    idea_id: int
    project_title: str
    title: str
    due: dt.date
    done_on: dt.date | None

    @property
    def days(self) -> int:
        return (self.due - timezone.localdate()).days


@dataclass
class AnswerStats:
    promise_days: int
    submitted: int
    answered: int
    due: int
    within: int
    open_overdue: int
    median_days: float | None
    buckets: list[Row]

    @property
    def within_share(self) -> float | None:
        return self.within / self.due if self.due else None


@dataclass
class Figures:
    municipality: Any
    flt: DashboardFilter
    today: dt.date
    total: int
    by_state: list[Row]
    by_stage: list[Row]
    by_cluster: list[Row]
    by_field: list[Row]
    by_district: list[Row]
    funnel: list[Row]
    budget: list[BudgetRow]
    budget_by_cluster: list[Row]
    planned_total: Decimal
    spent_total: Decimal
    milestones_total: int
    milestones_done: int
    milestones_overdue: list[MilestoneRow]
    milestones_due: list[MilestoneRow]
    answers: AnswerStats
    overdue_ideas: list[Idea]

    @property
    def projects(self) -> int:
        return sum(r.value for r in self.by_state if r.key in PROJECT_STATES)


STAGE_GROUPS: list[tuple[str, Any, frozenset[str]]] = [
    ("proposal", gettext_lazy("Project proposals"), frozenset({S.SUBMITTED, S.IN_REVIEW})),
    (
        "candidate",
        gettext_lazy("Project candidates"),
        frozenset({S.CANDIDATE, S.REVISION_REQUESTED}),
    ),
    ("development", gettext_lazy("Projects in development"), frozenset({S.IN_DEVELOPMENT})),
    (
        "implementation",
        gettext_lazy("Projects in implementation"),
        frozenset({S.IN_IMPLEMENTATION}),
    ),
    (
        "done",
        gettext_lazy("Completed or scaled citywide"),
        frozenset({S.COMPLETED, S.SCALED_CITYWIDE}),
    ),
    (
        "closed",
        gettext_lazy("Returned, discontinued or merged"),
        frozenset({S.RETURNED, S.DISCONTINUED, S.MERGED}),
    ),
]

ANSWER_BUCKETS: list[tuple[str, Any, float, float]] = [
    ("0-7", gettext_lazy("within 7 days"), 0, 7),
    ("8-14", gettext_lazy("8 to 14 days"), 7, 14),
    ("15-30", gettext_lazy("15 to 30 days"), 14, 30),
    ("31-90", gettext_lazy("31 to 90 days"), 30, 90),
    ("91+", gettext_lazy("more than 90 days"), 90, float("inf")),
]


def public_ideas(municipality: Any, flt: DashboardFilter) -> QuerySet[Idea]:
    """The ideas the figures count: public (submitted, not hidden), narrowed by the filter."""
    qs = Idea.objects.filter(municipality=municipality, state__in=PUBLIC_STATES, is_hidden=False)
    return flt.apply(qs)


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 86400


def answer_stats(
    municipality: Any, ideas: list[Idea], *, now: dt.datetime | None = None
) -> AnswerStats:
    """Answer times against the promise: median days and the share answered in time.

    An idea counts as "due" once it is answered or its promised days have passed; the share is
    answered-in-time over due, so that fresh ideas do not flatter or spoil the figure.
    """
    now = now or timezone.now()
    promise = municipality.answer_days
    answered_days: list[float] = []
    due = within = open_overdue = submitted = 0
    for idea in ideas:
        if idea.submitted_at is None:
            continue
        submitted += 1
        deadline = idea.submitted_at + dt.timedelta(days=promise)
        if idea.first_answer_at is not None:
            days = max(0.0, _days(idea.first_answer_at - idea.submitted_at))
            answered_days.append(days)
            due += 1
            if days <= promise:
                within += 1
        elif now >= deadline:
            due += 1
            if idea.state in OPEN_STATES:
                open_overdue += 1
    buckets = [
        Row(
            key,
            str(label),
            sum(1 for d in answered_days if low < d <= high or (low == 0 and d == 0)),
        )
        for key, label, low, high in ANSWER_BUCKETS
    ]
    buckets.append(Row("open", _("not answered yet"), submitted - len(answered_days)))
    return AnswerStats(
        promise_days=promise,
        submitted=submitted,
        answered=len(answered_days),
        due=due,
        within=within,
        open_overdue=open_overdue,
        median_days=round(statistics.median(answered_days), 1) if answered_days else None,
        buckets=buckets,
    )


def compute(
    municipality: Any, flt: DashboardFilter | None = None, *, now: dt.datetime | None = None
) -> Figures:
    """Every figure of the dashboard for `municipality`, narrowed by `flt`."""
    flt = flt or DashboardFilter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    ideas = list(
        public_ideas(municipality, flt)
        .select_related("cluster", "district")
        .prefetch_related("fields")
        .order_by("id")
    )
    ids = [i.pk for i in ideas]
    ever: dict[int, set[str]] = {pk: set() for pk in ids}
    for idea_id, to_state in Transition.objects.filter(idea_id__in=ids).values_list(
        "idea_id", "to_state"
    ):
        ever[idea_id].add(to_state)

    state_counts = {s: 0 for s in State.values if s in PUBLIC_STATES}
    for idea in ideas:
        state_counts[idea.state] += 1
    by_state = [Row(s, str(State(s).label), n) for s, n in state_counts.items()]
    by_stage = [
        Row(key, str(label), sum(state_counts.get(s, 0) for s in states))
        for key, label, states in STAGE_GROUPS
    ]
    funnel = [
        Row(
            key,
            str(label),
            sum(1 for i in ideas if i.state in states or ever[i.pk] & states),
        )
        for key, label, states in FUNNEL
    ]

    clusters = list(Cluster.objects.filter(municipality=municipality))
    by_cluster = []
    for cluster in clusters:
        mine = [i for i in ideas if i.cluster_id == cluster.pk]
        by_cluster.append(
            Row(
                cluster.slug,
                cluster.name,
                len(mine),
                {"projects": sum(1 for i in mine if i.state in PROJECT_STATES)},
            )
        )
    no_cluster = [i for i in ideas if i.cluster_id is None]
    by_cluster.append(
        Row(
            "",
            _("without cluster"),
            len(no_cluster),
            {"projects": sum(1 for i in no_cluster if i.state in PROJECT_STATES)},
        )
    )

    by_field = []
    for fld in FieldOfAction.objects.filter(municipality=municipality):
        count = sum(1 for i in ideas if any(f.pk == fld.pk for f in i.fields.all()))
        by_field.append(Row(fld.slug, fld.name, count))

    by_district = []
    for district in District.objects.filter(municipality=municipality).order_by("name"):
        by_district.append(
            Row(district.slug, district.name, sum(1 for i in ideas if i.district_id == district.pk))
        )
    by_district.append(Row("citywide", _("citywide"), sum(1 for i in ideas if i.citywide)))
    by_district.append(
        Row(
            "",
            _("no place given"),
            sum(1 for i in ideas if not i.citywide and i.district_id is None),
        )
    )

    project_ideas = {i.pk: i for i in ideas if i.state in PROJECT_STATES}
    projects = list(
        Project.objects.filter(municipality=municipality, idea_id__in=list(project_ideas))
    )

    def cluster_name(idea: Idea) -> str:
        return idea.cluster.name if idea.cluster else ""

    budget = [
        BudgetRow(
            idea_id=p.idea_id,
            title=project_ideas[p.idea_id].title,
            state=project_ideas[p.idea_id].state,
            cluster=cluster_name(project_ideas[p.idea_id]),
            concept=p.cost_concept,
            investment=p.cost_investment,
            operation=p.cost_operation,
            spent=p.spent,
        )
        for p in projects
    ]
    budget.sort(key=lambda b: (-b.planned, b.title))
    budget_by_cluster: list[Row] = []
    for name in sorted({b.cluster for b in budget}, key=lambda n: (n == "", n)):
        rows = [b for b in budget if b.cluster == name]
        budget_by_cluster.append(
            Row(
                name,
                name or _("without cluster"),
                len(rows),
                {
                    "planned": sum((b.planned for b in rows), Decimal(0)),
                    "spent": sum((b.spent for b in rows), Decimal(0)),
                },
            )
        )

    milestones = list(
        Milestone.objects.filter(project__in=projects)
        .select_related("project")
        .order_by("due", "id")
    )
    horizon = today + dt.timedelta(days=DUE_HORIZON_DAYS)

    def milestone_row(m: Milestone) -> MilestoneRow:
        return MilestoneRow(
            m.project.idea_id, project_ideas[m.project.idea_id].title, m.title, m.due, m.done_on
        )

    overdue_answers = [
        i
        for i in ideas
        if i.state in OPEN_STATES
        and i.first_answer_at is None
        and i.submitted_at is not None
        and now >= i.submitted_at + dt.timedelta(days=municipality.answer_days)
    ]
    overdue_answers.sort(key=lambda i: (i.submitted_at, i.pk))
    return Figures(
        municipality=municipality,
        flt=flt,
        today=today,
        total=len(ideas),
        by_state=by_state,
        by_stage=by_stage,
        by_cluster=by_cluster,
        by_field=by_field,
        by_district=by_district,
        funnel=funnel,
        budget=budget,
        budget_by_cluster=budget_by_cluster,
        planned_total=sum((b.planned for b in budget), Decimal(0)),
        spent_total=sum((b.spent for b in budget), Decimal(0)),
        milestones_total=len(milestones),
        milestones_done=sum(1 for m in milestones if m.done_on is not None),
        milestones_overdue=[
            milestone_row(m) for m in milestones if m.done_on is None and m.due < today
        ],
        milestones_due=[
            milestone_row(m) for m in milestones if m.done_on is None and today <= m.due <= horizon
        ],
        answers=answer_stats(municipality, ideas, now=now),
        overdue_ideas=overdue_answers,
    )


def spent_between(municipality: Any, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """Money booked per project (by idea id) between two days, both included."""
    totals: dict[int, Decimal] = {}
    rows = Expenditure.objects.filter(
        project__municipality=municipality, spent_on__gte=start, spent_on__lte=end
    ).values_list("project__idea_id", "amount")
    for idea_id, amount in rows:
        totals[idea_id] = totals.get(idea_id, Decimal(0)) + amount
    return totals
