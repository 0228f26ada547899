from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from mitmachstadt.tenants.models import MunicipalityOwned

from .geometry import GeometryError, bbox, point_in_geometry, validate_polygon


class District(MunicipalityOwned):
    """A district ("Stadtteil") of a municipality, with its boundary as GeoJSON."""

    slug = models.SlugField(_("short name in URLs"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    # Bounding box, denormalised so point lookups can pre-filter in SQL.
    min_lon = models.FloatField(default=0)
    min_lat = models.FloatField(default=0)
    max_lon = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="district_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            validate_polygon(self.geometry)
        except GeometryError as error:
            raise ValidationError({"geometry": str(error)}) from error

    def save(self, *args: object, **kwargs: object) -> None:
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = bbox(self.geometry)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def contains(self, lat: float, lon: float) -> bool:
        return point_in_geometry(lon, lat, self.geometry)
