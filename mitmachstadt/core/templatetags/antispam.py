"""`{% antispam_fields form %}`: the honeypot and start-time fields of core.antispam.

For forms rendered field by field (or written by hand, like reply forms), so that they carry
what AntiSpamMixin checks. A form shown again keeps its original start time.
"""

from __future__ import annotations

from typing import Any

from django import template

from mitmachstadt.core.antispam import AntiSpamMixin, form_start_token, seconds_since

register = template.Library()


@register.inclusion_tag("includes/antispam_fields.html")
def antispam_fields(form: Any = None, suffix: Any = "") -> dict[str, Any]:
    """Hidden start time and honeypot; `suffix` keeps element ids unique on a page."""
    honeypot, timestamp = AntiSpamMixin.honeypot_name, AntiSpamMixin.timestamp_name
    token = ""
    if form is not None and getattr(form, "is_bound", False):
        token = form.data.get(form.add_prefix(timestamp), "")
    if seconds_since(token) is None:
        token = form_start_token()
    prefix = getattr(form, "prefix", None)
    name = f"{prefix}-{honeypot}" if prefix else honeypot
    stamp = f"{prefix}-{timestamp}" if prefix else timestamp
    element_id = "-".join(str(part) for part in ("hp", prefix, suffix) if part) or "hp"
    return {"token": token, "name": name, "stamp": stamp, "element_id": element_id}
