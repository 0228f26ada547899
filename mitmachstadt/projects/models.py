"""Project data of an idea from "in development" on (DESIGN.md §1, "A project ...")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned


class Project(MunicipalityOwned):
    """What an idea carries once it is a project; the idea keeps title, text, state, cluster."""

    idea = models.OneToOneField(
        "ideas.Idea", on_delete=models.CASCADE, related_name="project", verbose_name=_("idea")
    )
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    approach = models.TextField(_("approach"), blank=True)
    actors = models.JSONField(_("actors"), default=list, blank=True)
    location_note = models.TextField(_("location"), blank=True)
    # None means "not quantified": the source documents often give no separate figure.
    cost_concept = models.DecimalField(
        _("concept costs"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    cost_investment = models.DecimalField(
        _("investment costs"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    cost_operation = models.DecimalField(
        _("operating costs"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    cost_note = models.TextField(_("note on the cost estimate"), blank=True)
    # Kept equal to the sum of the expenditures by the services.
    spent = models.DecimalField(
        _("money spent"), default=Decimal("0"), max_digits=14, decimal_places=2
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status_note = models.TextField(_("current status"), blank=True)
    repository_url = models.URLField(_("source code repository"), blank=True)
    origin_ideas = models.ManyToManyField(
        "ideas.Idea",
        blank=True,
        related_name="origin_of_projects",
        verbose_name=_("origin ideas"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["idea_id"]

    def __str__(self) -> str:
        return f"Project {self.idea_id}"

    @property
    def cost_planned(self) -> Decimal:
        return sum(
            (c for c in (self.cost_concept, self.cost_investment, self.cost_operation) if c),
            Decimal("0"),
        )

    @property
    def has_cost_estimate(self) -> bool:
        return any(
            c is not None for c in (self.cost_concept, self.cost_investment, self.cost_operation)
        )

    @property
    def remaining(self) -> Decimal:
        return self.cost_planned - self.spent

    def get_absolute_url(self) -> str:
        return f"/projects/{self.idea_id}/"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["due", "done_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.done_on is None and self.due < (today or timezone.localdate())


class Indicator(models.Model):
    """A key performance indicator of a project, measured over time."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=60)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=4)
    position = models.PositiveSmallIntegerField(default=0)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("key performance indicator")
        verbose_name_plural = _("key performance indicators")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measured value")
        verbose_name_plural = _("measured values")
        ordering = ["measured_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"], name="measurement_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.measured_on}: {self.value}"


class Expenditure(models.Model):
    """Money spent on a project: the dashboard's "spent" is the sum of these."""

    class Category(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        INVESTMENT = "investment", _("Investment")
        OPERATION = "operation", _("Operation")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="expenditures")
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    note = models.CharField(_("what for"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["spent_on", "id"]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.amount}"
