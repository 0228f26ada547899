"""Template helpers of the idea pages: excerpts, authors, states and their meaning, figures."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import nh3
from django import template
from django.utils import dateformat, formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..states import PROJECT_STATES, State

register = template.Library()

# What each state means for the people following the idea (shown on the idea page).
STATE_MEANINGS: dict[str, Any] = {
    State.DRAFT: gettext_lazy(
        "Only you and your co-authors can see this draft. Submit it when it is ready."
    ),
    State.SUBMITTED: gettext_lazy(
        "The idea is public. The administration answers every idea within %(days)d days."
    ),
    State.IN_REVIEW: gettext_lazy(
        "The administration is checking the idea against the selection criteria of the agenda."
    ),
    State.CANDIDATE: gettext_lazy(
        "The idea passed the review and is proposed to the committee as a project."
    ),
    State.RETURNED: gettext_lazy(
        "The idea is back in the idea pool. The reason is in the history below; the authors can "
        "revise and resubmit it."
    ),
    State.REVISION_REQUESTED: gettext_lazy("The committee asked for a revision before it decides."),
    State.IN_DEVELOPMENT: gettext_lazy(
        "The committee approved the project. It is now being planned in detail."
    ),
    State.IN_IMPLEMENTATION: gettext_lazy("Funding is approved. The project is being built."),
    State.COMPLETED: gettext_lazy("The project is built."),
    State.SCALED_CITYWIDE: gettext_lazy("The project has been rolled out to the whole city."),
    State.DISCONTINUED: gettext_lazy(
        "The project was stopped. The reason is in the history below."
    ),
    State.MERGED: gettext_lazy(
        "This idea was merged into a similar one. The discussion continues there."
    ),
    State.WITHDRAWN: gettext_lazy("The authors withdrew this idea."),
}

# The four stages of the strategy "Von der Projektidee zur Umsetzung".
STAGES: list[tuple[Any, frozenset[str]]] = [
    (
        gettext_lazy("Project proposal"),
        frozenset({State.SUBMITTED, State.IN_REVIEW, State.RETURNED}),
    ),
    (
        gettext_lazy("Project candidate"),
        frozenset({State.CANDIDATE, State.REVISION_REQUESTED}),
    ),
    (gettext_lazy("Project in development"), frozenset({State.IN_DEVELOPMENT})),
    (
        gettext_lazy("Project in implementation"),
        frozenset(
            {State.IN_IMPLEMENTATION, State.COMPLETED, State.SCALED_CITYWIDE, State.DISCONTINUED}
        ),
    ),
]

# Block ends get a space before them so that paragraphs do not run together in excerpts.
_BLOCK_END = re.compile(r"</(?:p|li|h\d|blockquote|td|th|pre)>|<br\s*/?>")

_STATE_TONES: dict[str, str] = {
    State.DRAFT: "draft",
    State.SUBMITTED: "open",
    State.IN_REVIEW: "review",
    State.CANDIDATE: "review",
    State.REVISION_REQUESTED: "review",
    State.RETURNED: "closed",
    State.MERGED: "closed",
    State.WITHDRAWN: "closed",
    State.DISCONTINUED: "closed",
    State.COMPLETED: "done",
    State.SCALED_CITYWIDE: "done",
}


@register.filter
def excerpt(idea: Any, length: int = 200) -> str:
    """The start of an idea's text as plain text (autoescaped by the template)."""
    source = _BLOCK_END.sub(r" \g<0>", getattr(idea, "text_html", "") or "")
    text = html.unescape(nh3.clean(source, tags=set()))
    return Truncator(" ".join(text.split())).chars(int(length))


def _short_excerpt(idea: Any, length: int) -> str:
    """Like `excerpt`, for cards: only the first part of the text is cleaned and shortened."""
    source = getattr(idea, "text_html", "") or ""
    # Enough markup to hold `length` characters of text even in link-heavy paragraphs.
    head = source[: length * 8]
    text = html.unescape(nh3.clean(_BLOCK_END.sub(r" \g<0>", head), tags=set()))
    words = " ".join(text.split())
    if len(words) <= length and len(head) == len(source):
        return words
    if len(words) < length:
        return excerpt(idea, length)  # the cut fell inside markup: do it the slow way
    return words[: length - 1] + "…"


@register.filter
def public_author(idea: Any) -> str:
    """The name the public sees: the creator's display name, or "anonymous"."""
    if idea.anonymous or idea.created_by is None:
        return _("anonymous")
    return str(idea.created_by.display_name)


@register.filter
def comment_author(comment: Any) -> str:
    if comment.anonymous or comment.author is None:
        return _("anonymous")
    return str(comment.author.display_name)


@register.filter
def state_tone(state: str) -> str:
    """A CSS modifier for the state badge (the badge always carries the state's name too)."""
    if state in _STATE_TONES:
        return _STATE_TONES[state]
    return "project" if state in PROJECT_STATES else "open"


