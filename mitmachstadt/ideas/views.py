"""The idea pages ("Arena der Ideen"): list, map, submit, revise, discuss, react, link.

Views stay thin: rules live in services and workflow, reads in selectors. Every page works
without JavaScript; htmx requests get a partial of the same template instead of a redirect.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitmachstadt.accounts.models import Role, User
from mitmachstadt.accounts.permissions import role_required
from mitmachstadt.accounts.selectors import has_role, has_second_factor
from mitmachstadt.core import ratelimit
from mitmachstadt.core.markup import render_markdown
from mitmachstadt.core.pagecache import cacheable
from mitmachstadt.tenants import selectors as tenant_selectors

from . import search, selectors, services, workflow
from .forms import (
    ORDER_LABELS,
    PROJECTS_FILTER,
    AnswerForm,
    CoauthorForm,
    CommentEditForm,
    CommentForm,
    FilesForm,
    IdeaCreateForm,
    IdeaEditForm,
    IdeaFilterForm,
    LinkForm,
    PartnerForm,
    WithdrawForm,
)
from .models import Comment, Idea, IdeaLink
from .states import OPEN_STATES, State
from .templatetags.ideas_diff import version_diff

ANSWER_ROLES = (Role.MODERATOR, Role.REVIEWER, Role.ADMIN)
# Replies nest this deep; deeper replies are shown at the last level with "in reply to".
MAX_COMMENT_DEPTH = 4
SEED_PATTERN = re.compile(r"^[A-Za-z0-9]{4,32}$")
SIMILAR_LIMIT = 5
# The home page's random pick, and how long its shared seed (see shared_seed) is recognised.
HOME_RANDOM = 4
HOME_FILTER_KEY = selectors.IdeaFilter().key()
SHARED_SEED_MINUTES = 24 * 60
# Transitions authors may apply themselves, by the state the idea is in.
AUTHOR_SUBMIT: dict[str, str] = {
    State.DRAFT: "submit",
    State.RETURNED: "revise_and_resubmit",
    State.REVISION_REQUESTED: "resubmit",
}


# --- Helpers ------------------------------------------------------------------------------


def _idea_or_404(request: HttpRequest, pk: int) -> Idea:
    """The idea as this visitor may see it; drafts of others and other municipalities: 404."""
    idea = selectors.idea_for_view(request.municipality, pk, request.user)  # type: ignore[attr-defined]
    if idea is None:
        raise Http404
    return idea


def _is_author(idea: Idea, user: Any) -> bool:
    return workflow.is_author(idea, user)


def _apply_errors(
    form: Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on its field where one fits, else on top."""
    aliases = {"location": "lat", "fields": "fields_of_action", **(aliases or {})}
    if not hasattr(error, "error_dict"):
        name = aliases.get("__all__")
        form.add_error(name if name in form.fields else None, error)
        return
    for key, errors in error.error_dict.items():
        name = aliases.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


def _too_many(form: Form | None, message: str) -> None:
    if form is not None:
        form.is_valid()
        form.add_error(None, message)


def _with_anchor(url: str, anchor: str) -> str:
    return f"{url}#{anchor}"


def visitor_seed(request: HttpRequest, *, fresh: bool = False) -> str:
    """The visitor's random-order seed, kept in the session so that paging stays stable."""
    seed = request.session.get("ideas_seed", "")
    if fresh or not SEED_PATTERN.match(str(seed)):
        seed = secrets.token_hex(4)
        request.session["ideas_seed"] = seed
    return str(seed)


def shared_seed(now: float | None = None) -> str:
    """The random-order seed of visitors without a session: a new one every minute."""
    return f"{int((time.time() if now is None else now) // 60):08x}"


