"""What a notification says, in the active language: a title, a few lines and where it leads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import dateparse, formats, timezone
from django.utils.translation import gettext as _

from mitmachstadt.ideas.states import State
from mitmachstadt.ideas.workflow import TRANSITIONS
from mitmachstadt.tenants.selectors import primary_host

from .kinds import Kind
from .models import Activity

EXCERPT = 300


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def site_url(municipality: Any) -> str:
    """The municipality's public address, for links in e-mails and push messages."""
    scheme = "https" if getattr(settings, "SECURE_HTTPS", False) else "http"
    return f"{scheme}://{primary_host(municipality)}"


@dataclass
class Rendered:
    title: str
    path: str
    lines: list[str] = field(default_factory=list)


def _state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


def _when(value: str) -> str:
    parsed = dateparse.parse_datetime(value or "")
    if parsed is None:
        day = dateparse.parse_date(value or "")
        return formats.date_format(day, "DATE_FORMAT") if day else ""
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed, "DATETIME_FORMAT")


def describe(activity: Activity, kind: str | None = None) -> Rendered:
    """Title, lines and link of `activity` as told to someone for whom it is of `kind`."""
    kind = kind or activity.kind
    data = activity.data or {}
    title = str(data.get("title") or (activity.idea.title if activity.idea else ""))
    idea_path = f"/ideas/{activity.idea_id}/" if activity.idea_id else "/"
    if kind == Kind.NEW_IDEA:
        return Rendered(
            _("New idea: “%(title)s”") % {"title": title},
            idea_path,
            [excerpt(str(data.get("excerpt", "")))],
        )
    if kind in {Kind.TRANSITION, Kind.DOCUMENT}:
        rule = TRANSITIONS.get(str(data.get("transition", "")))
        lines = []
        if rule is not None:
            lines.append(_("Step: %(step)s") % {"step": rule.label})
        if data.get("reason"):
            lines.append(_("Reason: %(reason)s") % {"reason": excerpt(str(data["reason"]), 600)})
        if data.get("document"):
            lines.append(_("Committee document: %(document)s") % {"document": data["document"]})
        return Rendered(
            _("“%(title)s” is now: %(state)s")
            % {"title": title, "state": _state_label(str(data.get("to", "")))},
            idea_path,
            lines,
        )
    if kind == Kind.ANSWER:
        return Rendered(
            _("Official answer to “%(title)s”") % {"title": title},
            f"{idea_path}#answer",
            [excerpt(str(data.get("excerpt", "")), 600)],
        )
    if kind in {Kind.COMMENT, Kind.REPLY}:
        author = str(data.get("author") or _("Someone"))
        if data.get("anonymous"):
            author = _("Anonymous")
        template = (
            _("%(author)s replied to your comment on “%(title)s”")
            if kind == Kind.REPLY
            else _("%(author)s commented on “%(title)s”")
        )
        return Rendered(
            template % {"author": author, "title": title},
            f"{idea_path}#comment-{data.get('comment_id', '')}",
            [excerpt(str(data.get("excerpt", "")))],
        )
    if kind == Kind.MILESTONE:
        lines = []
        if data.get("done_on"):
            lines.append(_("Reached on %(date)s") % {"date": _when(str(data["done_on"]))})
        return Rendered(
            _("Milestone reached: %(milestone)s (“%(title)s”)")
            % {"milestone": data.get("milestone", ""), "title": title},
            str(data.get("url") or idea_path),
            lines,
        )
    if kind == Kind.EVENT:
        lines = [_("When: %(when)s") % {"when": _when(str(data.get("start", "")))}]
        if data.get("place"):
            lines.append(_("Where: %(place)s") % {"place": data["place"]})
        return Rendered(
            _("New event: %(title)s") % {"title": title},
            str(data.get("url") or "/"),
            lines,
        )
    return Rendered(title or _("News"), idea_path, [])


def reason_text(reason: str, subscription_label: str = "") -> str:
    """Why the person gets this, for the e-mail's footer and the inbox."""
    if reason == "follow":
        return _("You get this because you follow this idea.")
    if reason == "reply":
        return _("You get this because someone replied to your comment.")
    if subscription_label:
        return _("You get this because of your subscription “%(name)s”.") % {
            "name": subscription_label
        }
    return _("You get this because of one of your subscriptions.")


def is_still_public(activity: Activity) -> bool:
    """False if what the activity is about was hidden or deleted since (then we stay quiet)."""
    idea = activity.idea
    if activity.idea_id and idea is not None:
        if idea.is_hidden:
            return False
        if not idea.is_public and activity.data.get("transition") != "withdraw":
            return False
    comment_id = activity.data.get("comment_id")
    if comment_id and activity.kind == Kind.COMMENT:
        from mitmachstadt.ideas.models import Comment

        comment = Comment.objects.filter(pk=comment_id).only("is_hidden", "deleted_at").first()
        if comment is None or comment.is_hidden or comment.deleted_at is not None:
            return False
    return True


def now_local() -> dt.datetime:
    return timezone.localtime()
