from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import is_staff_member


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    municipality = getattr(request, "municipality", None)
    return {"is_staff_member": bool(user and is_staff_member(municipality, user))}
