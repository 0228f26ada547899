"""API for ideas: list, detail, similar, GeoJSON, create/update/submit, comments, reactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from mitmachstadt.core import ratelimit
from mitmachstadt.core.markup import plain_text
from mitmachstadt.geo.models import District
from mitmachstadt.ideas import selectors, services, workflow
from mitmachstadt.ideas.models import Comment, Idea, IdeaLink
from mitmachstadt.ideas.search import similar
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import FieldOfAction

from . import geojson
from .auth import write_auth

router = Router()
geo_router = Router()


# --- Schemas ------------------------------------------------------------------------------


class LocationOut(Schema):
    lat: float
    lon: float


class IdeaOut(Schema):
    id: int
    title: str
    state: str
    state_label: str
    url: str
    excerpt: str
    fields: list[str]
    district: str | None
    location: LocationOut | None
    citywide: bool
    author: str | None = Field(description="Display name; null when posted anonymously")
    supports: int
    opposes: int
    stars_average: float | None
    stars_count: int
    rated_score: float
    comment_count: int
    follower_count: int
    cluster: str | None
    submitted_at: datetime | None
    created: datetime
    updated: datetime


class IdeaListOut(Schema):
    items: list[IdeaOut]
    count: int
    page: int
    page_size: int
    order: str
    seed: str | None
    more: bool = Field(
        False,
        description="A search (`q`) matched more ideas than it ranks: the newest of them are "
        "listed, best first, and `count` is a lower bound",
    )


class CommentOut(Schema):
    id: int
    parent: int | None
    author: str | None
    text: str
    html: str
    created: datetime
    edited: bool
    deleted: bool
    hidden: bool


class AnswerOut(Schema):
    text: str
    html: str
    created: datetime


class LinkOut(Schema):
    kind: str
    direction: Literal["out", "in"]
    idea: int
    title: str
    url: str


class TransitionOut(Schema):
    name: str
    from_state: str
    to_state: str
    reason: str
    document_reference: str
    meeting_date: str | None
    created: datetime


class IdeaDetailOut(IdeaOut):
    text: str
    html: str
    answers: list[AnswerOut]
    links: list[LinkOut]
    transitions: list[TransitionOut]
    images: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    version: int


class SimilarOut(Schema):
    id: int
    title: str
    state: str
    url: str
    score: float


class SimilarListOut(Schema):
    items: list[SimilarOut]


class IdeaIn(Schema):
    title: str
    text: str
    fields: list[str] = Field(description="Slugs of fields of action")
    lat: float | None = None
    lon: float | None = None
    district: str | None = None
    citywide: bool = False
    anonymous: bool = False
    submit: bool = False


class IdeaUpdateIn(Schema):
    title: str
    text: str
    fields: list[str]
    lat: float | None = None
    lon: float | None = None
    district: str | None = None
    citywide: bool = False
    note: str = ""


class CommentIn(Schema):
    text: str
    parent: int | None = None
    anonymous: bool = False


class ReactionIn(Schema):
    value: int | None = Field(description="support: 1; updown: 1 or -1; stars: 1..5; null removes")


class LinkIn(Schema):
    target: int
    kind: Literal["related", "builds_on", "duplicate_of", "part_of"]


class TransitionIn(Schema):
    reason: str = ""
    document_reference: str = ""
    meeting_date: str | None = None
    into: int | None = Field(None, description="Target idea id, for merge")


class ListParams(Schema):
    order: Literal[
        "newest", "supported", "rated", "discussed", "controversial", "trending", "random"
    ] = "newest"
    seed: str | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)
    field: str | None = None
    district: str | None = None
    cluster: str | None = None
    state: str | None = None
    q: str | None = None


# --- Helpers ------------------------------------------------------------------------------


def _abs(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def idea_out(request: HttpRequest, idea: Idea) -> dict[str, Any]:
    author = None
    if not idea.anonymous and idea.created_by is not None:
        author = idea.created_by.display_name
    return {
        "id": idea.pk,
        "title": idea.title,
        "state": idea.state,
        "state_label": str(State(idea.state).label),
        "url": _abs(request, idea.get_absolute_url()),
        "excerpt": plain_text(idea.text)[:280],
        "fields": [f.slug for f in idea.fields.all()],
        "district": idea.district.slug if idea.district else None,
        "location": {"lat": idea.lat, "lon": idea.lon} if idea.has_location else None,
        "citywide": idea.citywide,
        "author": author,
        "supports": idea.up_count,
        "opposes": idea.down_count,
        "stars_average": round(idea.star_average, 3) if idea.star_average is not None else None,
        "stars_count": idea.star_count,
        "rated_score": round(idea.rated_score, 6),
        "comment_count": idea.comment_count,
        "follower_count": idea.follower_count,
        "cluster": idea.cluster.slug if idea.cluster else None,
        "submitted_at": idea.submitted_at,
        "created": idea.created,
        "updated": idea.updated,
    }


def _idea_or_404(request: HttpRequest, idea_id: int) -> Idea:
    idea = selectors.idea_for_view(request.municipality, idea_id, request.user)  # type: ignore[attr-defined]
    if idea is None:
        raise Http404
    return idea


def _fields(request: HttpRequest, slugs: list[str]) -> list[FieldOfAction]:
    found = list(FieldOfAction.objects.filter(municipality=request.municipality, slug__in=slugs))  # type: ignore[attr-defined]
    if len(found) != len(set(slugs)):
        raise ValidationError({"fields": _("Unknown field of action.")})
    return found


def _district(request: HttpRequest, slug: str | None) -> District | None:
    if not slug:
        return None
    district = District.objects.filter(municipality=request.municipality, slug=slug).first()  # type: ignore[attr-defined]
    if district is None:
        raise ValidationError({"district": _("Unknown district.")})
    return district


def _limit(request: HttpRequest, scope: str) -> None:
    if not ratelimit.hit(request, scope):
        from ninja.errors import HttpError

        raise HttpError(429, _("Too many requests. Please wait a moment and try again."))


# --- Reads --------------------------------------------------------------------------------


@router.get("", response=IdeaListOut, summary="List public ideas")
def list_ideas(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """Public ideas with filters, orderings (random is seeded: pass `seed` to page stably)."""
    flt = selectors.IdeaFilter(
        field=params.field or "",
        district=params.district or "",
        state=params.state or "",
        q=params.q or "",
        cluster=params.cluster or "",
    )
    page = selectors.idea_page(
        request.municipality,  # type: ignore[attr-defined]
        flt=flt,
        order=params.order,
        page=params.page,
        page_size=params.page_size,
        seed=params.seed or "",
    )
    return {
        "items": [idea_out(request, idea) for idea in page.items],
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "order": page.order,
        "seed": page.seed or None,
        "more": page.more,
    }


@router.get("/similar", response=SimilarListOut, summary="Ideas similar to a text")
def similar_ideas(request: HttpRequest, text: str, limit: int = 5) -> dict[str, Any]:
    """Existing public ideas similar to `text`, best first (to join instead of duplicating)."""
    _limit(request, "similar")
    results = similar(request.municipality, text, limit=max(1, min(limit, 20)))  # type: ignore[attr-defined]
    return {
        "items": [
            {
                "id": idea.pk,
                "title": idea.title,
                "state": idea.state,
                "url": _abs(request, idea.get_absolute_url()),
                "score": round(score, 4),
            }
            for idea, score in results
        ]
    }


@geo_router.get("/ideas.geojson", summary="Located public ideas as GeoJSON")
def ideas_geojson(
    request: HttpRequest,
    field: str | None = None,
    district: str | None = None,
    state: str | None = None,
) -> HttpResponse:
    """A GeoJSON FeatureCollection of every public idea with a point.

    Compressed with gzip when the client accepts it; send the ETag back in If-None-Match to
    get 304 Not Modified while nothing changed.
    """
    flt = selectors.IdeaFilter(field=field or "", district=district or "", state=state or "")
    return geojson.response(request, flt)


@router.get("/{int:idea_id}", response=IdeaDetailOut, summary="One idea")
def get_idea(request: HttpRequest, idea_id: int) -> dict[str, Any]:
    """An idea with its official answers, links, history, images and attachments."""
    idea = _idea_or_404(request, idea_id)
    detail = selectors.idea_detail(
        request.municipality,  # type: ignore[attr-defined]
        idea,
        request.user,
        with_comments=False,  # served by /comments
    )
    idea = detail.idea
    data = idea_out(request, idea)
    data.update(
        text=idea.text,
        html=idea.text_html,
        version=idea.version,
        answers=[
            {"text": a.text, "html": a.text_html, "created": a.created} for a in detail.answers
        ],
        links=[
            {
                "kind": link.kind,
                "direction": "out" if link.source_id == idea.pk else "in",
                "idea": other.pk,
                "title": other.title,
                "url": _abs(request, other.get_absolute_url()),
            }
            for _label, other, link in detail.links
        ],
        transitions=[
            {
                "name": t.name,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "reason": t.reason,
                "document_reference": t.document_reference,
                "meeting_date": t.meeting_date.isoformat() if t.meeting_date else None,
                "created": t.created,
            }
            for t in detail.transitions
        ],
        images=[
            {
                "url": _abs(request, img.file.url),
                "alt": img.alt_text,
                "width": img.width,
                "height": img.height,
            }
            for img in idea.images.all()
        ],
        attachments=[
            {
                "url": _abs(request, att.file.url),
                "name": att.name,
                "size": att.size,
                "content_type": att.content_type,
            }
            for att in idea.attachments.all()
        ],
    )
    return data


def _comment_out(comment: Comment) -> dict[str, Any]:
    visible = not comment.is_deleted and not comment.is_hidden
    author = None
    if visible and not comment.anonymous and comment.author is not None:
        author = comment.author.display_name
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": author,
        "text": comment.text if visible else "",
        "html": comment.text_html if visible else "",
        "created": comment.created,
        "edited": comment.edited_at is not None,
        "deleted": comment.is_deleted,
        "hidden": comment.is_hidden,
    }


@router.get("/{int:idea_id}/comments", response=list[CommentOut], summary="Comments of an idea")
def list_comments(request: HttpRequest, idea_id: int) -> list[dict[str, Any]]:
    """All comments in thread order (replies carry their parent's id)."""
    idea = _idea_or_404(request, idea_id)
    comments = Comment.objects.filter(idea=idea).select_related("author").order_by("created", "id")
    return [_comment_out(c) for c in comments]


# --- Writes -------------------------------------------------------------------------------


@router.post("", response={201: IdeaDetailOut}, auth=write_auth, summary="Create an idea")
def create_idea(request: HttpRequest, payload: IdeaIn) -> tuple[int, dict[str, Any]]:
    """Create a draft (or submit it at once with `submit: true`)."""
    _limit(request, "idea")
    idea = services.idea_create(
        municipality=request.municipality,  # type: ignore[attr-defined]
        author=request.user,
        title=payload.title,
        text=payload.text,
        fields=_fields(request, payload.fields),
        lat=payload.lat,
        lon=payload.lon,
        district=_district(request, payload.district),
        citywide=payload.citywide,
        anonymous=payload.anonymous,
        submit=payload.submit,
    )
    return 201, get_idea(request, idea.pk)


@router.put("/{int:idea_id}", response=IdeaDetailOut, auth=write_auth, summary="Revise an idea")
def update_idea(request: HttpRequest, idea_id: int, payload: IdeaUpdateIn) -> dict[str, Any]:
    """Authors revise their idea; a new version is kept."""
    _limit(request, "api_write")
    idea = _idea_or_404(request, idea_id)
    services.idea_update(
        idea=idea,
        actor=request.user,
        title=payload.title,
        text=payload.text,
        fields=_fields(request, payload.fields),
        lat=payload.lat,
        lon=payload.lon,
        district=_district(request, payload.district),
        citywide=payload.citywide,
        note=payload.note,
    )
    return get_idea(request, idea_id)


@router.post(
    "/{int:idea_id}/transitions/{name}",
    response=IdeaDetailOut,
    auth=write_auth,
    summary="Move an idea through the process",
)
def transition_idea(
    request: HttpRequest, idea_id: int, name: str, payload: TransitionIn
) -> dict[str, Any]:
    """Apply a transition (submit, start_review, accept, return, committee_approve, ...)."""
    import datetime as dt

    _limit(request, "api_write")
    idea = _idea_or_404(request, idea_id)
    if name not in workflow.FUNCTIONS:
        raise Http404
    kwargs: dict[str, Any] = {"idea": idea, "actor": request.user}
    rule = workflow.TRANSITIONS[name]
    if name != "submit":
        kwargs["reason"] = payload.reason
    if name.startswith("committee_") or name == "funding_approved":
        kwargs["document_reference"] = payload.document_reference
        if payload.meeting_date:
            try:
                kwargs["meeting_date"] = dt.date.fromisoformat(payload.meeting_date)
            except ValueError as error:
                raise ValidationError({"meeting_date": _("Use the form YYYY-MM-DD.")}) from error
    if name == "merge":
        if payload.into is None:
            raise ValidationError({"into": _("Name the idea to merge into.")})
        kwargs["into"] = get_object_or_404(Idea, pk=payload.into, municipality=request.municipality)  # type: ignore[attr-defined]
    del rule
    workflow.FUNCTIONS[name](**kwargs)
    return get_idea(request, idea_id)


@router.post(
    "/{int:idea_id}/comments", response={201: CommentOut}, auth=write_auth, summary="Comment"
)
def create_comment(
    request: HttpRequest, idea_id: int, payload: CommentIn
) -> tuple[int, dict[str, Any]]:
    """Comment on a public idea, or reply with `parent`."""
    _limit(request, "comment")
    idea = _idea_or_404(request, idea_id)
    parent = None
    if payload.parent is not None:
        parent = get_object_or_404(Comment, pk=payload.parent, idea=idea)
    comment = services.comment_create(
        idea=idea,
        author=request.user,
        text=payload.text,
        parent=parent,
        anonymous=payload.anonymous,
    )
    return 201, _comment_out(comment)


def _reactable(request: HttpRequest, idea_id: int) -> Idea:
    """The idea to react to, read lean: the service locks and reads it again anyway."""
    municipality = request.municipality  # type: ignore[attr-defined]
    idea = (
        Idea.objects.filter(municipality=municipality, pk=idea_id)
        .only("pk", "municipality_id", "state", "is_hidden")
        .first()
    )
    if idea is None:
        raise Http404
    if not idea.is_public:
        # Whoever may see it (its authors, moderators) learns from the service why not; for
        # everybody else it does not exist.
        idea = _idea_or_404(request, idea_id)
    idea.municipality = municipality
    return idea


def _reacted(request: HttpRequest, idea_id: int, value: int | None) -> dict[str, Any]:
    idea = services.reaction_set(idea=_reactable(request, idea_id), user=request.user, value=value)
    prefetch_related_objects([idea], "fields")
    return idea_out(request, idea)


@router.put("/{int:idea_id}/reaction", response=IdeaOut, auth=write_auth, summary="React")
def set_reaction(request: HttpRequest, idea_id: int, payload: ReactionIn) -> dict[str, Any]:
    """Set or change (or with null remove) your one reaction in the municipality's mode."""
    _limit(request, "reaction")
    return _reacted(request, idea_id, payload.value)


@router.delete(
    "/{int:idea_id}/reaction", response=IdeaOut, auth=write_auth, summary="Remove reaction"
)
def delete_reaction(request: HttpRequest, idea_id: int) -> dict[str, Any]:
    """Remove your reaction."""
    _limit(request, "reaction")
    return _reacted(request, idea_id, None)


@router.post("/{int:idea_id}/follow", response={204: None}, auth=write_auth, summary="Follow")
def follow(request: HttpRequest, idea_id: int) -> tuple[int, None]:
    """Follow an idea."""
    services.follow_create(idea=_idea_or_404(request, idea_id), user=request.user)
    return 204, None


@router.delete("/{int:idea_id}/follow", response={204: None}, auth=write_auth, summary="Unfollow")
def unfollow(request: HttpRequest, idea_id: int) -> tuple[int, None]:
    """Stop following an idea."""
    services.follow_delete(idea=_idea_or_404(request, idea_id), user=request.user)
    return 204, None


@router.get("/{int:idea_id}/links", response=list[LinkOut], summary="Links of an idea")
def list_links(request: HttpRequest, idea_id: int) -> list[dict[str, Any]]:
    """Typed links to and from other ideas."""
    links: list[dict[str, Any]] = get_idea(request, idea_id)["links"]
    return links


@router.post("/{int:idea_id}/links", response={201: LinkOut}, auth=write_auth, summary="Link ideas")
def create_link(request: HttpRequest, idea_id: int, payload: LinkIn) -> tuple[int, dict[str, Any]]:
    """Link this idea to another (related, builds_on, duplicate_of, part_of)."""
    _limit(request, "api_write")
    source = _idea_or_404(request, idea_id)
    target = _idea_or_404(request, payload.target)
    link = services.link_create(source=source, target=target, kind=payload.kind, actor=request.user)
    return 201, {
        "kind": link.kind,
        "direction": "out",
        "idea": target.pk,
        "title": target.title,
        "url": _abs(request, target.get_absolute_url()),
    }


__all__ = ["IdeaLink", "geo_router", "router"]
