from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest

from mitmachstadt.audit.services import audit_record

from .models import Membership, Role


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up belongs to the municipality of the request's host."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        municipality = getattr(request, "municipality", None)
        return bool(municipality and municipality.signup_open)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        user.language = getattr(request, "LANGUAGE_CODE", "de")[:2]
        if commit:
            with transaction.atomic():
                user.save()
                municipality = getattr(request, "municipality", None)
                if municipality is not None:
                    Membership.objects.get_or_create(
                        user=user, municipality=municipality, role=Role.PARTICIPANT
                    )
                audit_record(
                    action="account.signup", municipality=municipality, actor=user, target=user
                )
        return user
