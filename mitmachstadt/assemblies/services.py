"""Writes of the citizens' assembly workflow. Keyword-only, atomic, audited.

The order of the steps is enforced here, because it is what makes the draws trustworthy:
a seed is announced before the data it will be applied to are fixed, and its value is entered
only after they are (the register for the invitations, the published lottery for the panel).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.core.markup import render_markdown
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PUBLIC_STATES
from mitmachstadt.tenants.models import Municipality

from . import invitations as invitation_draw
from . import pool as pool_files
from . import retention
from .lottery import LotteryError, check_panel_size, normalise_seed, read_features, replacement_pool
from .lottery.data import check_quotas_against_size
from .messages import lottery_message
from .models import (
    Assembly,
    Invitation,
    Member,
    QuotaCategory,
    QuotaValue,
    Recommendation,
    RegisterEntry,
    RegisterImport,
    Response,
    Seed,
    Selection,
)
from .register import parse_register

#: Roles that run citizens' assemblies.
ORGANISER_ROLES = (Role.ADMIN, Role.COMMITTEE_CLERK)
TICKETS = {"leximin": 10_000, "maximin": 10_000, "legacy": 1_000}
DISTRICT_FEATURES = frozenset({"district", "stadtteil", "bezirk", "ortsteil"})


def is_organiser(municipality: Any, user: Any) -> bool:
    """True if `user` may run citizens' assemblies in `municipality`."""
    return has_role(municipality, user, *ORGANISER_ROLES)


def _require_organiser(municipality: Any, actor: Any) -> None:
    if not is_organiser(municipality, actor):
        raise PermissionDenied(_("Only the organisers may do this."))


def _bus(name: str, assembly: Assembly, actor: Any, **data: Any) -> None:
    publish(
        Event(
            name=name,
            municipality_id=assembly.municipality_id,
            actor_id=getattr(actor, "pk", None),
            object_id=assembly.pk,
            data={"title": assembly.title, "url": assembly.get_absolute_url(), **data},
        )
    )


def _lock(assembly: Assembly) -> Assembly:
    return Assembly.objects.select_for_update().get(pk=assembly.pk)


def _as_validation_error(error: LotteryError, field: str | None = None) -> ValidationError:
    message = lottery_message(error)
    return ValidationError({field: message} if field else message, code=error.code)


# --------------------------------------------------------------------------- the assembly


