"""Demo projects: the five Gütersloh clusters with their project data (after seed_ideas).

Cost estimates, target groups, approach, actors, location and origin ideas come from the
strategy (data/guetersloh.json, "clusters"). Milestones and KPIs are demo inventions of the
data file. What this module adds on top is marked as demo data and invented here, plainly:
the money booked for finished concept milestones and the KPI values measured at those dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PROJECT_STATES, State
from mitmachstadt.projects import services as projects
from mitmachstadt.projects.models import Expenditure, Indicator, Milestone, Project
from mitmachstadt.reviews import services as reviews
from mitmachstadt.reviews.models import Verdict
from mitmachstadt.tenants.models import Cluster, Criterion, Municipality

# Plausible verdicts for the demo's criteria assessments, by criterion slug. The clusters and
# the ideas that became candidates fit the agenda; the funding criteria vary.
_DEMO_VERDICTS: dict[str, tuple[str, str]] = {
    "ziele-werte-vision": (
        Verdict.MET,
        "Die Idee folgt den Leitlinien der Digitalen Agenda und lässt sich aus den "
        "Handlungsfeldern ableiten; sie fördert Gemeinwohl und Teilhabe.",
    ),
    "umsetzbar": (
        Verdict.MET,
        "Mit den vorhandenen Partnern und einem schrittweisen Vorgehen ist die Maßnahme "
        "in der Förderlaufzeit umsetzbar.",
    ),
    "konkreter-mehrwert": (
        Verdict.MET,
        "Der Nutzen für die Stadtgesellschaft ist konkret beschrieben und nachvollziehbar.",
    ),
    "klimarelevanz": (
        Verdict.PARTLY,
        "Ein Beitrag zum Klimaschutz ist mittelbar zu erwarten; er soll im Projekt "
        "gemessen werden.",
    ),
    "technologische-nachhaltigkeit": (
        Verdict.MET,
        "Offene Standards und Schnittstellen halten die Lösung weiterentwicklungsfähig; der "
        "Betrieb ist mitgedacht.",
    ),
    "open-source": (
        Verdict.MET,
        "Die Software wird als Open Source entwickelt und veröffentlicht.",
    ),
    "skalierbar-uebertragbar": (
        Verdict.MET,
        "Der Ansatz ist vom Quartier auf die Gesamtstadt und auf andere Kommunen übertragbar.",
    ),
    "investiv": (
        Verdict.PARTLY,
        "Investive Anteile sind vorgesehen; der Anteil konzeptioneller Leistungen ist noch hoch.",
    ),
    "bleibender-wert": (
        Verdict.MET,
        "Die gewonnenen Daten und Erfahrungen bleiben als Wissensbasis für weitere Planungen.",
    ),
    "raeumliche-wirkung": (
        Verdict.PARTLY,
        "Die räumliche Wirkung entsteht zunächst in Pilotgebieten und soll stadtweit wachsen.",
    ),
}
_FALLBACK = (Verdict.MET, "Das Kriterium ist nach Prüfung durch das Team erfüllt.")


def assess_for_demo(*, idea: Idea, actor: Any) -> None:
    """Record a complete criteria assessment through the reviews service (before "accept")."""
    entries = [
        reviews.VerdictInput(criterion, *_DEMO_VERDICTS.get(criterion.slug, _FALLBACK))
        for criterion in Criterion.objects.filter(municipality_id=idea.municipality_id)
    ]
    reviews.assessment_save(
        idea=idea,
        actor=actor,
        entries=entries,
        summary="Das Prüfteam empfiehlt die Idee dem Ausschuss als Projektkandidat.",
    )


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _cluster_project(municipality: Municipality, cluster: Cluster, title: str) -> Idea | None:
    # seed_ideas creates one idea per cluster, titled like it; the idea pool may hold another
    # idea of the same title (the cluster's origin idea), which was created later.
    return (
        Idea.objects.filter(municipality=municipality, cluster=cluster, title=title)
        .order_by("pk")
        .first()
    )


def _number(value: Any) -> Decimal:
    return Decimal(str(value))


def seed_projects(
    *, municipality: Municipality, people: dict[str, Any], data: dict[str, Any]
) -> None:
    """Give the five cluster projects their data; every other project gets its record."""
    team = people["role:municipality_admin"]
    today = timezone.localdate()
    clusters = {c.slug: c for c in Cluster.objects.filter(municipality=municipality)}
    for spec in data["clusters"]:
        idea = _cluster_project(municipality, clusters[spec["slug"]], spec["name"])
        if idea is None or idea.state not in PROJECT_STATES:
            continue
        project = projects.project_ensure(idea=idea)
        Project.objects.filter(pk=project.pk).update(is_demo=True)
        origins = [
            origin
            for title in spec.get("origin_ideas", [])
            for origin in Idea.objects.filter(municipality=municipality, title=title)
            .exclude(pk=idea.pk)
            .exclude(state__in=[State.DRAFT, State.WITHDRAWN])
            .order_by("pk")[:1]
        ]
        cost = spec.get("cost", {})
        milestones = sorted(spec.get("milestones", []), key=lambda m: m["due"])
        done = [m for m in milestones if m.get("done")]
        open_ = [m for m in milestones if not m.get("done")]
        status = ""
        if open_:
            status = "Nächster Meilenstein: {} (fällig am {}).".format(
                open_[0]["title"], dt.date.fromisoformat(open_[0]["due"]).strftime("%d.%m.%Y")
            )
        projects.project_update(
            project=project,
            actor=team,
            data=projects.ProjectData(
                target_groups=spec.get("target_groups", []),
                approach=spec.get("approach", ""),
                actors=spec.get("actors", []),
                location_note=spec.get("location_note", ""),
                cost_concept=_money(cost.get("concept")),
                cost_investment=_money(cost.get("investment")),
                cost_operation=_money(cost.get("operation")),
                cost_note=cost.get("note", ""),
                progress=round(100 * len(done) / len(milestones)) if milestones else 0,
                status_note=status,
                repository_url="",
                cluster=clusters[spec["slug"]],
                origin_ideas=origins,
            ),
        )
        # Demo invention: each finished milestone of the concept phase cost an even share of
        # the concept budget (or 2 % of the investment where no concept figure exists).
        budget = _money(cost.get("concept")) or (_money(cost.get("investment")) or Decimal(0))
        share = budget / len(milestones) if cost.get("concept") else budget * Decimal("0.02")
        finished: list[dt.date] = []
        for spec_m in milestones:
            due = dt.date.fromisoformat(spec_m["due"])
            milestone = projects.milestone_create(
                project=project, actor=team, title=spec_m["title"], due=due
            )
            Milestone.objects.filter(pk=milestone.pk).update(is_demo=bool(spec_m.get("demo")))
            if spec_m.get("done"):
                done_on = min(due - dt.timedelta(days=6), today)
                projects.milestone_set_done(milestone=milestone, actor=team, done_on=done_on)
                finished.append(done_on)
                if share > 0:
                    projects.expenditure_record(
                        project=project,
                        actor=team,
                        spent_on=done_on,
                        amount=share.quantize(Decimal("1")),
                        category=Expenditure.Category.CONCEPT
                        if cost.get("concept")
                        else Expenditure.Category.INVESTMENT,
                        note=f"Demo: Leistungen für „{spec_m['title']}“",
                        is_demo=True,
                    )
        for kpi in spec.get("kpis", []):
            indicator = projects.indicator_create(
                project=project,
                actor=team,
                name=kpi["indicator"],
                unit=kpi["unit"],
                baseline=kpi["baseline"],
                target=kpi["target"],
            )
            Indicator.objects.filter(pk=indicator.pk).update(is_demo=bool(kpi.get("demo")))
            baseline, target = _number(kpi["baseline"]), _number(kpi["target"])
            # Demo invention: a first measurement at the start and modest movement towards the
            # target at each finished milestone.
            for step, day in enumerate(finished):
                value = baseline + (target - baseline) * Decimal("0.06") * step
                # Whole numbers for counts, one decimal place for small ranges (°C, %).
                places = Decimal("1") if abs(target - baseline) >= 50 else Decimal("0.1")
                projects.measurement_record(
                    indicator=indicator,
                    actor=team,
                    measured_on=day,
                    value=value.quantize(places),
                    note="Demo-Wert",
                )
    for idea in Idea.objects.filter(municipality=municipality, state__in=PROJECT_STATES):
        projects.project_ensure(idea=idea)
