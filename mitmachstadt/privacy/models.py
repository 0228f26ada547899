"""Consent records and data exports."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_ROOT (read each time, so that tests can move it)."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def private_storage() -> Storage:
    """Files only their owner may download, served by a view that checks it; never MEDIA_ROOT."""
    return PrivateStorage(base_url=None)


class ConsentRecord(models.Model):
    """One decision of a person about an optional processing: given or withdrawn, and when.

    Records are only added, never changed: the latest per purpose is the current state, the
    earlier ones prove what was agreed to and when (GDPR Art. 7(1)).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records"
    )
    municipality = models.ForeignKey(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=60)
    granted = models.BooleanField(_("granted"))
    # The wording the person saw, so that a later change of the text does not change the past.
    wording = models.TextField(_("wording"))
    created = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "municipality", "purpose", "-created"])]

    def __str__(self) -> str:
        return f"{self.purpose}: {'yes' if self.granted else 'no'}"


class DataExport(models.Model):
    """A ZIP with everything about an account, built in the background (GDPR Art. 15, 20)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready for download")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    # The host the person asked on: the e-mail links back there.
    municipality = models.ForeignKey(
        "tenants.Municipality", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(storage=private_storage, upload_to="exports/", blank=True)
    size = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"
