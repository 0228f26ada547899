"""Participation formats, places, events with registration, and open calls (DESIGN.md §1)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned


class Format(MunicipalityOwned):
    """A participation format of the strategy (Denklabor, Morgenmacher, Hackathon, ...)."""

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("participation format")
        verbose_name_plural = _("participation formats")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="event_format_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/events/formats/{self.slug}/"


class Place(MunicipalityOwned):
    """A place where events happen (Digitaler Werkraum, Innovationsmanufaktur, ...)."""

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=250, blank=True)
    lat = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lon = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("description"), blank=True)
    accessibility = models.CharField(
        _("accessibility"),
        max_length=300,
        blank=True,
        help_text=_("Step-free access, hearing loop, accessible toilet, ..."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="event_place_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def get_absolute_url(self) -> str:
        return f"/events/places/{self.slug}/"


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Events everyone may see: published and cancelled ones (never drafts)."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])


class Event(MunicipalityOwned):
    """One meeting of a format, at a place, online or both."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid (in person and online)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    format = models.ForeignKey(
        Format, on_delete=models.PROTECT, related_name="events", verbose_name=_("format")
    )
    description = models.TextField(
        _("description"), help_text=_("Markdown: **bold**, *italic*, lists, links.")
    )
    description_html = models.TextField(editable=False, default="")
    mode = models.CharField(_("how"), max_length=12, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("place"),
    )
    online_url = models.URLField(
        _("link for online participation"),
        blank=True,
        help_text=_("Only registered participants see this link."),
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    registration_required = models.BooleanField(_("registration required"), default=True)
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. Further registrations go on the waiting list."),
    )
    registration_closes = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to allow registration until the start."),
    )
    cancel_reason = models.CharField(_("reason for the cancellation"), max_length=300, blank=True)
    outcome = models.TextField(
        _("outcome"),
        blank=True,
        help_text=_("What came out of the event (Markdown); shown once the event is over."),
    )
    outcome_html = models.TextField(editable=False, default="")
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    ideas = models.ManyToManyField(
        "ideas.Idea",
        blank=True,
        related_name="linked_events",
        verbose_name=_("ideas and projects"),
    )
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Incremented on every change that calendars must pick up (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["municipality", "status", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/events/{self.pk}/"

    @property
    def is_public(self) -> bool:
        return self.status in {self.Status.PUBLISHED, self.Status.CANCELLED}

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    @property
    def is_online(self) -> bool:
        return self.mode in {self.Mode.ONLINE, self.Mode.HYBRID}

    @property
    def has_place(self) -> bool:
        return self.mode in {self.Mode.IN_PERSON, self.Mode.HYBRID} and self.place_id is not None

    @property
    def registration_deadline(self) -> object:
        return self.registration_closes or self.start

    @property
    def registration_open(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.registration_required
            and timezone.now() < self.registration_deadline  # type: ignore[operator]
        )


class Registration(MunicipalityOwned):
    """One account's registration for an event: confirmed, on the waiting list, or cancelled."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    note = models.CharField(
        _("note for the organisers"),
        max_length=300,
        blank=True,
        help_text=_("For example: I use a wheelchair, I need sign language interpretation."),
    )
    # The waiting list is served in this order; re-registering after a cancellation queues anew.
    queued_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_registration_unique")
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at", "id"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.event_id} ({self.status})"


def _document_path(instance: models.Model, filename: str) -> str:
    # The uploaded name never becomes part of the path: a random name is unguessable and safe.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"events/documents/{uuid.uuid4().hex}.{extension[:8]}"


class EventDocument(MunicipalityOwned):
    """A document of an event's outcome: minutes, slides, photos, or a link to them."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Minutes")
        SLIDES = "slides", _("Slides")
        RESULTS = "results", _("Results")
        PHOTOS = "photos", _("Photos")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RESULTS)
    file = models.FileField(_("file"), upload_to=_document_path, blank=True)
    url = models.URLField(_("link"), blank=True)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def href(self) -> str:
        return self.file.url if self.file else self.url


class OpenCall(MunicipalityOwned):
    """An invitation to apply for a format (the strategy's "Open Call")."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        CLOSED = "closed", _("Closed")

    format = models.ForeignKey(
        Format, on_delete=models.PROTECT, related_name="calls", verbose_name=_("format")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("Markdown: who is sought, for what, how much time it takes.")
    )
    description_html = models.TextField(editable=False, default="")
    question = models.CharField(
        _("question to applicants"),
        max_length=300,
        default=_("Why would you like to take part, and what would you bring in?"),
    )
    seats = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("How many people are sought (optional).")
    )
    closes = models.DateTimeField(_("applications close"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        ordering = ["-closes", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/calls/{self.pk}/"

    @property
    def is_public(self) -> bool:
        return self.status in {self.Status.OPEN, self.Status.CLOSED}

    @property
    def accepts_applications(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() < self.closes


class Application(MunicipalityOwned):
    """A person's application to an open call, and the staff's decision on it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_applications"
    )
    motivation = models.TextField(_("your answer"))
    background = models.TextField(
        _("about you (optional)"),
        blank=True,
        help_text=_("Experience, background, perspective you would bring in."),
    )
    availability = models.CharField(
        _("when you are available (optional)"), max_length=300, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    decision_message = models.TextField(_("message to the applicant"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="call_application_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.call_id} ({self.status})"