def _clean_assembly(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    data["title"] = " ".join((data.get("title") or "").split())
    data["guiding_question"] = " ".join((data.get("guiding_question") or "").split())
    data["description"] = (data.get("description") or "").strip()
    if len(data["title"]) < 5:
        errors["title"] = _("Please give the assembly a title of at least 5 characters.")
    if len(data["guiding_question"]) < 10:
        errors["guiding_question"] = _("Please state the guiding question.")
    size, invited = data.get("panel_size") or 0, data.get("invitations") or 0
    if not 2 <= size <= 500:
        errors["panel_size"] = _("A panel has between 2 and 500 members.")
    if invited < size:
        errors["invitations"] = _("Invite at least as many people as the panel has members.")
    if data.get("algorithm") not in Assembly.Algorithm.values:
        errors["algorithm"] = _("Unknown algorithm.")
    first, last = data.get("first_meeting"), data.get("last_meeting")
    if first and last and last < first:
        errors["last_meeting"] = _("The last meeting cannot be before the first.")
    if errors:
        raise ValidationError(errors)
    data["description_html"] = render_markdown(data["description"])
    return data


ASSEMBLY_FIELDS = (
    "title",
    "guiding_question",
    "description",
    "panel_size",
    "invitations",
    "response_deadline",
    "stratify_by_district",
    "one_per_household",
    "min_age",
    "algorithm",
    "selection_date",
    "first_meeting",
    "last_meeting",
    "recommendations_due",
)
# What the invitation draw and the published lottery depend on: fixed once they happened.
FIXED_AFTER_INVITATIONS = ("invitations", "stratify_by_district", "min_age")
FIXED_AFTER_SELECTION = ("panel_size", "algorithm", "one_per_household")


@transaction.atomic
def assembly_create(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    guiding_question: str,
    panel_size: int,
    invitations: int,
    response_deadline: dt.datetime,
    description: str = "",
    stratify_by_district: bool = True,
    one_per_household: bool = True,
    min_age: int = 16,
    algorithm: str = Assembly.Algorithm.LEXIMIN,
    selection_date: dt.date | None = None,
    first_meeting: dt.date | None = None,
    last_meeting: dt.date | None = None,
    recommendations_due: dt.date | None = None,
    is_demo: bool = False,
    check_role: bool = True,
) -> Assembly:
    """Create a citizens' assembly (not yet public)."""
    if check_role:
        _require_organiser(municipality, actor)
    data = _clean_assembly(
        {name: value for name, value in locals().items() if name in ASSEMBLY_FIELDS}
    )
    assembly = Assembly.objects.create(
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
        **data,
    )
    audit_record(action="assembly.create", municipality=municipality, actor=actor, target=assembly)
    return assembly


@transaction.atomic
def assembly_update(*, assembly: Assembly, actor: Any, **changes: Any) -> Assembly:
    """Change the assembly's settings (what a draw depended on cannot change afterwards)."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    unknown = set(changes) - set(ASSEMBLY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    data = _clean_assembly({**{f: getattr(assembly, f) for f in ASSEMBLY_FIELDS}, **changes})
    fixed: tuple[str, ...] = ()
    if assembly.stage != Assembly.Stage.DRAFT:
        fixed += FIXED_AFTER_INVITATIONS
    if assembly.selections.exists():
        fixed += FIXED_AFTER_SELECTION
    changed = [f for f in fixed if data[f] != getattr(assembly, f)]
    if changed:
        raise ValidationError(
            {f: _("This can no longer be changed: a draw already depends on it.") for f in changed}
        )
    for name, value in data.items():
        setattr(assembly, name, value)
    assembly.save()
    audit_record(
        action="assembly.update",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"fields": sorted(changes)},
    )
    return assembly


@transaction.atomic
def assembly_publish(*, assembly: Assembly, actor: Any, public: bool = True) -> Assembly:
    """Show (or hide) the assembly's public page."""
    _require_organiser(assembly.municipality, actor)
    assembly.is_published = public
    assembly.save(update_fields=["is_published", "updated"])
    audit_record(
        action="assembly.publish" if public else "assembly.unpublish",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
    )
    if public:
        _bus("assembly.published", assembly, actor)
    return assembly


# --------------------------------------------------------------------------- quotas


def quotas_text(assembly: Assembly) -> str:
    """The quotas as editable CSV, with the optional label and question columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max", "label", "question"])
    for category in assembly.categories.prefetch_related("values"):
        for index, value in enumerate(category.values.all()):
            writer.writerow(
                [
                    category.name,
                    value.value,
                    value.minimum,
                    value.maximum,
                    value.label if value.label != value.value else "",
                    category.question if index == 0 else "",
                ]
            )
    return buffer.getvalue()


def _extras(text: str) -> tuple[dict[str, str], dict[tuple[str, str], str], list[str]]:
    """Optional columns: a question per feature, a label per value; features in file order."""
    questions: dict[str, str] = {}
    labels: dict[tuple[str, str], str] = {}
    order: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().casefold(): f for f in reader.fieldnames or []}
    for row in reader:
        name = (row.get(fields.get("feature", "feature")) or "").strip()
        value = (row.get(fields.get("value", "value")) or "").strip()
        if not name:
            continue
        if name.casefold() not in [o.casefold() for o in order]:
            order.append(name)
        question = (
            (row.get(fields.get("question", ""), "") or "").strip() if "question" in fields else ""
        )
        label = (row.get(fields.get("label", ""), "") or "").strip() if "label" in fields else ""
        if question:
            questions.setdefault(name.casefold(), question[:300])
        if label:
            labels[(name.casefold(), value.casefold())] = label[:100]
    return questions, labels, order


@transaction.atomic
def quotas_set(*, assembly: Assembly, actor: Any, text: str) -> list[QuotaCategory]:
    """Replace the quotas from CSV (feature,value,min,max[,label][,question]).

    Errors name the line and column, and nothing is changed. Once invitations are out, the
    features and their values are fixed (people answer them); the numbers may still change
    until the panel is drawn.
    """
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.selections.filter(status=Selection.Status.DRAWN, kind=Selection.Kind.MAIN).exists():
        raise ValidationError(_("The panel is drawn: the quotas can no longer change."))
    if assembly.selections.filter(
        status__in=[
            Selection.Status.QUEUED,
            Selection.Status.SOLVING,
            Selection.Status.READY,
            Selection.Status.DRAWING,
        ]
    ).exists():
        raise ValidationError(_("A lottery is running on these quotas: they cannot change now."))
    try:
        features = read_features(io.StringIO(text), name="quotas.csv")
        check_quotas_against_size(features, assembly.panel_size, "quotas.csv")
    except LotteryError as error:
        raise _as_validation_error(error, "text") from None
    questions, labels, order = _extras(text)
    position = {name.casefold(): i for i, name in enumerate(order)}
    features = sorted(features, key=lambda f: position.get(f.name.casefold(), len(order)))
    existing = {
        (c.name, v.value): v
        for c in assembly.categories.prefetch_related("values")
        for v in c.values.all()
    }
    wanted = {(f.name, v) for f in features for v in f.values}
    if assembly.stage != Assembly.Stage.DRAFT and wanted != set(existing):
        raise ValidationError(
            {
                "text": _(
                    "The invitations are out: features and values can no longer change, only "
                    "the minimum and maximum numbers."
                )
            }
        )
    if assembly.stage == Assembly.Stage.DRAFT:
        assembly.categories.all().delete()
    categories = []
    for index, feature in enumerate(features):
        category, _created = QuotaCategory.objects.update_or_create(
            assembly=assembly,
            name=feature.name,
            defaults={
                "municipality": assembly.municipality,
                "label": feature.name[:1].upper() + feature.name[1:],
                "question": questions.get(feature.name.casefold())
                or _("Your answer for: %(feature)s") % {"feature": feature.name},
                "position": index,
            },
        )
        for v_index, (value, low, high) in enumerate(
            zip(feature.values, feature.mins, feature.maxs, strict=True)
        ):
            QuotaValue.objects.update_or_create(
                category=category,
                value=value,
                defaults={
                    "municipality": assembly.municipality,
                    "label": labels.get((feature.name.casefold(), value.casefold()), value),
                    "minimum": low,
                    "maximum": high,
                    "position": v_index,
                },
            )
        categories.append(category)
    audit_record(
        action="assembly.quotas",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"csv": pool_files.features_csv(assembly)},
    )
    return categories


# --------------------------------------------------------------------------- seeds


def seed_hash(value: str) -> str:
    """The commitment to a seed: SHA-256 of its normalised text (hex)."""
    return hashlib.sha256(normalise_seed(value).encode("utf-8")).hexdigest()


def pending_seed(assembly: Assembly, purpose: str) -> Seed | None:
    """The latest announced, unrevealed seed for `purpose` that no live lottery uses yet."""
    qs = assembly.seeds.filter(purpose=purpose, revealed_at__isnull=True)
    if purpose != Seed.Purpose.INVITATIONS:
        qs = qs.exclude(
            selections__status__in=[s for s in Selection.Status.values if s != "failed"]
        )
    return qs.order_by("-announced_at", "-id").first()


@transaction.atomic
def seed_announce(
    *,
    assembly: Assembly,
    actor: Any,
    purpose: str,
    kind: str,
    source: str,
    commitment: str = "",
) -> tuple[Seed, str]:
    """Announce where a seed will come from. Returns the seed and, for a commit-reveal seed
    without a given commitment, the generated secret (shown once, never stored)."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if purpose not in Seed.Purpose.values or kind not in Seed.Kind.values:
        raise ValidationError(_("Unknown kind of seed."))
    source = " ".join((source or "").split())
    if len(source) < 10:
        raise ValidationError(
            {"source": _("Please describe the source in at least 10 characters.")}
        )
    if purpose == Seed.Purpose.INVITATIONS and assembly.stage != Assembly.Stage.DRAFT:
        raise ValidationError(_("The invitations are already drawn."))
    if (
        purpose == Seed.Purpose.INVITATIONS
        and assembly.seeds.filter(purpose=purpose, revealed_at__isnull=False).exists()
    ):
        raise ValidationError(_("The seed for the invitations is already revealed."))
    secret = ""
    commitment = (commitment or "").strip().lower()
    if kind == Seed.Kind.COMMIT:
        if not commitment:
            secret = secrets.token_urlsafe(24)
            commitment = seed_hash(secret)
        elif not re.fullmatch(r"[0-9a-f]{64}", commitment):
            raise ValidationError(
                {"commitment": _("A commitment is a SHA-256 hash: 64 hexadecimal characters.")}
            )
    else:
        commitment = ""
    seed = Seed.objects.create(
        municipality=assembly.municipality,
        assembly=assembly,
        purpose=purpose,
        kind=kind,
        source=source,
        commitment=commitment,
        announced_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="assembly.seed_announce",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"seed": seed.pk, "purpose": purpose, "kind": kind, "commitment": commitment},
    )
    _bus("assembly.seed_announced", assembly, actor, purpose=purpose, source=source)
    return seed, secret


