"""The state machine from idea to implementation (DESIGN.md §1), in one place.

TRANSITIONS is the table; each transition has one function below that checks state and role,
locks the idea, records a Transition (who, when, public reason, committee document), writes an
audit entry and publishes an event. Nothing else changes an idea's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event, publish

from .models import Idea, Transition
from .states import PUBLIC_STATES, State

AUTHOR = "author"  # pseudo-role: an author of the idea


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: Any
    reason_required: bool = False


def _rule(
    sources: set[str], target: str, roles: set[str], label: Any, reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(roles), label, reason)


S = State
TRANSITIONS: dict[str, Rule] = {
    "submit": _rule({S.DRAFT}, S.SUBMITTED, {AUTHOR}, gettext_lazy("Submit")),
    "start_review": _rule(
        {S.SUBMITTED}, S.IN_REVIEW, {Role.REVIEWER}, gettext_lazy("Start review")
    ),
    "accept": _rule(
        {S.IN_REVIEW}, S.CANDIDATE, {Role.REVIEWER}, gettext_lazy("Accept as candidate"), True
    ),
    "return": _rule(
        {S.IN_REVIEW}, S.RETURNED, {Role.REVIEWER}, gettext_lazy("Return to the idea pool"), True
    ),
    "committee_approve": _rule(
        {S.CANDIDATE},
        S.IN_DEVELOPMENT,
        {Role.COMMITTEE_CLERK},
        gettext_lazy("Committee approves"),
        True,
    ),
    "committee_revise": _rule(
        {S.CANDIDATE},
        S.REVISION_REQUESTED,
        {Role.COMMITTEE_CLERK},
        gettext_lazy("Committee requests revision"),
        True,
    ),
    "committee_reject": _rule(
        {S.CANDIDATE}, S.RETURNED, {Role.COMMITTEE_CLERK}, gettext_lazy("Committee rejects"), True
    ),
    "resubmit": _rule(
        {S.REVISION_REQUESTED}, S.IN_REVIEW, {AUTHOR, Role.REVIEWER}, gettext_lazy("Resubmit")
    ),
    "revise_and_resubmit": _rule(
        {S.RETURNED}, S.SUBMITTED, {AUTHOR}, gettext_lazy("Revise and resubmit")
    ),
    "funding_approved": _rule(
        {S.IN_DEVELOPMENT},
        S.IN_IMPLEMENTATION,
        {Role.COMMITTEE_CLERK, Role.ADMIN},
        gettext_lazy("Funding approved"),
        True,
    ),
    "complete": _rule(
        {S.IN_IMPLEMENTATION}, S.COMPLETED, {Role.ADMIN}, gettext_lazy("Mark completed"), True
    ),
    "scale_citywide": _rule(
        {S.IN_IMPLEMENTATION},
        S.SCALED_CITYWIDE,
        {Role.ADMIN},
        gettext_lazy("Scale citywide"),
        True,
    ),
    "discontinue": _rule(
        {S.IN_IMPLEMENTATION}, S.DISCONTINUED, {Role.ADMIN}, gettext_lazy("Discontinue"), True
    ),
    "merge": _rule(
        set(PUBLIC_STATES) - {S.MERGED},
        S.MERGED,
        {Role.MODERATOR},
        gettext_lazy("Merge into another idea"),
        True,
    ),
    "withdraw": _rule(
        {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.REVISION_REQUESTED, S.CANDIDATE},
        S.WITHDRAWN,
        {AUTHOR},
        gettext_lazy("Withdraw"),
    ),
}

# Extra preconditions contributed by apps of a higher layer (e.g. reviews: "accept" needs a
# complete criteria assessment). A guard raises ValidationError to refuse.
Guard = Callable[[Idea], None]
_guards: dict[str, list[Guard]] = {}


def register_guard(name: str, guard: Guard) -> None:
    """Add a precondition to transition `name` (called from an AppConfig.ready)."""
    if name not in TRANSITIONS:
        raise KeyError(name)
    if guard not in _guards.setdefault(name, []):
        _guards[name].append(guard)


class TransitionError(ValidationError):
    pass


def is_author(idea: Idea, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return idea.author_links.filter(user=user).exists()


def may(idea: Idea, name: str, user: Any) -> bool:
    """True if `user` may apply transition `name` to `idea` now (state and role)."""
    rule = TRANSITIONS[name]
    if idea.state not in rule.sources:
        return False
    return _holds_role(idea, rule, user)


def available(idea: Idea, user: Any) -> list[str]:
    """The transitions `user` may apply to `idea` now, in table order."""
    return [name for name in TRANSITIONS if may(idea, name, user)]


def _holds_role(idea: Idea, rule: Rule, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    staff_roles = set(rule.roles) - {AUTHOR}
    if staff_roles and has_role(idea.municipality, user, *staff_roles):
        return True
    return AUTHOR in rule.roles and is_author(idea, user)


def _apply(
    name: str,
    *,
    idea: Idea,
    actor: Any,
    reason: str = "",
    document_reference: str = "",
    meeting_date: dt.date | None = None,
    extra: Callable[[Idea], None] | None = None,
) -> Transition:
    rule = TRANSITIONS[name]
    with transaction.atomic():
        locked = Idea.objects.select_for_update().select_related("municipality").get(pk=idea.pk)
        if locked.state not in rule.sources:
            raise TransitionError(
                _("“%(action)s” is not possible while the idea is “%(state)s”.")
                % {"action": rule.label, "state": State(locked.state).label},
                code="state",
            )
        if not _holds_role(locked, rule, actor):
            raise TransitionError(
                _("You may not “%(action)s” this idea.") % {"action": rule.label},
                code="permission",
            )
        reason = (reason or "").strip()
        if rule.reason_required and not reason:
            raise TransitionError(_("Please give a public reason."), code="reason")
        for guard in _guards.get(name, []):
            guard(locked)
        from_state = locked.state
        locked.state = rule.target
        now = timezone.now()
        update_fields = ["state", "updated"]
        if rule.target == State.SUBMITTED and locked.submitted_at is None:
            locked.submitted_at = now
            update_fields.append("submitted_at")
        if extra is not None:
            extra(locked)
            update_fields += ["merged_into"] if name == "merge" else []
        locked.save(update_fields=update_fields)
        record = Transition.objects.create(
            idea=locked,
            name=name,
            from_state=from_state,
            to_state=rule.target,
            actor=actor,
            reason=reason,
            document_reference=document_reference.strip(),
            meeting_date=meeting_date,
        )
        audit_record(
            action=f"idea.{name}",
            municipality=locked.municipality,
            actor=actor,
            target=locked,
            data={
                "from": from_state,
                "to": rule.target,
                "reason": reason,
                "document": document_reference,
            },
        )
        publish(
            Event(
                name="idea.transition",
                municipality_id=locked.municipality_id,
                actor_id=getattr(actor, "pk", None),
                object_id=locked.pk,
                data={
                    "transition": name,
                    "from": from_state,
                    "to": rule.target,
                    "reason": reason,
                    "document": document_reference,
                },
            )
        )
    idea.state = locked.state
    idea.submitted_at = locked.submitted_at
    idea.merged_into_id = locked.merged_into_id
    return record


def submit(*, idea: Idea, actor: Any) -> Transition:
    """Make a draft public as a project proposal."""
    return _apply("submit", idea=idea, actor=actor)


def start_review(*, idea: Idea, actor: Any, reason: str = "") -> Transition:
    """A reviewer takes up a submitted idea."""
    return _apply("start_review", idea=idea, actor=actor, reason=reason)


def accept(*, idea: Idea, actor: Any, reason: str) -> Transition:
    """Reviewers make the idea a project candidate (criteria assessment complete)."""
    return _apply("accept", idea=idea, actor=actor, reason=reason)


def return_to_pool(*, idea: Idea, actor: Any, reason: str) -> Transition:
    """Reviewers send the idea back to the idea pool, with a public reason."""
    return _apply("return", idea=idea, actor=actor, reason=reason)


def committee_approve(
    *,
    idea: Idea,
    actor: Any,
    reason: str,
    document_reference: str = "",
    meeting_date: dt.date | None = None,
) -> Transition:
    """The committee approves a candidate: it becomes a project in development."""
    return _apply(
        "committee_approve",
        idea=idea,
        actor=actor,
        reason=reason,
        document_reference=document_reference,
        meeting_date=meeting_date,
    )


def committee_revise(
    *,
    idea: Idea,
    actor: Any,
    reason: str,
    document_reference: str = "",
    meeting_date: dt.date | None = None,
) -> Transition:
    """The committee asks for a revision of a candidate."""
    return _apply(
        "committee_revise",
        idea=idea,
        actor=actor,
        reason=reason,
        document_reference=document_reference,
        meeting_date=meeting_date,
    )


def committee_reject(
    *,
    idea: Idea,
    actor: Any,
    reason: str,
    document_reference: str = "",
    meeting_date: dt.date | None = None,
) -> Transition:
    """The committee rejects a candidate: it returns to the idea pool."""
    return _apply(
        "committee_reject",
        idea=idea,
        actor=actor,
        reason=reason,
        document_reference=document_reference,
        meeting_date=meeting_date,
    )


def resubmit(*, idea: Idea, actor: Any, reason: str = "") -> Transition:
    """After a requested revision, the idea goes back into review."""
    return _apply("resubmit", idea=idea, actor=actor, reason=reason)


def revise_and_resubmit(*, idea: Idea, actor: Any, reason: str = "") -> Transition:
    """Authors resubmit an idea that was returned to the pool."""
    return _apply("revise_and_resubmit", idea=idea, actor=actor, reason=reason)


def funding_approved(
    *,
    idea: Idea,
    actor: Any,
    reason: str,
    document_reference: str = "",
    meeting_date: dt.date | None = None,
) -> Transition:
    """Funding is approved: the project moves into implementation."""
    return _apply(
        "funding_approved",
        idea=idea,
        actor=actor,
        reason=reason,
        document_reference=document_reference,
        meeting_date=meeting_date,
    )


def complete(*, idea: Idea, actor: Any, reason: str) -> Transition:
    """The project is built."""
    return _apply("complete", idea=idea, actor=actor, reason=reason)


def scale_citywide(*, idea: Idea, actor: Any, reason: str) -> Transition:
    """The project is rolled out to the whole city."""
    return _apply("scale_citywide", idea=idea, actor=actor, reason=reason)


def discontinue(*, idea: Idea, actor: Any, reason: str) -> Transition:
    """The project is stopped, with a public reason."""
    return _apply("discontinue", idea=idea, actor=actor, reason=reason)


def merge(*, idea: Idea, into: Idea, actor: Any, reason: str) -> Transition:
    """Moderators merge a duplicate into another idea of the same municipality."""
    if into.pk == idea.pk or into.municipality_id != idea.municipality_id:
        raise TransitionError(
            _("An idea can only be merged into another idea of this municipality.")
        )
    if into.state not in PUBLIC_STATES or into.state == State.MERGED:
        raise TransitionError(_("The target idea must be public and not merged itself."))

    def point_to_target(locked: Idea) -> None:
        locked.merged_into = into

    return _apply("merge", idea=idea, actor=actor, reason=reason, extra=point_to_target)


def withdraw(*, idea: Idea, actor: Any, reason: str = "") -> Transition:
    """Authors take their own idea back."""
    return _apply("withdraw", idea=idea, actor=actor, reason=reason)


FUNCTIONS: dict[str, Callable[..., Transition]] = {
    "submit": submit,
    "start_review": start_review,
    "accept": accept,
    "return": return_to_pool,
    "committee_approve": committee_approve,
    "committee_revise": committee_revise,
    "committee_reject": committee_reject,
    "resubmit": resubmit,
    "revise_and_resubmit": revise_and_resubmit,
    "funding_approved": funding_approved,
    "complete": complete,
    "scale_citywide": scale_citywide,
    "discontinue": discontinue,
    "merge": merge,
    "withdraw": withdraw,
}
