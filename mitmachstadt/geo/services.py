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
