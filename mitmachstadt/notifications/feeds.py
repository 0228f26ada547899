"""Atom feeds (RFC 4287): all public ideas, per field of action, per district, and per idea.

Feed objects are shared between requests, so everything request-specific travels in `Scope`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from mitmachstadt.geo.models import District
from mitmachstadt.ideas.models import Comment, Idea, OfficialAnswer, Transition
from mitmachstadt.ideas.states import State
from mitmachstadt.ideas.workflow import TRANSITIONS
from mitmachstadt.tenants.models import FieldOfAction

ITEMS = 50


@dataclass
class Scope:
    municipality: Any
    title: str
    link: str
    ideas: Any = None
    idea: Idea | None = None
    base: str = ""


@dataclass
class Entry:
    """One entry of an idea's feed: a step, an answer or a comment."""

    guid: str
    title: str
    description: str
    link: str
    published: dt.datetime
    author: str


def _author(idea: Idea) -> str:
    if idea.anonymous or idea.created_by is None:
        return _("Anonymous")
    return idea.created_by.display_name


class _IdeaListFeed(Feed):
    feed_type = Atom1Feed

    def scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Scope:
        municipality = getattr(request, "municipality", None)
        if municipality is None:
            raise Http404
        return self.scope(request, **kwargs)

    def title(self, obj: Scope) -> str:
        return obj.title

    def link(self, obj: Scope) -> str:
        return obj.link

    def subtitle(self, obj: Scope) -> str:
        return _("New ideas of the participation platform of %(name)s") % {
            "name": obj.municipality.name
        }

    def author_name(self, obj: Scope) -> str:
        return str(obj.municipality.name)

    def items(self, obj: Scope) -> list[Idea]:
        qs = (
            obj.ideas.filter(municipality=obj.municipality)
            .public()
            .select_related("created_by")
            .prefetch_related("fields")
            .order_by("-submitted_at", "-id")
            .distinct()
        )
        return list(qs[:ITEMS])

    def item_title(self, item: Idea) -> str:
        return item.title

    def item_description(self, item: Idea) -> str:
        return item.text_html

    def item_link(self, item: Idea) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Idea) -> dt.datetime:
        return item.submitted_at or item.created

    def item_updateddate(self, item: Idea) -> dt.datetime:
        return item.updated

    def item_author_name(self, item: Idea) -> str:
        return _author(item)

    def item_categories(self, item: Idea) -> list[str]:
        return [field.name for field in item.fields.all()] + [str(State(item.state).label)]


class AllIdeasFeed(_IdeaListFeed):
    def scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        municipality = request.municipality  # type: ignore[attr-defined]
        return Scope(
            municipality,
            _("%(name)s: new ideas") % {"name": municipality.short_name or municipality.name},
            "/ideas/",
            ideas=Idea.objects.all(),
        )


class FieldIdeasFeed(_IdeaListFeed):
    def scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        municipality = request.municipality  # type: ignore[attr-defined]
        field = get_object_or_404(FieldOfAction, municipality=municipality, slug=kwargs["slug"])
        return Scope(
            municipality,
            _("%(name)s: ideas in “%(field)s”")
            % {"name": municipality.short_name or municipality.name, "field": field.name},
            f"/ideas/?field={field.slug}",
            ideas=Idea.objects.filter(fields=field),
        )


class DistrictIdeasFeed(_IdeaListFeed):
    def scope(self, request: HttpRequest, **kwargs: Any) -> Scope:
        municipality = request.municipality  # type: ignore[attr-defined]
        district = get_object_or_404(District, municipality=municipality, slug=kwargs["slug"])
        return Scope(
            municipality,
            _("%(name)s: ideas in %(district)s")
            % {"name": municipality.short_name or municipality.name, "district": district.name},
            f"/ideas/?district={district.slug}",
            ideas=Idea.objects.filter(district=district),
        )


class IdeaFeed(Feed):
    """What happens to one idea: its steps through the process, official answers, comments."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Scope:
        municipality = getattr(request, "municipality", None)
        if municipality is None:
            raise Http404
        idea = get_object_or_404(
            Idea.objects.select_related("created_by"), pk=kwargs["pk"], municipality=municipality
        )
        if not idea.is_public:
            raise Http404
        return Scope(
            municipality,
            _("“%(title)s”: news") % {"title": idea.title},
            idea.get_absolute_url(),
            idea=idea,
            base=request.build_absolute_uri("/").rstrip("/"),
        )

    def title(self, obj: Scope) -> str:
        return obj.title

    def link(self, obj: Scope) -> str:
        return obj.link

    def subtitle(self, obj: Scope) -> str:
        return _("Steps, official answers and comments on this idea")

    def author_name(self, obj: Scope) -> str:
        return str(obj.municipality.name)

    def items(self, obj: Scope) -> list[Entry]:
        idea = obj.idea
        assert idea is not None
        url = idea.get_absolute_url()
        guid = obj.base + url
        entries: list[Entry] = []
        for step in Transition.objects.filter(idea=idea).order_by("-created")[:ITEMS]:
            rule = TRANSITIONS.get(step.name)
            state = _("New state: %(state)s") % {"state": State(step.to_state).label}
            parts: list[str] = [f"<p>{escape(state)}</p>"]
            if step.reason:
                parts.append(linebreaks(step.reason, autoescape=True))
            if step.document_reference:
                document = _("Committee document: %(document)s") % {
                    "document": step.document_reference
                }
                parts.append(f"<p>{escape(document)}</p>")
            entries.append(
                Entry(
                    guid=f"{guid}#transition-{step.pk}",
                    title=str(rule.label) if rule else step.name,
                    description="".join(parts),
                    link=f"{url}#transition-{step.pk}",
                    published=step.created,
                    author=str(obj.municipality.name),
                )
            )
        for answer in OfficialAnswer.objects.filter(idea=idea).order_by("-created")[:ITEMS]:
            entries.append(
                Entry(
                    guid=f"{guid}#answer-{answer.pk}",
                    title=_("Official answer"),
                    description=answer.text_html,
                    link=f"{url}#answer",
                    published=answer.created,
                    author=str(obj.municipality.name),
                )
            )
        comments = (
            Comment.objects.filter(idea=idea, is_hidden=False, deleted_at__isnull=True)
            .select_related("author")
            .order_by("-created")[:ITEMS]
        )
        for comment in comments:
            who = (
                _("Anonymous")
                if comment.anonymous or comment.author is None
                else comment.author.display_name
            )
            entries.append(
                Entry(
                    guid=f"{guid}#comment-{comment.pk}",
                    title=_("Comment by %(name)s") % {"name": who},
                    description=comment.text_html,
                    link=f"{url}#comment-{comment.pk}",
                    published=comment.created,
                    author=who,
                )
            )
        entries.sort(key=lambda entry: entry.published, reverse=True)
        return entries[:ITEMS]

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.guid

    def item_pubdate(self, item: Entry) -> dt.datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> dt.datetime:
        return item.published

    def item_author_name(self, item: Entry) -> str:
        return item.author
