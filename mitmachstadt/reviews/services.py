"""Writes of reviews and committee decisions. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import Criterion

from .models import Assessment, CriterionVerdict, Verdict

MIN_JUSTIFICATION = 10
MAX_JUSTIFICATION = 4000
MAX_DOCUMENT_REFERENCE = 300

# The reviewers' decisions that publish the assessment (DESIGN.md: "published with the decision").
REVIEW_DECISIONS = ("accept", "return")
# Decisions the committee clerk records with a meeting date and a committee document.
COMMITTEE_DECISIONS = ("committee_approve", "committee_revise", "committee_reject")
RECORDED_DECISIONS = (*COMMITTEE_DECISIONS, "funding_approved")


@dataclass(frozen=True)
class VerdictInput:
    """One row of the assessment form: the criterion, the verdict (or "") and its reason."""

    criterion: Criterion
    verdict: str
    justification: str


def _require_reviewer(idea: Idea, actor: Any) -> None:
    if not has_role(idea.municipality, actor, Role.REVIEWER):
        raise PermissionDenied(_("Only reviewers of this municipality may assess ideas."))


def _require_in_review(idea: Idea) -> None:
    if idea.state != State.IN_REVIEW:
        raise ValidationError(
            _("Ideas can be assessed only while they are in review."), code="state"
        )


def open_round(idea: Idea) -> Assessment | None:
    """The assessment round still being worked on (not yet published), if any."""
    return Assessment.objects.filter(idea=idea, decided_at__isnull=True).order_by("-round").first()


def _open_or_new_round(idea: Idea) -> Assessment:
    current = open_round(idea)
    if current is not None:
        return current
    last = Assessment.objects.filter(idea=idea).aggregate(n=Max("round"))["n"] or 0
    return Assessment.objects.create(municipality=idea.municipality, idea=idea, round=last + 1)


def _clean_justification(text: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_JUSTIFICATION:
        raise ValidationError(
            _("Please justify the verdict in at least %(n)d characters.")
            % {"n": MIN_JUSTIFICATION},
            code="justification",
        )
    if len(text) > MAX_JUSTIFICATION:
        raise ValidationError(
            _("A justification may have at most %(n)d characters.") % {"n": MAX_JUSTIFICATION},
            code="justification",
        )
    return text


def _check_criterion(idea: Idea, criterion: Criterion) -> None:
    if criterion.municipality_id != idea.municipality_id:
        raise ValidationError(_("Unknown criterion."), code="criterion")


@transaction.atomic
def verdict_set(
    *, idea: Idea, criterion: Criterion, actor: Any, verdict: str, justification: str
) -> CriterionVerdict:
    """Record (or change) the verdict on one criterion in the idea's open review round."""
    _require_reviewer(idea, actor)
    _require_in_review(idea)
    _check_criterion(idea, criterion)
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Please choose a verdict.")})
    try:
        text = _clean_justification(justification)
    except ValidationError as error:
        raise ValidationError({"justification": error.messages}) from error
    assessment = _open_or_new_round(idea)
    row, _created = CriterionVerdict.objects.update_or_create(
        assessment=assessment,
        criterion=criterion,
        defaults={
            "criterion_name": criterion.name,
            "criterion_group": criterion.group,
            "position": criterion.position,
            "verdict": verdict,
            "justification": text,
            "assessor": actor,
        },
    )
    Assessment.objects.filter(pk=assessment.pk).update(updated=timezone.now())
    audit_record(
        action="assessment.verdict",
        municipality=idea.municipality,
        actor=actor,
        target=idea,
        data={"round": assessment.round, "criterion": criterion.slug, "verdict": verdict},
    )
    return row


@transaction.atomic
def assessment_save(
    *,
    idea: Idea,
    actor: Any,
    entries: Iterable[VerdictInput],
    summary: str | None = None,
) -> Assessment:
    """Save the whole assessment form: set rows are stored, emptied rows are removed."""
    _require_reviewer(idea, actor)
    _require_in_review(idea)
    entries = list(entries)
    errors: dict[str, list[str]] = {}
    clean: list[tuple[Criterion, str, str]] = []
    for entry in entries:
        _check_criterion(idea, entry.criterion)
        slug = entry.criterion.slug
        verdict = (entry.verdict or "").strip()
        text = (entry.justification or "").strip()
        if not verdict and not text:
            clean.append((entry.criterion, "", ""))
            continue
        if verdict not in Verdict.values:
            errors[f"verdict_{slug}"] = [str(_("Please choose a verdict."))]
        try:
            text = _clean_justification(text)
        except ValidationError as error:
            errors[f"justification_{slug}"] = [str(m) for m in error.messages]
        clean.append((entry.criterion, verdict, text))
    if errors:
        raise ValidationError(errors)
    assessment = _open_or_new_round(idea)
    changed: list[str] = []
    for criterion, verdict, text in clean:
        existing = CriterionVerdict.objects.filter(
            assessment=assessment, criterion=criterion
        ).first()
        if not verdict:
            if existing is not None:
                existing.delete()
                changed.append(criterion.slug)
            continue
        if existing and existing.verdict == verdict and existing.justification == text:
            continue
        CriterionVerdict.objects.update_or_create(
            assessment=assessment,
            criterion=criterion,
            defaults={
                "criterion_name": criterion.name,
                "criterion_group": criterion.group,
                "position": criterion.position,
                "verdict": verdict,
                "justification": text,
                "assessor": actor,
            },
        )
        changed.append(criterion.slug)
    if summary is not None:
        assessment.summary = summary.strip()[:MAX_JUSTIFICATION]
    assessment.save()
    audit_record(
        action="assessment.save",
        municipality=idea.municipality,
        actor=actor,
        target=idea,
        data={"round": assessment.round, "changed": changed},
    )
    return assessment


