"""Abuse resistance that needs no third-party service and no fingerprinting.

- `AntiSpamMixin` for public forms: a honeypot field that people never see (bots fill it) and a
  signed start time, so that a form sent faster than a person can fill it is refused.
- Participation checks: domain services (ideas, comments, reactions) call
  `check_participation(municipality, user)` before they write; higher apps (moderation: blocked
  accounts) register the actual rules, so the lower layers need not know them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SIGNING_SALT = "mitmachstadt.antispam.form-start"
DEFAULT_MIN_FILL_SECONDS = 3
HONEYPOT_CLASS = "honeypot-input"


def min_fill_seconds() -> float:
    """Seconds a person needs at least to fill a form (0 turns the time check off)."""
    return float(getattr(settings, "ANTISPAM_MIN_FILL_SECONDS", DEFAULT_MIN_FILL_SECONDS))


def form_start_token(now: float | None = None) -> str:
    """A signed token with the time the form was shown."""
    return signing.dumps(
        {"t": round(now if now is not None else time.time(), 3)}, salt=SIGNING_SALT
    )


def seconds_since(token: str) -> float | None:
    """Seconds since the token was made, or None if it is missing or forged."""
    if not token:
        return None
    try:
        started = float(signing.loads(token, salt=SIGNING_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return time.time() - started


class AntiSpamMixin:
    """Honeypot plus minimum fill time for public forms; put it first in the bases.

    The honeypot is a normal text field hidden by CSS (class `honeypot-input`), labelled "leave
    this field empty" for the rare screen-reader user who meets it, and skipped by the keyboard.
    The start time travels in a signed hidden field; a re-shown form keeps its original start
    time, so correcting an error never trips the check.
    """

    honeypot_name = "website"
    timestamp_name = "form_started"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        if self.honeypot_name not in fields:
            fields[self.honeypot_name] = forms.CharField(
                required=False,
                label=_("Leave this field empty"),
                widget=forms.TextInput(
                    attrs={"tabindex": "-1", "autocomplete": "off", "class": HONEYPOT_CLASS}
                ),
            )
        else:
            widget = fields[self.honeypot_name].widget
            widget.attrs.setdefault("class", HONEYPOT_CLASS)
        fields[self.timestamp_name] = forms.CharField(
            required=False, widget=forms.HiddenInput, initial=form_start_token
        )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        data: Any = self.data  # type: ignore[attr-defined]
        if data.get(self.honeypot_name):
            raise ValidationError(
                _("Please leave the field “Leave this field empty” empty."), code="honeypot"
            )
        minimum = min_fill_seconds()
        if minimum > 0:
            elapsed = seconds_since(data.get(self.timestamp_name, ""))
            if elapsed is None:
                raise ValidationError(
                    _("The form has expired. Please check your input and send it again."),
                    code="form_expired",
                )
            if elapsed < minimum:
                raise ValidationError(
                    _("That was very quick. Please check your input and send the form again."),
                    code="too_fast",
                )
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        # A form shown again after an error gets a fresh token only if the old one was bad.
        if form.is_bound and seconds_since(form.data.get(self.timestamp_name, "")) is None:
            form.data = form.data.copy()
            form.data[self.timestamp_name] = form_start_token()


# --- Participation checks -------------------------------------------------------------------

ParticipationCheck = Callable[[Any, Any], None]
_participation_checks: list[ParticipationCheck] = []


def register_participation_check(check: ParticipationCheck) -> None:
    """Add a rule `check(municipality, user)` that raises PermissionDenied to refuse."""
    if check not in _participation_checks:
        _participation_checks.append(check)


def check_participation(municipality: Any, user: Any) -> None:
    """Raise PermissionDenied if `user` may not post, comment, react or report here now."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return
    for check in _participation_checks:
        check(municipality, user)
