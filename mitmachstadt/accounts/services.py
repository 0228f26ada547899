"""Writes to accounts and roles. Keyword-only, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mitmachstadt.audit.services import audit_record

from .models import Membership, Role, User


def display_name_taken(display_name: str, *, exclude_user: User | None = None) -> bool:
    qs = User.objects.filter(display_name__iexact=display_name.strip())
    if exclude_user is not None:
        qs = qs.exclude(pk=exclude_user.pk)
    return qs.exists()


def validate_display_name(display_name: str, *, exclude_user: User | None = None) -> str:
    name = " ".join(display_name.split())
    if len(name) < 3:
        raise ValidationError(_("A display name needs at least 3 characters."))
    if len(name) > 40:
        raise ValidationError(_("A display name can have at most 40 characters."))
    if "@" in name:
        raise ValidationError(_("Please do not use an e-mail address as display name."))
    if display_name_taken(name, exclude_user=exclude_user):
        raise ValidationError(_("This display name is taken. Please choose another."))
    return name


@transaction.atomic
def user_create(
    *,
    email: str,
    display_name: str,
    password: str | None,
    municipality: Any = None,
    roles: tuple[str, ...] = (Role.PARTICIPANT,),
    actor: Any = None,
    is_demo: bool = False,
    is_operator: bool = False,
) -> User:
    """Create an account, with roles in `municipality` (participant by default)."""
    name = validate_display_name(display_name)
    user = User.objects.create_user(
        email=email,
        password=password,
        display_name=name,
        is_demo=is_demo,
        is_operator=is_operator,
    )
    if municipality is not None:
        for role in roles:
            Membership.objects.get_or_create(user=user, municipality=municipality, role=role)
    audit_record(
        action="account.create",
        municipality=municipality,
        actor=actor or user,
        target=user,
        data={"roles": list(roles)},
    )
    return user


@transaction.atomic
def membership_grant(*, municipality: Any, user: User, role: str, actor: Any) -> Membership:
    """Give `user` a role in `municipality`."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    membership, _created = Membership.objects.get_or_create(
        user=user, municipality=municipality, role=role
    )
    user.__dict__.pop("_roles_cache", None)
    audit_record(
        action="membership.grant",
        municipality=municipality,
        actor=actor,
        target=user,
        data={"role": role},
    )
    return membership


@transaction.atomic
def membership_revoke(*, municipality: Any, user: User, role: str, actor: Any) -> None:
    """Take a role away from `user` in `municipality`."""
    Membership.objects.filter(user=user, municipality=municipality, role=role).delete()
    user.__dict__.pop("_roles_cache", None)
    audit_record(
        action="membership.revoke",
        municipality=municipality,
        actor=actor,
        target=user,
        data={"role": role},
    )


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, language: str, municipality: Any = None
) -> User:
    """Change the display name and interface language of one's own account."""
    user.display_name = validate_display_name(display_name, exclude_user=user)
    if language not in {"de", "en"}:
        raise ValidationError(_("Unknown language."))
    user.language = language
    user.save(update_fields=["display_name", "language"])
    audit_record(
        action="account.update",
        municipality=municipality,
        actor=user,
        target=user,
        data={"fields": ["display_name", "language"]},
    )
    return user
