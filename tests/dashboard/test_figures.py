"""The dashboard's figures equal figures recomputed here, independently, from the raw rows.

The recomputation reads the tables with plain queries (values lists, the many-to-many through
table) and counts in Python; it shares no code with mitmachstadt.dashboard.figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from mitmachstadt.dashboard import figures
from mitmachstadt.geo.models import District
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.projects.models import Expenditure, Milestone, Project
from mitmachstadt.tenants.models import Cluster, FieldOfAction

from .conftest import NOW, Town, build_town

pytestmark = pytest.mark.django_db

HIDDEN_STATES = {"draft", "withdrawn"}
PROJECT = {"in_development", "in_implementation", "completed", "scaled_citywide", "discontinued"}


def _raw(municipality: Any, *, cluster: str = "", field: str = "", district: str = "") -> dict:
    """Everything recomputed from the rows of one municipality."""
    rows = list(
        Idea.objects.filter(municipality=municipality).values(
            "id",
            "state",
            "is_hidden",
            "cluster__slug",
            "district__slug",
            "citywide",
            "submitted_at",
            "first_answer_at",
        )
    )
    through = Idea.fields.through.objects.filter(idea__municipality=municipality)
    field_slugs: dict[int, set[str]] = {}
    for idea_id, slug in through.values_list("idea_id", "fieldofaction__slug"):
        field_slugs.setdefault(idea_id, set()).add(slug)
    public = [r for r in rows if r["state"] not in HIDDEN_STATES and not r["is_hidden"]]
    if cluster:
        public = [r for r in public if r["cluster__slug"] == cluster]
    if field:
        public = [r for r in public if field in field_slugs.get(r["id"], set())]
    if district == "citywide":
        public = [r for r in public if r["citywide"]]
    elif district:
        public = [r for r in public if r["district__slug"] == district]
    ids = {r["id"] for r in public}
    history: dict[int, set[str]] = {}
    for idea_id, to_state in Transition.objects.values_list("idea_id", "to_state"):
        history.setdefault(idea_id, set()).add(to_state)

    def reached(states: set[str]) -> int:
        return sum(
            1 for r in public if r["state"] in states or history.get(r["id"], set()) & states
        )

    promise = dt.timedelta(days=municipality.answer_days)
    answered = sorted(
        (r["first_answer_at"] - r["submitted_at"]).total_seconds() / 86400
        for r in public
        if r["first_answer_at"]
    )
    if answered:
        middle = len(answered) // 2
        median = (
            answered[middle] if len(answered) % 2 else (answered[middle - 1] + answered[middle]) / 2
        )
    else:
        median = None
    due = [r for r in public if r["first_answer_at"] or r["submitted_at"] + promise <= NOW]
    within = [
        r
        for r in due
        if r["first_answer_at"] and r["first_answer_at"] - r["submitted_at"] <= promise
    ]
    open_overdue = [
        r
        for r in public
        if r["state"] in {"submitted", "in_review"}
        and not r["first_answer_at"]
        and r["submitted_at"] + promise <= NOW
    ]
    projects = {
        p["idea_id"]: p
        for p in Project.objects.filter(municipality=municipality, idea_id__in=ids).values(
            "id", "idea_id", "cost_concept", "cost_investment", "cost_operation"
        )
        if next(r for r in public if r["id"] == p["idea_id"])["state"] in PROJECT
    }
    spent: dict[int, Decimal] = {}
    for project_id, amount in Expenditure.objects.values_list("project_id", "amount"):
        spent[project_id] = spent.get(project_id, Decimal(0)) + amount
    planned = {
        idea_id: sum(
            (p[k] or Decimal(0) for k in ("cost_concept", "cost_investment", "cost_operation")),
            Decimal(0),
        )
        for idea_id, p in projects.items()
    }
    milestone_rows = list(
        Milestone.objects.filter(project_id__in=[p["id"] for p in projects.values()]).values(
            "due", "done_on"
        )
    )
    today = NOW.date()
    return {
        "total": len(public),
        "states": Counter(r["state"] for r in public),
        "clusters": Counter(r["cluster__slug"] or "" for r in public),
        "fields": Counter(s for r in public for s in field_slugs.get(r["id"], set())),
        "districts": Counter(
            "citywide" if r["citywide"] else (r["district__slug"] or "") for r in public
        ),
        "funnel": [
            len(public),
            reached({"in_review", "candidate", "revision_requested", *PROJECT}),
            reached({"candidate", "revision_requested", *PROJECT}),
            reached(PROJECT),
            reached({"in_implementation", "completed", "scaled_citywide", "discontinued"}),
            reached({"completed", "scaled_citywide"}),
        ],
        "planned": planned,
        "spent": {idea_id: spent.get(p["id"], Decimal(0)) for idea_id, p in projects.items()},
        "median": round(median, 1) if median is not None else None,
        # Days waited, negative ones (clock skew) as 0, by bucket: up to 7, 14, 30, 90, more.
        "buckets": [
            sum(1 for d in answered if lo < max(d, 0) <= hi or (lo == 0 and d <= 0))
            for lo, hi in ((0, 7), (7, 14), (14, 30), (30, 90), (90, float("inf")))
        ],
        "answered": len(answered),
        "due": len(due),
        "within": len(within),
        "open_overdue": sorted(r["id"] for r in open_overdue),
        "milestones": len(milestone_rows),
        "milestones_done": sum(1 for m in milestone_rows if m["done_on"]),
        "milestones_overdue": sum(
            1 for m in milestone_rows if not m["done_on"] and m["due"] < today
        ),
        "milestones_due": sum(
            1
            for m in milestone_rows
            if not m["done_on"] and today <= m["due"] <= today + dt.timedelta(days=90)
        ),
    }


def _assert_equal(fig: figures.Figures, raw: dict, municipality: Any) -> None:
    assert fig.total == raw["total"]
    assert {r.key: r.value for r in fig.by_state if r.value} == dict(raw["states"])
    assert sum(r.value for r in fig.by_stage) == raw["total"]
    assert {r.key: r.value for r in fig.by_cluster if r.value} == {
        k: v for k, v in raw["clusters"].items() if v
    }
    for row in fig.by_cluster:
        if row.key:
            cluster = Cluster.objects.get(municipality=municipality, slug=row.key)
            assert row.label == cluster.name
    assert {r.key: r.value for r in fig.by_field if r.value} == dict(raw["fields"])
    assert len(fig.by_field) == FieldOfAction.objects.filter(municipality=municipality).count()
    assert {r.key: r.value for r in fig.by_district if r.value} == {
        k: v for k, v in raw["districts"].items() if v
    }
    assert len(fig.by_district) == District.objects.filter(municipality=municipality).count() + 2
    assert [r.value for r in fig.funnel] == raw["funnel"]
    assert {b.idea_id: b.planned for b in fig.budget} == raw["planned"]
    assert {b.idea_id: b.spent for b in fig.budget} == raw["spent"]
    assert fig.planned_total == sum(raw["planned"].values(), Decimal(0))
    assert fig.spent_total == sum(raw["spent"].values(), Decimal(0))
    assert sum(r.extra["planned"] for r in fig.budget_by_cluster) == fig.planned_total
    assert fig.answers.median_days == raw["median"]
    assert fig.answers.answered == raw["answered"]
    assert fig.answers.due == raw["due"]
    assert fig.answers.within == raw["within"]
    assert sorted(i.pk for i in fig.overdue_ideas) == raw["open_overdue"]
    assert fig.answers.open_overdue == len(raw["open_overdue"])
    assert sum(r.value for r in fig.answers.buckets) == raw["total"]
    assert [r.value for r in fig.answers.buckets[:-1]] == raw["buckets"]
    assert fig.milestones_total == raw["milestones"]
    assert fig.milestones_done == raw["milestones_done"]
    assert len(fig.milestones_overdue) == raw["milestones_overdue"]
    assert len(fig.milestones_due) == raw["milestones_due"]


@pytest.mark.parametrize("seed", [5, 23])
def test_figures_equal_the_recomputation(municipality: Any, seed: int) -> None:
    build_town(municipality, seed=seed)
    raw = _raw(municipality)
    assert raw["total"] > 20 and raw["planned"] and raw["answered"] and raw["open_overdue"]
    _assert_equal(figures.compute(municipality, now=NOW), raw, municipality)


def test_filtered_figures_equal_the_recomputation(municipality: Any, town: Town) -> None:
    for params in [
        {"cluster": town.clusters[0].slug},
        {"field": town.fields[1].slug},
        {"district": town.districts[2].slug},
        {"district": "citywide"},
        {"cluster": town.clusters[1].slug, "field": town.fields[0].slug},
    ]:
        flt = figures.DashboardFilter.from_params(municipality, params)
        assert flt.params() == params
        _assert_equal(
            figures.compute(municipality, flt, now=NOW), _raw(municipality, **params), municipality
        )


def test_the_period_filter_counts_ideas_submitted_in_it(municipality: Any, town: Town) -> None:
    since, until = (NOW - dt.timedelta(days=200)).date(), (NOW - dt.timedelta(days=50)).date()
    flt = figures.DashboardFilter.from_params(
        municipality, {"since": since.isoformat(), "until": until.isoformat()}
    )
    fig = figures.compute(municipality, flt, now=NOW)
    expected = (
        Idea.objects.filter(municipality=municipality, is_hidden=False)
        .exclude(state__in=HIDDEN_STATES)
        .filter(submitted_at__date__gte=since, submitted_at__date__lte=until)
        .count()
    )
    assert fig.total == expected > 0


def test_unknown_filter_values_are_ignored(municipality: Any, other_municipality: Any) -> None:
    foreign = Cluster.objects.create(municipality=other_municipality, slug="fremd", name="Fremd")
    flt = figures.DashboardFilter.from_params(
        municipality,
        {"cluster": foreign.slug, "since": "gestern", "district": "<script>", "field": "x" * 500},
    )
    assert flt.params() == {} and not flt.active


def test_figures_never_cross_municipalities(
    municipality: Any, other_municipality: Any, town: Town
) -> None:
    build_town(other_municipality, seed=9, n=15)
    _assert_equal(figures.compute(municipality, now=NOW), _raw(municipality), municipality)
    _assert_equal(
        figures.compute(other_municipality, now=NOW), _raw(other_municipality), other_municipality
    )


def test_figures_take_a_constant_number_of_queries(
    municipality: Any, town: Town, django_assert_max_num_queries: Any
) -> None:
    # Counts are aggregated in the database: the number of queries does not grow with ideas.
    with django_assert_max_num_queries(13):
        figures.compute(municipality, now=NOW)
    with django_assert_max_num_queries(13):
        figures.compute(
            municipality,
            figures.DashboardFilter(field=town.fields[0].slug, cluster=town.clusters[0].slug),
            now=NOW,
        )
