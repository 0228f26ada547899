"""Writes to formats, places, events, registrations and open calls. Keyword-only, atomic,
audited; staff writes check the actor's role themselves (views are not the only callers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event as BusEvent
from mitmachstadt.core.bus import publish
from mitmachstadt.core.markup import render_markdown
from mitmachstadt.ideas.models import Idea
from mitmachstadt.ideas.states import PUBLIC_STATES
from mitmachstadt.tenants.models import Municipality

from .models import Application, Event, EventDocument, Format, OpenCall, Place, Registration
from .notify import absolute_url, email_user

#: Roles that organise events and open calls.
ORGANISER_ROLES = (Role.ADMIN, Role.MODERATOR)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "txt", "md", "csv", "png", "jpg", "jpeg"}
)


def is_organiser(municipality: Any, user: Any) -> bool:
    """True if `user` may organise events and open calls in `municipality`."""
    return has_role(municipality, user, *ORGANISER_ROLES)


def _require_organiser(municipality: Any, actor: Any) -> None:
    if not is_organiser(municipality, actor):
        raise PermissionDenied(_("Only the organisers may do this."))


def _bus(name: str, municipality_id: int, actor: Any, object_id: int, **data: Any) -> None:
    publish(
        BusEvent(
            name=name,
            municipality_id=municipality_id,
            actor_id=getattr(actor, "pk", None),
            object_id=object_id,
            data=data,
        )
    )


def _unique_slug(model: Any, municipality: Municipality, name: str, exclude: Any = None) -> str:
    base = slugify(name)[:70] or "item"
    slug, n = base, 2
    qs = model.objects.filter(municipality=municipality)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    while qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --------------------------------------------------------------------------- formats, places


@transaction.atomic
def format_create(
    *,
    municipality: Municipality,
    name: str,
    description: str = "",
    slug: str = "",
    position: int = 0,
    actor: Any = None,
    is_demo: bool = False,
) -> Format:
    """Add a participation format."""
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError({"name": _("Please give the format a name.")})
    fmt = Format.objects.create(
        municipality=municipality,
        slug=slug or _unique_slug(Format, municipality, name),
        name=name,
        description=description.strip(),
        position=position,
        is_demo=is_demo,
    )
    audit_record(action="event_format.create", municipality=municipality, actor=actor, target=fmt)
    return fmt


@transaction.atomic
def format_update(*, format: Format, actor: Any, name: str, description: str) -> Format:
    """Rename or re-describe a participation format."""
    _require_organiser(format.municipality, actor)
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError({"name": _("Please give the format a name.")})
    format.name = name
    format.description = description.strip()
    format.save(update_fields=["name", "description"])
    audit_record(
        action="event_format.update", municipality=format.municipality, actor=actor, target=format
    )
    return format


def _clean_place(
    *, name: str, lat: float | None, lon: float | None
) -> tuple[str, float | None, float | None]:
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError({"name": _("Please give the place a name.")})
    if (lat is None) != (lon is None):
        raise ValidationError({"lat": _("A position needs both latitude and longitude.")})
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"lat": _("This is not a valid position.")})
    return name, lat, lon


@transaction.atomic
def place_create(
    *,
    municipality: Municipality,
    actor: Any,
    name: str,
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
    description: str = "",
    accessibility: str = "",
    slug: str = "",
    is_demo: bool = False,
    check_role: bool = True,
) -> Place:
    """Add a place where events happen."""
    if check_role:
        _require_organiser(municipality, actor)
    name, lat, lon = _clean_place(name=name, lat=lat, lon=lon)
    place = Place.objects.create(
        municipality=municipality,
        slug=slug or _unique_slug(Place, municipality, name),
        name=name,
        address=address.strip(),
        lat=lat,
        lon=lon,
        description=description.strip(),
        accessibility=accessibility.strip(),
        is_demo=is_demo,
    )
    audit_record(action="event_place.create", municipality=municipality, actor=actor, target=place)
    return place


@transaction.atomic
def place_update(
    *,
    place: Place,
    actor: Any,
    name: str,
    address: str,
    lat: float | None,
    lon: float | None,
    description: str,
    accessibility: str,
) -> Place:
    """Change a place's details."""
    _require_organiser(place.municipality, actor)
    place.name, place.lat, place.lon = _clean_place(name=name, lat=lat, lon=lon)
    place.address = address.strip()
    place.description = description.strip()
    place.accessibility = accessibility.strip()
    place.save()
    audit_record(
        action="event_place.update", municipality=place.municipality, actor=actor, target=place
    )
    return place


