from __future__ import annotations

from typing import Any

from django import template

from ..selectors import is_following as _is_following

register = template.Library()


@register.simple_tag(takes_context=True)
def is_following(context: dict[str, Any], idea: Any) -> bool:
    """True if the signed-in person follows `idea` (for the subscribe button)."""
    request = context.get("request")
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    if municipality is None or idea is None:
        return False
    return _is_following(municipality, user, idea)
