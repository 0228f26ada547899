"""The citizens' assembly by lot (Bürgerrat): invitations, responses, selection, recommendations.

Personal data lives only where a step needs it and is deleted by the retention rules in
retention.py: the register extract is gone once the invitations are drawn, names and addresses
once the panel is drawn (except the panel's own) and all contact data when the assembly ends.
What stays are pseudonymous features, which the published audit record needs.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned


def _salt() -> str:
    return secrets.token_hex(16)


class Assembly(MunicipalityOwned):
    """One citizens' assembly: its guiding question, size, timeline and quotas."""

    class Stage(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        INVITED = "invited", _("Invitations sent, answers open")
        CLOSED = "closed", _("Answers closed, selection pending")
        SELECTED = "selected", _("Panel selected, in session")
        CONCLUDED = "concluded", _("Recommendations published")

    class Algorithm(models.TextChoices):
        LEXIMIN = "leximin", _("Leximin (as equal chances as possible)")
        MAXIMIN = "maximin", _("Maximin (highest minimum chance)")
        LEGACY = "legacy", _("Legacy (greedy, for comparison only)")

    title = models.CharField(_("title"), max_length=200)
    guiding_question = models.CharField(_("guiding question"), max_length=400)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown: **bold**, *italic*, lists, links.")
    )
    description_html = models.TextField(editable=False, default="")
    panel_size = models.PositiveSmallIntegerField(
        _("members of the panel"), validators=[MinValueValidator(2), MaxValueValidator(500)]
    )
    invitations = models.PositiveIntegerField(
        _("invitations to send"),
        validators=[MinValueValidator(2), MaxValueValidator(100_000)],
        help_text=_("Usually 10 to 20 times the panel size: most people invited do not answer."),
    )
    stratify_by_district = models.BooleanField(
        _("draw invitations per district"),
        default=True,
        help_text=_("Every district gets invitations in proportion to its population."),
    )
    one_per_household = models.BooleanField(_("at most one member per household"), default=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=16, validators=[MaxValueValidator(99)]
    )
    algorithm = models.CharField(
        _("selection algorithm"),
        max_length=10,
        choices=Algorithm.choices,
        default=Algorithm.LEXIMIN,
    )
    response_deadline = models.DateTimeField(_("answers accepted until"))
    selection_date = models.DateField(_("selection (public draw)"), null=True, blank=True)
    first_meeting = models.DateField(_("first meeting"), null=True, blank=True)
    last_meeting = models.DateField(_("last meeting"), null=True, blank=True)
    recommendations_due = models.DateField(_("recommendations due"), null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.DRAFT, db_index=True
    )
    is_published = models.BooleanField(_("public"), default=False)
    # Addresses are compared as keyed hashes, so the household rule survives their deletion.
    household_salt = models.CharField(max_length=64, default=_salt, editable=False)
    invitation_record = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("citizens' assembly")
        verbose_name_plural = _("citizens' assemblies")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/assemblies/{self.pk}/"

    @property
    def accepts_responses(self) -> bool:
        return self.stage == self.Stage.INVITED and timezone.now() < self.response_deadline


class QuotaCategory(MunicipalityOwned):
    """A feature the panel is stratified by (gender, age, district, ...), asked of respondents."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("feature"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    question = models.CharField(_("question to respondents"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quota feature")
        verbose_name_plural = _("quota features")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "name"], name="assembly_category_unique")
        ]

    def __str__(self) -> str:
        return self.label


class QuotaValue(MunicipalityOwned):
    """One value of a feature with its quota: at least `minimum`, at most `maximum` members."""

    category = models.ForeignKey(QuotaCategory, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    minimum = models.PositiveSmallIntegerField(_("minimum"))
    maximum = models.PositiveSmallIntegerField(_("maximum"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "value"], name="assembly_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category.name}/{self.value}"


class Seed(MunicipalityOwned):
    """A random seed announced in advance: a future public value, or a commitment to a secret."""

    class Purpose(models.TextChoices):
        INVITATIONS = "invitations", _("Drawing the invitations")
        SELECTION = "selection", _("Drawing the panel")
        REPLACEMENT = "replacement", _("Drawing replacements")

    class Kind(models.TextChoices):
        PUBLIC = "public", _("A public value that is not known yet")
        COMMIT = "commit", _("Commit and reveal (a secret whose hash is published first)")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="seeds")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    kind = models.CharField(_("kind of seed"), max_length=8, choices=Kind.choices)
    source = models.CharField(
        _("source"),
        max_length=400,
        help_text=_(
            "Where the value will come from and how it is written, e.g. "
            "'Lotto 6 aus 49 of Saturday 6 March 2027: the six numbers in ascending order, "
            "separated by spaces'."
        ),
    )
    commitment = models.CharField(_("SHA-256 commitment"), max_length=64, blank=True)
    value = models.CharField(_("value"), max_length=400, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    announced_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("seed")
        verbose_name_plural = _("seeds")
        ordering = ["announced_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.source}"

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class RegisterImport(MunicipalityOwned):
    """An uploaded population-register extract; its rows are deleted after the draw."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    too_young = models.PositiveIntegerField(default=0)
    strata = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.rows})"


