"""Reports, the moderation log, blocks, answer templates, spam checks and filter settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned


class Reason(models.TextChoices):
    """Why something was reported or acted upon; counted in the transparency report."""

    SPAM = "spam", _("Spam or advertising")
    INSULT = "insult", _("Insult or harassment")
    HATE = "hate", _("Hate speech or discrimination")
    PRIVACY = "privacy", _("Personal data of other people")
    ILLEGAL = "illegal", _("Possibly illegal content")
    MISLEADING = "misleading", _("False or misleading information")
    OFF_TOPIC = "off_topic", _("Off topic")
    DUPLICATE = "duplicate", _("Duplicate of another idea")
    NAME = "name", _("Inappropriate display name")
    OTHER = "other", _("Something else")


class TargetKind(models.TextChoices):
    IDEA = "idea", _("Idea")
    COMMENT = "comment", _("Comment")
    PROFILE = "profile", _("Profile")


class Targeted(MunicipalityOwned):
    """Something about an idea, a comment or an account (exactly one of them, by `kind`)."""

    kind = models.CharField(_("kind of content"), max_length=10, choices=TargetKind.choices)
    # SET_NULL: a report or log entry outlives the content (the transparency report counts it).
    idea = models.ForeignKey(
        "ideas.Idea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        "ideas.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    profile = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def target(self) -> models.Model | None:
        return {"idea": self.idea, "comment": self.comment, "profile": self.profile}.get(self.kind)


class Report(Targeted):
    """Someone's report of an idea, comment or profile; waits in the moderation queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Action taken")
        DISMISSED = "dismissed", _("No violation")

    class Source(models.TextChoices):
        PERSON = "person", _("Reported by a person")
        FILTER = "filter", _("Held by the spam filter")

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PERSON
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    # Kept for abuse defence only and erased after a few days (privacy.retention).
    reporter_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    spam_check = models.ForeignKey(
        "SpamCheck", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created = models.DateTimeField(_("reported"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["municipality", "status", "-created"]),
            models.Index(fields=["municipality", "kind", "idea", "comment", "profile"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.reason} ({self.status})"


class ModerationAction(Targeted):
    """One entry of the moderation log: every action of a moderator or of the spam filter."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        HOLD = "hold", _("Held for review")
        EDIT = "edit", _("Edited")
        MERGE = "merge", _("Merged")
        RENAME = "rename", _("Display name reset")
        BLOCK = "block", _("Account blocked")
        UNBLOCK = "unblock", _("Account unblocked")
        ANSWER = "answer", _("Official answer")
        ASSIGN = "assign", _("Report assigned")
        RESOLVE = "resolve", _("Report resolved")
        DISMISS = "dismiss", _("Report dismissed")

    action = models.CharField(_("action"), max_length=10, choices=Kind.choices, db_index=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderator"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    public_reason = models.CharField(_("public reason"), max_length=300, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["municipality", "-created"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d} {self.action} {self.kind}"


class BlockQuerySet(models.QuerySet["Block"]):
    def active(self, now: object = None) -> BlockQuerySet:
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now)
        )


class Block(MunicipalityOwned):
    """An account may not post, comment, react or report in the municipality until `ends_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    reason = models.CharField(
        _("reason given to the account"),
        max_length=300,
        help_text=_("The account holder sees this reason."),
    )
    note = models.TextField(_("internal note"), blank=True)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty: until lifted.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = BlockQuerySet.as_manager()

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["municipality", "user", "lifted_at"])]

    def __str__(self) -> str:
        return f"block #{self.pk} of account {self.user_id}"

    def is_active(self, now: object = None) -> bool:
        now = now or timezone.now()
        return (
            self.lifted_at is None
            and self.starts_at <= now  # type: ignore[operator]
            and (self.ends_at is None or self.ends_at > now)  # type: ignore[operator]
        )


class AnswerTemplate(MunicipalityOwned):
    """A reusable text for official answers; {title} and {municipality} are filled in."""

    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(
        _("text"),
        help_text=_(
            "Markdown. {title} becomes the idea's title, {municipality} the name of the "
            "municipality."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "title"], name="answer_template_title")
        ]

    def __str__(self) -> str:
        return self.title


class SpamCheck(MunicipalityOwned):
    """The spam score of one new idea or comment, with the signals that made it."""

    kind = models.CharField(_("kind of content"), max_length=10, choices=TargetKind.choices)
    idea = models.ForeignKey(
        "ideas.Idea", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "ideas.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField(_("spam score"))
    signals = models.JSONField(_("signals"), default=list)
    held = models.BooleanField(_("held for review"), default=False)
    # A hash of the normalised text: finds copies without keeping the text twice.
    digest = models.CharField(max_length=64, db_index=True)
    # Kept for abuse defence only and erased after a few days (privacy.retention).
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("spam check")
        verbose_name_plural = _("spam checks")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["municipality", "author", "-created"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.idea_id or self.comment_id}: {self.score:.2f}"


class ModerationSettings(models.Model):
    """Per municipality: how strict the spam filter is and which terms it holds back."""

    municipality = models.OneToOneField(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    spam_threshold = models.FloatField(
        _("spam score that holds a post for review"),
        default=1.0,
        help_text=_("Lower is stricter. 1.0 holds posts with two or three clear spam signals."),
    )
    blocked_terms = models.TextField(
        _("terms that hold a post for review"),
        blank=True,
        help_text=_("One term per line; matched case-insensitively as a whole word or phrase."),
    )
    hold_first_posts = models.BooleanField(
        _("hold the first post of every new account for review"), default=False
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return f"moderation settings of {self.municipality_id}"

    @property
    def terms(self) -> list[str]:
        return [line.strip() for line in self.blocked_terms.splitlines() if line.strip()]