# --------------------------------------------------------------------------- events


def _clean_event(
    municipality: Municipality,
    *,
    title: str,
    format: Format,
    description: str,
    mode: str,
    place: Place | None,
    online_url: str,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int | None,
    registration_closes: dt.datetime | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    description = (description or "").strip()
    if len(title) < 5:
        errors["title"] = _("Please give the event a title of at least 5 characters.")
    if len(description) < 10:
        errors["description"] = _("Please describe the event in at least 10 characters.")
    if format.municipality_id != municipality.pk:
        errors["format"] = _("Unknown format.")
    if mode not in Event.Mode.values:
        errors["mode"] = _("Unknown kind of event.")
    if mode == Event.Mode.ONLINE:
        place = None
    elif place is None:
        errors["place"] = _("An event in person needs a place.")
    elif place.municipality_id != municipality.pk:
        errors["place"] = _("Unknown place.")
    if mode == Event.Mode.IN_PERSON:
        online_url = ""
    if start is None or end is None:
        errors["start"] = _("Please give the start and the end.")
    elif end < start:
        errors["end"] = _("The event cannot end before it starts.")
    if capacity is not None and capacity < 1:
        errors["capacity"] = _("Give at least one place, or leave the field empty.")
    if registration_closes is not None and end is not None and registration_closes > end:
        errors["registration_closes"] = _("Registration must close before the event ends.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "format": format,
        "description": description,
        "description_html": render_markdown(description),
        "mode": mode,
        "place": place,
        "online_url": online_url.strip(),
        "start": start,
        "end": end,
        "capacity": capacity,
        "registration_closes": registration_closes,
    }


def _public_ideas(municipality: Municipality, ideas: Iterable[Idea]) -> list[Idea]:
    chosen = list(ideas)
    for idea in chosen:
        if idea.municipality_id != municipality.pk or idea.state not in PUBLIC_STATES:
            raise ValidationError({"ideas": _("Only public ideas of this municipality.")})
    return chosen


@transaction.atomic
def event_create(
    *,
    municipality: Municipality,
    actor: Any,
    title: str,
    format: Format,
    description: str,
    start: dt.datetime,
    end: dt.datetime,
    mode: str = Event.Mode.IN_PERSON,
    place: Place | None = None,
    online_url: str = "",
    capacity: int | None = None,
    registration_required: bool = True,
    registration_closes: dt.datetime | None = None,
    ideas: Iterable[Idea] = (),
    is_demo: bool = False,
    check_role: bool = True,
) -> Event:
    """Create an event as a draft; `event_publish` makes it public."""
    if check_role:
        _require_organiser(municipality, actor)
    fields = _clean_event(
        municipality,
        title=title,
        format=format,
        description=description,
        mode=mode,
        place=place,
        online_url=online_url,
        start=start,
        end=end,
        capacity=capacity,
        registration_closes=registration_closes,
    )
    event = Event.objects.create(
        municipality=municipality,
        registration_required=registration_required,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
        **fields,
    )
    event.ideas.set(_public_ideas(municipality, ideas))
    audit_record(action="event.create", municipality=municipality, actor=actor, target=event)
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    actor: Any,
    title: str,
    format: Format,
    description: str,
    start: dt.datetime,
    end: dt.datetime,
    mode: str,
    place: Place | None,
    online_url: str,
    capacity: int | None,
    registration_required: bool,
    registration_closes: dt.datetime | None,
) -> Event:
    """Change an event; participants are told when time, place or link change."""
    _require_organiser(event.municipality, actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("A cancelled event cannot be changed."))
    fields = _clean_event(
        event.municipality,
        title=title,
        format=format,
        description=description,
        mode=mode,
        place=place,
        online_url=online_url,
        start=start,
        end=end,
        capacity=capacity,
        registration_closes=registration_closes,
    )
    watched = ("start", "end", "mode", "place", "online_url")
    changed = [name for name in watched if getattr(event, name) != fields[name]]
    for name, value in fields.items():
        setattr(event, name, value)
    event.registration_required = registration_required
    event.sequence += 1
    event.save()
    audit_record(
        action="event.update",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"changed": changed},
    )
    if event.status == Event.Status.PUBLISHED:
        _promote_waitlist(event)
        if changed:
            for registration in event.registrations.filter(
                status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
            ).select_related("user"):
                email_user(
                    registration.user,
                    municipality=event.municipality,
                    template="event_changed",
                    context=_mail_context(event, registration),
                )
    return event