def is_shared_seed(seed: str, now: float | None = None) -> bool:
    """True for a shared seed of the last day (a visitor's own seed matches by rare chance)."""
    if len(seed) != 8:
        return False
    try:
        minute = int(seed, 16)
    except ValueError:
        return False
    current = int((time.time() if now is None else now) // 60)
    return current - SHARED_SEED_MINUTES <= minute <= current


def record_first_exposure(request: HttpRequest, page: selectors.IdeaPage, key: str) -> None:
    """Count the first page of a random list once per visitor, seed and filter (fair exposure).

    Reloads, paging back and the home page's shorter excerpt of the same order do not count
    again, so nobody can push ideas back (or forward) by reloading.
    """
    token = hashlib.sha256(f"{page.seed}|{key}".encode()).hexdigest()[:16]
    counted: dict[str, int] = dict(request.session.get("ideas_exposed", {}))
    # The home page counted its pick of a shared seed when it was rendered.
    home_pick = HOME_RANDOM if is_shared_seed(page.seed) and key == HOME_FILTER_KEY else 0
    already = max(counted.get(token, 0), home_pick)
    fresh = [idea.pk for idea in page.items[already:]]
    if not fresh:
        return
    services.record_exposure(fresh)
    counted.pop(token, None)
    counted[token] = already + len(fresh)
    request.session["ideas_exposed"] = dict(list(counted.items())[-50:])


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _page_links(current: int, pages: int) -> list[int | None]:
    """Page numbers to show: first, last and two around the current one (None = gap)."""
    wanted = {1, pages, *range(current - 2, current + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for n in numbers:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


# --- List and map -------------------------------------------------------------------------


def _filter_from(form: IdeaFilterForm) -> selectors.IdeaFilter:
    return selectors.IdeaFilter(
        field=form.value("field"),
        district=form.value("district"),
        state=form.value("state"),
        q=form.value("q").strip(),
        cluster=form.value("cluster"),
    )


@cacheable
@require_GET
def idea_list(request: HttpRequest) -> HttpResponse:
    """All public ideas with search, filters, seven orders and numbered pages."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = IdeaFilterForm(request.GET or None, municipality=municipality)
    order = form.value("order") or "newest"
    params = request.GET.copy()
    if order == "random" and (
        request.GET.get("shuffle") or not SEED_PATTERN.match(request.GET.get("seed", ""))
    ):
        # Put the seed into the address, so that paging, reloading and sharing keep the order.
        params["seed"] = visitor_seed(request, fresh=bool(request.GET.get("shuffle")))
        for key in ("shuffle", "page"):
            params.pop(key, None)
        return redirect(f"{request.path}?{params.urlencode()}")
    seed = request.GET.get("seed", "") if order == "random" else ""
    flt = _filter_from(form)
    page = selectors.idea_page(
        municipality, flt=flt, order=order, page=_page_number(request), seed=seed
    )
    if page.page > page.pages:
        page = selectors.idea_page(municipality, flt=flt, order=order, page=page.pages, seed=seed)
    if order == "random" and page.page == 1:
        record_first_exposure(request, page, flt.key())
    filtered = any([flt.field, flt.district, flt.state, flt.q, flt.cluster])
    return render(
        request,
        "ideas/list.html",
        {
            "form": form,
            "page": page,
            "page_links": _page_links(page.page, page.pages),
            "order": order,
            "order_label": ORDER_LABELS.get(order, ""),
            "orders": ORDER_LABELS,
            "filtered": filtered,
            "count_label": ngettext("%(n)d idea", "%(n)d ideas", page.count) % {"n": page.count},
        },
    )


@cacheable
@require_GET
def idea_map(request: HttpRequest) -> HttpResponse:
    """Located ideas on a map; without JavaScript a summary per district and the ideas page by
    page (bounded whatever the number of ideas: the full list was 16 MB at city scale)."""
    municipality = request.municipality  # type: ignore[attr-defined]
    form = IdeaFilterForm(request.GET or None, municipality=municipality)
    flt = selectors.IdeaFilter(
        field=form.value("field"), district=form.value("district"), state=form.value("state")
    )
    located = selectors.located_page(municipality, flt, page=_page_number(request))
    query = {k: v for k, v in (("field", flt.field), ("district", flt.district)) if v}
    if flt.state:
        query["state"] = flt.state
    # Each district's links keep the other filters (the idea list knows the same ones).
    keep = {k: v for k, v in query.items() if k != "district"}
    outside = _("Outside the districts")
    districts = [
        {
            "name": d.name or outside,
            "count": d.count,
            "slug": d.slug,
            "chosen": bool(d.slug) and d.slug == flt.district,
            "list_url": reverse("ideas:list") + "?" + urlencode({**keep, "district": d.slug}),
            "map_url": reverse("ideas:map") + "?" + urlencode({**keep, "district": d.slug}),
        }
        for d in located.districts
    ]
    chosen = next((d["name"] for d in districts if d["chosen"]), "")
    return render(
        request,
        "ideas/map.html",
        {
            "form": form,
            "located": located,
            "districts": districts,
            "chosen_district": chosen,
            "filtered": bool(query),
            "page_links": _page_links(located.page, located.pages),
            "geojson_url": reverse("api-1.0.0:ideas_geojson")
            + (f"?{urlencode(query)}" if query else ""),
        },
    )


# --- Create, similar, preview -------------------------------------------------------------


def _initial_from_post(request: HttpRequest, names: list[str]) -> dict[str, Any]:
    """What the person typed, as initial values of an unbound form (no error messages)."""
    data: dict[str, Any] = {}
    for name in names:
        if name == "fields_of_action":
            data[name] = request.POST.getlist(name)
        elif name in request.POST:
            data[name] = request.POST.get(name)
    return data


def _similar_for(request: HttpRequest, title: str, text: str, exclude: int | None = None) -> Any:
    query = f"{title}\n{text}".strip()
    return search.similar(
        request.municipality,  # type: ignore[attr-defined]
        query,
        limit=SIMILAR_LIMIT,
        exclude_id=exclude,
    )


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    context.setdefault("map_center", (municipality.map_center_lat, municipality.map_center_lon))
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def idea_create(request: HttpRequest) -> HttpResponse:
    """Write a new idea: save it as a draft or submit it; preview and similar ideas on the way."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    municipality = request.municipality  # type: ignore[attr-defined]
    context: dict[str, Any] = {}
    status = 200
    if request.method != "POST":
        form = IdeaCreateForm(municipality=municipality)
        return _form_page(request, "ideas/create.html", {"form": form})

    action = request.POST.get("action", "draft")
    if action in {"preview", "similar"}:
        # Neither saves anything: show the form as typed, with the preview or the suggestions.
        names = list(IdeaCreateForm.base_fields)
        form = IdeaCreateForm(initial=_initial_from_post(request, names), municipality=municipality)
        title, text = request.POST.get("title", ""), request.POST.get("text", "")
        if action == "preview":
            context["preview_html"] = render_markdown(text)
            context["preview_title"] = " ".join(title.split())
        else:
            context["similar"] = _similar_for(request, title, text)
            context["similar_checked"] = True
        context["files_dropped"] = bool(request.FILES)
        return _form_page(request, "ideas/create.html", {"form": form, **context})

    form = IdeaCreateForm(request.POST, request.FILES, municipality=municipality)
    if not ratelimit.hit(request, "idea"):
        _too_many(
            form,
            _(
                "You have written many ideas in a short time. Please wait a while before you "
                "save another one; what you typed is kept below."
            ),
        )
        status = 429
    elif form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                idea = services.idea_create(
                    municipality=municipality,
                    author=request.user,
                    title=data["title"],
                    text=data["text"],
                    fields=data["fields_of_action"],
                    lat=data.get("lat"),
                    lon=data.get("lon"),
                    district=data.get("district"),
                    citywide=data.get("citywide", False),
                    anonymous=data.get("anonymous", False),
                )
                for upload, alt_text in form.images():
                    services.idea_add_image(
                        idea=idea, actor=request.user, upload=upload, alt_text=alt_text
                    )
                for upload in form.attachments():
                    services.idea_add_attachment(idea=idea, actor=request.user, upload=upload)
                if action == "submit":
                    services.idea_submit(idea=idea, actor=request.user)
        except ValidationError as error:
            _apply_errors(form, error, {"alt_text": "alt_1"})
        else:
            if action == "submit":
                messages.success(
                    request, _("Thank you! Your idea is public now. People can support it.")
                )
            else:
                messages.success(
                    request,
                    _("Your draft is saved. Only you can see it until you submit it."),
                )
            return redirect(idea.get_absolute_url())
    if status == 200:
        status = 400
    context["files_dropped"] = bool(request.FILES)
    # While the person corrects the input, show what exists already (they may join it instead).
    title, text = request.POST.get("title", ""), request.POST.get("text", "")
    if (title + text).strip():
        context["similar"] = _similar_for(request, title, text)
        context["similar_checked"] = True
    return _form_page(request, "ideas/create.html", {"form": form, **context}, status=status)


@require_GET
def similar_ideas(request: HttpRequest) -> HttpResponse:
    """Existing ideas similar to what someone is writing (htmx partial, or a page)."""
    title = request.GET.get("title", "")[:300]
    text = request.GET.get("text", "")[:4000]
    exclude = request.GET.get("exclude", "")
    exclude_id = int(exclude) if exclude.isdigit() else None
    template = "ideas/_similar.html" if request.htmx else "ideas/similar.html"  # type: ignore[attr-defined]
    if not ratelimit.hit(request, "similar"):
        return render(
            request,
            template,
            {"similar_error": _("Too many requests. Please wait a moment and try again.")},
            status=429,
        )
    checked = bool((title + text).strip())
    results = _similar_for(request, title, text, exclude_id) if checked else []
    return render(
        request,
        template,
        {"similar": results, "similar_checked": checked, "title": title, "text": text},
    )


# --- Detail -------------------------------------------------------------------------------


@dataclass
class CommentNode:
    comment: Comment
    children: list[CommentNode] = field(default_factory=list)
    depth: int = 0
    reply_to: Comment | None = None
    flattened: bool = False


def comment_tree(comments: list[Comment]) -> list[CommentNode]:
    """Threads of comments; replies deeper than MAX_COMMENT_DEPTH are lined up at the last level."""
    nodes = {c.pk: CommentNode(c) for c in comments}
    roots: list[CommentNode] = []
    for comment in comments:
        node = nodes[comment.pk]
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            node.reply_to = parent.comment
            parent.children.append(node)

    def cap(node: CommentNode, depth: int) -> None:
        node.depth = depth
        if depth < MAX_COMMENT_DEPTH - 1:
            for child in node.children:
                cap(child, depth + 1)
            return
        flat: list[CommentNode] = []
        stack = list(reversed(node.children))
        while stack:
            current = stack.pop()
            current.depth, current.flattened = depth + 1, True
            flat.append(current)
            stack.extend(reversed(current.children))
            current.children = []
        node.children = flat

    for root in roots:
        cap(root, 0)
    return roots


@dataclass
class CommentRow:
    """One comment of the discussion as the template prints it, in reading order.

    The threads are printed by one loop, not by an include per comment, and everything a
    visitor's page shows of a comment is prepared here (a template lookup or condition costs
    more than the Python). The list markup that spans comments comes ready made: `before` opens
    the comment's item; `after` closes it, or opens the list of its replies, and then closes the
    reply lists that end with it.
    """

    comment: Comment
    pk: int
    body_class: str
    hidden: bool
    deleted: bool
    author: str
    account: str  # the name behind "anonymous", for moderators only
    reply_to_pk: int | None  # set for replies lined up at the last level
    reply_to_author: str
    created_iso: str
    created: str
    edited: str
    html: str
    report_url: str
    replies_label: str = ""
    opens: bool = False
    closes: int = 0
    before: str = ""
    after: str = ""

    def __getitem__(self, name: str) -> Any:
        # Django's template lookup tries item access first: answering it saves an exception.
        return getattr(self, name)


_SENTINEL_PK = 987654321


@functools.lru_cache(maxsize=8192)
def _datetime_text(value: dt.datetime, language: str, zone: str) -> str:
    """A comment's time as |date:"DATETIME_FORMAT" prints it (month names cost): kept per
    process, so a discussion shown again formats only its new comments."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def comment_rows(
    tree: list[CommentNode], *, moderator: bool = False, new_comment_id: int | None = None
) -> list[CommentRow]:
    """The comment threads flattened for printing (see CommentRow)."""
    anonymous = _("anonymous")
    report = reverse("moderation:report", args=["comment", _SENTINEL_PK])
    language, zone = get_language() or "", timezone.get_current_timezone_name()

    def name(comment: Comment | None) -> str:
        if comment is None or comment.anonymous or comment.author is None:
            return anonymous
        return str(comment.author.display_name)

    rows: list[CommentRow] = []

    def walk(node: CommentNode) -> None:
        c = node.comment
        author = name(c)
        lined_up = node.flattened and node.reply_to is not None
        row = CommentRow(
            comment=c,
            pk=c.pk,
            body_class="comment-body comment-new" if c.pk == new_comment_id else "comment-body",
            hidden=c.is_hidden,
            deleted=c.is_deleted,
            author=author,
            account=str(c.author.display_name)
            if moderator and c.anonymous and c.author is not None
            else "",
            reply_to_pk=node.reply_to.pk if lined_up and node.reply_to is not None else None,
            reply_to_author=name(node.reply_to) if lined_up else "",
            created_iso=timezone.localtime(c.created).isoformat(),  # what |date:"c" gives
            created=_datetime_text(c.created, language, zone),
            edited=_datetime_text(c.edited_at, language, zone) if c.edited_at else "",
            html=c.text_html,
            report_url=report.replace(str(_SENTINEL_PK), str(c.pk)),
            before=format_html('<li class="comment" id="comment-{}">', c.pk),
        )
        rows.append(row)
        if node.children:
            row.opens = True
            row.replies_label = _("Replies to %(name)s") % {"name": author}
            for child in node.children:
                walk(child)
            rows[-1].closes += 1

    for root in tree:
        walk(root)
    for row in rows:
        if row.opens:
            start = format_html(
                '<ol class="comments comments-nested" aria-label="{}">', row.replies_label
            )
        else:
            start = mark_safe("</li>")
        row.after = start + mark_safe("</ol></li>" * row.closes)  # noqa: S308 (constant markup)
    return rows


@dataclass
class TimelineEntry:
    when: dt.datetime
    kind: str
    title: str
    reason: str = ""
    html: str = ""
    document: str = ""
    meeting_date: dt.date | None = None


def _timeline(detail: selectors.IdeaDetail) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            when=t.created,
            kind="transition",
            title=str(State(t.to_state).label) if t.to_state in State.values else t.to_state,
            reason=t.reason,
            document=t.document_reference,
            meeting_date=t.meeting_date,
        )
        for t in detail.transitions
    ]
    entries += [
        TimelineEntry(when=a.created, kind="answer", title=_("Official answer"), html=a.text_html)
        for a in detail.answers
    ]
    return sorted(entries, key=lambda e: e.when)


def _participation_context(
    request: HttpRequest, idea: Idea, my_reaction: int | None, following: bool
) -> dict[str, Any]:
    return {
        "idea": idea,
        "my_reaction": my_reaction,
        "following": following,
        "mode": idea.municipality.reaction_mode,
        "interactive": idea.is_public and idea.state != State.MERGED,
    }


def _detail_context(request: HttpRequest, idea: Idea, **extra: Any) -> dict[str, Any]:
    municipality = request.municipality  # type: ignore[attr-defined]
    user = request.user
    detail = selectors.idea_detail(municipality, idea, user)
    idea = detail.idea
    is_author = user.is_authenticated and any(a.pk == user.pk for a in detail.authors)
    is_moderator = has_role(municipality, user, Role.MODERATOR)
    interactive = idea.is_public and idea.state != State.MERGED
    latest_answer = detail.answers[0] if detail.answers else None
    answer_due = None
    if latest_answer is None and idea.state in OPEN_STATES and idea.submitted_at:
        answer_due = idea.submitted_at + dt.timedelta(days=municipality.answer_days)
    context: dict[str, Any] = {
        "idea": idea,
        "detail": detail,
        "authors": detail.authors,
        "is_author": is_author,
        "is_moderator": is_moderator,
        "show_accounts": is_moderator,
        "can_answer": idea.is_public and has_role(municipality, user, *ANSWER_ROLES),
        "can_link": idea.is_public and (is_author or is_moderator),
        "can_edit": is_author and idea.state not in {State.MERGED, State.WITHDRAWN},
        "can_withdraw": is_author and idea.state in workflow.TRANSITIONS["withdraw"].sources,
        "submit_transition": AUTHOR_SUBMIT.get(idea.state) if is_author else None,
        "interactive": interactive,
        "latest_answer": latest_answer,
        "earlier_answers": detail.answers[1:],
        "answer_due": answer_due,
        "answer_overdue": answer_due is not None and answer_due < timezone.now(),
        "timeline": _timeline(detail),
        "comment_rows": comment_rows(
            comment_tree(detail.comments),
            moderator=is_moderator,
            new_comment_id=extra.get("new_comment_id"),
        ),
        "comment_actions": user.is_authenticated and interactive,
        "comment_count": sum(1 for c in detail.comments if not c.is_deleted),
        "merged_ideas": detail.merged,
        "link_kinds": IdeaLink.Kind.choices,
        **_participation_context(request, idea, detail.my_reaction, detail.following),
    }
    # Forms only for those who see them (visitors see none: their page renders faster).
    if user.is_authenticated:
        context["comment_form"] = CommentForm()
    if context["can_answer"]:
        context["answer_form"] = AnswerForm()
    if context["can_link"]:
        context["link_form"] = LinkForm()
    context.update(extra)
    return context


def _render_detail(
    request: HttpRequest, idea: Idea, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request, "ideas/detail.html", _detail_context(request, idea, **extra), status=status
    )


@cacheable
@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An idea with its state, answer, reactions, discussion, links and history."""
    return _render_detail(request, _idea_or_404(request, pk))


# --- Reactions and following --------------------------------------------------------------


def _participation_response(
    request: HttpRequest, idea: Idea, *, notice: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        fresh = Idea.objects.select_related("municipality").get(pk=idea.pk)
        my_reaction, following = selectors.viewer_state(fresh, request.user)
        context = _participation_context(request, fresh, my_reaction, following)
        context.update(participation_notice=notice, participation_error=error)
        return render(request, "ideas/_participation.html", context, status=status)
    if error:
        return _render_detail(request, idea, status=status, participation_error=error)
    messages.success(request, notice)
    return redirect(_with_anchor(idea.get_absolute_url(), "participation"))


@require_POST
def idea_react(request: HttpRequest, pk: int) -> HttpResponse:
    """Support, vote up/down or rate with stars (the municipality's mode); "none" removes."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(idea.get_absolute_url())
    if not ratelimit.hit(request, "reaction"):
        return _participation_response(
            request,
            idea,
            error=_("Too many reactions in a short time. Please wait a moment and try again."),
            status=429,
        )
    raw = request.POST.get("value", "").strip()
    try:
        value = None if raw in {"", "none"} else int(raw)
        services.reaction_set(idea=idea, user=request.user, value=value)
    except ValueError:
        return _participation_response(
            request, idea, error=_("This reaction is not possible here."), status=400
        )
    except ValidationError as error:
        return _participation_response(request, idea, error=" ".join(error.messages), status=400)
    notice = _("Your reaction is saved.") if value is not None else _("Your reaction is removed.")
    return _participation_response(request, idea, notice=notice)


@require_POST
def idea_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow or stop following an idea."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(idea.get_absolute_url())
    if not ratelimit.hit(request, "reaction"):
        return _participation_response(
            request,
            idea,
            error=_("Too many requests. Please wait a moment and try again."),
            status=429,
        )
    if request.POST.get("follow") == "0":
        services.follow_delete(idea=idea, user=request.user)
        notice = _("You no longer follow this idea.")
    else:
        services.follow_create(idea=idea, user=request.user)
        notice = _("You follow this idea now. You will hear about its progress.")
    return _participation_response(request, idea, notice=notice)


# --- Comments -----------------------------------------------------------------------------


def _discussion_response(
    request: HttpRequest, idea: Idea, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _detail_context(request, idea, **extra)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "ideas/_discussion.html", context, status=status)
    return render(request, "ideas/detail.html", context, status=status)


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on an idea or reply to a comment."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_with_anchor(idea.get_absolute_url(), "discussion"))
    form = CommentForm(request.POST)
    parent_id = request.POST.get("parent", "")
    is_reply = parent_id.isdigit()
    form_key = "reply_form" if is_reply else "comment_form"
    reply_extra = {"reply_parent_id": int(parent_id)} if is_reply else {}
    if not ratelimit.hit(request, "comment"):
        _too_many(
            form,
            _(
                "You have written many comments in a short time. Please wait a few minutes; "
                "your text is kept."
            ),
        )
        return _discussion_response(request, idea, 429, **{form_key: form}, **reply_extra)
    if form.is_valid():
        parent = None
        if is_reply:
            parent = selectors.comment_of(idea, int(parent_id))
            if parent is None:
                raise Http404
        try:
            comment = services.comment_create(
                idea=idea,
                author=request.user,
                text=form.cleaned_data["text"],
                parent=parent,
                anonymous=form.cleaned_data.get("anonymous", False),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _discussion_response(
                    request,
                    idea,
                    discussion_notice=_("Your comment is published."),
                    new_comment_id=comment.pk,
                )
            messages.success(request, _("Your comment is published."))
            return redirect(_with_anchor(idea.get_absolute_url(), f"comment-{comment.pk}"))
    return _discussion_response(request, idea, 400, **{form_key: form}, **reply_extra)


def _own_comment(request: HttpRequest, idea: Idea, comment_pk: int) -> Comment:
    comment = selectors.comment_of(idea, comment_pk)
    if comment is None:
        raise Http404
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    return comment


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """Edit one's own comment; it is marked "edited"."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment = _own_comment(request, idea, comment_pk)
    if comment.is_deleted:
        raise Http404
    if request.method == "POST":
        form = CommentEditForm(request.POST)
        if form.is_valid():
            try:
                services.comment_edit(
                    comment=comment, actor=request.user, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if request.htmx:  # type: ignore[attr-defined]
                    return _discussion_response(
                        request, idea, discussion_notice=_("Your comment is updated.")
                    )
                messages.success(request, _("Your comment is updated."))
                return redirect(_with_anchor(idea.get_absolute_url(), f"comment-{comment.pk}"))
        status = 400
    else:
        form = CommentEditForm(initial={"text": comment.text})
        status = 200
    return render(
        request,
        "ideas/comment_edit.html",
        {"idea": idea, "comment": comment, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def comment_delete(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """Delete one's own comment; a placeholder keeps the replies readable."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment = _own_comment(request, idea, comment_pk)
    if request.method == "POST":
        services.comment_delete(comment=comment, actor=request.user)
        if request.htmx:  # type: ignore[attr-defined]
            return _discussion_response(
                request, idea, discussion_notice=_("Your comment is deleted.")
            )
        messages.success(request, _("Your comment is deleted."))
        return redirect(_with_anchor(idea.get_absolute_url(), f"comment-{comment.pk}"))
    return render(request, "ideas/comment_delete.html", {"idea": idea, "comment": comment})


# --- Official answer and links ------------------------------------------------------------


@require_POST
def answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff publish the administration's official answer."""
    # The idea first: another municipality's idea is a 404 for everybody, staff or not.
    return _answer_create(request, _idea_or_404(request, pk))


@role_required(*ANSWER_ROLES)
def _answer_create(request: HttpRequest, idea: Idea) -> HttpResponse:
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_create(idea=idea, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The official answer is published."))
            return redirect(_with_anchor(idea.get_absolute_url(), "answer"))
    return _render_detail(request, idea, status=400, answer_form=form, answer_open=True)


@require_POST
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Authors and moderators link the idea to another (related, builds on, ...)."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(idea.get_absolute_url())
    if not _is_author(idea, request.user):
        if not has_role(idea.municipality, request.user, Role.MODERATOR):
            raise PermissionDenied(_("Only the authors or moderators may link this idea."))
        # Acting as moderator is staff work: it needs the second factor, as on /staff/.
        if not has_second_factor(request):
            return redirect("accounts:second_factor_required")
    form = LinkForm(request.POST)
    if form.is_valid():
        target = selectors.idea_for_view(
            request.municipality,  # type: ignore[attr-defined]
            form.cleaned_data["target"],
            request.user,
        )
        if target is None or not target.is_public:
            form.add_error("target", _("There is no public idea with this number."))
        else:
            try:
                services.link_create(
                    source=idea, target=target, kind=form.cleaned_data["kind"], actor=request.user
                )
            except ValidationError as error:
                _apply_errors(form, error, {"__all__": "target"})
            else:
                messages.success(request, _("The ideas are linked."))
                return redirect(_with_anchor(idea.get_absolute_url(), "links"))
    return _render_detail(request, idea, status=400, link_form=form, link_open=True)


@require_POST
def link_delete(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    """Remove a link (its creator, the source's authors or moderators)."""
    idea = _idea_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(idea.get_absolute_url())
    link = (
        IdeaLink.objects.filter(pk=link_pk)
        .filter(Q(source=idea) | Q(target=idea))
        .select_related("source__municipality")
        .first()
    )
    if link is None:
        raise Http404
    acts_as_moderator = link.created_by_id != request.user.pk and not _is_author(
        link.source, request.user
    )
    if acts_as_moderator and not has_second_factor(request):
        return redirect("accounts:second_factor_required")
    services.link_delete(link=link, actor=request.user)
    messages.success(request, _("The link is removed."))
    return redirect(_with_anchor(idea.get_absolute_url(), "links"))


# --- Authors: revise, files, people, submit, withdraw -------------------------------------


def author_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The idea first (404 for other municipalities and others' drafts), then sign-in, then
    authorship; the view gets the idea instead of its number."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        idea = _idea_or_404(request, pk)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not _is_author(idea, request.user):
            raise PermissionDenied(_("Only the authors may change this idea."))
        return view(request, idea, *args, **kwargs)

    return wrapped


def _edit_page(request: HttpRequest, idea: Idea, status: int = 200, **forms: Any) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    if "form" not in forms:
        forms["form"] = IdeaEditForm(
            initial={
                "title": idea.title,
                "text": idea.text,
                "fields_of_action": list(idea.fields.values_list("pk", flat=True)),
                "district": idea.district_id,
                "citywide": idea.citywide,
                "lat": "" if idea.lat is None else f"{idea.lat:.6f}",
                "lon": "" if idea.lon is None else f"{idea.lon:.6f}",
            },
            municipality=municipality,
        )
    forms.setdefault("files_form", FilesForm())
    forms.setdefault("coauthor_form", CoauthorForm())
    forms.setdefault("partner_form", PartnerForm(municipality=municipality))
    context = {
        "idea": idea,
        "images": list(idea.images.all()),
        "attachments": list(idea.attachments.all()),
        "authors": [link.user for link in idea.author_links.select_related("user")],
        "partners": list(idea.partners.all()),
        **forms,
    }
    return _form_page(request, "ideas/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@author_view
def idea_edit(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Authors revise their idea; every version is kept."""
    if idea.state in {State.MERGED, State.WITHDRAWN}:
        messages.error(request, _("A merged or withdrawn idea cannot be changed."))
        return redirect(idea.get_absolute_url())
    if request.method != "POST":
        return _edit_page(request, idea)
    municipality = request.municipality  # type: ignore[attr-defined]
    if request.POST.get("action") == "preview":
        names = list(IdeaEditForm.base_fields)
        form = IdeaEditForm(initial=_initial_from_post(request, names), municipality=municipality)
        return _edit_page(
            request,
            idea,
            form=form,
            preview_html=render_markdown(request.POST.get("text", "")),
            preview_title=" ".join(request.POST.get("title", "").split()),
        )
    form = IdeaEditForm(request.POST, municipality=municipality)
    if form.is_valid():
        data = form.cleaned_data
        try:
            updated = services.idea_update(
                idea=idea,
                actor=request.user,
                title=data["title"],
                text=data["text"],
                fields=data["fields_of_action"],
                lat=data.get("lat"),
                lon=data.get("lon"),
                district=data.get("district"),
                citywide=data.get("citywide", False),
                note=data.get("note", ""),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Your changes are saved as version %(n)d.") % {"n": updated.version},
            )
            return redirect(idea.get_absolute_url())
    return _edit_page(request, idea, status=400, form=form)


@require_POST
@author_view
def idea_files(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Authors add images (with descriptions) and attachments."""
    form = FilesForm(request.POST, request.FILES)
    if not ratelimit.hit(request, "api_write"):
        _too_many(form, _("Too many requests. Please wait a moment and try again."))
        return _edit_page(request, idea, status=429, files_form=form)
    if form.is_valid():
        if not form.images() and not form.attachments():
            form.add_error(None, _("Please choose an image or a file."))
        else:
            try:
                with transaction.atomic():
                    for upload, alt_text in form.images():
                        services.idea_add_image(
                            idea=idea, actor=request.user, upload=upload, alt_text=alt_text
                        )
                    for upload in form.attachments():
                        services.idea_add_attachment(idea=idea, actor=request.user, upload=upload)
            except ValidationError as error:
                _apply_errors(form, error, {"alt_text": "alt_1"})
            else:
                messages.success(request, _("The files are added."))
                return redirect(_with_anchor(reverse("ideas:edit", args=[idea.pk]), "files"))
    return _edit_page(request, idea, status=400, files_form=form)


@require_POST
@author_view
def idea_people(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Authors invite co-authors and name partner organisations."""
    municipality = request.municipality  # type: ignore[attr-defined]
    if request.POST.get("which") == "partner":
        partner_form = PartnerForm(request.POST, municipality=municipality)
        if partner_form.is_valid():
            try:
                services.idea_add_partner(
                    idea=idea,
                    actor=request.user,
                    organisation=partner_form.cleaned_data["organisation"],
                )
            except ValidationError as error:
                _apply_errors(partner_form, error)
            else:
                messages.success(request, _("The partner organisation is added."))
                return redirect(_with_anchor(reverse("ideas:edit", args=[idea.pk]), "people"))
        return _edit_page(request, idea, status=400, partner_form=partner_form)
    coauthor_form = CoauthorForm(request.POST)
    if coauthor_form.is_valid():
        name = coauthor_form.cleaned_data["display_name"].strip()
        person = User.objects.filter(display_name__iexact=name, is_active=True).first()
        if person is None:
            coauthor_form.add_error(
                "display_name", _("There is no participant with this display name here.")
            )
        else:
            try:
                services.idea_add_coauthor(idea=idea, actor=request.user, user=person)
            except ValidationError as error:
                _apply_errors(coauthor_form, error, {"__all__": "display_name"})
            else:
                messages.success(request, _("%(name)s is a co-author now.") % {"name": name})
                return redirect(_with_anchor(reverse("ideas:edit", args=[idea.pk]), "people"))
    return _edit_page(request, idea, status=400, coauthor_form=coauthor_form)


@require_POST
@author_view
def idea_submit(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Authors make a draft public, or resubmit a returned idea."""
    name = AUTHOR_SUBMIT.get(idea.state)
    if name is None:
        messages.error(request, _("This idea cannot be submitted in its current state."))
        return redirect(idea.get_absolute_url())
    try:
        if name == "submit":
            services.idea_submit(idea=idea, actor=request.user)
        else:
            workflow.FUNCTIONS[name](idea=idea, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you! Your idea is public now. People can support it.")
            if name == "submit"
            else _("Your idea is resubmitted."),
        )
    return redirect(idea.get_absolute_url())


@require_http_methods(["GET", "POST"])
@author_view
def idea_withdraw(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Authors take their idea back (with a confirmation page)."""
    if idea.state not in workflow.TRANSITIONS["withdraw"].sources:
        messages.error(request, _("This idea cannot be withdrawn in its current state."))
        return redirect(idea.get_absolute_url())
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.withdraw(idea=idea, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your idea is withdrawn. It is no longer public."))
            return redirect("ideas:mine")
    return render(request, "ideas/withdraw.html", {"idea": idea, "form": form})


@require_GET
def my_ideas(request: HttpRequest) -> HttpResponse:
    """The account's drafts and ideas in this municipality."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    municipality = request.municipality  # type: ignore[attr-defined]
    ideas = list(selectors.ideas_of_author(municipality, request.user).distinct())
    return render(
        request,
        "ideas/mine.html",
        {
            "drafts": [i for i in ideas if i.state == State.DRAFT],
            "ideas": [i for i in ideas if i.state != State.DRAFT],
        },
    )


# --- Versions -----------------------------------------------------------------------------


def _version_number(raw: str | None, default: int, highest: int) -> int:
    try:
        return max(1, min(int(raw or default), highest))
    except ValueError:
        return default


@require_GET
def idea_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of an idea and a readable comparison of any two."""
    idea = _idea_or_404(request, pk)
    versions = selectors.idea_versions(idea)
    by_number = {v.number: v for v in versions}
    highest = max(by_number) if by_number else 1
    new = _version_number(request.GET.get("new"), highest, highest)
    old = _version_number(request.GET.get("old"), max(1, new - 1), highest)
    if old > new:
        old, new = new, old
    diff = None
    if old != new and old in by_number and new in by_number:
        diff = version_diff(by_number[old], by_number[new])
    show_accounts = has_role(idea.municipality, request.user, Role.MODERATOR)
    return render(
        request,
        "ideas/versions.html",
        {
            "idea": idea,
            "versions": list(reversed(versions)),
            "old": by_number.get(old),
            "new": by_number.get(new),
            "diff": diff,
            "show_names": not idea.anonymous or show_accounts,
        },
    )


# --- Home page sections -------------------------------------------------------------------


@dataclass
class ClusterProjects:
    cluster: Any
    projects: list[selectors.ProjectLink]


def home_sections(request: HttpRequest) -> dict[str, Any]:
    """What the home page shows of ideas: newest, most supported, a random pick, projects."""
    municipality = request.municipality  # type: ignore[attr-defined]
    newest = selectors.idea_page(municipality, order="newest", page_size=4)
    supported = selectors.idea_page(municipality, order="supported", page_size=4)
    if request.session.session_key is None:
        # A first visit (no session yet): the pick everybody without a session sees this minute,
        # so that the page can be cached and no session is started just for a seed. The
        # exposure counts once per render; the "more" link carries the seed for stable paging.
        seed = shared_seed()
        random_pick = selectors.idea_page(
            municipality, order="random", seed=seed, page_size=HOME_RANDOM
        )
        services.record_exposure([idea.pk for idea in random_pick.items])
    else:
        seed = visitor_seed(request)
        random_pick = selectors.idea_page(
            municipality, order="random", seed=seed, page_size=HOME_RANDOM
        )
        record_first_exposure(request, random_pick, HOME_FILTER_KEY)
    # Titles and states only: the full rows of a hundred projects cost more than the rest.
    projects, project_count = selectors.project_links(municipality)
    clusters = list(tenant_selectors.clusters(municipality))
    by_cluster = [
        ClusterProjects(c, [p for p in projects if p.cluster_id == c.pk]) for c in clusters
    ]
    unclustered = [p for p in projects if p.cluster_id is None]
    counts = selectors.public_counts_by_field(municipality)
    fields = list(tenant_selectors.fields_of_action(municipality))
    for f in fields:
        f.idea_count = counts.get(f.pk, 0)  # type: ignore[attr-defined]
    return {
        "newest_ideas": newest.items,
        "supported_ideas": [i for i in supported.items if i.up_count > 0],
        "random_ideas": random_pick.items,
        "random_seed": seed,
        "idea_count": newest.count,
        "project_count": project_count,
        "projects_by_cluster": by_cluster,
        "unclustered_projects": unclustered,
        "fields_with_counts": fields,
        "projects_filter": PROJECTS_FILTER,
    }


__all__ = ["home_sections", "record_first_exposure", "visitor_seed"]