@transaction.atomic
def seed_reveal(*, seed: Seed, actor: Any, value: str) -> Seed:
    """Enter the seed's value, once what it is applied to is fixed."""
    _require_organiser(seed.municipality, actor)
    seed = Seed.objects.select_for_update(of=("self",)).select_related("assembly").get(pk=seed.pk)
    assembly = seed.assembly
    if seed.is_revealed:
        raise ValidationError(_("This seed is already revealed."))
    try:
        value = normalise_seed(value)
    except LotteryError as error:
        raise _as_validation_error(error, "value") from None
    if seed.kind == Seed.Kind.COMMIT and seed_hash(value) != seed.commitment:
        raise ValidationError({"value": _("This value does not match the published commitment.")})
    if seed.purpose == Seed.Purpose.INVITATIONS:
        register = assembly.imports.filter(purged_at__isnull=True).first()
        if assembly.stage != Assembly.Stage.DRAFT or register is None:
            raise ValidationError(_("Import the register first: the seed must come after it."))
    else:
        selection = seed.selections.filter(status=Selection.Status.READY).first()
        if selection is None:
            raise ValidationError(
                _("Start the lottery first: its numbered panels must be published before the seed.")
            )
    seed.value = value
    seed.revealed_at = timezone.now()
    seed.save(update_fields=["value", "revealed_at"])
    audit_record(
        action="assembly.seed_reveal",
        municipality=seed.municipality,
        actor=actor,
        target=assembly,
        data={"seed": seed.pk, "value": value},
    )
    _bus("assembly.seed_revealed", assembly, actor, purpose=seed.purpose, value=value)
    return seed


