"""The lean rendering of the idea pages (prepared cards, filter selects, the discussion in one
loop): the markup is complete and well formed, and says what the generic templates said."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.templatetags.ideas_tags import _short_excerpt, excerpt
from mitmachstadt.ideas.views import MAX_COMMENT_DEPTH, is_shared_seed, shared_seed

from .test_views_common import (  # noqa: F401
    author_fixture,
    field_fixture,
    html,
    idea_fixture,
    logged_in,
    staff_client,
)

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Nesting(HTMLParser):
    """Checks that every element is closed in order; records the comments' nesting depth."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []
        self.comment_depth: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        values = {k: v or "" for k, v in attrs}
        if tag == "li" and "comment" in values.get("class", "").split():
            nested = sum(1 for t, a in self.stack if t == "ol" and "comments" in a.get("class", ""))
            self.comment_depth[values["id"]] = nested
        self.stack.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def parse(page: str) -> Nesting:
    parser = Nesting()
    parser.feed(page)
    parser.close()
    return parser


def test_threads_of_any_depth_are_well_formed(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    people = [UserFactory(municipality=municipality) for _ in range(3)]
    chain = []
    parent = None
    for n in range(MAX_COMMENT_DEPTH + 3):  # deeper than the page nests
        parent = services.comment_create(
            idea=idea, author=people[n % 3], text=f"Stufe {n}", parent=parent
        )
        chain.append(parent)
    first = services.comment_create(idea=idea, author=people[0], text="Zweiter Faden")
    services.comment_create(idea=idea, author=people[1], text="Antwort", parent=first)
    services.comment_create(idea=idea, author=people[2], text="Ganz allein")
    for client in (client_a, logged_in(people[0])):
        checked = parse(html(client.get(f"/ideas/{idea.pk}/")))
        assert checked.errors == [] and checked.stack == []
        depths = [checked.comment_depth[f"comment-{c.pk}"] for c in chain]
        assert depths == [1, 2, 3, 4, 5, 5, 5]  # replies past the last level line up there
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert page.count('<li class="comment"') == len(chain) + 3
    assert re.search(r'aria-label="Antworten an [^"]+"', page)
    deep = re.search(rf'id="comment-{chain[-1].pk}".*?</li>', page, re.S)
    assert deep is not None and "als Antwort auf" in deep.group(0)  # the flattened reply says so


def test_comment_rows_show_what_the_comment_include_showed(municipality: Any, idea: Any) -> None:
    person = UserFactory(municipality=municipality, display_name="Kim Kommentar")
    comment = services.comment_create(idea=idea, author=person, text="Mit **Nachdruck**")
    hidden = UserFactory(municipality=municipality, display_name="Verborgene Vera")
    services.comment_create(idea=idea, author=hidden, text="Anonym gemeint", anonymous=True)
    services.comment_edit(comment=comment, actor=person, text="Mit **viel** Nachdruck")
    page = html(Client(HTTP_HOST="alpha.test").get(f"/ideas/{idea.pk}/"))
    assert "<strong>viel</strong>" in page and "Kim Kommentar" in page
    assert '<span class="edited" title="' in page and ">bearbeitet</span>" in page
    assert f'href="/report/comment/{comment.pk}/"' in page
    assert "Verborgene Vera" not in page and "anonym" in page
    moderator = UserFactory(municipality=municipality, roles=(Role.MODERATOR,))
    staff_page = html(staff_client(moderator).get(f"/ideas/{idea.pk}/"))
    assert "Verborgene Vera" in staff_page  # moderators see the account behind "anonymous"
    assert f'href="/staff/moderation/comments/{comment.pk}/"' in staff_page


def test_the_list_page_is_well_formed(client_a: Client, municipality: Any, idea: Any) -> None:
    services.reaction_set(idea=idea, user=UserFactory(municipality=municipality), value=1)
    for url in ("/ideas/", "/ideas/?field=nope&order=bogus", "/"):
        checked = parse(html(client_a.get(url)))
        assert checked.errors == [] and checked.stack == [], url


def test_filter_selects_keep_the_choice_and_tie_errors_to_the_field(
    client_a: Client, idea: Any
) -> None:
    page = html(client_a.get("/ideas/?order=supported"))
    assert '<option value="supported" selected>' in page
    assert '<option value="newest">' in page
    assert page.count(" selected>") == 3  # "all" of field and stage, as Django's widget marks
    page = html(client_a.get("/ideas/?state=gibts-nicht"))
    select = re.search(r'<select name="state"[^>]*>', page)
    assert select is not None
    assert 'aria-invalid="true"' in select.group(0)
    assert 'aria-describedby="id_state_error"' in select.group(0)
    assert '<ul class="field-errors" id="id_state_error">' in page
    assert '<label for="id_state">' in page


@pytest.mark.parametrize(
    "text",
    [
        "Kurz und knapp: mehr Bänke.",
        "Ein Absatz.\n\nNoch einer mit [Link](https://example.org) und **fett**.",
        " ".join(["Wort"] * 120),
        "[" + "sehr langer Linktext " * 20 + "](https://example.org/" + "x" * 300 + ")",
        "Zeichen wie &amp; <b>und</b> Umlaute: äöü ß " * 10,
    ],
)
def test_card_excerpts_are_the_excerpts(municipality: Any, participant: Any, text: str) -> None:
    idea = make_idea(municipality=municipality, author=participant, text=text)
    for length in (40, 180):
        assert _short_excerpt(idea, length) == excerpt(idea, length)


def test_shared_seeds_are_recognised_for_a_day() -> None:
    now = 1_800_000_000.0
    seed = shared_seed(now)
    assert re.fullmatch(r"[0-9a-f]{8}", seed)
    assert is_shared_seed(seed, now) and is_shared_seed(seed, now + 23 * 3600)
    assert not is_shared_seed(seed, now + 25 * 3600)
    assert not is_shared_seed(shared_seed(now + 120), now)  # not from the future
    assert not is_shared_seed("abc", now) and not is_shared_seed("zzzzzzzz", now)
