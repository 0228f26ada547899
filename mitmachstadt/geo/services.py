from __future__ import annotations

from typing import Any

from django.db import transaction

from mitmachstadt.audit.services import audit_record

from .models import District


@transaction.atomic
def district_create(
    *,
    municipality: Any,
    slug: str,
    name: str,
    geometry: dict[str, Any],
    actor: Any = None,
    is_demo: bool = False,
) -> District:
    """Add a district with its GeoJSON boundary to a municipality."""
    district = District(
        municipality=municipality, slug=slug, name=name, geometry=geometry, is_demo=is_demo
    )
    district.full_clean()
    district.save()
    audit_record(action="district.create", municipality=municipality, actor=actor, target=district)
    return district


@transaction.atomic
def districts_import(*, municipality: Any, feature_collection: Any, actor: Any) -> tuple[int, int]:
    """Create or update districts from a GeoJSON FeatureCollection (properties slug and name).

    All or nothing: one invalid feature rejects the whole file with a message naming it.
    """
    from django.core.exceptions import ValidationError
    from django.utils.text import slugify
    from django.utils.translation import gettext as _

    from .geometry import GeometryError, validate_polygon

    if (
        not isinstance(feature_collection, dict)
        or feature_collection.get("type") != "FeatureCollection"
    ):
        raise ValidationError(_("The file must be a GeoJSON FeatureCollection."))
    created = updated = 0
    for number, feature in enumerate(feature_collection.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        name = str(props.get("name") or "").strip()
        slug = str(props.get("slug") or slugify(name))
        if not name or not slug:
            raise ValidationError(
                _("Feature %(n)d has no name property.") % {"n": number}, code="district_name"
            )
        try:
            geometry = validate_polygon(feature.get("geometry"))
        except GeometryError as error:
            raise ValidationError(
                _("Feature %(n)d (%(name)s): %(error)s")
                % {"n": number, "name": name, "error": error},
                code="district_geometry",
            ) from error
        district = District.objects.filter(municipality=municipality, slug=slug).first()
        if district is None:
            District.objects.create(
                municipality=municipality, slug=slug, name=name, geometry=geometry
            )
            created += 1
        else:
            district.name, district.geometry = name, geometry
            district.save()
            updated += 1
    if not created and not updated:
        raise ValidationError(_("The file contains no districts."))
    audit_record(
        action="district.import",
        municipality=municipality,
        actor=actor,
        data={"created": created, "updated": updated},
    )
    return created, updated