@transaction.atomic
def event_publish(*, event: Event, actor: Any) -> Event:
    """Make a draft event public and announce it on the bus ("event.scheduled")."""
    _require_organiser(event.municipality, actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    event.status = Event.Status.PUBLISHED
    event.published_at = timezone.now()
    event.sequence += 1
    event.save(update_fields=["status", "published_at", "sequence", "updated"])
    audit_record(action="event.publish", municipality=event.municipality, actor=actor, target=event)
    _bus(
        "event.scheduled",
        event.municipality_id,
        actor,
        event.pk,
        title=event.title,
        format=event.format.slug,
        start=event.start.isoformat(),
        end=event.end.isoformat(),
        place=event.place.name if event.place else "",
        mode=event.mode,
        url=event.get_absolute_url(),
    )
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: Any, reason: str) -> Event:
    """Cancel a published event with a public reason; everyone registered is told."""
    _require_organiser(event.municipality, actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be cancelled."))
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError({"reason": _("Please give a reason of at least 5 characters.")})
    event.status = Event.Status.CANCELLED
    event.cancel_reason = reason[:300]
    event.sequence += 1
    event.save(update_fields=["status", "cancel_reason", "sequence", "updated"])
    for registration in event.registrations.filter(
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    ).select_related("user"):
        email_user(
            registration.user,
            municipality=event.municipality,
            template="event_cancelled",
            context=_mail_context(event, registration),
        )
    audit_record(
        action="event.cancel",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"reason": event.cancel_reason},
    )
    _bus("event.cancelled", event.municipality_id, actor, event.pk, reason=event.cancel_reason)
    return event


@transaction.atomic
def event_record_outcome(*, event: Event, actor: Any, outcome: str, ideas: Iterable[Idea]) -> Event:
    """Publish what came out of an event and link the ideas and projects it worked on."""
    _require_organiser(event.municipality, actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.DRAFT:
        raise ValidationError(_("Publish the event first."))
    chosen = _public_ideas(event.municipality, ideas)
    event.outcome = (outcome or "").strip()
    event.outcome_html = render_markdown(event.outcome)
    if event.outcome and event.outcome_published_at is None:
        event.outcome_published_at = timezone.now()
    event.save(update_fields=["outcome", "outcome_html", "outcome_published_at", "updated"])
    event.ideas.set(chosen)
    audit_record(
        action="event.outcome",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"ideas": [i.pk for i in chosen]},
    )
    _bus(
        "event.outcome_published",
        event.municipality_id,
        actor,
        event.pk,
        ideas=[i.pk for i in chosen],
        url=event.get_absolute_url(),
    )
    return event


@transaction.atomic
def event_document_add(
    *,
    event: Event,
    actor: Any,
    title: str,
    kind: str = EventDocument.Kind.RESULTS,
    file: UploadedFile | None = None,
    url: str = "",
) -> EventDocument:
    """Attach a document (upload or link) to an event's outcome."""
    _require_organiser(event.municipality, actor)
    title = " ".join((title or "").split())
    if len(title) < 2:
        raise ValidationError({"title": _("Please give the document a title.")})
    if kind not in EventDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    if (file is None) == (not url):
        raise ValidationError({"file": _("Upload a file or give a link, not both.")})
    size, content_type = 0, ""
    if file is not None:
        name = file.name or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in DOCUMENT_EXTENSIONS:
            raise ValidationError(
                {
                    "file": _("Allowed file types: %(types)s.")
                    % {"types": ", ".join(sorted(DOCUMENT_EXTENSIONS))}
                }
            )
        if (file.size or 0) > MAX_DOCUMENT_BYTES:
            raise ValidationError({"file": _("A document may have at most 20 MB.")})
        size = file.size or 0
        content_type = (getattr(file, "content_type", "") or "")[:100]
    document = EventDocument.objects.create(
        municipality=event.municipality,
        event=event,
        title=title[:200],
        kind=kind,
        file=file or "",
        url=url.strip(),
        size=size,
        content_type=content_type,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="event.document_add",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"document": document.pk, "title": document.title},
    )
    return document


