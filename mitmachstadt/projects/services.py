"""Writes of project data, milestones, KPIs and spending. Keyword-only, atomic, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PROJECT_STATES, PUBLIC_STATES
from mitmachstadt.tenants.models import Cluster

from .models import Expenditure, Indicator, Measurement, Milestone, Project

# Who maintains project data: the agenda team (reviewers) and the municipality's admins.
PROJECT_ROLES = (Role.ADMIN, Role.REVIEWER)
MAX_LIST_ITEMS = 30
MAX_ITEM_LENGTH = 200
MAX_TEXT = 10_000
MAX_MONEY = Decimal("999999999999.99")


def _event(name: str, project: Project, actor: Any, **data: Any) -> None:
    publish(
        Event(
            name=name,
            municipality_id=project.municipality_id,
            actor_id=getattr(actor, "pk", None),
            object_id=project.idea_id,
            data=data,
        )
    )


def may_edit(municipality: Any, user: Any) -> bool:
    return has_role(municipality, user, *PROJECT_ROLES)


def _require_editor(project: Project, actor: Any) -> None:
    if not may_edit(project.municipality, actor):
        raise PermissionDenied(_("Only the project team of this municipality may do this."))


def project_ensure(*, idea: Idea) -> Project:
    """The project record of an idea that is a project (created on first use)."""
    if idea.state not in PROJECT_STATES:
        raise ValidationError(
            _("Only ideas in development or later are projects."), code="not_project"
        )
    with transaction.atomic():
        project, created = Project.objects.get_or_create(
            idea=idea, defaults={"municipality_id": idea.municipality_id}
        )
        if created:
            audit_record(action="project.create", municipality=idea.municipality, target=project)
    return project


def project_ensure_after_transition(event: Event) -> None:
    """Bus handler: an idea that became a project gets its project record at once."""
    if event.data.get("to") not in PROJECT_STATES or event.object_id is None:
        return
    idea = Idea.objects.select_related("municipality").filter(pk=event.object_id).first()
    if idea is not None and idea.state in PROJECT_STATES:
        project_ensure(idea=idea)


# --- Project data -------------------------------------------------------------------------


@dataclasses.dataclass
class ProjectData:
    """Everything the project form edits; start from `ProjectData.of(project)` to change a part."""

    target_groups: list[str]
    approach: str
    actors: list[str]
    location_note: str
    cost_concept: Decimal | None
    cost_investment: Decimal | None
    cost_operation: Decimal | None
    cost_note: str
    progress: int
    status_note: str
    repository_url: str
    cluster: Cluster | None
    origin_ideas: list[Idea]

    @classmethod
    def of(cls, project: Project) -> ProjectData:
        return cls(
            target_groups=list(project.target_groups),
            approach=project.approach,
            actors=list(project.actors),
            location_note=project.location_note,
            cost_concept=project.cost_concept,
            cost_investment=project.cost_investment,
            cost_operation=project.cost_operation,
            cost_note=project.cost_note,
            progress=project.progress,
            status_note=project.status_note,
            repository_url=project.repository_url,
            cluster=project.idea.cluster,
            origin_ideas=list(project.origin_ideas.all()),
        )


def _clean_list(values: Iterable[str], field: str) -> list[str]:
    items: list[str] = []
    for value in values:
        value = " ".join(str(value).split())
        if not value or value in items:
            continue
        if len(value) > MAX_ITEM_LENGTH:
            raise ValidationError(
                {field: _("An entry may have at most %(n)d characters.") % {"n": MAX_ITEM_LENGTH}}
            )
        items.append(value)
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError({field: _("At most %(n)d entries.") % {"n": MAX_LIST_ITEMS}})
    return items


def clean_money(value: Any, field: str, *, allow_none: bool = True) -> Decimal | None:
    """A non-negative amount in euros with at most two decimals (None: not quantified)."""
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field: _("Please give an amount.")})
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError({field: _("Please give an amount in euros.")}) from error
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise ValidationError({field: _("Please give an amount of 0 euros or more.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amounts have at most two decimal places.")})
    return amount


def _clean_text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(
            {field: _("The text may have at most %(n)d characters.") % {"n": MAX_TEXT}}
        )
    return value


@transaction.atomic
def project_update(*, project: Project, actor: Any, data: ProjectData) -> Project:
    """Change a project's data; the cluster is stored on the idea, where lists filter by it."""
    _require_editor(project, actor)
    municipality_id = project.municipality_id
    errors: dict[str, Any] = {}

    def collect(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as error:
            errors.update(error.message_dict if hasattr(error, "error_dict") else {})
            return None

    target_groups = collect(_clean_list, data.target_groups, "target_groups")
    actors = collect(_clean_list, data.actors, "actors")
    costs = {
        name: collect(clean_money, getattr(data, name), name)
        for name in ("cost_concept", "cost_investment", "cost_operation")
    }
    texts = {
        name: collect(_clean_text, getattr(data, name), name)
        for name in ("approach", "location_note", "cost_note", "status_note")
    }
    if not isinstance(data.progress, int) or not 0 <= data.progress <= 100:
        errors["progress"] = [_("Progress is a percentage from 0 to 100.")]
    repository_url = (data.repository_url or "").strip()
    if repository_url:
        try:
            URLValidator(schemes=["https", "http"])(repository_url)
        except ValidationError:
            errors["repository_url"] = [_("Please give the web address of the repository.")]
    if data.cluster is not None and data.cluster.municipality_id != municipality_id:
        errors["cluster"] = [_("Unknown cluster.")]
    origins = []
    for origin in data.origin_ideas:
        if origin.municipality_id != municipality_id or origin.pk == project.idea_id:
            errors["origin_ideas"] = [_("Origin ideas must be other ideas of this municipality.")]
        elif origin.state not in PUBLIC_STATES:
            errors["origin_ideas"] = [_("Origin ideas must be public.")]
        else:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)

    before = ProjectData.of(project)
    project.target_groups = target_groups
    project.actors = actors
    project.cost_concept = costs["cost_concept"]
    project.cost_investment = costs["cost_investment"]
    project.cost_operation = costs["cost_operation"]
    project.approach = texts["approach"]
    project.location_note = texts["location_note"]
    project.cost_note = texts["cost_note"]
    project.status_note = texts["status_note"]
    project.progress = data.progress
    project.repository_url = repository_url
    project.save()
    project.origin_ideas.set(origins)
    cluster_id = data.cluster.pk if data.cluster else None
    if project.idea.cluster_id != cluster_id:
        Idea.objects.filter(pk=project.idea_id).update(cluster_id=cluster_id)
        project.idea.cluster = data.cluster
    after = ProjectData.of(project)
    changed = [
        f.name
        for f in dataclasses.fields(ProjectData)
        if getattr(before, f.name) != getattr(after, f.name)
    ]
    audit_record(
        action="project.update",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"changed": changed},
    )
    if changed:
        _event("project.updated", project, actor, changed=changed)
    return project