# --------------------------------------------------------------------------- invitations


@transaction.atomic
def register_import(
    *, assembly: Assembly, actor: Any, data: bytes, filename: str
) -> RegisterImport:
    """Check and store a register extract (replacing an earlier one). Nothing is stored if
    any line is wrong; the error names its line and column."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.DRAFT:
        raise ValidationError(_("The invitations are already drawn."))
    if assembly.seeds.filter(purpose=Seed.Purpose.INVITATIONS, revealed_at__isnull=False).exists():
        raise ValidationError(
            _("The seed for the invitations is revealed: the register can no longer change.")
        )
    register = parse_register(
        data,
        salt=assembly.household_salt,
        require_district=assembly.stratify_by_district,
        min_age=assembly.min_age,
    )
    for old in assembly.imports.all():
        retention.purge_register(old)
    assembly.imports.all().delete()
    record = RegisterImport.objects.create(
        municipality=assembly.municipality,
        assembly=assembly,
        filename=(filename or "register.csv")[:200],
        sha256=register.sha256,
        rows=register.rows,
        eligible=len(register.people),
        too_young=register.too_young,
        strata=register.strata,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    RegisterEntry.objects.bulk_create(
        [
            RegisterEntry(
                municipality=assembly.municipality,
                register=record,
                line=p.line,
                reference=p.reference,
                given_name=p.given_name,
                family_name=p.family_name,
                street=p.street,
                postcode=p.postcode,
                city=p.city,
                district=p.district,
                household=p.household,
            )
            for p in register.people
        ],
        batch_size=2000,
    )
    audit_record(
        action="assembly.register_import",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"sha256": register.sha256, "rows": register.rows, "eligible": len(register.people)},
    )
    return record


def _new_codes(count: int) -> list[str]:
    from .models import _code

    codes: set[str] = set()
    while len(codes) < count:
        codes.add(_code())
    return list(codes)


@transaction.atomic
def invitations_draw(*, assembly: Assembly, actor: Any) -> list[Invitation]:
    """Draw the invitees with the revealed seed; the register is deleted right after."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.DRAFT:
        raise ValidationError(_("The invitations are already drawn."))
    if not assembly.categories.exists():
        raise ValidationError(_("Set the quotas first: the reply form asks for them."))
    register = assembly.imports.filter(purged_at__isnull=True).first()
    if register is None:
        raise ValidationError(_("Import the register first."))
    seed = (
        assembly.seeds.filter(purpose=Seed.Purpose.INVITATIONS, revealed_at__isnull=False)
        .order_by("-revealed_at")
        .first()
    )
    if seed is None:
        raise ValidationError(_("Announce and reveal the seed for the invitations first."))
    entries = list(RegisterEntry.objects.filter(register=register).order_by("line"))
    chosen, allocations = invitation_draw.draw(
        entries,
        assembly.invitations,
        seed=seed.value,
        register_sha256=register.sha256,
        stratify=assembly.stratify_by_district,
    )
    codes = _new_codes(len(chosen))
    invites = Invitation.objects.bulk_create(
        [
            Invitation(
                municipality=assembly.municipality,
                assembly=assembly,
                number=number,
                code=code,
                name=f"{e.given_name} {e.family_name}",
                street=e.street,
                postcode=e.postcode,
                city=e.city,
                district=e.district,
                household=e.household,
            )
            for number, (e, code) in enumerate(zip(chosen, codes, strict=True), start=1)
        ],
        batch_size=2000,
    )
    deleted = retention.purge_register(register)
    assembly.invitation_record = {
        "algorithm": invitation_draw.ALGORITHM,
        "register_sha256": register.sha256,
        "register_rows": register.rows,
        "eligible": register.eligible,
        "too_young": register.too_young,
        "min_age": assembly.min_age,
        "invited": len(invites),
        "stratified": assembly.stratify_by_district,
        "strata": [
            {"district": a.district, "population": a.population, "invited": a.invited}
            for a in allocations
        ],
        "seed": seed.value,
        "seed_source": seed.source,
        "seed_kind": seed.kind,
        "seed_commitment": seed.commitment,
        "drawn_at": timezone.now().isoformat(),
    }
    assembly.stage = Assembly.Stage.INVITED
    assembly.save(update_fields=["invitation_record", "stage", "updated"])
    audit_record(
        action="assembly.invitations_draw",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"invited": len(invites), "register_rows_deleted": deleted},
    )
    _bus("assembly.invited", assembly, actor, invited=len(invites))
    return invites


