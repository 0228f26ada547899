"""Bus subscribers: new public content goes through the spam check."""

from __future__ import annotations

from mitmachstadt.accounts.models import User
from mitmachstadt.core.bus import Event
from mitmachstadt.ideas.models import Comment, Idea
from mitmachstadt.ideas.states import State

from . import services
from .middleware import current_ip


def on_idea_transition(event: Event) -> None:
    """An idea that becomes public (submitted or resubmitted) is scored."""
    if event.data.get("to") != State.SUBMITTED or event.object_id is None:
        return
    idea = Idea.objects.filter(pk=event.object_id).first()
    author = User.objects.filter(pk=event.actor_id).first() if event.actor_id else None
    if idea is not None:
        services.spam_check(target=idea, author=author, ip_address=current_ip())


def on_comment_created(event: Event) -> None:
    """Every new comment is scored."""
    comment_id = event.data.get("comment_id")
    if comment_id is None:
        return
    comment = Comment.objects.filter(pk=comment_id).select_related("author").first()
    if comment is not None:
        services.spam_check(target=comment, author=comment.author, ip_address=current_ip())