def missing_criteria(idea: Idea) -> list[Criterion]:
    """The municipality's criteria that the idea's open round has no justified verdict for."""
    criteria = list(Criterion.objects.filter(municipality_id=idea.municipality_id))
    if not criteria:
        return []
    current = open_round(idea)
    done: set[int] = set()
    if current is not None:
        done = {
            row.criterion_id
            for row in current.verdicts.all()
            if row.criterion_id is not None and row.verdict and row.justification.strip()
        }
    return [c for c in criteria if c.pk not in done]


def require_complete_assessment(idea: Idea) -> None:
    """Guard of the "accept" transition: every criterion has a verdict and a justification.

    A municipality without a criteria checklist has nothing to assess, so nothing is missing.
    """
    missing = missing_criteria(idea)
    if missing:
        raise workflow.TransitionError(
            _("The criteria assessment is incomplete. Missing: %(names)s.")
            % {"names": ", ".join(c.name for c in missing)},
            code="assessment",
        )


def _publish_round(idea: Idea, transition: Transition, actor: Any) -> Assessment | None:
    current = open_round(idea)
    if current is None:
        return None
    current.decision = transition
    current.decision_name = transition.name
    current.decided_at = transition.created
    current.save(update_fields=["decision", "decision_name", "decided_at", "updated"])
    audit_record(
        action="assessment.publish",
        municipality=idea.municipality,
        actor=actor,
        target=idea,
        data={"round": current.round, "decision": transition.name},
    )
    publish(
        Event(
            name="assessment.published",
            municipality_id=idea.municipality_id,
            actor_id=getattr(actor, "pk", None),
            object_id=idea.pk,
            data={"round": current.round, "decision": transition.name},
        )
    )
    return current


def review_start(*, idea: Idea, actor: Any, reason: str = "") -> Transition:
    """A reviewer takes up a submitted idea; its assessment round opens."""
    _require_reviewer(idea, actor)
    with transaction.atomic():
        record = workflow.start_review(idea=idea, actor=actor, reason=reason)
        _open_or_new_round(idea)
    return record


def review_decide(
    *, idea: Idea, actor: Any, decision: str, reason: str, summary: str | None = None
) -> Transition:
    """Accept the idea as candidate or return it to the pool, publishing the assessment."""
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": _("Unknown decision.")})
    _require_reviewer(idea, actor)
    with transaction.atomic():
        if summary is not None:
            current = open_round(idea)
            if current is not None:
                current.summary = summary.strip()[:MAX_JUSTIFICATION]
                current.save(update_fields=["summary", "updated"])
        record = workflow.FUNCTIONS[decision](idea=idea, actor=actor, reason=reason)
        _publish_round(idea, record, actor)
    return record


def publish_after_transition(event: Event) -> None:
    """Bus handler: a review decision taken elsewhere (e.g. the ideas API) publishes too."""
    if event.data.get("transition") not in REVIEW_DECISIONS or event.object_id is None:
        return
    with transaction.atomic():
        idea = Idea.objects.select_related("municipality").filter(pk=event.object_id).first()
        if idea is None or open_round(idea) is None:
            return
        record = (
            Transition.objects.filter(idea=idea, name=event.data["transition"])
            .order_by("-created", "-id")
            .first()
        )
        if record is not None:
            _publish_round(idea, record, record.actor)


# --- Committee decisions ------------------------------------------------------------------


def clean_document_reference(value: str) -> str:
    """A committee paper number ("Drucksache 395/2017") or an OParl / web URL."""
    value = " ".join((value or "").split())
    if len(value) < 3:
        raise ValidationError(
            _("Please give the committee document: a paper number or an OParl URL."),
            code="document",
        )
    if len(value) > MAX_DOCUMENT_REFERENCE:
        raise ValidationError(
            _("The document reference may have at most %(n)d characters.")
            % {"n": MAX_DOCUMENT_REFERENCE},
            code="document",
        )
    if value.lower().startswith(("http://", "https://", "www.")):
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError as error:
            raise ValidationError(_("This is not a valid URL."), code="document") from error
    return value


def committee_decide(
    *,
    idea: Idea,
    actor: Any,
    decision: str,
    reason: str,
    meeting_date: dt.date | None,
    document_reference: str,
) -> Transition:
    """Record a committee decision (or the funding approval) with its meeting and document."""
    if decision not in RECORDED_DECISIONS:
        raise ValidationError({"decision": _("Unknown decision.")})
    if not has_role(idea.municipality, actor, *workflow.TRANSITIONS[decision].roles):
        raise PermissionDenied(_("Only the committee clerk may record committee decisions."))
    errors: dict[str, list[str]] = {}
    if meeting_date is None:
        errors["meeting_date"] = [str(_("Please give the date of the meeting."))]
    elif meeting_date > timezone.localdate():
        errors["meeting_date"] = [str(_("The meeting date cannot be in the future."))]
    try:
        document_reference = clean_document_reference(document_reference)
    except ValidationError as error:
        errors["document_reference"] = [str(m) for m in error.messages]
    if not (reason or "").strip():
        errors["reason"] = [str(_("Please give a public reason."))]
    if errors:
        raise ValidationError(errors)
    return workflow.FUNCTIONS[decision](
        idea=idea,
        actor=actor,
        reason=reason,
        document_reference=document_reference,
        meeting_date=meeting_date,
    )