# --------------------------------------------------------------------------- responses


def invitation_for_code(assembly: Assembly, code: str) -> Invitation | None:
    """The invitation with this code (spaces, dashes and case do not matter)."""
    clean = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    clean = clean.translate(str.maketrans("OILU", "011V"))
    if len(clean) != 12:
        return None
    formatted = f"{clean[:4]}-{clean[4:8]}-{clean[8:]}"
    return Invitation.objects.filter(assembly=assembly, code=formatted).first()


def _clean_answers(assembly: Assembly, answers: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for category in assembly.categories.prefetch_related("values"):
        allowed = {v.value.casefold(): v.value for v in category.values.all()}
        given = (answers.get(category.name) or "").strip()
        if given.casefold() not in allowed:
            errors[f"feature_{category.pk}"] = _("Please choose an answer.")
        else:
            clean[category.name] = allowed[given.casefold()]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    willing: bool,
    consent: bool = False,
    answers: dict[str, str] | None = None,
    contact_email: str = "",
    contact_phone: str = "",
    actor: Any = None,
) -> Response:
    """Record (or change) an invitee's answer: online with the code, or a paper reply
    entered by staff (`actor`)."""
    assembly = _lock(invitation.assembly)
    paper = actor is not None and getattr(actor, "is_authenticated", False)
    if paper:
        _require_organiser(assembly.municipality, actor)
        if assembly.stage != Assembly.Stage.INVITED:
            raise ValidationError(_("Answers are closed."))
    elif not assembly.accepts_responses:
        raise ValidationError(_("Answers are closed."))
    if willing:
        errors: dict[str, Any] = {}
        try:
            clean = _clean_answers(assembly, answers or {})
        except ValidationError as error:
            errors.update(error.message_dict)
        if not consent:
            errors["consent"] = _("Without your consent we cannot include you in the lottery.")
        if errors:
            raise ValidationError(errors)
    else:
        clean, consent, contact_email, contact_phone = {}, False, "", ""
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        response = Response(
            municipality=assembly.municipality, assembly=assembly, invitation=invitation
        )
        taken = set(assembly.responses.values_list("pseudonym", flat=True))
        while response.pseudonym in taken:
            response.pseudonym = Response._meta.get_field("pseudonym").get_default()
    response.willing = willing
    response.consent = consent
    response.answers = clean
    response.contact_email = (contact_email or "").strip()[:254]
    response.contact_phone = " ".join((contact_phone or "").split())[:40]
    response.channel = Response.Channel.PAPER if paper else Response.Channel.ONLINE
    response.entered_by = actor if paper else None
    response.withdrawn_at = None
    response.save()
    audit_record(
        action="assembly.response",
        municipality=assembly.municipality,
        actor=actor if paper else None,
        target=assembly,
        data={"letter": invitation.number, "willing": willing, "channel": response.channel},
    )
    return response


@transaction.atomic
def response_withdraw(*, response: Response, actor: Any = None) -> Response:
    """Take a respondent out of the pool (consent withdrawn); a panel seat becomes vacant."""
    if actor is not None:
        _require_organiser(response.municipality, actor)
    response.withdrawn_at = timezone.now()
    response.save(update_fields=["withdrawn_at", "updated"])
    Member.objects.filter(response=response, status=Member.Status.ACTIVE).update(
        status=Member.Status.DROPPED, dropped_at=timezone.now(), reason=_("consent withdrawn")
    )
    audit_record(
        action="assembly.response_withdraw",
        municipality=response.municipality,
        actor=actor,
        target=response.assembly,
        data={"pseudonym": response.pseudonym},
    )
    return response


