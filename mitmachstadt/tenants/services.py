"""Writes to municipality configuration. Keyword-only, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mitmachstadt.audit.services import audit_record

from .models import Cluster, Criterion, Domain, FieldOfAction, Municipality
from .selectors import forget_host, normalize_host


@transaction.atomic
def municipality_create(
    *,
    slug: str,
    name: str,
    hosts: list[str],
    short_name: str = "",
    actor: Any = None,
    **attrs: Any,
) -> Municipality:
    """Create a municipality answering on `hosts` (the first is primary)."""
    if not hosts:
        raise ValidationError(_("A municipality needs at least one host name."))
    clean_hosts = [normalize_host(h) for h in hosts]
    taken = list(Domain.objects.filter(host__in=clean_hosts).values_list("host", flat=True))
    if taken:
        raise ValidationError(
            _("These host names already belong to a municipality: %(hosts)s")
            % {"hosts": ", ".join(taken)}
        )
    if Municipality.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A municipality with the short name %(slug)s exists.") % {"slug": slug}
        )
    municipality = Municipality(slug=slug, name=name, short_name=short_name or name, **attrs)
    municipality.full_clean()
    municipality.save()
    for index, host in enumerate(clean_hosts):
        Domain.objects.create(municipality=municipality, host=host, is_primary=index == 0)
        forget_host(host)
    audit_record(
        action="municipality.create",
        municipality=municipality,
        actor=actor,
        target=municipality,
        data={"hosts": clean_hosts},
    )
    return municipality


@transaction.atomic
def municipality_update(*, municipality: Municipality, actor: Any, **changes: Any) -> Municipality:
    """Change a municipality's settings (name, branding, reaction mode, answer days, ...)."""
    allowed = {
        "name",
        "short_name",
        "tagline",
        "intro",
        "primary_color",
        "languages",
        "reaction_mode",
        "answer_days",
        "map_center_lat",
        "map_center_lon",
        "map_zoom",
        "contact_email",
        "imprint",
        "signup_open",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            _("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    for key, value in changes.items():
        setattr(municipality, key, value)
    municipality.full_clean()
    municipality.save()
    audit_record(
        action="municipality.update",
        municipality=municipality,
        actor=actor,
        target=municipality,
        data={k: str(v) for k, v in changes.items()},
    )
    return municipality


@transaction.atomic
def field_of_action_create(
    *,
    municipality: Municipality,
    slug: str,
    name: str,
    description: str = "",
    position: int = 0,
    actor: Any = None,
    is_demo: bool = False,
) -> FieldOfAction:
    """Add a field of action to a municipality."""
    field = FieldOfAction(
        municipality=municipality,
        slug=slug,
        name=name,
        description=description,
        position=position,
        is_demo=is_demo,
    )
    field.full_clean()
    field.save()
    audit_record(action="field.create", municipality=municipality, actor=actor, target=field)
    return field


@transaction.atomic
def cluster_create(
    *,
    municipality: Municipality,
    slug: str,
    name: str,
    description: str = "",
    position: int = 0,
    actor: Any = None,
    is_demo: bool = False,
) -> Cluster:
    """Add a project cluster to a municipality."""
    cluster = Cluster(
        municipality=municipality,
        slug=slug,
        name=name,
        description=description,
        position=position,
        is_demo=is_demo,
    )
    cluster.full_clean()
    cluster.save()
    audit_record(action="cluster.create", municipality=municipality, actor=actor, target=cluster)
    return cluster


@transaction.atomic
def criterion_create(
    *,
    municipality: Municipality,
    slug: str,
    name: str,
    description: str = "",
    group: str = Criterion.Group.AGENDA,
    position: int = 0,
    actor: Any = None,
) -> Criterion:
    """Add a selection criterion to a municipality's checklist."""
    criterion = Criterion(
        municipality=municipality,
        slug=slug,
        name=name,
        description=description,
        group=group,
        position=position,
    )
    criterion.full_clean()
    criterion.save()
    audit_record(
        action="criterion.create", municipality=municipality, actor=actor, target=criterion
    )
    return criterion


_CONFIG_FIELDS = {
    FieldOfAction: {"name", "description", "position"},
    Cluster: {"name", "description", "position"},
    Criterion: {"name", "description", "group", "position"},
}


@transaction.atomic
def config_item_update(
    *, item: FieldOfAction | Cluster | Criterion, actor: Any, **changes: Any
) -> FieldOfAction | Cluster | Criterion:
    """Change a field of action, cluster or criterion of a municipality."""
    allowed = _CONFIG_FIELDS[type(item)]
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            _("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    for key, value in changes.items():
        setattr(item, key, value)
    item.full_clean()
    item.save()
    audit_record(
        action=f"{item._meta.model_name}.update",
        municipality=item.municipality,
        actor=actor,
        target=item,
        data={k: str(v) for k, v in changes.items()},
    )
    return item
