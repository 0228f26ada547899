"""Writes of notifications: subscriptions, settings, inbox, devices, fan-out and digests."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import User
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core.bus import Event
from mitmachstadt.geo.geometry import bbox_around
from mitmachstadt.geo.models import District
from mitmachstadt.ideas import services as idea_services
from mitmachstadt.ideas.models import Comment, Follow, Idea, IdeaAuthor, OfficialAnswer
from mitmachstadt.ideas.states import PUBLIC_STATES
from mitmachstadt.tenants.models import FieldOfAction, Municipality

from . import claims, matching
from .kinds import DIGEST_PERIODS, Frequency, Kind, most_frequent
from .models import (
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    Activity,
    Delivery,
    Digest,
    DigestRun,
    Notification,
    NotificationSettings,
    PushSubscription,
    Subscription,
)
from .selectors import effective_prefs
from .tokens import Unsubscribe

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 50
MAX_DEVICES = 10
BOUNCES_BEFORE_PAUSE = 3


# --- Settings -------------------------------------------------------------------------------


@transaction.atomic
def settings_update(
    *,
    user: Any,
    municipality: Municipality,
    prefs: dict[str, dict[str, Any]],
    email_paused: bool = False,
) -> NotificationSettings:
    """Store the channels per kind (e-mail frequency, push, inbox) and the e-mail pause."""
    clean: dict[str, dict[str, Any]] = {}
    for kind in Kind.values:
        values = prefs.get(kind, {})
        email = values.get("email", Frequency.NEVER)
        if email not in Frequency.values:
            raise ValidationError(_("Unknown frequency."), code="frequency")
        clean[kind] = {
            "email": email,
            "push": bool(values.get("push")),
            "inbox": bool(values.get("inbox")),
        }
    row, _created = NotificationSettings.objects.select_for_update().get_or_create(
        user=user, municipality=municipality
    )
    row.prefs = clean
    row.email_paused = bool(email_paused)
    if not email_paused:
        row.bounce_count = 0
    row.save()
    audit_record(
        action="notifications.settings",
        municipality=municipality,
        actor=user,
        target=row,
        data={"email_paused": row.email_paused},
    )
    return row


def _set_email(user: Any, municipality: Municipality, kinds: list[str]) -> None:
    row, _created = NotificationSettings.objects.select_for_update().get_or_create(
        user=user, municipality=municipality
    )
    prefs = effective_prefs(row)
    for kind in kinds:
        prefs[kind]["email"] = Frequency.NEVER
    row.prefs = prefs
    row.save(update_fields=["prefs", "updated"])


# --- Subscriptions --------------------------------------------------------------------------


def _check_radius(lat: float | None, lon: float | None, radius_m: int | None) -> None:
    errors: dict[str, str] = {}
    if lat is None or not -90 <= lat <= 90:
        errors["lat"] = _("Please give a latitude between -90 and 90.")
    if lon is None or not -180 <= lon <= 180:
        errors["lon"] = _("Please give a longitude between -180 and 180.")
    if radius_m is None or not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
        errors["radius_m"] = _("Please give a radius between %(min)d and %(max)d metres.") % {
            "min": MIN_RADIUS_M,
            "max": MAX_RADIUS_M,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def subscription_create(
    *,
    user: Any,
    municipality: Municipality,
    type: str,
    field: FieldOfAction | None = None,
    district: District | None = None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: int | None = None,
    search: dict[str, Any] | None = None,
    label: str = "",
    include_updates: bool = False,
) -> Subscription:
    """Subscribe to a field, a district, an area around a point, a saved search or all events."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to subscribe."))
    if type not in Subscription.Type.values:
        raise ValidationError(_("Unknown kind of subscription."), code="type")
    existing = Subscription.objects.filter(municipality=municipality, user=user)
    if existing.count() >= MAX_SUBSCRIPTIONS:
        raise ValidationError(
            _("You can have at most %(n)d subscriptions.") % {"n": MAX_SUBSCRIPTIONS},
            code="too_many",
        )
    sub = Subscription(
        municipality=municipality,
        user=user,
        type=type,
        label=" ".join((label or "").split())[:120],
        include_updates=bool(include_updates),
    )
    if type == Subscription.Type.FIELD:
        if field is None or field.municipality_id != municipality.pk:
            raise ValidationError({"field": _("Please choose a field of action.")})
        sub.field = field
        duplicate = existing.filter(type=type, field=field)
        sub.label = sub.label or field.name
    elif type == Subscription.Type.DISTRICT:
        if district is None or district.municipality_id != municipality.pk:
            raise ValidationError({"district": _("Please choose a district.")})
        sub.district = district
        duplicate = existing.filter(type=type, district=district)
        sub.label = sub.label or district.name
    elif type == Subscription.Type.RADIUS:
        _check_radius(lat, lon, radius_m)
        assert lat is not None and lon is not None and radius_m is not None
        sub.lat, sub.lon, sub.radius_m = lat, lon, radius_m
        sub.min_lon, sub.min_lat, sub.max_lon, sub.max_lat = bbox_around(lat, lon, radius_m)
        duplicate = existing.filter(type=type, lat=lat, lon=lon, radius_m=radius_m)
        sub.label = sub.label or _("%(radius)d m around %(lat).5f, %(lon).5f") % {
            "radius": radius_m,
            "lat": lat,
            "lon": lon,
        }
    elif type == Subscription.Type.SEARCH:
        params = matching.clean_search(search or {})
        if not params:
            raise ValidationError(
                _("Please set at least one filter or search term."), code="empty_search"
            )
        sub.search = params
        duplicate = existing.filter(type=type, search=params)
        sub.label = sub.label or _("Search: %(q)s") % {
            "q": ", ".join(f"{k}={v}" for k, v in params.items())
        }
    else:
        duplicate = existing.filter(type=type)
        sub.label = sub.label or str(Subscription.Type.EVENTS.label)
    if duplicate.exists():
        raise ValidationError(_("You already have this subscription."), code="duplicate")
    sub.save()
    audit_record(
        action="notifications.subscribe",
        municipality=municipality,
        actor=user,
        target=sub,
        data={"type": type},
    )
    return sub


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user: Any) -> None:
    """End a subscription (only its owner may)."""
    if subscription.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("This is not your subscription."))
    audit_record(
        action="notifications.unsubscribe",
        municipality=subscription.municipality,
        actor=user,
        target=subscription,
        data={"type": subscription.type},
    )
    subscription.delete()