@transaction.atomic
def responses_close(*, assembly: Assembly, actor: Any) -> Assembly:
    """Close the answers; invitees who are not in the pool are forgotten."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.INVITED:
        raise ValidationError(_("Answers are not open."))
    assembly.stage = Assembly.Stage.CLOSED
    assembly.save(update_fields=["stage", "updated"])
    erased = retention.after_answers_closed(assembly)
    audit_record(
        action="assembly.responses_close",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"addresses_erased": erased},
    )
    return assembly


# --------------------------------------------------------------------------- selection


def _running(assembly: Assembly) -> bool:
    return assembly.selections.filter(
        status__in=[
            Selection.Status.QUEUED,
            Selection.Status.SOLVING,
            Selection.Status.READY,
            Selection.Status.DRAWING,
        ]
    ).exists()


def _next_number(assembly: Assembly) -> int:
    return (assembly.selections.aggregate(n=Max("number"))["n"] or 0) + 1


def _enqueue(task_name: str, selection_id: int) -> None:
    def run() -> None:
        from . import tasks

        getattr(tasks, task_name).enqueue(selection_id=selection_id)

    transaction.on_commit(run)


@transaction.atomic
def selection_start(*, assembly: Assembly, actor: Any) -> Selection:
    """Fix the pool and compute the fairest lottery in the background.

    The seed that will draw from it must already be announced, and not yet revealed.
    """
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.CLOSED:
        raise ValidationError(_("Close the answers first."))
    if _running(assembly):
        raise ValidationError(_("A lottery is already under way."))
    seed = pending_seed(assembly, Seed.Purpose.SELECTION)
    if seed is None or seed.is_revealed:
        raise ValidationError(_("Announce the seed for the panel first (and do not reveal it)."))
    features = pool_files.features_csv(assembly)
    responses = pool_files.pool_responses(assembly)
    people, household = pool_files.people_csv(assembly, responses)
    try:
        check_panel_size(pool_files.load(features, people, household), assembly.panel_size)
    except LotteryError as error:
        raise _as_validation_error(error) from None
    selection = Selection.objects.create(
        municipality=assembly.municipality,
        assembly=assembly,
        number=_next_number(assembly),
        kind=Selection.Kind.MAIN,
        algorithm=assembly.algorithm,
        size=assembly.panel_size,
        tickets=TICKETS[assembly.algorithm],
        features_csv=features,
        people_csv=people,
        household_column=household,
        seed=seed,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="assembly.selection_start",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"selection": selection.number, "respondents": len(responses)},
    )
    _enqueue("solve_selection", selection.pk)
    return selection


@transaction.atomic
def selection_draw(*, selection: Selection, actor: Any) -> Selection:
    """Draw the panel from the published lottery with the revealed seed (in the background)."""
    _require_organiser(selection.municipality, actor)
    selection = (
        Selection.objects.select_for_update(of=("self",))
        .select_related("seed")
        .get(pk=selection.pk)
    )
    if selection.status != Selection.Status.READY:
        raise ValidationError(_("The lottery is not ready to be drawn."))
    seed = selection.seed
    if seed is None or not seed.is_revealed:
        raise ValidationError(_("Reveal the seed first."))
    if selection.solved_at is None or seed.revealed_at < selection.solved_at:  # type: ignore[operator]
        raise ValidationError(_("The seed was revealed before the lottery was published."))
    selection.status = Selection.Status.DRAWING
    selection.progress = 0.0
    selection.progress_message = ""
    selection.save(update_fields=["status", "progress", "progress_message"])
    audit_record(
        action="assembly.selection_draw",
        municipality=selection.municipality,
        actor=actor,
        target=selection.assembly,
        data={"selection": selection.number},
    )
    _enqueue("draw_selection", selection.pk)
    return selection


@transaction.atomic
def selection_retry(*, selection: Selection, actor: Any) -> Selection:
    """Run a failed lottery again from the same files (e.g. after a worker crash)."""
    _require_organiser(selection.municipality, actor)
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.status != Selection.Status.FAILED:
        raise ValidationError(_("Only a failed lottery can be run again."))
    drawing = bool(selection.lottery_sha256 and selection.solved_at)
    selection.status = Selection.Status.DRAWING if drawing else Selection.Status.QUEUED
    selection.error = ""
    selection.progress = 0.0
    selection.save(update_fields=["status", "error", "progress"])
    _enqueue("draw_selection" if drawing else "solve_selection", selection.pk)
    return selection


def record_drawn(
    selection: Selection, *, number: int, selected: list[str], audit: dict[str, Any]
) -> None:
    """Store a finished draw and seat the panel (called by the background task)."""
    with transaction.atomic():
        selection = Selection.objects.select_for_update().get(pk=selection.pk)
        assembly = _lock(selection.assembly)
        selection.drawn_number = number
        selection.selected = selected
        selection.audit = audit
        selection.status = Selection.Status.DRAWN
        selection.drawn_at = timezone.now()
        selection.progress = 1.0
        selection.save()
        responses = {
            r.pseudonym: r
            for r in Response.objects.filter(assembly=assembly, pseudonym__in=selected)
        }
        if selection.kind == Selection.Kind.MAIN:
            new = selected
        else:
            new = [p for p in selected if p not in set(selection.remaining)]
            Member.objects.filter(
                assembly=assembly,
                status=Member.Status.DROPPED,
                replaced_by__isnull=True,
                response__pseudonym__in=selection.dropped,
            ).update(replaced_by=selection)
        Member.objects.bulk_create(
            [
                Member(
                    municipality=assembly.municipality,
                    assembly=assembly,
                    response=responses[p],
                    selection=selection,
                )
                for p in new
            ]
        )
        assembly.stage = Assembly.Stage.SELECTED
        assembly.save(update_fields=["stage", "updated"])
        audit_record(
            action="assembly.panel_drawn",
            municipality=assembly.municipality,
            target=assembly,
            data={"selection": selection.number, "number": number, "seated": len(new)},
        )
        _bus(
            "assembly.panel_drawn",
            assembly,
            None,
            selection=selection.number,
            kind=selection.kind,
            number=number,
            audit_url=selection.get_absolute_url(),
        )


@transaction.atomic
def member_drop(*, member: Member, actor: Any, reason: str) -> Member:
    """A member leaves the panel; replacements are drawn for vacant seats."""
    _require_organiser(member.municipality, actor)
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("This member has already left."))
    member.status = Member.Status.DROPPED
    member.dropped_at = timezone.now()
    member.reason = " ".join((reason or "").split())[:200]
    member.save(update_fields=["status", "dropped_at", "reason"])
    audit_record(
        action="assembly.member_drop",
        municipality=member.municipality,
        actor=actor,
        target=member.assembly,
        data={"pseudonym": member.response.pseudonym},
    )
    return member


def vacancies(assembly: Assembly) -> list[Member]:
    """Members who dropped out and are not replaced yet."""
    return list(
        Member.objects.filter(
            assembly=assembly, status=Member.Status.DROPPED, replaced_by__isnull=True
        ).select_related("response")
    )


@transaction.atomic
def replacement_start(*, assembly: Assembly, actor: Any) -> Selection:
    """Draw replacements for the vacant seats the same way: a fair lottery on the pool,
    conditional on the remaining members (quotas still met, households respected)."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.SELECTED:
        raise ValidationError(_("Replacements are drawn while the panel is in session."))
    if _running(assembly):
        raise ValidationError(_("A lottery is already under way."))
    vacant = vacancies(assembly)
    if not vacant:
        raise ValidationError(_("No seat is vacant."))
    seed = pending_seed(assembly, Seed.Purpose.REPLACEMENT)
    if seed is None or seed.is_revealed:
        raise ValidationError(
            _("Announce the seed for the replacements first (and do not reveal it).")
        )
    active = list(
        Member.objects.filter(assembly=assembly, status=Member.Status.ACTIVE).values_list(
            "response__pseudonym", flat=True
        )
    )
    dropped = sorted(m.response.pseudonym for m in vacant)
    # People who left earlier and were replaced are not in the pool any more.
    gone = set(
        Member.objects.filter(
            assembly=assembly, status=Member.Status.DROPPED, replaced_by__isnull=False
        ).values_list("response__pseudonym", flat=True)
    )
    responses = [
        r
        for r in Response.objects.filter(assembly=assembly, willing=True, consent=True)
        .select_related("invitation")
        .order_by("pseudonym")
        if r.pseudonym not in gone and (r.withdrawn_at is None or r.pseudonym in dropped)
    ]
    features = pool_files.features_csv(assembly)
    people, household = pool_files.people_csv(assembly, responses)
    selected = sorted([*active, *dropped])
    if len(selected) != assembly.panel_size:
        raise ValidationError(_("The panel does not have its full size."))
    try:
        pool = pool_files.load(features, people, household)
        sub, _remaining = replacement_pool(pool, selected, dropped)
        if sub.size < len(dropped):
            raise ValidationError(_("Not enough people are left in the pool."))
    except LotteryError as error:
        raise _as_validation_error(error) from None
    selection = Selection.objects.create(
        municipality=assembly.municipality,
        assembly=assembly,
        number=_next_number(assembly),
        kind=Selection.Kind.REPLACEMENT,
        algorithm=assembly.algorithm,
        size=len(dropped),
        tickets=TICKETS[assembly.algorithm],
        features_csv=features,
        people_csv=people,
        household_column=household,
        remaining=sorted(active),
        dropped=dropped,
        seed=seed,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="assembly.replacement_start",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"selection": selection.number, "dropped": dropped},
    )
    _enqueue("solve_selection", selection.pk)
    return selection


