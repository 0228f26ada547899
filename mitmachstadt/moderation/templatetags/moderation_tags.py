from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """`mapping|get_item:key` (0 when missing): for tables of counts."""
    if not mapping:
        return 0
    return mapping.get(key, 0)


@register.inclusion_tag("moderation/includes/report_link.html", takes_context=True)
def report_link(context: dict[str, Any], kind: str, obj: Any) -> dict[str, Any]:
    """A "Report" link for an idea, comment or profile: `{% report_link "idea" idea %}`."""
    request = context.get("request")
    return {
        "kind": kind,
        "pk": getattr(obj, "pk", None),
        "next": request.get_full_path() if request else "",
    }