@register.filter
def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


@register.simple_tag
def state_meaning(idea: Any, municipality: Any) -> str:
    meaning = STATE_MEANINGS.get(idea.state, "")
    if idea.state == State.SUBMITTED:
        return str(meaning) % {"days": getattr(municipality, "answer_days", 14)}
    return str(meaning)


@register.inclusion_tag("ideas/_progress.html")
def idea_progress(idea: Any) -> dict[str, Any]:
    """The four stages with the idea's current one marked (empty for drafts, merged, ...)."""
    current = next((n for n, (_l, states) in enumerate(STAGES) if idea.state in states), None)
    steps = []
    if current is not None:
        for n, (label, _states) in enumerate(STAGES):
            status = "done" if n < current else "current" if n == current else "todo"
            steps.append({"label": label, "status": status, "number": n + 1})
    return {"steps": steps}


@register.inclusion_tag("ideas/_figures.html")
def reaction_figures(idea: Any, mode: str) -> dict[str, Any]:
    """Support or rating figures in the municipality's reaction mode."""
    return {"figures": reaction_figure_list(idea, mode)}


@register.filter
def select_options(field: Any) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of a bound choice field, for a select written by hand."""
    current = field.value()
    current = "" if current is None else str(current)
    return [(str(value), str(label), str(value) == current) for value, label in field.field.choices]


@register.filter
def star_range(_value: Any) -> range:
    return range(1, 6)


@register.filter
def field_error_count(form: Any) -> int:
    """How many fields of a bound form have errors (not counting errors of the whole form)."""
    return sum(1 for name in form.errors if name != "__all__")


@register.filter
def percent(value: float) -> int:
    """A share in [0, 1] as a whole percentage."""
    return round(float(value) * 100)


@register.filter
def http_url(value: str) -> str:
    """The value if it is an http(s) address (safe to link), else ""."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) and " " not in text else ""


# --- Idea cards (lists and the home page) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    kind: str
    symbol: str
    text: str


@dataclass(frozen=True, slots=True)
class Card:
    """What one idea card shows, ready to print: one loop in the template, no includes."""

    pk: int
    url: str
    title: str
    state_label: str
    tone: str
    cluster: str
    author: str
    place: str
    since_iso: str
    since: str
    excerpt: str
    fields: list[str]
    figures: list[Figure]


def reaction_figure_list(idea: Any, mode: str) -> list[Figure]:
    """The figures of `_figures.html` as plain data (same texts, same translations)."""
    figures: list[Figure] = []
    if mode == "stars":
        average = idea.star_average
        if average is not None:
            n = idea.star_count
            text = ngettext(
                "%(average)s of 5 (%(counter)s rating)", "%(average)s of 5 (%(counter)s ratings)", n
            ) % {"average": formats.localize(round(average, 1)), "counter": n}
        else:
            text = _("not rated yet")
        figures.append(Figure("stars", "★", text))
    elif mode == "updown":
        up, down = idea.up_count, idea.down_count
        figures.append(
            Figure(
                "up",
                "▲",
                ngettext("%(counter)s in favour", "%(counter)s in favour", up) % {"counter": up},
            )
        )
        figures.append(
            Figure(
                "down",
                "▼",
                ngettext("%(counter)s against", "%(counter)s against", down) % {"counter": down},
            )
        )
    else:
        up = idea.up_count
        figures.append(
            Figure(
                "up",
                "▲",
                ngettext("%(counter)s supporter", "%(counter)s supporters", up) % {"counter": up},
            )
        )
    comments = idea.comment_count
    figures.append(
        Figure(
            "comments",
            "",
            ngettext("%(counter)s comment", "%(counter)s comments", comments)
            % {"counter": comments},
        )
    )
    return figures


@register.simple_tag
def idea_cards(ideas: Iterable[Any], mode: str, length: int = 180) -> list[Card]:
    """Cards of ideas (loaded with their district, author, cluster and fields)."""
    labels = {state.value: str(state.label) for state in State}
    citywide, nowhere = _("Citywide"), _("No place given")
    cards = []
    for idea in ideas:
        if idea.citywide:
            place = citywide
        elif idea.district_id:
            place = idea.district.name
        else:
            place = nowhere
        since = timezone.localtime(idea.submitted_at) if idea.submitted_at else None
        cards.append(
            Card(
                pk=idea.pk,
                url=idea.get_absolute_url(),
                title=idea.title,
                state_label=labels.get(idea.state, idea.state),
                tone=state_tone(idea.state),
                cluster=idea.cluster.name if idea.cluster_id else "",
                author=public_author(idea),
                place=place,
                since_iso=dateformat.format(since, "c") if since else "",
                since=formats.date_format(since, "SHORT_DATE_FORMAT") if since else "",
                excerpt=_short_excerpt(idea, length),
                fields=[f.name for f in idea.fields.all()],
                figures=reaction_figure_list(idea, mode),
            )
        )
    return cards