# --------------------------------------------------------------------------- afterwards


def _public_ideas(municipality: Municipality, ideas: Iterable[Idea]) -> list[Idea]:
    chosen = list(ideas)
    for idea in chosen:
        if idea.municipality_id != municipality.pk or idea.state not in PUBLIC_STATES:
            raise ValidationError({"ideas": _("Only public ideas of this municipality.")})
    return chosen


@transaction.atomic
def recommendation_save(
    *,
    assembly: Assembly,
    actor: Any,
    title: str,
    text: str,
    number: int | None = None,
    support: str = "",
    ideas: Iterable[Idea] = (),
    decision: str = Recommendation.Decision.PENDING,
    decision_reference: str = "",
    decision_date: dt.date | None = None,
    decision_note: str = "",
    recommendation: Recommendation | None = None,
) -> Recommendation:
    """Create or change a recommendation, its linked ideas and the council's decision."""
    _require_organiser(assembly.municipality, actor)
    title = " ".join((title or "").split())
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if len(title) < 5:
        errors["title"] = _("Please give the recommendation a title of at least 5 characters.")
    if len(text) < 10:
        errors["text"] = _("Please write the recommendation in at least 10 characters.")
    if decision not in Recommendation.Decision.values:
        errors["decision"] = _("Unknown decision.")
    if decision != Recommendation.Decision.PENDING and not decision_reference.strip():
        errors["decision_reference"] = _("Name the committee document of the decision.")
    if errors:
        raise ValidationError(errors)
    chosen = _public_ideas(assembly.municipality, ideas)
    if recommendation is None:
        recommendation = Recommendation(
            municipality=assembly.municipality,
            assembly=assembly,
            number=number or (assembly.recommendations.aggregate(n=Max("number"))["n"] or 0) + 1,
        )
    elif number:
        recommendation.number = number
    previous = recommendation.decision
    recommendation.title = title[:200]
    recommendation.text = text
    recommendation.text_html = render_markdown(text)
    recommendation.support = " ".join((support or "").split())[:100]
    recommendation.decision = decision
    recommendation.decision_reference = decision_reference.strip()[:300]
    recommendation.decision_date = decision_date
    recommendation.decision_note = (decision_note or "").strip()
    recommendation.save()
    recommendation.ideas.set(chosen)
    audit_record(
        action="assembly.recommendation",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"recommendation": recommendation.pk, "decision": decision},
    )
    if recommendation.is_published and decision != previous:
        _bus(
            "assembly.recommendation_decided",
            assembly,
            actor,
            recommendation=recommendation.pk,
            decision=decision,
            reference=recommendation.decision_reference,
        )
    return recommendation


