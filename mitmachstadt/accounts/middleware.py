from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .selectors import has_second_factor, is_staff_member

# Every page under these prefixes is staff-only; the role check itself is in the views.
STAFF_PREFIXES = ("/staff/", "/admin/")


class StaffSecondFactorMiddleware:
    """No staff page without a second factor, whatever a view forgets to check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith(STAFF_PREFIXES) and user.is_authenticated:
            # Accounts without any staff power get the view's own 403 instead.
            municipality = getattr(request, "municipality", None)
            has_power = getattr(user, "is_staff", False) or is_staff_member(municipality, user)
            if has_power and not has_second_factor(request):
                return redirect("accounts:second_factor_required")
        return self.get_response(request)