def idea_follow(*, idea: Idea, user: Any) -> None:
    """Follow a public idea or project (the subscribe button)."""
    if not idea.is_public:
        raise ValidationError(_("This idea is not public."), code="not_public")
    idea_services.follow_create(idea=idea, user=user)


def idea_unfollow(*, idea: Idea, user: Any) -> None:
    """Stop following an idea or project."""
    idea_services.follow_delete(idea=idea, user=user)


# --- Inbox ----------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user: Any) -> None:
    """Mark one inbox item as read."""
    if notification.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def notifications_mark_all_read(*, user: Any, municipality: Municipality) -> int:
    """Mark every unread inbox item of the account here as read."""
    return Notification.objects.filter(
        user=user, municipality=municipality, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- Web-push devices -----------------------------------------------------------------------


@transaction.atomic
def push_subscription_register(
    *,
    user: Any,
    municipality: Municipality,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
) -> PushSubscription:
    """Remember a browser's push endpoint and keys for this account."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in."))
    endpoint = (endpoint or "").strip()
    if not endpoint.startswith(("https://", "http://")) or len(endpoint) > 1000:
        raise ValidationError(_("This is not a push endpoint."), code="endpoint")
    if not (20 <= len(p256dh or "") <= 200 and 8 <= len(auth or "") <= 100):
        raise ValidationError(_("The push keys are missing."), code="keys")
    PushSubscription.objects.filter(municipality=municipality, endpoint=endpoint).exclude(
        user=user
    ).delete()
    if (
        PushSubscription.objects.filter(municipality=municipality, user=user)
        .exclude(endpoint=endpoint)
        .count()
        >= MAX_DEVICES
    ):
        raise ValidationError(
            _("You can receive push messages on at most %(n)d devices.") % {"n": MAX_DEVICES}
        )
    device, _created = PushSubscription.objects.update_or_create(
        municipality=municipality,
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": (user_agent or "")[:200],
            "failures": 0,
        },
    )
    audit_record(
        action="notifications.push_register", municipality=municipality, actor=user, target=device
    )
    return device


@transaction.atomic
def push_subscription_delete(*, device: PushSubscription, user: Any) -> None:
    """Stop push messages to one device."""
    if device.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    audit_record(
        action="notifications.push_remove",
        municipality=device.municipality,
        actor=user,
        target=device,
    )
    device.delete()


# --- Unsubscribe (RFC 8058) -----------------------------------------------------------------


@transaction.atomic
def unsubscribe_apply(*, request: Unsubscribe, municipality: Municipality) -> str:
    """Stop the e-mail stream a signed token names; returns what was stopped, for the page."""
    if request.municipality_id != municipality.pk:
        raise PermissionDenied
    user = User.objects.filter(pk=request.user_id).first()
    if user is None:
        return _("This account no longer exists.")
    kind, _sep, value = request.scope.partition(":")
    done = _("You will get no more of these e-mails.")
    if kind == "follow":
        idea = Idea.objects.filter(pk=value, municipality=municipality).first()
        if idea is not None:
            idea_services.follow_delete(idea=idea, user=user)
            done = _("You no longer follow “%(title)s”.") % {"title": idea.title}
    elif kind == "sub":
        sub = Subscription.objects.filter(pk=value, municipality=municipality, user=user).first()
        if sub is not None:
            done = _("Your subscription “%(name)s” has ended.") % {"name": str(sub)}
            sub.delete()
    elif kind == "kind" and value in Kind.values:
        _set_email(user, municipality, [value])
        done = _("You will get no more e-mails about: %(kind)s.") % {"kind": Kind(value).label}
    elif kind == "digest" and value in DIGEST_PERIODS:
        row = NotificationSettings.objects.filter(user=user, municipality=municipality).first()
        prefs = effective_prefs(row)
        _set_email(user, municipality, [k for k, v in prefs.items() if v["email"] == value])
        done = _("You will get no more summaries by e-mail.")
    else:
        row, _created = NotificationSettings.objects.get_or_create(
            user=user, municipality=municipality
        )
        row.email_paused = True
        row.save(update_fields=["email_paused", "updated"])
        done = _("You will get no more e-mails from us.")
    audit_record(
        action="notifications.unsubscribe_link",
        municipality=municipality,
        actor=user,
        data={"scope": request.scope},
    )
    return str(done)


def record_bounce(*, user_id: int, municipality_id: int) -> None:
    """Count a permanent delivery failure; pause e-mail after a few in a row."""
    with transaction.atomic():
        row, _created = NotificationSettings.objects.select_for_update().get_or_create(
            user_id=user_id, municipality_id=municipality_id
        )
        row.bounce_count += 1
        if row.bounce_count >= BOUNCES_BEFORE_PAUSE:
            row.email_paused = True
        row.save(update_fields=["bounce_count", "email_paused", "updated"])


# --- From events to notifications -----------------------------------------------------------


def _idea_of(event: Event) -> Idea | None:
    if event.object_id is None:
        return None
    return (
        Idea.objects.filter(pk=event.object_id, municipality_id=event.municipality_id)
        .select_related("district", "cluster")
        .first()
    )


def _event_facts(event: Event) -> dict[str, Any]:
    """Linked ideas, fields, districts and place of a scheduled event (bus data, then its row)."""
    data = event.data or {}
    idea_ids = matching.as_ints(data.get("ideas", []) or data.get("idea_ids", []) or [])
    fields = {str(s) for s in data.get("fields", []) or []}
    districts = {str(data["district"])} if data.get("district") else set()
    lat, lon = data.get("lat"), data.get("lon")
    try:
        model = django_apps.get_model("events", "Event")
    except LookupError:
        model = None
    row: Any = None
    if model is not None and event.object_id is not None:
        row = (
            model.objects.filter(pk=event.object_id, municipality_id=event.municipality_id)
            .select_related("place")
            .first()
        )
    if row is not None:
        if hasattr(row, "ideas"):
            idea_ids |= set(row.ideas.values_list("pk", flat=True))
        place = getattr(row, "place", None)
        if place is not None and getattr(place, "lat", None) is not None:
            lat, lon = place.lat, place.lon
    linked = Idea.objects.filter(pk__in=idea_ids, municipality_id=event.municipality_id)
    idea_ids = set(linked.values_list("pk", flat=True))
    for idea in linked.prefetch_related("fields").select_related("district"):
        fields |= {f.slug for f in idea.fields.all()}
        if idea.district:
            districts.add(idea.district.slug)
    return {
        "ideas": sorted(idea_ids),
        "fields": sorted(fields),
        "districts": sorted(districts),
        "lat": lat if isinstance(lat, int | float) else None,
        "lon": lon if isinstance(lon, int | float) else None,
    }


def activity_record(event: Event) -> Activity | None:
    """Turn a bus event into an Activity worth telling, or None if it is not."""
    data = event.data or {}
    idea = None
    kind: str
    snapshot: dict[str, Any] = {}
    if event.name == "idea.transition":
        idea = _idea_of(event)
        if idea is None or idea.is_hidden:
            return None
        name = str(data.get("transition", ""))
        if name == "submit":
            if not idea.is_public:
                return None
            kind = Kind.NEW_IDEA
            snapshot["excerpt"] = idea.text[:600]
        else:
            if idea.state not in PUBLIC_STATES and name != "withdraw":
                return None
            kind = Kind.TRANSITION
        for key in ("transition", "from", "to", "reason", "document"):
            snapshot[key] = str(data.get(key) or "")
    elif event.name == "idea.answered":
        idea = _idea_of(event)
        answer = OfficialAnswer.objects.filter(pk=data.get("answer_id") or 0, idea=idea).first()
        if idea is None or answer is None or not idea.is_public:
            return None
        kind = Kind.ANSWER
        snapshot = {"answer_id": answer.pk, "excerpt": answer.text[:800]}
    elif event.name == "comment.created":
        idea = _idea_of(event)
        comment = (
            Comment.objects.filter(pk=data.get("comment_id") or 0, idea=idea)
            .select_related("author", "parent")
            .first()
        )
        if idea is None or comment is None or not idea.is_public:
            return None
        kind = Kind.COMMENT
        snapshot = {
            "comment_id": comment.pk,
            "parent_id": comment.parent_id,
            "parent_author_id": comment.parent.author_id if comment.parent else None,
            "author": comment.author.display_name if comment.author else "",
            "anonymous": comment.anonymous,
            "excerpt": comment.text[:600],
        }
    elif event.name == "project.milestone_done":
        idea = _idea_of(event)
        if idea is None or not idea.is_public:
            return None
        kind = Kind.MILESTONE
        snapshot = {
            "milestone": str(data.get("title", ""))[:200],
            "milestone_id": data.get("milestone_id"),
            "done_on": str(data.get("done_on", "")),
        }
    elif event.name == "event.scheduled":
        kind = Kind.EVENT
        snapshot = {
            key: str(data.get(key) or "")[:300]
            for key in ("title", "start", "end", "place", "mode", "url")
        }
        snapshot["match"] = _event_facts(event)
    else:
        return None
    if idea is not None:
        snapshot["title"] = idea.title
    return Activity.objects.create(
        municipality_id=event.municipality_id,
        kind=kind,
        source=event.name,
        object_id=event.object_id,
        idea=idea,
        actor_id=event.actor_id,
        data=snapshot,
        claimed_by=claims.token(),
        lease_until=claims.lease_until(),
    )


@dataclass
class _Recipient:
    kind: str
    reason: str
    subscription_id: int | None = None
    extra_kinds: tuple[str, ...] = ()


def _recipients(activity: Activity) -> dict[int, _Recipient]:
    out: dict[int, _Recipient] = {}

    def add(user_id: int, recipient: _Recipient, *, override: bool = False) -> None:
        if override or user_id not in out:
            out[user_id] = recipient

    idea = activity.idea
    kind = activity.kind
    data = activity.data or {}
    if kind == Kind.NEW_IDEA and idea is not None:
        for sub in matching.subscriptions_for_idea(idea):
            add(sub.user_id, _Recipient(kind, Notification.Reason.SUBSCRIPTION, sub.pk))
        for author_id in IdeaAuthor.objects.filter(idea=idea).values_list("user_id", flat=True):
            out.pop(author_id, None)
    elif kind in {Kind.TRANSITION, Kind.ANSWER, Kind.MILESTONE, Kind.COMMENT} and idea:
        extra = (Kind.DOCUMENT,) if kind == Kind.TRANSITION and data.get("document") else ()
        for user_id in Follow.objects.filter(idea=idea).values_list("user_id", flat=True):
            add(user_id, _Recipient(kind, Notification.Reason.FOLLOW, extra_kinds=extra))
        if kind != Kind.COMMENT and idea.is_public:
            for sub in matching.subscriptions_for_idea(idea, updates_only=True):
                add(
                    sub.user_id,
                    _Recipient(kind, Notification.Reason.SUBSCRIPTION, sub.pk, extra),
                )
        if kind == Kind.COMMENT and data.get("parent_author_id"):
            add(
                int(data["parent_author_id"]),
                _Recipient(Kind.REPLY, Notification.Reason.REPLY),
                override=True,
            )
    elif kind == Kind.EVENT:
        facts = data.get("match", {})
        followers = Follow.objects.filter(
            idea_id__in=facts.get("ideas", []), idea__municipality_id=activity.municipality_id
        ).values_list("user_id", flat=True)
        for user_id in followers:
            add(user_id, _Recipient(kind, Notification.Reason.FOLLOW))
        event_facts = matching.EventFacts(
            municipality_id=activity.municipality_id,
            idea_ids=set(facts.get("ideas", [])),
            field_slugs=set(facts.get("fields", [])),
            district_slugs=set(facts.get("districts", [])),
            lat=facts.get("lat"),
            lon=facts.get("lon"),
        )
        for sub in matching.subscriptions_for_event(event_facts):
            add(sub.user_id, _Recipient(kind, Notification.Reason.SUBSCRIPTION, sub.pk))
    if activity.actor_id is not None:
        out.pop(activity.actor_id, None)
    return out


def activity_fan_out(activity: Activity) -> list[int]:
    """Create the inbox items and outbox rows for an activity; returns the new deliveries' ids.

    Safe to run again after an interruption: notifications are unique per activity and account,
    and those that exist are left alone.
    """
    recipients = _recipients(activity)
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=list(recipients), is_active=True).only(
            "pk", "email", "is_active"
        )
    }
    rows = {
        row.user_id: row
        for row in NotificationSettings.objects.filter(
            municipality_id=activity.municipality_id, user_id__in=list(users)
        )
    }
    devices: dict[int, list[int]] = {}
    for device_id, user_id in PushSubscription.objects.filter(
        municipality_id=activity.municipality_id, user_id__in=list(users)
    ).values_list("pk", "user_id"):
        devices.setdefault(user_id, []).append(device_id)
    delivery_ids: list[int] = []
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.fanned_out_at is not None:
            return []
        existing = set(
            Notification.objects.filter(activity=activity).values_list("user_id", flat=True)
        )
        planned: list[tuple[Notification, str, bool]] = []
        for user_id, recipient in recipients.items():
            if user_id not in users or user_id in existing:
                continue
            row = rows.get(user_id)
            prefs = effective_prefs(row)
            kinds = (recipient.kind, *recipient.extra_kinds)
            inbox = any(prefs[k]["inbox"] for k in kinds)
            email = most_frequent([prefs[k]["email"] for k in kinds])
            if (row is not None and row.email_paused) or not users[user_id].email:
                email = Frequency.NEVER
            push = any(prefs[k]["push"] for k in kinds) and bool(devices.get(user_id))
            if not inbox and email == Frequency.NEVER and not push:
                continue
            notification = Notification(
                municipality_id=activity.municipality_id,
                user_id=user_id,
                activity=activity,
                kind=recipient.kind,
                reason=recipient.reason,
                subscription_id=recipient.subscription_id,
                in_inbox=inbox,
                digest_period=email if email in DIGEST_PERIODS else "",
            )
            planned.append((notification, email, push))
        created = Notification.objects.bulk_create([n for n, _e, _p in planned])
        deliveries: list[Delivery] = []
        for notification, (_n, email, push) in zip(created, planned, strict=True):
            if email == Frequency.IMMEDIATELY:
                deliveries.append(
                    Delivery(
                        municipality_id=activity.municipality_id,
                        user_id=notification.user_id,
                        channel=Delivery.Channel.EMAIL,
                        notification=notification,
                    )
                )
            if push:
                for device_id in devices.get(notification.user_id, []):
                    deliveries.append(
                        Delivery(
                            municipality_id=activity.municipality_id,
                            user_id=notification.user_id,
                            channel=Delivery.Channel.PUSH,
                            notification=notification,
                            push_subscription_id=device_id,
                        )
                    )
        Delivery.objects.bulk_create(deliveries)
        delivery_ids = list(
            Delivery.objects.filter(notification__activity=activity).values_list("pk", flat=True)
        )
        Activity.objects.filter(pk=activity.pk).update(
            fanned_out_at=timezone.now(), claimed_by="", lease_until=None
        )
    return delivery_ids


# --- Digests --------------------------------------------------------------------------------


def digest_key(period: str, when: dt.datetime | None = None) -> str:
    """The window a digest belongs to: the local day, or the ISO week."""
    local = timezone.localtime(when or timezone.now())
    if period == Frequency.WEEKLY:
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def digests_build(*, period: str, key: str | None = None) -> int:
    """Collect everyone's waiting notifications of `period` into digests; returns how many.

    Each person gets at most one digest per window (day or ISO week), so running this twice
    does not send twice.
    """
    if period not in DIGEST_PERIODS:
        raise ValidationError(_("Unknown digest period."), code="period")
    key = key or digest_key(period)
    now = timezone.now()
    made = 0
    pairs = (
        Notification.objects.filter(digest_period=period, digest__isnull=True, created__lte=now)
        .values_list("user_id", "municipality_id")
        .distinct()
    )
    for user_id, municipality_id in list(pairs):
        try:
            with transaction.atomic():
                digest, created = Digest.objects.get_or_create(
                    user_id=user_id, municipality_id=municipality_id, period=period, key=key
                )
                if not created:
                    continue
                count = Notification.objects.filter(
                    user_id=user_id,
                    municipality_id=municipality_id,
                    digest_period=period,
                    digest__isnull=True,
                    created__lte=now,
                ).update(digest=digest)
                if count:
                    Delivery.objects.create(
                        municipality_id=municipality_id,
                        user_id=user_id,
                        channel=Delivery.Channel.EMAIL,
                        digest=digest,
                    )
                    made += 1
        except IntegrityError:
            # Another builder made this person's digest of this window at the same moment.
            continue
    DigestRun.objects.filter(period=period, key=key).update(
        completed_at=timezone.now(), digests=made
    )
    return made


def prune(*, days: int) -> int:
    """Forget notifications (and their deliveries) older than `days`; returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _details = Notification.objects.filter(created__lt=cutoff).delete()
    Digest.objects.filter(created__lt=cutoff, notifications__isnull=True).delete()
    Activity.objects.filter(created__lt=cutoff, notifications__isnull=True).delete()
    return deleted


def pending_fan_outs() -> list[Activity]:
    """Activities whose fan-out was interrupted (lease over, or its process gone)."""
    now = timezone.now()
    stale = []
    for activity in Activity.objects.filter(fanned_out_at__isnull=True).order_by("id")[:500]:
        if (
            activity.lease_until is None
            or activity.lease_until < now
            or claims.holder_is_gone(activity.claimed_by)
        ):
            stale.append(activity)
    return stale


def activity_claim(activity: Activity) -> bool:
    """Take over an interrupted fan-out (False if someone else just did)."""
    return bool(
        Activity.objects.filter(
            pk=activity.pk, fanned_out_at__isnull=True, claimed_by=activity.claimed_by
        ).update(claimed_by=claims.token(), lease_until=claims.lease_until())
    )