@transaction.atomic
def recommendations_publish(*, assembly: Assembly, actor: Any) -> int:
    """Publish every recommendation of the assembly."""
    _require_organiser(assembly.municipality, actor)
    count = assembly.recommendations.filter(is_published=False).update(is_published=True)
    audit_record(
        action="assembly.recommendations_publish",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data={"published": count},
    )
    if count:
        _bus("assembly.recommendations_published", assembly, actor, count=count)
    return count


@transaction.atomic
def assembly_conclude(*, assembly: Assembly, actor: Any) -> Assembly:
    """End the assembly: recommendations public, all names and contact data deleted."""
    _require_organiser(assembly.municipality, actor)
    assembly = _lock(assembly)
    if assembly.stage != Assembly.Stage.SELECTED:
        raise ValidationError(_("Only an assembly in session can be concluded."))
    if _running(assembly):
        raise ValidationError(_("A lottery is still under way."))
    if not assembly.recommendations.exists():
        raise ValidationError(_("Add the recommendations first."))
    assembly.recommendations.update(is_published=True)
    assembly.stage = Assembly.Stage.CONCLUDED
    assembly.concluded_at = timezone.now()
    assembly.save(update_fields=["stage", "concluded_at", "updated"])
    erased = retention.erase_all(assembly)
    audit_record(
        action="assembly.conclude",
        municipality=assembly.municipality,
        actor=actor,
        target=assembly,
        data=erased,
    )
    _bus("assembly.concluded", assembly, actor)
    return assembly
