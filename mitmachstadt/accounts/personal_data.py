"""Personal data of accounts (privacy protocol): the account, its addresses, roles, 2FA."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Membership, User

PROCESSING = [
    {
        "key": "account",
        "name": _("Your account"),
        "purpose": _("Signing you in, and showing who wrote a contribution."),
        "data": _(
            "E-mail address (never shown), display name of your choice, language, password "
            "(only as a salted hash), two-factor authentication if you set it up, your roles."
        ),
        "legal_basis": _("Art. 6(1)(b) and (e) GDPR"),
        "retention": _(
            "Until you delete your account. Accounts whose e-mail address was never confirmed "
            "are deleted after the period given below."
        ),
        "recipients": _("Nobody. The display name is public with your contributions."),
    },
    {
        "key": "session",
        "name": _("Sign-in session and technical cookies"),
        "purpose": _(
            "Keeping you signed in, protecting forms against forgery (CSRF), remembering your "
            "language."
        ),
        "data": _(
            "Cookies “sessionid” (while you are signed in, at most two weeks), “csrftoken” "
            "(one year), “django_language” (only if you switch the language). No tracking, no "
            "analytics, no advertising."
        ),
        "legal_basis": _("§ 25(2) no. 2 TDDDG (strictly necessary), Art. 6(1)(e) GDPR"),
        "retention": _(
            "Sessions end when you sign out or after two weeks; expired ones are removed daily."
        ),
        "recipients": _("Nobody."),
    },
]


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """The account itself and what belongs to it directly."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "account": [
            {
                "id": user.pk,
                "email": user.email,
                "display_name": user.display_name,
                "language": user.language,
                "joined": _when(user.date_joined),
                "last_login": _when(user.last_login),
                "active": user.is_active,
            }
        ],
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "roles": [
            {"municipality": m.municipality.name, "role": m.role, "since": _when(m.created)}
            for m in Membership.objects.filter(user=user).select_related("municipality")
        ],
        "organisations": [
            {"municipality": o.municipality_id, "name": o.name} for o in user.organisations.all()
        ],
        "two_factor": [
            {"type": a.type, "created": _when(a.created_at), "last_used": _when(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user)
        ],
    }


def _sessions_of(user: Any) -> list[str]:
    keys = []
    for session in Session.objects.iterator(chunk_size=1000):
        try:
            data = session.get_decoded()
        except Exception:  # noqa: S112 - a corrupt session is not this person's
            continue
        if str(data.get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Remove addresses, second factors, roles, sessions and admin-log mentions of the account.

    The account row itself is deleted by the privacy app once every app has erased its part.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    user.organisations.clear()
    Session.objects.filter(session_key__in=_sessions_of(user)).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr="", change_message="")
