from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken

TOUCH_INTERVAL = dt.timedelta(minutes=5)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mms_...` — valid only on its own municipality's host."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        municipality = getattr(request, "municipality", None)
        if municipality is None:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), municipality=municipality)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used is None or now - row.last_used > TOUCH_INTERVAL:
            # Minutes are precise enough for "last used": a write (and a commit waiting for the
            # disk) on every request would cost more than the request itself.
            ApiToken.objects.filter(pk=row.pk).update(last_used=now)
        request.user = row.user
        return row.user


# Session auth checks CSRF for unsafe methods; tokens are for scripts and apps.
write_auth = [TokenAuth(), django_auth]
