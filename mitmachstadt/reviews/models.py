"""Criteria assessments: reviewers judge an idea against the municipality's checklist."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned


class Verdict(models.TextChoices):
    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Assessment(MunicipalityOwned):
    """One review round of an idea; it becomes public with the reviewers' decision.

    An idea that comes back into review after a requested revision gets a new round, so that
    every published assessment stays as it was when the decision was taken.
    """

    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.CASCADE, related_name="assessments", verbose_name=_("idea")
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    summary = models.TextField(_("summary"), blank=True)
    decision = models.ForeignKey(
        "ideas.Transition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decision"),
    )
    decision_name = models.CharField(_("decision"), max_length=40, blank=True)
    decided_at = models.DateTimeField(_("published"), null=True, blank=True)
    started = models.DateTimeField(_("started"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["idea", "round"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "round"], name="assessment_round_unique")
        ]
        indexes = [models.Index(fields=["municipality", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.idea_id} #{self.round}"

    @property
    def is_published(self) -> bool:
        return self.decided_at is not None


class CriterionVerdict(models.Model):
    """The verdict on one criterion, with its justification."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="verdicts")
    # The name is kept beside the link: a published assessment must read the same even if the
    # municipality later renames or removes a criterion.
    criterion = models.ForeignKey(
        "tenants.Criterion",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("criterion"),
    )
    criterion_name = models.CharField(_("criterion"), max_length=200)
    criterion_group = models.CharField(_("group"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    justification = models.TextField(_("justification"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assessor"),
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        ordering = ["position", "criterion_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="verdict_one_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_name}: {self.verdict}"
