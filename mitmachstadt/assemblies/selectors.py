"""Reads of citizens' assemblies. The municipality always comes first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from mitmachstadt.ideas.states import PROJECT_STATES, PUBLIC_STATES

from .models import (
    Assembly,
    Invitation,
    Member,
    QuotaCategory,
    Recommendation,
    Response,
    Seed,
    Selection,
)

# Polling the progress must not load the (large) lottery and audit documents.
_HEAVY = ("lottery", "audit", "probabilities", "features_csv", "people_csv")


def public_assemblies(municipality: Any) -> QuerySet[Assembly]:
    return Assembly.objects.filter(municipality=municipality, is_published=True).order_by(
        "-created", "-id"
    )


def staff_assemblies(municipality: Any) -> QuerySet[Assembly]:
    return Assembly.objects.filter(municipality=municipality).annotate(
        n_responses=Count("responses", filter=Q(responses__willing=True)),
    )


def assembly_for_viewer(municipality: Any, pk: int, *, staff: bool) -> Assembly | None:
    qs = Assembly.objects.filter(municipality=municipality)
    if not staff:
        qs = qs.filter(is_published=True)
    return qs.filter(pk=pk).first()


def categories(assembly: Assembly) -> list[QuotaCategory]:
    return list(assembly.categories.prefetch_related("values").order_by("position", "id"))


def seeds(assembly: Assembly) -> QuerySet[Seed]:
    return assembly.seeds.order_by("announced_at", "id")


def selections(assembly: Assembly) -> QuerySet[Selection]:
    return assembly.selections.select_related("seed").defer(*_HEAVY).order_by("number")


def selection_light(assembly: Assembly, number: int) -> Selection | None:
    return selections(assembly).filter(number=number).first()


def selection_full(assembly: Assembly, number: int) -> Selection | None:
    return assembly.selections.select_related("seed").filter(number=number).first()


def drawn_main_selection(assembly: Assembly) -> Selection | None:
    return (
        selections(assembly)
        .filter(kind=Selection.Kind.MAIN, status=Selection.Status.DRAWN)
        .order_by("-number")
        .first()
    )


@dataclass
class ResponseFigures:
    invited: int
    answered: int
    willing: int
    declined: int
    in_pool: int
    paper: int


def response_figures(assembly: Assembly) -> ResponseFigures:
    counts = Response.objects.filter(assembly=assembly).aggregate(
        n_answered=Count("id"),
        n_willing=Count("id", filter=Q(willing=True)),
        n_pool=Count("id", filter=Q(willing=True, consent=True, withdrawn_at__isnull=True)),
        n_paper=Count("id", filter=Q(channel=Response.Channel.PAPER)),
    )
    return ResponseFigures(
        invited=Invitation.objects.filter(assembly=assembly).count(),
        answered=counts["n_answered"],
        willing=counts["n_willing"],
        declined=counts["n_answered"] - counts["n_willing"],
        in_pool=counts["n_pool"],
        paper=counts["n_paper"],
    )


@dataclass
class QuotaRow:
    category: str
    value: str
    minimum: int
    maximum: int
    pool: int
    panel: int | None

    @property
    def panel_ok(self) -> bool:
        return self.panel is None or self.minimum <= self.panel <= self.maximum


def quota_table(assembly: Assembly, panel: list[str] | None = None) -> list[QuotaRow]:
    """Every quota with the pool's count and (if given) the panel's count for its value."""
    responses = list(
        Response.objects.filter(
            assembly=assembly, willing=True, consent=True, withdrawn_at__isnull=True
        ).only("pseudonym", "answers")
    )
    pool_counts: Counter[tuple[str, str]] = Counter()
    panel_counts: Counter[tuple[str, str]] = Counter()
    chosen = set(panel or [])
    for response in responses:
        for name, value in response.answers.items():
            pool_counts[(name, value)] += 1
            if response.pseudonym in chosen:
                panel_counts[(name, value)] += 1
    rows = []
    for category in categories(assembly):
        for value in category.values.all():
            key = (category.name, value.value)
            rows.append(
                QuotaRow(
                    category=category.label,
                    value=value.label,
                    minimum=value.minimum,
                    maximum=value.maximum,
                    pool=pool_counts[key],
                    panel=panel_counts[key] if panel is not None else None,
                )
            )
    return rows


def members(assembly: Assembly) -> QuerySet[Member]:
    return (
        Member.objects.filter(assembly=assembly)
        .select_related("response", "response__invitation", "selection", "replaced_by")
        .order_by("status", "response__pseudonym")
    )


def active_pseudonyms(assembly: Assembly) -> list[str]:
    return sorted(
        Member.objects.filter(assembly=assembly, status=Member.Status.ACTIVE).values_list(
            "response__pseudonym", flat=True
        )
    )


def recommendations(assembly: Assembly, *, public: bool = True) -> QuerySet[Recommendation]:
    qs = assembly.recommendations.prefetch_related("ideas")
    if public:
        qs = qs.filter(is_published=True)
    return qs.order_by("number", "id")


def linked_ideas(recommendation: Recommendation) -> tuple[list[Any], list[Any]]:
    """(ideas, projects) a recommendation links to, public ones only."""
    items = [i for i in recommendation.ideas.all() if i.state in PUBLIC_STATES and not i.is_hidden]
    return (
        [i for i in items if i.state not in PROJECT_STATES],
        [i for i in items if i.state in PROJECT_STATES],
    )


def invitations(assembly: Assembly) -> QuerySet[Invitation]:
    return Invitation.objects.filter(assembly=assembly).order_by("number")
