"""What we tell people about (kinds), how often (frequencies) and the defaults for new accounts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NEW_IDEA = "new_idea", _("New ideas matching my subscriptions")
    TRANSITION = "transition", _("Progress of ideas and projects I follow")
    DOCUMENT = "document", _("Committee documents linked to them")
    ANSWER = "answer", _("Official answers")
    COMMENT = "comment", _("New comments on ideas I follow")
    REPLY = "reply", _("Replies to my comments")
    MILESTONE = "milestone", _("Project milestones reached")
    EVENT = "event", _("Events scheduled")


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("immediately")
    DAILY = "daily", _("daily summary")
    WEEKLY = "weekly", _("weekly summary")
    NEVER = "never", _("never")


DIGEST_PERIODS = (Frequency.DAILY, Frequency.WEEKLY)

# What a new account gets: decisions about one's own ideas at once, the chatter as a summary.
DEFAULTS: dict[str, dict[str, object]] = {
    Kind.NEW_IDEA: {"email": Frequency.DAILY, "push": False, "inbox": True},
    Kind.TRANSITION: {"email": Frequency.IMMEDIATELY, "push": True, "inbox": True},
    Kind.DOCUMENT: {"email": Frequency.IMMEDIATELY, "push": True, "inbox": True},
    Kind.ANSWER: {"email": Frequency.IMMEDIATELY, "push": True, "inbox": True},
    Kind.COMMENT: {"email": Frequency.DAILY, "push": False, "inbox": True},
    Kind.REPLY: {"email": Frequency.IMMEDIATELY, "push": True, "inbox": True},
    Kind.MILESTONE: {"email": Frequency.IMMEDIATELY, "push": True, "inbox": True},
    Kind.EVENT: {"email": Frequency.WEEKLY, "push": False, "inbox": True},
}

_RANK = {
    Frequency.IMMEDIATELY: 0,
    Frequency.DAILY: 1,
    Frequency.WEEKLY: 2,
    Frequency.NEVER: 3,
}


def most_frequent(frequencies: list[str]) -> str:
    """The most immediate of several frequencies (a notification of two kinds takes the faster)."""
    valid = [f for f in frequencies if f in _RANK]
    return min(valid, key=lambda f: _RANK[Frequency(f)]) if valid else Frequency.NEVER