class RegisterEntry(MunicipalityOwned):
    """One eligible person from the register extract, kept only until the invitations are drawn."""

    register = models.ForeignKey(RegisterImport, on_delete=models.CASCADE, related_name="entries")
    line = models.PositiveIntegerField()
    reference = models.CharField(max_length=80)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    street = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    city = models.CharField(max_length=100)
    district = models.CharField(max_length=100, blank=True)
    household = models.CharField(max_length=64)

    class Meta:
        ordering = ["line"]


def _code() -> str:
    # Crockford's alphabet without I, L, O, U: 60 random bits, read out and typed easily.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Invitation(MunicipalityOwned):
    """A drawn invitee with a personal response code. Name and address are deleted later."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="invites")
    number = models.PositiveIntegerField(_("letter number"))
    code = models.CharField(_("response code"), max_length=14, default=_code)
    name = models.CharField(max_length=300, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    district = models.CharField(max_length=100, blank=True)
    household = models.CharField(max_length=64)
    address_erased_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="invitation_number_unique"),
            models.UniqueConstraint(fields=["assembly", "code"], name="invitation_code_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


def _pseudonym() -> str:
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "T-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Response(MunicipalityOwned):
    """An invitee's answer: whether they want to take part, consent, and their features."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("On paper (entered by staff)")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    # The respondent's public lottery id: it appears in the audit record, never their name.
    pseudonym = models.CharField(max_length=12, default=_pseudonym)
    willing = models.BooleanField(_("wants to take part"))
    consent = models.BooleanField(_("consent to the processing of the answers"), default=False)
    answers = models.JSONField(default=dict)
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=40, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "pseudonym"], name="response_pseudonym")
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def in_pool(self) -> bool:
        return self.willing and self.consent and self.withdrawn_at is None


class Selection(MunicipalityOwned):
    """One lottery: the panel (kind "main") or replacements, from pool to drawn number."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Panel")
        REPLACEMENT = "replacement", _("Replacements")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the computer")
        SOLVING = "solving", _("Computing the fairest lottery")
        READY = "ready", _("Lottery published, waiting for the seed")
        DRAWING = "drawing", _("Drawing")
        DRAWN = "drawn", _("Drawn")
        FAILED = "failed", _("Failed")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="selections")
    number = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MAIN)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    algorithm = models.CharField(max_length=10)
    size = models.PositiveSmallIntegerField()
    tickets = models.PositiveIntegerField()
    features_csv = models.TextField()
    people_csv = models.TextField()
    household_column = models.CharField(max_length=20, blank=True)
    # For replacements: who stays and who dropped out (pseudonyms).
    remaining = models.JSONField(default=list, blank=True)
    dropped = models.JSONField(default=list, blank=True)
    pool_sha256 = models.CharField(max_length=64, blank=True)
    lottery_sha256 = models.CharField(max_length=64, blank=True)
    lottery = models.JSONField(default=list, blank=True)
    probabilities = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    seed = models.ForeignKey(
        Seed, null=True, blank=True, on_delete=models.PROTECT, related_name="selections"
    )
    drawn_number = models.PositiveIntegerField(null=True, blank=True)
    selected = models.JSONField(default=list, blank=True)
    audit = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0)
    progress_message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="selection_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id}/{self.number}"

    def get_absolute_url(self) -> str:
        return f"/assemblies/{self.assembly_id}/draws/{self.number}/"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.SOLVING, self.Status.DRAWING}


class Member(MunicipalityOwned):
    """A seat on the panel, held by a respondent; drop-outs are replaced by a new lottery."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Member")
        DROPPED = "dropped", _("Dropped out")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="members")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="seats")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="members")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    dropped_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    replaced_by = models.ForeignKey(
        Selection, null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced"
    )

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "response"], name="member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.response.pseudonym} ({self.status})"


class Recommendation(MunicipalityOwned):
    """A recommendation of the assembly, linked to ideas and to the council's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        ADOPTED = "adopted", _("Adopted")
        PARTLY = "partly", _("Partly adopted")
        REJECTED = "rejected", _("Rejected")
        REFERRED = "referred", _("Referred to the administration")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), help_text=_("Markdown: **bold**, *italic*, lists, links."))
    text_html = models.TextField(editable=False, default="")
    support = models.CharField(
        _("support in the assembly"),
        max_length=100,
        blank=True,
        help_text=_("For example: 38 of 40 members in favour."),
    )
    ideas = models.ManyToManyField(
        "ideas.Idea",
        blank=True,
        related_name="assembly_recommendations",
        verbose_name=_("ideas and projects"),
    )
    decision = models.CharField(
        _("council decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decision_reference = models.CharField(
        _("committee document"),
        max_length=300,
        blank=True,
        help_text=_("Paper number or OParl URL of the decision."),
    )
    decision_date = models.DateField(_("date of the decision"), null=True, blank=True)
    decision_note = models.TextField(_("explanation of the decision"), blank=True)
    is_published = models.BooleanField(_("public"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "number"], name="recommendation_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def decision_is_url(self) -> bool:
        return self.decision_reference.startswith(("http://", "https://"))