@transaction.atomic
def event_document_remove(*, document: EventDocument, actor: Any) -> None:
    """Remove a document from an event."""
    _require_organiser(document.municipality, actor)
    event = document.event
    if document.file:
        document.file.delete(save=False)
    audit_record(
        action="event.document_remove",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"document": document.pk, "title": document.title},
    )
    document.delete()


# --------------------------------------------------------------------------- registrations


def _mail_context(event: Event, registration: Registration | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "event": event,
        "registration": registration,
        "event_url": absolute_url(event.municipality, event.get_absolute_url()),
        "ics_url": absolute_url(event.municipality, f"/events/{event.pk}.ics"),
    }
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        context["position"] = waitlist_position(registration)
    return context


def waitlist_position(registration: Registration) -> int:
    """1-based place on the waiting list (0 if not waiting)."""
    if registration.status != Registration.Status.WAITLISTED:
        return 0
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED
    ).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, id__lt=registration.pk)
    )
    return ahead.count() + 1


def _confirmed_count(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.CONFIRMED).count()


def _promote_waitlist(event: Event) -> list[Registration]:
    """Move people up from the waiting list while there are free places (event row locked)."""
    if event.status != Event.Status.PUBLISHED or event.start <= timezone.now():
        return []
    promoted: list[Registration] = []
    while event.capacity is None or _confirmed_count(event) < event.capacity:
        nxt = (
            event.registrations.select_for_update(of=("self",))
            .filter(status=Registration.Status.WAITLISTED)
            .order_by("queued_at", "id")
            .select_related("user")
            .first()
        )
        if nxt is None:
            break
        nxt.status = Registration.Status.CONFIRMED
        nxt.confirmed_at = timezone.now()
        nxt.save(update_fields=["status", "confirmed_at"])
        promoted.append(nxt)
        audit_record(
            action="event.registration_promote",
            municipality=event.municipality,
            actor=None,
            target=event,
            data={"registration": nxt.pk},
        )
        email_user(
            nxt.user,
            municipality=event.municipality,
            template="registration_promoted",
            context=_mail_context(event, nxt),
        )
        _bus("event.registration_promoted", event.municipality_id, None, event.pk, user=nxt.user_id)
    return promoted


