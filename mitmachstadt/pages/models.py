"""Feedback on barriers, sent through the accessibility statement (BITV 2.0 § 7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned

MAX_MESSAGE = 5000
MAX_PAGE = 500


class AccessibilityFeedback(MunicipalityOwned):
    """One message about a barrier; the municipality has to answer it (BITV 2.0 § 7)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")

    message = models.TextField(_("message"), max_length=MAX_MESSAGE)
    page = models.CharField(_("page concerned"), max_length=MAX_PAGE, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Set when a signed-in person writes: the privacy export and deletion find it by this.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    note = models.TextField(_("internal note"), blank=True, max_length=2000)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    handled_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["municipality", "status", "created"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d} {self.page or '-'}"

    @property
    def page_link(self) -> str:
        """The page as a link target if it is a path on this site ('' otherwise)."""
        if self.page.startswith("/") and url_has_allowed_host_and_scheme(
            self.page, allowed_hosts=None
        ):
            return self.page
        return ""