# --- Milestones ---------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < 3:
        raise ValidationError({"title": _("Please give a title of at least 3 characters.")})
    if len(title) > 200:
        raise ValidationError({"title": _("A title may have at most 200 characters.")})
    return title


@transaction.atomic
def milestone_create(
    *, project: Project, actor: Any, title: str, due: dt.date, description: str = ""
) -> Milestone:
    """Plan a milestone of a project."""
    _require_editor(project, actor)
    milestone = Milestone.objects.create(
        project=project,
        title=_clean_title(title),
        due=due,
        description=_clean_text(description, "description"),
    )
    audit_record(
        action="project.milestone_create",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"milestone": milestone.pk, "title": milestone.title, "due": due.isoformat()},
    )
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, actor: Any, title: str, due: dt.date, description: str = ""
) -> Milestone:
    """Change a milestone's title, due date or description."""
    project = milestone.project
    _require_editor(project, actor)
    old_due = milestone.due
    milestone.title = _clean_title(title)
    milestone.due = due
    milestone.description = _clean_text(description, "description")
    milestone.save()
    audit_record(
        action="project.milestone_update",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"milestone": milestone.pk, "due_before": old_due.isoformat(), "due": due.isoformat()},
    )
    return milestone


@transaction.atomic
def milestone_set_done(*, milestone: Milestone, actor: Any, done_on: dt.date | None) -> Milestone:
    """Mark a milestone done (on a date, not in the future) or, with None, open again."""
    project = milestone.project
    _require_editor(project, actor)
    if done_on is not None and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("A milestone cannot be done in the future.")})
    was_done = milestone.done_on is not None
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    audit_record(
        action="project.milestone_done" if done_on else "project.milestone_reopen",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"milestone": milestone.pk, "done_on": done_on.isoformat() if done_on else None},
    )
    if done_on is not None and not was_done:
        _event(
            "project.milestone_done",
            project,
            actor,
            milestone_id=milestone.pk,
            title=milestone.title,
            due=milestone.due.isoformat(),
            done_on=done_on.isoformat(),
        )
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: Any) -> None:
    """Remove a milestone that was planned by mistake."""
    project = milestone.project
    _require_editor(project, actor)
    audit_record(
        action="project.milestone_delete",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"milestone": milestone.pk, "title": milestone.title},
    )
    milestone.delete()


# --- Key performance indicators -----------------------------------------------------------


def _clean_number(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError) as error:
        raise ValidationError({field: _("Please give a number.")}) from error
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValidationError({field: _("Please give a number.")})
    return number.quantize(Decimal("0.0001"))


