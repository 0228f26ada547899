from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned

from .states import PUBLIC_STATES, State


class IdeaQuerySet(models.QuerySet):
    def public(self) -> IdeaQuerySet:
        """Ideas everyone may see: submitted and beyond, not hidden by moderation."""
        return self.filter(state__in=PUBLIC_STATES, is_hidden=False)

    def visible_to(self, user: object) -> IdeaQuerySet:
        """Public ideas plus the user's own drafts and withdrawn ideas."""
        if getattr(user, "is_authenticated", False):
            return self.filter(
                models.Q(state__in=PUBLIC_STATES, is_hidden=False) | models.Q(authors=user)
            ).distinct()
        return self.public()


class Idea(MunicipalityOwned):
    """A citizen's idea, and later the project it becomes."""

    title = models.CharField(_("title"), max_length=160)
    text = models.TextField(_("text"), help_text=_("Markdown: **bold**, *italic*, lists, links."))
    text_html = models.TextField(editable=False, default="")
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.DRAFT, db_index=True
    )
    fields = models.ManyToManyField(
        "tenants.FieldOfAction", related_name="ideas", verbose_name=_("fields of action")
    )
    cluster = models.ForeignKey(
        "tenants.Cluster",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        verbose_name=_("cluster"),
    )
    district = models.ForeignKey(
        "geo.District",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        verbose_name=_("district"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    citywide = models.BooleanField(_("citywide"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="IdeaAuthor", related_name="authored_ideas"
    )
    partners = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="partner_ideas",
        verbose_name=_("partner organisations"),
    )
    anonymous = models.BooleanField(
        _("post anonymously"),
        default=False,
        help_text=_("The public sees 'anonymous'; moderators still see your account."),
    )
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas"
    )
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_answer_at = models.DateTimeField(_("first official answer"), null=True, blank=True)
    # Counters kept by services under a row lock; never computed per request.
    up_count = models.PositiveIntegerField(default=0)
    down_count = models.PositiveIntegerField(default=0)
    star_count = models.PositiveIntegerField(default=0)
    star_sum = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    rated_score = models.FloatField(default=0.0)
    controversy = models.FloatField(default=0.0)
    trending = models.FloatField(default=0.0)
    exposure = models.PositiveIntegerField(default=0)
    search_document = models.TextField(editable=False, default="")
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "state", "-submitted_at", "-id"]),
            models.Index(fields=["municipality", "lat", "lon"]),
            # Scale (issue #4): one index per list order, walked in order, that also holds the
            # public test (state, is_hidden), so even deep pages never touch the table rows
            # they skip; counts of public ideas read only the small last one.
            *(
                models.Index(
                    fields=["municipality", f"-{column}", "-id", "state", "is_hidden"],
                    name=f"idea_order_{order}",
                )
                for order, column in (
                    ("newest", "submitted_at"),
                    ("supported", "up_count"),
                    ("rated", "rated_score"),
                    ("discussed", "comment_count"),
                    ("controversial", "controversy"),
                    ("trending", "trending"),
                )
            ),
            models.Index(fields=["municipality", "state", "is_hidden"], name="idea_public_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES and not self.is_hidden

    @property
    def net_support(self) -> int:
        return self.up_count - self.down_count

    @property
    def star_average(self) -> float | None:
        return self.star_sum / self.star_count if self.star_count else None

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def get_absolute_url(self) -> str:
        # A stable public path (it is printed in letters and feeds); ideas.urls serves it.
        return f"/ideas/{self.pk}/"


class IdeaAuthor(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="author_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_owner = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="idea_author_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"


class IdeaVersion(models.Model):
    """One saved revision of an idea's content; every version is kept."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=160)
    text = models.TextField()
    field_names = models.JSONField(default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "number"], name="idea_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.idea_id} v{self.number}"


class Comment(models.Model):
    """A comment or reply in an idea's discussion (threaded by `parent`)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymous = models.BooleanField(_("post anonymously"), default=False)
    text = models.TextField(_("comment"))
    text_html = models.TextField(editable=False, default="")
    created = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["idea", "created", "id"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.idea_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class OfficialAnswer(models.Model):
    """The administration's answer to an idea, shown prominently on it."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("answer"))
    text_html = models.TextField(editable=False, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Answer {self.pk} on {self.idea_id}"


class Reaction(models.Model):
    """One account's reaction to an idea: +1 (support/up), -1 (down) or 1-5 stars."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(validators=[MinValueValidator(-1), MaxValueValidator(5)])
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="reaction_one_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.value} on {self.idea_id}"


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.idea_id}"


class IdeaLink(models.Model):
    """A typed link between two ideas of one municipality, shown on both ends."""

    class Kind(models.TextChoices):
        RELATED = "related", _("related to")
        BUILDS_ON = "builds_on", _("builds on")
        DUPLICATE_OF = "duplicate_of", _("duplicate of")
        PART_OF = "part_of", _("part of")

    source = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind of link"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="idea_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="idea_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


def _upload_path(instance: models.Model, filename: str) -> str:
    # Never trust the uploaded name in the path: a random name keeps it unguessable and safe.
    import uuid

    kind = "images" if isinstance(instance, IdeaImage) else "attachments"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ideas/{kind}/{uuid.uuid4().hex}.{extension[:8]}"


class IdeaImage(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(upload_to=_upload_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("image description"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.alt_text


class IdeaAttachment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_upload_path)
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.name


class Transition(models.Model):
    """One step of an idea through the process: who, when, why, which committee document."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, choices=State.choices)
    to_state = models.CharField(max_length=24, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("public reason"), blank=True)
    document_reference = models.CharField(_("committee document"), max_length=300, blank=True)
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.name} ({self.from_state} → {self.to_state})"


class SearchVocabulary(models.Model):
    """Word statistics of one municipality's ideas, for German compound splitting and ranking."""

    municipality = models.OneToOneField(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)
    n_docs = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Vocabulary of {self.municipality_id}"
