"""Writes to API tokens. Keyword-only, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mitmachstadt.audit.services import audit_record

from .models import ApiToken


@transaction.atomic
def api_token_create(*, user: Any, municipality: Any, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the clear key is returned once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        municipality=municipality,
        name=name.strip()[:80] or "API",
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:10],
    )
    audit_record(action="api_token.create", municipality=municipality, actor=user, target=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any) -> None:
    """Revoke a token (its owner only)."""
    audit_record(
        action="api_token.revoke", municipality=token.municipality, actor=actor, target=token
    )
    token.delete()
