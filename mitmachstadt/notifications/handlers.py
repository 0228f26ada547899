"""Bus subscribers: every event worth telling becomes an Activity, fanned out at once."""

from __future__ import annotations

import logging

from mitmachstadt.core.bus import Event

from . import services, tasks

logger = logging.getLogger(__name__)

EVENTS = (
    "idea.transition",
    "idea.answered",
    "comment.created",
    "project.milestone_done",
    "event.scheduled",
)


def on_event(event: Event) -> None:
    """Record the activity and create inbox items and outbox rows; sending is queued."""
    activity = services.activity_record(event)
    if activity is None:
        return
    # If this fails half-way, the activity keeps its claim and the worker's scheduler finishes
    # the fan-out once the claim has lapsed.
    if services.activity_fan_out(activity):
        tasks.enqueue_delivery()
