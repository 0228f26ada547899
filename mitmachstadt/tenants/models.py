from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #0b5394."))


class ReactionMode(models.TextChoices):
    SUPPORT = "support", _("Support (one vote up)")
    UPDOWN = "updown", _("Up or down")
    STARS = "stars", _("Stars (1 to 5)")


class Municipality(models.Model):
    """A tenant ("Mandant"): a city or municipality running its participation on the platform."""

    slug = models.SlugField(_("short name in URLs"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=60)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#0b5394", validators=[hex_color]
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    reaction_mode = models.CharField(
        _("reaction mode"),
        max_length=10,
        choices=ReactionMode.choices,
        default=ReactionMode.UPDOWN,
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days for a first official answer"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    map_center_lat = models.FloatField(_("map centre latitude"), default=51.1657)
    map_center_lon = models.FloatField(_("map centre longitude"), default=10.4515)
    map_zoom = models.PositiveSmallIntegerField(_("map zoom"), default=12)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    imprint = models.TextField(_("imprint"), blank=True)
    signup_open = models.BooleanField(_("sign-up open"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def language_codes(self) -> list[str]:
        return list(self.languages) or ["de", "en"]


class Domain(models.Model):
    """A host name answering for a municipality (the request's Host header picks the tenant)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(_("host name"), max_length=253, unique=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["-is_primary", "host"]

    def __str__(self) -> str:
        return self.host


class MunicipalityOwned(models.Model):
    """Base for every row that belongs to a municipality; reads filter by it, always."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )

    class Meta:
        abstract = True


class FieldOfAction(MunicipalityOwned):
    """A "Handlungsfeld" of the municipality's digital agenda."""

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("field of action")
        verbose_name_plural = _("fields of action")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="field_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Cluster(MunicipalityOwned):
    """A project cluster grouping projects (Gütersloh: NETZ.werk, Green Lab, ...)."""

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="cluster_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(MunicipalityOwned):
    """One item of the municipality's selection-criteria checklist used in reviews."""

    class Group(models.TextChoices):
        AGENDA = "agenda", _("Digital agenda")
        FUNDING = "funding", _("Funding programme")

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices, default=Group.AGENDA)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="criterion_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name
