"""View guards for roles per municipality; staff roles also need a second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import STAFF_ROLES
from .selectors import has_role, has_second_factor


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let through only accounts holding one of `roles` in the request's municipality."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            municipality = getattr(request, "municipality", None)
            if not has_role(municipality, request.user, *roles):
                raise PermissionDenied
            if set(roles) & STAFF_ROLES and not has_second_factor(request):
                return redirect("accounts:second_factor_required")
            return view(request, *args, **kwargs)

        wrapped.staff_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator
