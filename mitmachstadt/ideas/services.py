"""Writes to ideas and everything around them. Keyword-only, atomic, audited, evented."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mitmachstadt.accounts.models import Organisation, Role
from mitmachstadt.accounts.selectors import has_role
from mitmachstadt.audit.services import audit_record
from mitmachstadt.core import pagecache
from mitmachstadt.core.antispam import check_participation
from mitmachstadt.core.bus import Event, publish
from mitmachstadt.core.markup import render_markdown
from mitmachstadt.geo.models import District
from mitmachstadt.geo.selectors import district_for_point
from mitmachstadt.tenants.models import FieldOfAction, Municipality

from . import scoring, search, workflow
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
)
from .states import PUBLIC_STATES, State
from .uploads import (
    MAX_ATTACHMENTS_PER_IDEA,
    MAX_IMAGES_PER_IDEA,
    check_attachment,
    clean_filename,
    clean_image,
)

MAX_TITLE = 160
MAX_TEXT = 20_000
MAX_COMMENT = 5_000


def _event(name: str, idea: Idea, actor: Any, **data: Any) -> None:
    publish(
        Event(
            name=name,
            municipality_id=idea.municipality_id,
            actor_id=getattr(actor, "pk", None),
            object_id=idea.pk,
            data=data,
        )
    )


def _require_author(idea: Idea, user: Any) -> None:
    if not workflow.is_author(idea, user):
        raise PermissionDenied(_("Only the authors may change this idea."))


def _require_public(idea: Idea) -> None:
    if idea.state not in PUBLIC_STATES or idea.is_hidden:
        raise ValidationError(_("This idea is not public."), code="not_public")


def _clean_content(title: str, text: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if len(title) < 5:
        errors["title"] = _("Please give your idea a title of at least 5 characters.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("A title may have at most %(n)d characters.") % {"n": MAX_TITLE}
    if len(text) < 20:
        errors["text"] = _("Please describe your idea in at least 20 characters.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("The text may have at most %(n)d characters.") % {"n": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    return title, text


def _resolve_location(
    municipality: Municipality,
    *,
    lat: float | None,
    lon: float | None,
    district: District | None,
    citywide: bool,
) -> tuple[float | None, float | None, District | None, bool]:
    if (lat is None) != (lon is None):
        raise ValidationError({"location": _("A point needs both latitude and longitude.")})
    if district is not None and district.municipality_id != municipality.pk:
        raise ValidationError({"district": _("Unknown district.")})
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"location": _("This is not a valid position.")})
        # The point decides the district, so that the map and the district filter agree.
        district = district_for_point(municipality, lat, lon) or district
        citywide = False
    if citywide:
        district = None
    return lat, lon, district, citywide


def _check_fields(
    municipality: Municipality, fields: Iterable[FieldOfAction]
) -> list[FieldOfAction]:
    chosen = list(fields)
    if not chosen:
        raise ValidationError({"fields": _("Please choose at least one field of action.")})
    if any(field.municipality_id != municipality.pk for field in chosen):
        raise ValidationError({"fields": _("Unknown field of action.")})
    return chosen


def _save_version(idea: Idea, author: Any, note: str = "") -> IdeaVersion:
    return IdeaVersion.objects.create(
        idea=idea,
        number=idea.version,
        title=idea.title,
        text=idea.text,
        field_names=sorted(f.name for f in idea.fields.all()),
        author=author,
        note=note[:200],
    )


@transaction.atomic
def idea_create(
    *,
    municipality: Municipality,
    author: Any,
    title: str,
    text: str,
    fields: Iterable[FieldOfAction],
    lat: float | None = None,
    lon: float | None = None,
    district: District | None = None,
    citywide: bool = False,
    anonymous: bool = False,
    submit: bool = False,
    is_demo: bool = False,
) -> Idea:
    """Create an idea as a private draft (or submit it at once with `submit=True`)."""
    if not getattr(author, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to write an idea."))
    check_participation(municipality, author)
    title, text = _clean_content(title, text)
    chosen = _check_fields(municipality, fields)
    lat, lon, district, citywide = _resolve_location(
        municipality, lat=lat, lon=lon, district=district, citywide=citywide
    )
    idea = Idea.objects.create(
        municipality=municipality,
        title=title,
        text=text,
        text_html=render_markdown(text),
        lat=lat,
        lon=lon,
        district=district,
        citywide=citywide,
        created_by=author,
        anonymous=anonymous,
        is_demo=is_demo,
    )
    idea.fields.set(chosen)
    IdeaAuthor.objects.create(idea=idea, user=author, is_owner=True)
    Follow.objects.create(idea=idea, user=author)
    Idea.objects.filter(pk=idea.pk).update(follower_count=1)
    idea.follower_count = 1
    _save_version(idea, author, note=_("First version"))
    search.index_idea(idea)
    audit_record(action="idea.create", municipality=municipality, actor=author, target=idea)
    _event("idea.created", idea, author)
    if submit:
        workflow.submit(idea=idea, actor=author)
    return idea


@transaction.atomic
def idea_update(
    *,
    idea: Idea,
    actor: Any,
    title: str,
    text: str,
    fields: Iterable[FieldOfAction],
    lat: float | None = None,
    lon: float | None = None,
    district: District | None = None,
    citywide: bool = False,
    note: str = "",
) -> Idea:
    """Authors revise their idea at any time; every version is kept."""
    _require_author(idea, actor)
    check_participation(idea.municipality, actor)
    if idea.state in {State.MERGED, State.WITHDRAWN}:
        raise ValidationError(_("A merged or withdrawn idea cannot be changed."))
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    title, text = _clean_content(title, text)
    chosen = _check_fields(locked.municipality, fields)
    lat, lon, district, citywide = _resolve_location(
        locked.municipality, lat=lat, lon=lon, district=district, citywide=citywide
    )
    locked.title, locked.text, locked.text_html = title, text, render_markdown(text)
    locked.lat, locked.lon, locked.district, locked.citywide = lat, lon, district, citywide
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db(fields=["version"])
    locked.fields.set(chosen)
    _save_version(locked, actor, note=note)
    search.index_idea(locked)
    audit_record(
        action="idea.revise",
        municipality=locked.municipality,
        actor=actor,
        target=locked,
        data={"version": locked.version},
    )
    if locked.state in PUBLIC_STATES:
        _event("idea.revised", locked, actor, version=locked.version)
    return locked


def idea_submit(*, idea: Idea, actor: Any) -> Idea:
    """Make a draft public."""
    workflow.submit(idea=idea, actor=actor)
    idea.refresh_from_db()
    _refresh_scores(idea)
    return idea


@transaction.atomic
def idea_add_coauthor(*, idea: Idea, actor: Any, user: Any) -> None:
    """An author invites another participant of the municipality as co-author."""
    _require_author(idea, actor)
    if not has_role(idea.municipality, user, Role.PARTICIPANT):
        raise ValidationError(_("Only participants of this municipality can be co-authors."))
    IdeaAuthor.objects.get_or_create(idea=idea, user=user)
    audit_record(
        action="idea.coauthor_add",
        municipality=idea.municipality,
        actor=actor,
        target=idea,
        data={"user": user.pk},
    )


@transaction.atomic
def idea_add_partner(*, idea: Idea, actor: Any, organisation: Organisation) -> None:
    """Name an organisation of the municipality as partner of the idea."""
    _require_author(idea, actor)
    if organisation.municipality_id != idea.municipality_id:
        raise ValidationError(_("Unknown organisation."))
    idea.partners.add(organisation)
    audit_record(
        action="idea.partner_add",
        municipality=idea.municipality,
        actor=actor,
        target=idea,
        data={"organisation": organisation.pk},
    )


@transaction.atomic
def idea_add_image(*, idea: Idea, actor: Any, upload: UploadedFile, alt_text: str) -> IdeaImage:
    """Attach an image (re-encoded, metadata stripped) with its text description."""
    _require_author(idea, actor)
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise ValidationError(
            {"alt_text": _("Please describe the image for people who cannot see it.")}
        )
    if idea.images.count() >= MAX_IMAGES_PER_IDEA:
        raise ValidationError(
            _("An idea can have at most %(n)d images.") % {"n": MAX_IMAGES_PER_IDEA}
        )
    clean = clean_image(upload)
    image = IdeaImage(idea=idea, alt_text=alt_text[:200], uploaded_by=actor)
    image.file.save(clean.content.name or "image.jpg", clean.content, save=False)
    image.save()
    audit_record(action="idea.image_add", municipality=idea.municipality, actor=actor, target=idea)
    return image


@transaction.atomic
def idea_add_attachment(*, idea: Idea, actor: Any, upload: UploadedFile) -> IdeaAttachment:
    """Attach a document (PDF, office, text) after checking its type and size."""
    _require_author(idea, actor)
    if idea.attachments.count() >= MAX_ATTACHMENTS_PER_IDEA:
        raise ValidationError(
            _("An idea can have at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS_PER_IDEA}
        )
    name, content_type = check_attachment(upload)
    attachment = IdeaAttachment(
        idea=idea, name=name, size=upload.size or 0, content_type=content_type, uploaded_by=actor
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(
        action="idea.attachment_add", municipality=idea.municipality, actor=actor, target=idea
    )
    return attachment


# --- Discussion ---------------------------------------------------------------------------


def _clean_comment(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Please write a comment.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            {"text": _("A comment may have at most %(n)d characters.") % {"n": MAX_COMMENT}}
        )
    return text


@transaction.atomic
def comment_create(
    *,
    idea: Idea,
    author: Any,
    text: str,
    parent: Comment | None = None,
    anonymous: bool = False,
    is_demo: bool = False,
) -> Comment:
    """Comment on a public idea, or reply to a comment."""
    if not getattr(author, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to comment."))
    check_participation(idea.municipality, author)
    _require_public(idea)
    text = _clean_comment(text)
    if parent is not None and parent.idea_id != idea.pk:
        raise ValidationError(_("You can only reply to a comment on the same idea."))
    comment = Comment.objects.create(
        idea=idea,
        parent=parent,
        author=author,
        anonymous=anonymous,
        text=text,
        text_html=render_markdown(text),
        is_demo=is_demo,
    )
    Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
    idea.refresh_from_db(fields=["comment_count"])
    _refresh_scores(idea)
    # Commenters follow the idea they discuss (they can stop).
    if not Follow.objects.filter(idea=idea, user=author).exists():
        follow_create(idea=idea, user=author)
    audit_record(
        action="comment.create", municipality=idea.municipality, actor=author, target=comment
    )
    _event(
        "comment.created",
        idea,
        author,
        comment_id=comment.pk,
        parent_id=parent.pk if parent else None,
    )
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, actor: Any, text: str) -> Comment:
    """Authors edit their comment; it shows "edited"."""
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("You can only edit your own comments."))
    check_participation(comment.idea.municipality, actor)
    if comment.is_deleted:
        raise ValidationError(_("A deleted comment cannot be edited."))
    comment.text = _clean_comment(text)
    comment.text_html = render_markdown(comment.text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["text", "text_html", "edited_at"])
    audit_record(
        action="comment.edit", municipality=comment.idea.municipality, actor=actor, target=comment
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: Any) -> Comment:
    """Authors delete their comment; a placeholder keeps the thread readable."""
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("You can only delete your own comments."))
    if comment.is_deleted:
        return comment
    comment.text = ""
    comment.text_html = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["text", "text_html", "deleted_at"])
    Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") - 1)
    audit_record(
        action="comment.delete", municipality=comment.idea.municipality, actor=actor, target=comment
    )
    return comment


@transaction.atomic
def answer_create(*, idea: Idea, actor: Any, text: str) -> OfficialAnswer:
    """The administration answers an idea officially; the first answer keeps the promise."""
    if not has_role(idea.municipality, actor, Role.MODERATOR, Role.REVIEWER, Role.ADMIN):
        raise PermissionDenied(_("Only staff may write official answers."))
    _require_public(idea)
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError({"text": _("Please write an answer of at least 10 characters.")})
    answer = OfficialAnswer.objects.create(
        idea=idea, author=actor, text=text, text_html=render_markdown(text)
    )
    Idea.objects.filter(pk=idea.pk, first_answer_at__isnull=True).update(
        first_answer_at=answer.created
    )
    audit_record(action="idea.answer", municipality=idea.municipality, actor=actor, target=idea)
    _event("idea.answered", idea, actor, answer_id=answer.pk)
    return answer


# --- Reactions and follows ----------------------------------------------------------------


def _valid_value(mode: str, value: int) -> int:
    allowed = {"support": {1}, "updown": {1, -1}, "stars": {1, 2, 3, 4, 5}}[mode]
    if value not in allowed:
        raise ValidationError(_("This reaction is not possible here."), code="reaction_value")
    return value


def _counter_deltas(mode: str, value: int | None) -> dict[str, int]:
    """What one reaction adds to the counters (stars: 4-5 count as up, 1-2 as down)."""
    if value is None:
        return {}
    if mode == "stars":
        deltas = {"star_count": 1, "star_sum": value}
        if value >= 4:
            deltas["up_count"] = 1
        elif value <= 2:
            deltas["down_count"] = 1
        return deltas
    return {"up_count": 1} if value > 0 else {"down_count": 1}


def _scores(idea: Idea) -> dict[str, float]:
    """Recompute the stored ranking scores from the idea's counters (also sets them on it)."""
    mode = idea.municipality.reaction_mode
    idea.rated_score = scoring.rated(
        mode, idea.up_count, idea.down_count, idea.star_sum, idea.star_count
    )
    idea.controversy = scoring.controversy(idea.up_count, idea.down_count)
    idea.trending = scoring.trending(idea.net_support, idea.comment_count, idea.submitted_at)
    return {
        "rated_score": idea.rated_score,
        "controversy": idea.controversy,
        "trending": idea.trending,
    }