def _clean_indicator(name: str, unit: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    unit = " ".join((unit or "").split())
    errors = {}
    if len(name) < 3 or len(name) > 200:
        errors["name"] = _("Please name the indicator (3 to 200 characters).")
    if not unit or len(unit) > 60:
        errors["unit"] = _("Please give the unit (at most 60 characters).")
    if errors:
        raise ValidationError(errors)
    return name, unit


@transaction.atomic
def indicator_create(
    *, project: Project, actor: Any, name: str, unit: str, baseline: Any, target: Any
) -> Indicator:
    """Add a key performance indicator with its baseline and target."""
    _require_editor(project, actor)
    name, unit = _clean_indicator(name, unit)
    indicator = Indicator.objects.create(
        project=project,
        name=name,
        unit=unit,
        baseline=_clean_number(baseline, "baseline"),
        target=_clean_number(target, "target"),
        position=project.indicators.count(),
    )
    audit_record(
        action="project.indicator_create",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"indicator": indicator.pk, "name": name},
    )
    return indicator


@transaction.atomic
def indicator_update(
    *, indicator: Indicator, actor: Any, name: str, unit: str, baseline: Any, target: Any
) -> Indicator:
    """Change an indicator's name, unit, baseline or target."""
    project = indicator.project
    _require_editor(project, actor)
    indicator.name, indicator.unit = _clean_indicator(name, unit)
    indicator.baseline = _clean_number(baseline, "baseline")
    indicator.target = _clean_number(target, "target")
    indicator.save()
    audit_record(
        action="project.indicator_update",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"indicator": indicator.pk},
    )
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, actor: Any) -> None:
    """Remove an indicator with its measured values."""
    project = indicator.project
    _require_editor(project, actor)
    audit_record(
        action="project.indicator_delete",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"indicator": indicator.pk, "name": indicator.name},
    )
    indicator.delete()


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, actor: Any, measured_on: dt.date, value: Any, note: str = ""
) -> Measurement:
    """Record the value an indicator had on a day (one value per day; a new one replaces it)."""
    project = indicator.project
    _require_editor(project, actor)
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("A value cannot be measured in the future.")})
    measurement, _created = Measurement.objects.update_or_create(
        indicator=indicator,
        measured_on=measured_on,
        defaults={
            "value": _clean_number(value, "value"),
            "note": " ".join((note or "").split())[:300],
            "recorded_by": actor,
        },
    )
    audit_record(
        action="project.measurement",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={
            "indicator": indicator.pk,
            "date": measured_on.isoformat(),
            "value": str(measurement.value),
        },
    )
    _event(
        "project.kpi_measured",
        project,
        actor,
        indicator_id=indicator.pk,
        date=measured_on.isoformat(),
        value=str(measurement.value),
    )
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement, actor: Any) -> None:
    """Remove a wrongly recorded value."""
    project = measurement.indicator.project
    _require_editor(project, actor)
    audit_record(
        action="project.measurement_delete",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"indicator": measurement.indicator_id, "date": measurement.measured_on.isoformat()},
    )
    measurement.delete()


# --- Spending -----------------------------------------------------------------------------


def _recompute_spent(project: Project) -> None:
    total = project.expenditures.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    Project.objects.filter(pk=project.pk).update(spent=total)
    project.spent = total


@transaction.atomic
def expenditure_record(
    *,
    project: Project,
    actor: Any,
    spent_on: dt.date,
    amount: Any,
    category: str,
    note: str = "",
    is_demo: bool = False,
) -> Expenditure:
    """Book money spent on a project; the project's "spent" follows."""
    _require_editor(project, actor)
    errors: dict[str, Any] = {}
    clean_amount = None
    try:
        clean_amount = clean_money(amount, "amount", allow_none=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if clean_amount is not None and clean_amount <= 0:
        errors["amount"] = [_("Please give an amount above 0 euros.")]
    if category not in Expenditure.Category.values:
        errors["category"] = [_("Please choose a category.")]
    if spent_on > timezone.localdate():
        errors["spent_on"] = [_("Spending is booked when it happened, not in advance.")]
    if errors:
        raise ValidationError(errors)
    assert clean_amount is not None
    locked = Project.objects.select_for_update().get(pk=project.pk)
    expenditure = Expenditure.objects.create(
        project=locked,
        spent_on=spent_on,
        amount=clean_amount,
        category=category,
        note=" ".join((note or "").split())[:300],
        recorded_by=actor,
        is_demo=is_demo,
    )
    _recompute_spent(locked)
    project.spent = locked.spent
    audit_record(
        action="project.expenditure",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"amount": str(clean_amount), "category": category, "date": spent_on.isoformat()},
    )
    return expenditure


@transaction.atomic
def expenditure_delete(*, expenditure: Expenditure, actor: Any) -> None:
    """Cancel a wrongly booked expenditure."""
    project = expenditure.project
    _require_editor(project, actor)
    audit_record(
        action="project.expenditure_delete",
        municipality=project.municipality,
        actor=actor,
        target=project,
        data={"amount": str(expenditure.amount), "date": expenditure.spent_on.isoformat()},
    )
    expenditure.delete()
    _recompute_spent(Project.objects.select_for_update().get(pk=project.pk))
    project.refresh_from_db(fields=["spent"])
