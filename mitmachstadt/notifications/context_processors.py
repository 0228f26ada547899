from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` for the header, counted only when a template asks for it."""
    user = getattr(request, "user", None)
    municipality = getattr(request, "municipality", None)
    return {"unread_notifications": lambda: unread_count(municipality, user)}