def _refresh_scores(idea: Idea) -> None:
    Idea.objects.filter(pk=idea.pk).update(**_scores(idea))


def reaction_set(*, idea: Idea, user: Any, value: int | None) -> Idea:
    """Set (or with None remove) the account's one reaction; counters stay exact under load."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to react."))
    municipality = idea.municipality  # no query when the caller loaded it with the idea
    check_participation(municipality, user)
    with transaction.atomic():
        # The row lock serialises reactions on one idea, so counter deltas never race. Only the
        # idea's row: locking the joined municipality row too would serialise every reaction
        # in town. The joined rows are what the caller shows of the idea afterwards.
        locked = (
            Idea.objects.select_for_update(of=("self",))
            .select_related("district", "created_by", "cluster")
            .get(pk=idea.pk)
        )
        locked.municipality = municipality
        _require_public(locked)
        mode = municipality.reaction_mode
        if value is not None:
            _valid_value(mode, value)
        existing = Reaction.objects.filter(idea=locked, user=user).values_list("pk", "value")
        found = existing.first()
        old = found[1] if found else None
        if old == value:
            return locked
        deltas: dict[str, int] = {}
        for key, amount in _counter_deltas(mode, old).items():
            deltas[key] = deltas.get(key, 0) - amount
        for key, amount in _counter_deltas(mode, value).items():
            deltas[key] = deltas.get(key, 0) + amount
        # Plain row writes; the event below tells the page cache (no per-row save hooks).
        if value is None:
            if found is not None:
                Reaction.objects.filter(pk=found[0]).delete()
        elif found is not None:
            Reaction.objects.filter(pk=found[0]).update(value=value, updated=timezone.now())
        else:
            Reaction.objects.create(idea=locked, user=user, value=value)
        for key, amount in deltas.items():
            setattr(locked, key, getattr(locked, key) + amount)
        Idea.objects.filter(pk=locked.pk).update(
            **{k: getattr(locked, k) for k in deltas}, **_scores(locked)
        )
        _event("idea.reacted", locked, user, value=value)
    return locked


@transaction.atomic
def follow_create(*, idea: Idea, user: Any) -> Follow:
    """Follow an idea (notifications about it come to the account)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in to follow."))
    follow, created = Follow.objects.get_or_create(idea=idea, user=user)
    if created:
        Idea.objects.filter(pk=idea.pk).update(follower_count=F("follower_count") + 1)
    return follow


