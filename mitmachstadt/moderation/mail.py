"""Feedback by e-mail: authors learn why their content was hidden (a statement of reasons),
reporters learn what became of their report. Sent after the decision is committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import User
from mitmachstadt.ideas.models import Comment, Idea, IdeaAuthor

from .models import Report


def _send(user: User, subject: str, body: str) -> None:
    send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body,
        None,
        [user.email],
        fail_silently=True,
    )


def _authors(target: Idea | Comment) -> list[User]:
    if isinstance(target, Comment):
        return [target.author] if target.author is not None else []
    ids = IdeaAuthor.objects.filter(idea=target).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _what(target: Idea | Comment) -> str:
    if isinstance(target, Idea):
        return _("your idea “%(title)s”") % {"title": target.title}
    return _("your comment on “%(title)s”") % {"title": target.idea.title}


def content_decision(target: Idea | Comment, *, action: str, reason: str = "") -> None:
    """Tell the authors that their content was hidden, held or shown again, and why."""
    target = type(target).objects.get(pk=target.pk)
    municipality = (target if isinstance(target, Idea) else target.idea).municipality
    for user in _authors(target):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            what = _what(target)
            if action == "hide":
                subject = _("Your contribution has been hidden")
                body = _(
                    "Hello,\n\nthe moderation team of %(municipality)s has hidden %(what)s. "
                    "In its place people read:\n\n    %(reason)s\n\nThe rules are in the "
                    "netiquette. If you think this is a mistake, please answer this e-mail: "
                    "a person who was not involved looks at it again.\n"
                ) % {"municipality": municipality.name, "what": what, "reason": reason}
            elif action == "hold":
                subject = _("Your contribution waits for a check")
                body = _(
                    "Hello,\n\nour spam filter holds %(what)s until a person of the moderation "
                    "team of %(municipality)s has looked at it. That usually happens within a "
                    "day. You need not do anything.\n"
                ) % {"municipality": municipality.name, "what": what}
            else:
                subject = _("Your contribution is visible again")
                body = _(
                    "Hello,\n\n%(what)s is visible again on the participation platform of "
                    "%(municipality)s.\n"
                ) % {"municipality": municipality.name, "what": what}
            _send(user, subject, body)


def report_outcomes(report_ids: Iterable[int]) -> None:
    """Tell people who reported what the moderation team decided."""
    reports = Report.objects.filter(
        pk__in=list(report_ids), source=Report.Source.PERSON, reporter__isnull=False
    ).select_related("reporter", "municipality")
    for report in reports:
        user: Any = report.reporter
        with translation.override(user.language or settings.LANGUAGE_CODE):
            if report.status == Report.Status.RESOLVED:
                outcome = _("The moderation team has taken action.")
            else:
                outcome = _("The moderation team found no violation of the netiquette.")
            subject = _("Your report has been handled")
            body = _(
                "Hello,\n\nthank you for your report of %(date)s on the participation platform "
                "of %(municipality)s (reason: %(reason)s).\n\n%(outcome)s\n"
            ) % {
                "date": report.created.strftime("%d.%m.%Y"),
                "municipality": report.municipality.name,
                "reason": report.get_reason_display(),
                "outcome": outcome,
            }
            _send(user, subject, body)
