"""Demo ideas: the Gütersloh idea pool, the five clusters as projects, discussion, reactions."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from mitmachstadt.geo.models import District
from mitmachstadt.ideas import search, services, workflow
from mitmachstadt.ideas.models import Comment, Idea, OfficialAnswer, Transition
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import Cluster, FieldOfAction, Municipality

from .seed_projects import assess_for_demo

# The path through the state machine that leads to each demo stage.
PATHS: dict[str, list[str]] = {
    State.DRAFT: [],
    State.SUBMITTED: ["submit"],
    State.IN_REVIEW: ["submit", "start_review"],
    State.CANDIDATE: ["submit", "start_review", "accept"],
    State.RETURNED: ["submit", "start_review", "return"],
    State.REVISION_REQUESTED: ["submit", "start_review", "accept", "committee_revise"],
    State.IN_DEVELOPMENT: ["submit", "start_review", "accept", "committee_approve"],
    State.IN_IMPLEMENTATION: [
        "submit",
        "start_review",
        "accept",
        "committee_approve",
        "funding_approved",
    ],
    State.COMPLETED: [
        "submit",
        "start_review",
        "accept",
        "committee_approve",
        "funding_approved",
        "complete",
    ],
    State.SCALED_CITYWIDE: [
        "submit",
        "start_review",
        "accept",
        "committee_approve",
        "funding_approved",
        "scale_citywide",
    ],
    State.DISCONTINUED: [
        "submit",
        "start_review",
        "accept",
        "committee_approve",
        "funding_approved",
        "discontinue",
    ],
    State.WITHDRAWN: ["submit", "withdraw"],
    State.MERGED: ["submit"],  # then merged into its target in a second pass
}

ACTOR_ROLE = {
    "start_review": "reviewer",
    "accept": "reviewer",
    "return": "reviewer",
    "committee_approve": "committee_clerk",
    "committee_revise": "committee_clerk",
    "committee_reject": "committee_clerk",
    "funding_approved": "committee_clerk",
    "complete": "municipality_admin",
    "scale_citywide": "municipality_admin",
    "discontinue": "municipality_admin",
    "merge": "moderator",
}

DEFAULT_REASONS = {
    "start_review": "Die Prüfung anhand der Auswahlkriterien hat begonnen.",
    "accept": "Die Idee erfüllt die Auswahlkriterien und wird dem Ausschuss vorgeschlagen.",
    "return": "Die Idee passt derzeit nicht zu den Zielen der Digitalen Agenda.",
    "committee_approve": "Der Ausschuss (ADWS) hat das Projekt zur Entwicklung freigegeben.",
    "committee_revise": "Der Ausschuss bittet um eine Überarbeitung.",
    "funding_approved": "Die Förderung ist bewilligt.",
    "complete": "Das Projekt ist umgesetzt.",
    "scale_citywide": "Das Projekt wird auf die ganze Stadt ausgeweitet.",
    "discontinue": "Das Projekt wird nicht weiterverfolgt.",
    "withdraw": "",
    "merge": "Zusammengeführt mit einer gleichartigen Idee.",
}


def _walk(idea: Idea, stage: str, author: Any, people: dict[str, Any], reason: str) -> None:
    """Move `idea` to `stage` through the real transitions, each by the role that may."""
    path = PATHS[stage]
    for step, name in enumerate(path):
        actor = people[f"role:{ACTOR_ROLE[name]}"] if name in ACTOR_ROLE else author
        kwargs: dict[str, Any] = {"idea": idea, "actor": actor}
        if name != "submit":
            last = step == len(path) - 1
            kwargs["reason"] = reason if last and reason else DEFAULT_REASONS.get(name, "")
        if name in {"committee_approve", "committee_revise", "funding_approved"}:
            kwargs["document_reference"] = (
                "Drucksache 395/2017" if name == "committee_approve" else ""
            )
            kwargs["meeting_date"] = dt.date(2023, 6, 20)
        if name == "accept":  # the reviews guard: "accept" needs a complete assessment
            assess_for_demo(idea=idea, actor=actor)
        workflow.FUNCTIONS[name](**kwargs)


def _spread_dates(municipality: Municipality) -> None:
    """Give the demo a history: ideas submitted over the last two years, steps after that."""
    now = timezone.now()
    ideas = list(Idea.objects.filter(municipality=municipality).order_by("pk"))
    count = max(len(ideas), 1)
    for index, idea in enumerate(ideas):
        created = now - dt.timedelta(days=720 * (count - index) / count + 3)
        fields: dict[str, Any] = {"created": created}
        if idea.submitted_at is not None:
            fields["submitted_at"] = created + dt.timedelta(hours=2)
        Idea.objects.filter(pk=idea.pk).update(**fields)
        # Official answers: most within the promised days, some late (the dashboard shows it).
        answers = list(OfficialAnswer.objects.filter(idea=idea).order_by("pk"))
        usual = [created + dt.timedelta(days=(index * 7 + m) % 25 + 1) for m in range(len(answers))]
        for m, (answer, answered) in enumerate(
            zip(answers, _paced(usual, created, now), strict=True)
        ):
            OfficialAnswer.objects.filter(pk=answer.pk).update(created=answered)
            if m == 0:
                Idea.objects.filter(pk=idea.pk).update(first_answer_at=answered)
        comments = list(Comment.objects.filter(idea=idea).order_by("pk"))
        usual = [created + dt.timedelta(days=2 + m, hours=m * 3) for m in range(len(comments))]
        for comment, when in zip(comments, _paced(usual, created, now), strict=True):
            Comment.objects.filter(pk=comment.pk).update(created=when)
        steps = list(Transition.objects.filter(idea=idea).order_by("pk"))
        usual = [created + dt.timedelta(days=1 + n * 21) for n in range(len(steps))]
        for transition, when in zip(steps, _paced(usual, created, now), strict=True):
            Transition.objects.filter(pk=transition.pk).update(created=when)


def _paced(usual: list[dt.datetime], start: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    """The usual times, or, where the last would lie in the future, the same number of times
    spread evenly between `start` and now (so the newest ideas have no steps dated ahead)."""
    if not usual or max(usual) < now:
        return usual
    step = (now - start) / (len(usual) + 1)
    return [start + step * (n + 1) for n in range(len(usual))]


def seed_ideas(*, municipality: Municipality, people: dict[str, Any], data: dict[str, Any]) -> None:
    """Create the demo ideas and projects with their discussion."""
    fields = {f.slug: f for f in FieldOfAction.objects.filter(municipality=municipality)}
    districts = {d.slug: d for d in District.objects.filter(municipality=municipality)}
    clusters = {c.slug: c for c in Cluster.objects.filter(municipality=municipality)}
    admin = people["role:municipality_admin"]
    by_title: dict[str, Idea] = {}

    for spec in data["clusters"]:
        text = spec.get("description", "")
        if spec.get("approach"):
            text += "\n\n**Vorgehen:** " + spec["approach"]
        idea = services.idea_create(
            municipality=municipality,
            author=admin,
            title=spec["name"],
            text=text,
            fields=[fields[s] for s in spec.get("fields", []) if s in fields]
            or list(fields.values())[:1],
            citywide=True,
            is_demo=True,
        )
        Idea.objects.filter(pk=idea.pk).update(cluster=clusters[spec["slug"]])
        _walk(
            idea, spec.get("stage", State.IN_DEVELOPMENT), admin, people, spec.get("stage_note", "")
        )
        by_title[spec["name"]] = idea

    merges: list[tuple[Idea, str, str]] = []
    for spec in data["ideas"]:
        author = people.get(spec.get("author", ""), admin)
        point = spec.get("point")
        idea = services.idea_create(
            municipality=municipality,
            author=author,
            title=spec["title"],
            text=spec["text"],
            fields=[fields[s] for s in spec.get("fields", []) if s in fields],
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            district=districts.get(spec.get("district") or ""),
            citywide=spec.get("citywide", False),
            anonymous=spec.get("anonymous", False),
            is_demo=True,
        )
        if spec.get("cluster") in clusters:
            Idea.objects.filter(pk=idea.pk).update(cluster=clusters[spec["cluster"]])
        _walk(idea, spec["stage"], author, people, spec.get("stage_reason", ""))
        by_title[spec["title"]] = idea
        if spec["stage"] == State.MERGED and spec.get("merged_into"):
            merges.append((idea, spec["merged_into"], spec.get("stage_reason", "")))

    for idea, target_title, reason in merges:
        target = by_title.get(target_title)
        if target is not None:
            target.refresh_from_db()
            workflow.merge(
                idea=idea,
                into=target,
                actor=people["role:moderator"],
                reason=reason or DEFAULT_REASONS["merge"],
            )

    for link in data.get("links", []):
        source, target = by_title.get(link["from"]), by_title.get(link["to"])
        if source and target:
            source.refresh_from_db()
            target.refresh_from_db()
            if target.is_public:
                services.link_create(
                    source=source, target=target, kind=link["type"], actor=people["role:moderator"]
                )

    _seed_discussion(municipality, people, data, by_title)
    _spread_dates(municipality)
    search.reindex(municipality.pk)


def _seed_discussion(
    municipality: Municipality,
    people: dict[str, Any],
    data: dict[str, Any],
    by_title: dict[str, Idea],
) -> None:
    rng = random.Random(42)
    for spec in data.get("comments", []):
        idea = by_title.get(spec["idea"])
        if idea is None:
            continue
        idea.refresh_from_db()
        if not idea.is_public:
            continue
        root = services.comment_create(
            idea=idea,
            author=people.get(spec["author"], people["role:moderator"]),
            text=spec["text"],
            is_demo=True,
        )
        for reply in spec.get("replies", []):
            services.comment_create(
                idea=idea,
                author=people.get(reply["author"], people["role:moderator"]),
                text=reply["text"],
                parent=root,
                is_demo=True,
            )
    participants = [u for key, u in people.items() if not key.startswith("role:")]
    mode = municipality.reaction_mode
    for idea in Idea.objects.filter(municipality=municipality).public().order_by("pk"):
        # Skewed popularity: a few ideas get most of the reactions, as on real platforms.
        share = rng.random() ** 2
        for user in rng.sample(participants, k=int(len(participants) * share)):
            if mode == "stars":
                value = rng.choice([2, 3, 4, 4, 5, 5])
            elif mode == "updown":
                value = 1 if rng.random() < 0.8 else -1
            else:
                value = 1
            services.reaction_set(idea=idea, user=user, value=value)
    answerer = people["role:reviewer"]
    for n, idea in enumerate(
        Idea.objects.filter(municipality=municipality).public().order_by("pk")
    ):
        if n % 3 != 2:  # two in three ideas have an official answer; the rest are open
            services.answer_create(
                idea=idea,
                actor=answerer,
                text=(
                    "Vielen Dank für Ihre Idee! Das Team Digitale Agenda hat sie aufgenommen "
                    "und prüft sie anhand der Auswahlkriterien der Umsetzungsstrategie."
                ),
            )