@transaction.atomic
def follow_delete(*, idea: Idea, user: Any) -> None:
    """Stop following an idea."""
    deleted, _details = Follow.objects.filter(idea=idea, user=user).delete()
    if deleted:
        Idea.objects.filter(pk=idea.pk).update(follower_count=F("follower_count") - 1)
        # The idea page shows the count; neither a save nor an audit entry tells the page cache.
        pagecache.bump_on_commit(idea.municipality_id)


# --- Links --------------------------------------------------------------------------------


@transaction.atomic
def link_create(*, source: Idea, target: Idea, kind: str, actor: Any) -> IdeaLink:
    """Link two ideas of a municipality; authors of the source or moderators may."""
    if source.municipality_id != target.municipality_id:
        raise ValidationError(_("Ideas of different municipalities cannot be linked."))
    if source.pk == target.pk:
        raise ValidationError(_("An idea cannot be linked to itself."))
    if kind not in IdeaLink.Kind.values:
        raise ValidationError(_("Unknown kind of link."))
    if not (
        workflow.is_author(source, actor) or has_role(source.municipality, actor, Role.MODERATOR)
    ):
        raise PermissionDenied(_("Only the authors or moderators may link this idea."))
    _require_public(target)
    link, _created = IdeaLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"created_by": actor}
    )
    audit_record(
        action="idea.link",
        municipality=source.municipality,
        actor=actor,
        target=source,
        data={"target": target.pk, "kind": kind},
    )
    return link


@transaction.atomic
def link_delete(*, link: IdeaLink, actor: Any) -> None:
    """Remove a link (its creator, the source's authors or moderators)."""
    source = link.source
    if not (
        link.created_by_id == getattr(actor, "pk", None)
        or workflow.is_author(source, actor)
        or has_role(source.municipality, actor, Role.MODERATOR)
    ):
        raise PermissionDenied(_("You may not remove this link."))
    audit_record(
        action="idea.unlink",
        municipality=source.municipality,
        actor=actor,
        target=source,
        data={"target": link.target_id, "kind": link.kind},
    )
    link.delete()


def record_exposure(idea_ids: list[int]) -> None:
    """Count that these ideas were shown on a first page (fair-exposure random order)."""
    if idea_ids:
        Idea.objects.filter(pk__in=idea_ids).update(exposure=F("exposure") + 1)


__all__ = ["clean_filename"]
