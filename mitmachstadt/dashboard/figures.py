"""The controlling figures ("Controlling Projektstatus für Politik"), computed from the records.

One function, `compute`, reads the municipality's public ideas with their transitions, answers
and project data once, and derives every figure the dashboard, the CSV/XLSX files and the
monitoring report show, so that they always agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from mitmachstadt.core import pagecache
from mitmachstadt.geo.models import District
from mitmachstadt.ideas import selectors as idea_selectors
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
# The dashboard names the longest-waiting ideas to staff; the full list is a staff page.
OVERDUE_LIST_LIMIT = 50


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
        # Only the join on fields of action can repeat an idea.
        return qs.distinct() if self.field else qs


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
    overdue_ideas: list[Idea]  # the longest-waiting ones, at most OVERDUE_LIST_LIMIT

    @property
    def projects(self) -> int:
        return sum(r.value for r in self.by_state if r.key in PROJECT_STATES)

    @property
    def budget_with_figures(self) -> list[BudgetRow]:
        """Projects with a cost estimate or bookings (the others have nothing to compare)."""
        return [b for b in self.budget if b.planned or b.spent]

    @property
    def projects_without_figures(self) -> int:
        return self.projects - len(self.budget_with_figures)


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


def _answer_counts(municipality: Any, now: dt.datetime) -> dict[str, Count]:
    """The aggregates of answer_stats, to be summed over groups of ideas."""
    promise = dt.timedelta(days=municipality.answer_days)
    submitted = Q(submitted_at__isnull=False)
    answered_in = submitted & Q(first_answer_at__isnull=False)
    waited_at_most = {
        # Waiting times are whole-second durations; "low < days <= high" as in ANSWER_BUCKETS,
        # a first bucket from 0 taking the (clock-skewed) negative ones too.
        high: Q(first_answer_at__lte=F("submitted_at") + dt.timedelta(days=high))
        for _key, _label, _low, high in ANSWER_BUCKETS
        if high != float("inf")
    }
    buckets: dict[str, Count] = {}
    for key, _label, low, high in ANSWER_BUCKETS:
        condition = answered_in
        if low:
            condition &= ~waited_at_most[low]
        if high != float("inf"):
            condition &= waited_at_most[high]
        buckets[f"bucket_{key}"] = Count("pk", filter=condition)
    return {
        "submitted": Count("pk", filter=submitted),
        "answered": Count("pk", filter=answered_in),
        "due": Count(
            "pk",
            filter=submitted
            & (Q(first_answer_at__isnull=False) | Q(submitted_at__lte=now - promise)),
        ),
        "within": Count(
            "pk", filter=submitted & Q(first_answer_at__lte=F("submitted_at") + promise)
        ),
        "open_overdue": Count(
            "pk",
            filter=Q(
                state__in=OPEN_STATES,
                first_answer_at__isnull=True,
                submitted_at__lte=now - promise,
            ),
        ),
        **buckets,
    }


def answer_stats(
    municipality: Any,
    ideas: QuerySet[Idea],
    *,
    now: dt.datetime | None = None,
    counts: dict[str, int] | None = None,
) -> AnswerStats:
    """Answer times against the promise: median days and the share answered in time.

    An idea counts as "due" once it is answered or its promised days have passed; the share is
    answered-in-time over due, so that fresh ideas do not flatter or spoil the figure.
    `counts` are the aggregates of _answer_counts if the caller has them already.
    """
    now = now or timezone.now()
    if counts is None:
        counts = ideas.aggregate(**_answer_counts(municipality, now))
    submitted = ideas.filter(submitted_at__isnull=False)
    answered_in = Q(first_answer_at__isnull=False)
    # The median from the one or two middle waiting times, sorted in the database: reading all
    # of them (60,000 at city scale) into Python cost more than every other figure together.
    answered = counts["answered"]
    median_days = None
    if answered:
        waited = ExpressionWrapper(F("first_answer_at") - F("submitted_at"), DurationField())
        middle = (answered - 1) // 2
        values = list(
            submitted.filter(answered_in)
            .annotate(waited=waited)
            .order_by("waited")
            .values_list("waited", flat=True)[middle : middle + 2 - answered % 2]
        )
        median_days = round(statistics.mean(max(0.0, _days(v)) for v in values), 1)
    buckets = [
        Row(key, str(label), counts[f"bucket_{key}"]) for key, label, _low, _high in ANSWER_BUCKETS
    ]
    buckets.append(Row("open", _("not answered yet"), counts["submitted"] - answered))
    return AnswerStats(
        promise_days=municipality.answer_days,
        submitted=counts["submitted"],
        answered=answered,
        due=counts["due"],
        within=counts["within"],
        open_overdue=counts["open_overdue"],
        median_days=median_days,
        buckets=buckets,
    )


def compute(
    municipality: Any, flt: DashboardFilter | None = None, *, now: dt.datetime | None = None
) -> Figures:
    """Every figure of the dashboard for `municipality`, narrowed by `flt`.

    Counts are aggregated in the database (a constant number of queries, whatever the number
    of ideas); only the answer times are read row by row, for their median.
    """
    flt = flt or DashboardFilter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    ideas = public_ideas(municipality, flt)
    if flt.field:
        # The join on fields of action repeats ideas; selecting by primary key counts each once.
        ideas = Idea.objects.filter(pk__in=ideas.values("pk"))

    # One grouped scan gives the counts by state, cluster and place.
    state_counts = {s: 0 for s in State.values if s in PUBLIC_STATES}
    per_cluster: dict[Any, list[int]] = {}
    per_district: dict[Any, int] = {}
    citywide = unplaced = 0
    # The answer figures come from the same scan (summed over the groups), not a second one.
    answer_aggregates = _answer_counts(municipality, now)
    answer_counts = dict.fromkeys(answer_aggregates, 0)
    grouped = (
        ideas.values("state", "cluster_id", "district_id", "citywide")
        .annotate(n=Count("pk"), **answer_aggregates)
        .order_by()
    )
    for typed in grouped:
        group: dict[str, Any] = dict(typed)  # with the answer counts the plugin does not know
        state, cluster_id, district_id = group["state"], group["cluster_id"], group["district_id"]
        is_citywide, n = group["citywide"], group["n"]
        for name in answer_counts:
            answer_counts[name] += group[name]
        state_counts[state] += n
        counts = per_cluster.setdefault(cluster_id, [0, 0])
        counts[0] += n
        if state in PROJECT_STATES:
            counts[1] += n
        if district_id is not None:
            per_district[district_id] = per_district.get(district_id, 0) + n
        if is_citywide:
            citywide += n
        elif district_id is None:
            unplaced += n
    total = sum(state_counts.values())
    by_state = [Row(s, str(State(s).label), n) for s, n in state_counts.items()]
    by_stage = [
        Row(key, str(label), sum(state_counts.get(s, 0) for s in states))
        for key, label, states in STAGE_GROUPS
    ]
    reached = ideas.aggregate(
        **{
            key: Count(
                "pk",
                filter=Q(state__in=states)
                | Q(pk__in=Transition.objects.filter(to_state__in=states).values("idea_id")),
            )
            for key, _label, states in FUNNEL
        }
    )
    funnel = [Row(key, str(label), reached[key]) for key, label, _states in FUNNEL]

    by_cluster = [
        Row(
            c.slug,
            c.name,
            per_cluster.get(c.pk, [0, 0])[0],
            {"projects": per_cluster.get(c.pk, [0, 0])[1]},
        )
        for c in Cluster.objects.filter(municipality=municipality)
    ]
    none = per_cluster.get(None, [0, 0])
    by_cluster.append(Row("", _("without cluster"), none[0], {"projects": none[1]}))

    # An idea is linked to a field at most once (the link table is unique on the pair), so a
    # plain count per field; DISTINCT sorted all links (~120,000 at city scale) first.
    if flt.active:
        # An idea is linked to a field at most once (the link table is unique on the pair), so
        # a plain count per field; DISTINCT sorted every link (~120,000 at city scale) first.
        per_field = dict(
            Idea.fields.through.objects.filter(idea_id__in=ideas.values("pk"))
            .values_list("fieldofaction_id")
            .annotate(n=Count("idea_id"))
            .order_by()
        )
    else:
        # Unfiltered, the same counts as the home page's, shared per generation.
        per_field = idea_selectors.public_counts_by_field(municipality)
    by_field = [
        Row(f.slug, f.name, per_field.get(f.pk, 0))
        for f in FieldOfAction.objects.filter(municipality=municipality)
    ]

    by_district = [
        Row(d.slug, d.name, per_district.get(d.pk, 0))
        for d in District.objects.filter(municipality=municipality).order_by("name")
    ]
    by_district.append(Row("citywide", _("citywide"), citywide))
    by_district.append(Row("", _("no place given"), unplaced))

    projects = list(
        Project.objects.filter(
            municipality=municipality, idea__in=ideas.filter(state__in=PROJECT_STATES)
        ).select_related("idea__cluster")
    )
    budget = [
        BudgetRow(
            idea_id=p.idea_id,
            title=p.idea.title,
            state=p.idea.state,
            cluster=p.idea.cluster.name if p.idea.cluster else "",
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

    milestones = Milestone.objects.filter(project__in=projects)
    milestone_counts = milestones.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(done_on__isnull=False))
    )
    horizon = today + dt.timedelta(days=DUE_HORIZON_DAYS)

    def milestone_rows(qs: QuerySet[Milestone]) -> list[MilestoneRow]:
        return [
            MilestoneRow(m.project.idea_id, m.project.idea.title, m.title, m.due, m.done_on)
            for m in qs.select_related("project__idea").order_by("due", "id")
        ]

    overdue_answers = list(
        ideas.filter(
            state__in=OPEN_STATES,
            first_answer_at__isnull=True,
            submitted_at__lte=now - dt.timedelta(days=municipality.answer_days),
        )
        .only("pk", "title", "state", "submitted_at")
        .order_by("submitted_at", "id")[:OVERDUE_LIST_LIMIT]
    )
    return Figures(
        municipality=municipality,
        flt=flt,
        today=today,
        total=total,
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
        milestones_total=milestone_counts["total"],
        milestones_done=milestone_counts["done"],
        milestones_overdue=milestone_rows(milestones.filter(done_on__isnull=True, due__lt=today)),
        milestones_due=milestone_rows(
            milestones.filter(done_on__isnull=True, due__gte=today, due__lte=horizon)
        ),
        answers=answer_stats(municipality, ideas, now=now, counts=answer_counts),
        overdue_ideas=overdue_answers,
    )


def cached(municipality: Any, flt: DashboardFilter | None = None) -> Figures:
    """`compute` once per municipality generation, filter and language (labels are translated).

    Every write bumps the generation (core.pagecache), so the next request after a write
    recomputes; what changes with time alone (answers falling due, milestones becoming overdue)
    is at most PAGECACHE_SECONDS old, as on a page the page cache serves.
    """
    flt = flt or DashboardFilter()
    token = pagecache.generation(municipality.pk)
    digest = hashlib.sha256(flt.query_string().encode()).hexdigest()[:32]
    key = f"dashboard-figures:{municipality.pk}:{token}:{get_language()}:{digest}"
    fig: Figures | None = cache.get(key)
    if fig is None:
        fig = compute(municipality, flt)
        if pagecache.may_store(token):
            cache.set(key, fig, int(getattr(settings, "PAGECACHE_SECONDS", 60)))
    return fig


def spent_between(municipality: Any, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """Money booked per project (by idea id) between two days, both included."""
    totals: dict[int, Decimal] = {}
    rows = Expenditure.objects.filter(
        project__municipality=municipality, spent_on__gte=start, spent_on__lte=end
    ).values_list("project__idea_id", "amount")
    for idea_id, amount in rows:
        totals[idea_id] = totals.get(idea_id, Decimal(0)) + amount
    return totals
