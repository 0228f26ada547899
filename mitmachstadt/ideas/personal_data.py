"""Personal data in ideas: what a person wrote, reacted to and follows (privacy protocol).

`export(user)` lists everything; `erase(user, keep_content=...)` removes the person from it.
Reactions and follows always go (they say what the person supports); ideas and comments either
stay without the name ("deleted account") or are removed. Ideas that have become projects of the
municipality stay in any case, without the name: they are part of the public record.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    Comment,
    Follow,
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaImage,
    IdeaLink,
    IdeaVersion,
    OfficialAnswer,
    Reaction,
    Transition,
)
from .states import PROJECT_STATES, PUBLIC_STATES

PROCESSING = [
    {
        "key": "contributions",
        "name": _("Ideas, comments, reactions and follows"),
        "purpose": _(
            "Publishing your ideas and comments, counting support, and telling you about ideas "
            "you follow."
        ),
        "data": _(
            "What you write, with your display name (or “anonymous” if you choose); your "
            "reactions and the ideas you follow (only counts are shown to others)."
        ),
        "legal_basis": _("Art. 6(1)(e) GDPR with the municipality's participation statute"),
        "retention": _(
            "Until you delete it or your account. Ideas that became projects stay without your "
            "name."
        ),
        "recipients": _("Public (ideas and comments); nobody (reactions, follows)."),
    }
]


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def export(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Everything of the ideas app that is about `user`."""
    authored = IdeaAuthor.objects.filter(user=user).select_related("idea")
    ideas = [
        {
            "id": link.idea.pk,
            "municipality": link.idea.municipality_id,
            "title": link.idea.title,
            "text": link.idea.text,
            "state": link.idea.state,
            "anonymous": link.idea.anonymous,
            "owner": link.is_owner,
            "latitude": link.idea.lat,
            "longitude": link.idea.lon,
            "created": _when(link.idea.created),
            "submitted": _when(link.idea.submitted_at),
            "url": link.idea.get_absolute_url(),
        }
        for link in authored
    ]
    return {
        "ideas": ideas,
        "idea_versions": [
            {
                "idea": v.idea_id,
                "number": v.number,
                "title": v.title,
                "text": v.text,
                "note": v.note,
                "created": _when(v.created),
            }
            for v in IdeaVersion.objects.filter(author=user).order_by("idea_id", "number")
        ],
        "comments": [
            {
                "id": c.pk,
                "idea": c.idea_id,
                "parent": c.parent_id,
                "text": c.text,
                "anonymous": c.anonymous,
                "created": _when(c.created),
                "edited": _when(c.edited_at),
                "deleted": _when(c.deleted_at),
                "hidden_by_moderation": c.is_hidden,
            }
            for c in Comment.objects.filter(author=user).order_by("created", "id")
        ],
        "reactions": [
            {"idea": r.idea_id, "value": r.value, "created": _when(r.created)}
            for r in Reaction.objects.filter(user=user).order_by("created", "id")
        ],
        "follows": [
            {"idea": f.idea_id, "created": _when(f.created)}
            for f in Follow.objects.filter(user=user).order_by("created", "id")
        ],
        "links": [
            {"source": k.source_id, "target": k.target_id, "kind": k.kind}
            for k in IdeaLink.objects.filter(created_by=user)
        ],
        "images": [
            {"idea": i.idea_id, "description": i.alt_text, "created": _when(i.created)}
            for i in IdeaImage.objects.filter(uploaded_by=user)
        ],
        "attachments": [
            {"idea": a.idea_id, "name": a.name, "size": a.size, "created": _when(a.created)}
            for a in IdeaAttachment.objects.filter(uploaded_by=user)
        ],
        "transitions": [
            {"idea": t.idea_id, "name": t.name, "reason": t.reason, "created": _when(t.created)}
            for t in Transition.objects.filter(actor=user)
        ],
        "official_answers": [
            {"idea": a.idea_id, "text": a.text, "created": _when(a.created)}
            for a in OfficialAnswer.objects.filter(author=user)
        ],
    }


def recount(idea: Idea) -> None:
    """Set the idea's counters and scores exactly from its rows (after rows moved or vanished)."""
    from . import services

    idea = Idea.objects.select_related("municipality").get(pk=idea.pk)
    mode = idea.municipality.reaction_mode
    up = down = star_count = star_sum = 0
    for value in Reaction.objects.filter(idea=idea).values_list("value", flat=True):
        if mode == "stars":
            star_count += 1
            star_sum += value
            up += value >= 4
            down += value <= 2
        else:
            up += value > 0
            down += value < 0
    idea.up_count, idea.down_count = up, down
    idea.star_count, idea.star_sum = star_count, star_sum
    idea.comment_count = Comment.objects.filter(idea=idea, deleted_at__isnull=True).count()
    idea.follower_count = Follow.objects.filter(idea=idea).count()
    # The same score formulas as every reaction uses, so lists rank the idea consistently.
    scores = services._scores(idea)
    Idea.objects.filter(pk=idea.pk).update(
        up_count=up,
        down_count=down,
        star_count=star_count,
        star_sum=star_sum,
        comment_count=idea.comment_count,
        follower_count=idea.follower_count,
        **scores,
    )


def _delete_idea(idea: Idea) -> None:
    files = [image.file for image in idea.images.all()] + [a.file for a in idea.attachments.all()]
    files = [file for file in files if file.name]
    pk = idea.pk
    idea.delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ideas_idea_fts WHERE rowid = %s", [pk])
    # Files go only once the deletion is committed.
    for file in files:
        transaction.on_commit(partial(file.storage.delete, str(file.name)))


@transaction.atomic
def erase(user: Any, *, keep_content: bool) -> None:
    """Remove `user` from ideas, comments, reactions and follows."""
    touched: set[int] = set()
    touched.update(Reaction.objects.filter(user=user).values_list("idea_id", flat=True))
    touched.update(Follow.objects.filter(user=user).values_list("idea_id", flat=True))
    Reaction.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()

    own_links = IdeaAuthor.objects.filter(user=user)
    for link in own_links.select_related("idea"):
        idea = link.idea
        sole_author = not IdeaAuthor.objects.filter(idea=idea).exclude(user=user).exists()
        private = idea.state not in PUBLIC_STATES
        removable = not keep_content and idea.state not in PROJECT_STATES
        if sole_author and (private or removable):
            touched.discard(idea.pk)
            _delete_idea(idea)
    IdeaAuthor.objects.filter(user=user).delete()
    Idea.objects.filter(created_by=user).update(created_by=None)

    comments = Comment.objects.filter(author=user)
    if not keep_content:
        touched.update(comments.values_list("idea_id", flat=True))
        comments.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
        comments.update(text="", text_html="")
    comments.update(author=None)

    IdeaVersion.objects.filter(author=user).update(author=None)
    IdeaImage.objects.filter(uploaded_by=user).update(uploaded_by=None)
    IdeaAttachment.objects.filter(uploaded_by=user).update(uploaded_by=None)
    IdeaLink.objects.filter(created_by=user).update(created_by=None)
    Transition.objects.filter(actor=user).update(actor=None)
    OfficialAnswer.objects.filter(author=user).update(author=None)
    for idea in Idea.objects.filter(pk__in=touched):
        recount(idea)
