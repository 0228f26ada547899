"""Template helpers of the dashboard."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def filter_url(flt: Any, name: str, value: str) -> str:
    """The dashboard's query string with one filter set, keeping the others (shareable)."""
    params = dict(flt.params()) if flt is not None else {}
    params[name] = value
    return "?" + urlencode(params)