@transaction.atomic
def registration_create(*, event: Event, user: Any, note: str = "") -> Registration:
    """Register `user`: a confirmed place while places are free, else the waiting list."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to register."))
    # The row lock serialises registrations per event, so capacity is never exceeded.
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .get(pk=event.pk)
    )
    if not event.registration_open:
        raise ValidationError(_("Registration for this event is not open."))
    registration = Registration.objects.select_for_update().filter(event=event, user=user).first()
    if registration is not None and registration.status != Registration.Status.CANCELLED:
        raise ValidationError(_("You are already registered for this event."))
    has_queue = event.registrations.filter(status=Registration.Status.WAITLISTED).exists()
    free = event.capacity is None or _confirmed_count(event) < event.capacity
    status = (
        Registration.Status.CONFIRMED if free and not has_queue else Registration.Status.WAITLISTED
    )
    now = timezone.now()
    if registration is None:
        registration = Registration(municipality=event.municipality, event=event, user=user)
    registration.status = status
    registration.note = " ".join((note or "").split())[:300]
    registration.queued_at = now
    registration.confirmed_at = now if status == Registration.Status.CONFIRMED else None
    registration.cancelled_at = None
    registration.reminded_at = None
    registration.save()
    audit_record(
        action="event.register",
        municipality=event.municipality,
        actor=user,
        target=event,
        data={"registration": registration.pk, "status": status},
    )
    email_user(
        user,
        municipality=event.municipality,
        template=f"registration_{status}",
        context=_mail_context(event, registration),
    )
    _bus("event.registered", event.municipality_id, user, event.pk, status=status)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: Any) -> Registration:
    """Cancel a registration; a freed place goes to the first on the waiting list."""
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    is_self = getattr(actor, "pk", None) == registration.user_id
    if not is_self and not is_organiser(event.municipality, actor):
        raise PermissionDenied(_("You may only cancel your own registration."))
    if registration.status == Registration.Status.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_record(
        action="event.registration_cancel",
        municipality=event.municipality,
        actor=actor,
        target=event,
        data={"registration": registration.pk, "by_organiser": not is_self},
    )
    if not is_self:
        email_user(
            registration.user,
            municipality=event.municipality,
            template="registration_cancelled_by_organiser",
            context=_mail_context(event, registration),
        )
    if was_confirmed:
        _promote_waitlist(event)
    return registration


def reminders_send(*, hours: int = 24, now: dt.datetime | None = None) -> int:
    """Remind every confirmed participant of events starting within `hours`, once each."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        reminded_at__isnull=True,
        event__status=Event.Status.PUBLISHED,
        event__start__gt=now,
        event__start__lte=now + dt.timedelta(hours=hours),
    ).select_related("event", "event__place", "event__municipality", "user")
    sent = 0
    for registration in due:
        with transaction.atomic():
            # Claiming the row first makes concurrent runs (cron and worker) send only once.
            claimed = Registration.objects.filter(
                pk=registration.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            event = registration.event
            email_user(
                registration.user,
                municipality=event.municipality,
                template="reminder",
                context=_mail_context(event, registration),
            )
            audit_record(
                action="event.reminder",
                municipality=event.municipality,
                target=event,
                data={"registration": registration.pk},
            )
            sent += 1
    return sent


#: Registrations and applications are kept this long after their event or call, then deleted.
RETENTION_DAYS = 365


@transaction.atomic
def retention_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete registrations of long-past events and applications of long-closed calls."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=RETENTION_DAYS)
    registrations, _n = Registration.objects.filter(event__end__lt=limit).delete()
    applications, _n = Application.objects.filter(call__closes__lt=limit).delete()
    if registrations or applications:
        audit_record(
            action="events.retention",
            data={"registrations": registrations, "applications": applications},
        )
    return {"registrations": registrations, "applications": applications}


# --------------------------------------------------------------------------- open calls


def _clean_call(
    municipality: Municipality,
    *,
    format: Format,
    title: str,
    description: str,
    question: str,
    seats: int | None,
    closes: dt.datetime,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    description = (description or "").strip()
    question = " ".join((question or "").split())
    if len(title) < 5:
        errors["title"] = _("Please give the call a title of at least 5 characters.")
    if len(description) < 10:
        errors["description"] = _("Please describe the call in at least 10 characters.")
    if len(question) < 5:
        errors["question"] = _("Please ask applicants a question.")
    if format.municipality_id != municipality.pk:
        errors["format"] = _("Unknown format.")
    if seats is not None and seats < 1:
        errors["seats"] = _("Give at least one place, or leave the field empty.")
    if closes is None:
        errors["closes"] = _("Please say when applications close.")
    if errors:
        raise ValidationError(errors)
    return {
        "format": format,
        "title": title,
        "description": description,
        "description_html": render_markdown(description),
        "question": question,
        "seats": seats,
        "closes": closes,
    }


@transaction.atomic
def open_call_create(
    *,
    municipality: Municipality,
    actor: Any,
    format: Format,
    title: str,
    description: str,
    closes: dt.datetime,
    question: str = "",
    seats: int | None = None,
    is_demo: bool = False,
    check_role: bool = True,
) -> OpenCall:
    """Create an open call as a draft."""
    if check_role:
        _require_organiser(municipality, actor)
    fields = _clean_call(
        municipality,
        format=format,
        title=title,
        description=description,
        question=question or str(OpenCall._meta.get_field("question").default),
        seats=seats,
        closes=closes,
    )
    call = OpenCall.objects.create(
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
        **fields,
    )
    audit_record(action="open_call.create", municipality=municipality, actor=actor, target=call)
    return call


@transaction.atomic
def open_call_update(
    *,
    call: OpenCall,
    actor: Any,
    format: Format,
    title: str,
    description: str,
    question: str,
    seats: int | None,
    closes: dt.datetime,
) -> OpenCall:
    """Change an open call."""
    _require_organiser(call.municipality, actor)
    fields = _clean_call(
        call.municipality,
        format=format,
        title=title,
        description=description,
        question=question,
        seats=seats,
        closes=closes,
    )
    for name, value in fields.items():
        setattr(call, name, value)
    call.save()
    audit_record(
        action="open_call.update", municipality=call.municipality, actor=actor, target=call
    )
    return call


@transaction.atomic
def open_call_set_status(*, call: OpenCall, actor: Any, status: str) -> OpenCall:
    """Open a draft call for applications, or close an open one."""
    _require_organiser(call.municipality, actor)
    allowed = {
        OpenCall.Status.OPEN: {OpenCall.Status.DRAFT, OpenCall.Status.CLOSED},
        OpenCall.Status.CLOSED: {OpenCall.Status.OPEN},
    }
    if call.status not in allowed.get(status, set()):  # type: ignore[call-overload]
        raise ValidationError(_("This change of status is not possible."))
    if status == OpenCall.Status.OPEN and call.closes <= timezone.now():
        raise ValidationError({"closes": _("The closing date lies in the past.")})
    call.status = status
    if status == OpenCall.Status.OPEN and call.published_at is None:
        call.published_at = timezone.now()
    call.save(update_fields=["status", "published_at"])
    audit_record(
        action=f"open_call.{status}", municipality=call.municipality, actor=actor, target=call
    )
    if status == OpenCall.Status.OPEN:
        _bus(
            "open_call.opened",
            call.municipality_id,
            actor,
            call.pk,
            title=call.title,
            format=call.format.slug,
            closes=call.closes.isoformat(),
            url=call.get_absolute_url(),
        )
    return call


@transaction.atomic
def application_submit(
    *,
    call: OpenCall,
    user: Any,
    motivation: str,
    background: str = "",
    availability: str = "",
) -> Application:
    """Apply to an open call (once per account; a withdrawn application can be renewed)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to apply."))
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    if not call.accepts_applications:
        raise ValidationError(_("This call does not accept applications."))
    motivation = (motivation or "").strip()
    if len(motivation) < 20:
        raise ValidationError({"motivation": _("Please answer in at least 20 characters.")})
    if len(motivation) > 4000:
        raise ValidationError({"motivation": _("Please answer in at most 4,000 characters.")})
    if len(background or "") > 4000:
        raise ValidationError({"background": _("Please write at most 4,000 characters.")})
    application = Application.objects.filter(call=call, user=user).first()
    if application is not None and application.status != Application.Status.WITHDRAWN:
        raise ValidationError(_("You have already applied to this call."))
    if application is None:
        application = Application(municipality=call.municipality, call=call, user=user)
    application.motivation = motivation
    application.background = (background or "").strip()
    application.availability = " ".join((availability or "").split())[:300]
    application.status = Application.Status.SUBMITTED
    application.decision_message = ""
    application.decided_at = None
    application.decided_by = None
    application.save()
    audit_record(
        action="open_call.apply",
        municipality=call.municipality,
        actor=user,
        target=call,
        data={"application": application.pk},
    )
    email_user(
        user,
        municipality=call.municipality,
        template="application_received",
        context={
            "call": call,
            "call_url": absolute_url(call.municipality, call.get_absolute_url()),
        },
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user: Any) -> Application:
    """The applicant takes back an application that has not been decided yet."""
    if getattr(user, "pk", None) != application.user_id:
        raise PermissionDenied(_("You may only withdraw your own application."))
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("Only an application that is not decided can be withdrawn."))
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated"])
    audit_record(
        action="open_call.withdraw",
        municipality=application.municipality,
        actor=user,
        target=application.call,
        data={"application": application.pk},
    )
    return application


@transaction.atomic
def application_decide(
    *, application: Application, actor: Any, accept: bool, message: str = ""
) -> Application:
    """Accept or decline an application; the applicant gets the decision by e-mail."""
    _require_organiser(application.municipality, actor)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "user")
        .get(pk=application.pk)
    )
    if application.status not in {
        Application.Status.SUBMITTED,
        Application.Status.ACCEPTED,
        Application.Status.DECLINED,
    }:
        raise ValidationError(_("A withdrawn application cannot be decided."))
    status = Application.Status.ACCEPTED if accept else Application.Status.DECLINED
    if application.status == status:
        raise ValidationError(_("This decision has already been made."))
    application.status = status
    application.decision_message = (message or "").strip()[:4000]
    application.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    application.decided_at = timezone.now()
    application.save()
    call = application.call
    audit_record(
        action=f"open_call.{status}",
        municipality=application.municipality,
        actor=actor,
        target=call,
        data={"application": application.pk},
    )
    email_user(
        application.user,
        municipality=application.municipality,
        template=f"application_{status}",
        context={
            "call": call,
            "application": application,
            "call_url": absolute_url(call.municipality, call.get_absolute_url()),
        },
    )
    _bus(
        "open_call.application_decided",
        application.municipality_id,
        actor,
        call.pk,
        application=application.pk,
        user=application.user_id,
        status=status,
    )
    return application
