"""Personal data of the privacy app itself (privacy protocol): consents and data exports.

It also declares the optional processing that needs consent, and the retention of the
platform as a whole (sessions, finished background tasks, unverified accounts).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from .models import ConsentRecord, DataExport

CONSENTS = [
    {
        "purpose": "contact",
        "label": _("The administration may contact me"),
        "description": _(
            "The municipality may write to my e-mail address about my ideas and comments, for "
            "example with questions, or to invite me to a workshop about them."
        ),
    },
]


def processing() -> list[dict[str, Any]]:
    return [
        {
            "key": "consent",
            "name": _("Your consents"),
            "purpose": _("Proving which optional processing you agreed to, and when you withdrew."),
            "data": _("Purpose, yes or no, the wording you saw, the time."),
            "legal_basis": _("Art. 6(1)(c) with Art. 7(1) GDPR"),
            "retention": _("Until you delete your account."),
            "recipients": _("Nobody."),
        },
        {
            "key": "rights",
            "name": _("Your rights: export and deletion"),
            "purpose": _("Giving you a copy of your data, and deleting your account on request."),
            "data": _("A ZIP file with everything about your account, while it can be downloaded."),
            "legal_basis": _("Art. 6(1)(c) with Art. 15, 17 and 20 GDPR"),
            "retention": _("Export files are deleted after %(days)d days.")
            % {"days": settings.RETENTION_EXPORT_DAYS},
            "recipients": _("Only you."),
        },
        {
            "key": "unverified",
            "name": _("Sign-ups that were never confirmed"),
            "purpose": _("Not keeping e-mail addresses of people who did not finish signing up."),
            "data": _("The account of the sign-up."),
            "legal_basis": _("Art. 5(1)(e) GDPR (storage limitation)"),
            "retention": _("Deleted after %(days)d days.")
            % {"days": settings.RETENTION_UNVERIFIED_DAYS},
            "recipients": _("Nobody."),
        },
    ]


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Consent history and data exports of the account."""
    return {
        "consents": [
            {
                "municipality": c.municipality_id,
                "purpose": c.purpose,
                "granted": c.granted,
                "wording": c.wording,
                "time": c.created.isoformat(),
            }
            for c in ConsentRecord.objects.filter(user=user).order_by("created", "id")
        ],
        "data_exports": [
            {"requested": e.created.isoformat(), "status": e.status}
            for e in DataExport.objects.filter(user=user)
        ],
    }


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Delete consent records and exports (the files go once the deletion is committed)."""
    from .services import export_delete_file

    for export_row in DataExport.objects.filter(user=user):
        transaction.on_commit(partial(export_delete_file, export_row))
    DataExport.objects.filter(user=user).delete()
    ConsentRecord.objects.filter(user=user).delete()
    _erase_task_results(user)


def _erase_task_results(user: Any) -> None:
    # Finished background tasks keep their arguments; a mail task may have had the address.
    for row in DBTaskResult.objects.exclude(finished_at__isnull=True).iterator():
        text = f"{row.args_kwargs} {row.return_value}".casefold()
        if user.email.casefold() in text or user.display_name.casefold() in text:
            DBTaskResult.objects.filter(pk=row.pk).delete()


def purge(now: dt.datetime) -> dict[str, int]:
    """Old export files, expired sessions, finished tasks, and never confirmed sign-ups."""
    from allauth.account.models import EmailAddress
    from django.contrib.sessions.models import Session

    from mitmachstadt.accounts.models import Membership, Role, User

    from .services import account_delete, export_delete_file

    export_cutoff = now - dt.timedelta(days=settings.RETENTION_EXPORT_DAYS)
    old_exports = list(DataExport.objects.filter(created__lt=export_cutoff))
    for export_row in old_exports:
        export_delete_file(export_row)
    DataExport.objects.filter(pk__in=[e.pk for e in old_exports]).delete()

    sessions, _details = Session.objects.filter(expire_date__lt=now).delete()

    tasks, _details = DBTaskResult.objects.filter(
        finished_at__lt=now - dt.timedelta(days=settings.RETENTION_IP_DAYS)
    ).delete()

    unverified_cutoff = now - dt.timedelta(days=settings.RETENTION_UNVERIFIED_DAYS)
    staff = Membership.objects.exclude(role=Role.PARTICIPANT).values("user_id")
    unverified = (
        User.objects.filter(date_joined__lt=unverified_cutoff, last_login__isnull=True)
        .filter(is_operator=False, is_staff=False, is_superuser=False, is_demo=False)
        .exclude(pk__in=EmailAddress.objects.filter(verified=True).values("user_id"))
        .exclude(pk__in=staff)
    )
    accounts = 0
    for user in list(unverified):
        account_delete(user=user, keep_content=False)
        accounts += 1
    return {
        "data_exports": len(old_exports),
        "expired_sessions": sessions,
        "finished_tasks": tasks,
        "unverified_accounts": accounts,
    }
