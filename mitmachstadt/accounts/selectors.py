"""Reads about accounts and roles. Role reads take the municipality first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import STAFF_ROLES, Membership, Role, User


def roles_of(municipality: Any, user: Any) -> frozenset[str]:
    """The roles `user` holds in `municipality` (cached on the user object per request)."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault("_roles_cache", {})
    if municipality.pk not in cache:
        cache[municipality.pk] = frozenset(
            Membership.objects.filter(municipality=municipality, user=user).values_list(
                "role", flat=True
            )
        )
    return cache[municipality.pk]


def has_role(municipality: Any, user: Any, *roles: str) -> bool:
    """True if the user holds one of `roles` here (operators hold every role everywhere)."""
    if getattr(user, "is_operator", False) and user.is_active:
        return True
    held = roles_of(municipality, user)
    return bool(held & set(roles)) or (Role.ADMIN in held and bool(set(roles) & STAFF_ROLES))


def is_staff_member(municipality: Any, user: Any) -> bool:
    return has_role(municipality, user, *STAFF_ROLES)


def members_with_role(municipality: Any, role: str) -> list[User]:
    return list(
        User.objects.filter(
            memberships__municipality=municipality, memberships__role=role, is_active=True
        ).order_by("display_name")
    )


def has_second_factor(request: HttpRequest) -> bool:
    """True if this session logged in with a second factor (TOTP or a recovery code)."""
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.utils import is_mfa_enabled

    user = request.user
    if not user.is_authenticated or not is_mfa_enabled(user):
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)
