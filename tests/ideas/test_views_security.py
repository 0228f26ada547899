"""Tenancy and stored XSS on the idea pages: another municipality's idea is a 404 on every idea
address, and hostile input in title, text, comment, display name and file name stays inert."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Follow, IdeaLink, OfficialAnswer, Reaction

from .test_views_common import (  # noqa: F401
    author_fixture,
    field_fixture,
    html,
    idea_fixture,
    logged_in,
    png_upload,
    staff_client,
)

pytestmark = pytest.mark.django_db


def idea_urls(idea: Any, comment: Any, link: Any) -> list[tuple[str, str]]:
    base = f"/ideas/{idea.pk}"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/edit/"),
        ("get", f"{base}/versions/"),
        ("get", f"{base}/versions/?old=1&new=1"),
        ("get", f"{base}/withdraw/"),
        ("get", f"{base}/comments/{comment.pk}/edit/"),
        ("get", f"{base}/comments/{comment.pk}/delete/"),
        ("post", f"{base}/edit/"),
        ("post", f"{base}/files/"),
        ("post", f"{base}/people/"),
        ("post", f"{base}/submit/"),
        ("post", f"{base}/withdraw/"),
        ("post", f"{base}/react/"),
        ("post", f"{base}/follow/"),
        ("post", f"{base}/comments/"),
        ("post", f"{base}/comments/{comment.pk}/edit/"),
        ("post", f"{base}/comments/{comment.pk}/delete/"),
        ("post", f"{base}/answer/"),
        ("post", f"{base}/links/"),
        ("post", f"{base}/links/{link.pk}/delete/"),
    ]


def test_every_idea_address_is_404_from_another_municipality(
    municipality: Any, other_municipality: Any, client_b: Client, author: Any, field: Any, idea: Any
) -> None:
    other = make_idea(municipality=municipality, author=author, fields=[field], title="Zweite Idee")
    comment = services.comment_create(idea=idea, author=author, text="Kommentar in A")
    link = services.link_create(source=idea, target=other, kind="related", actor=author)
    data = {"text": "Fremdzugriff!", "value": "1", "kind": "related", "target": str(other.pk)}
    # The author of A, a participant of B and staff of B (with a second factor), all on B's host.
    author_on_b = Client(HTTP_HOST="beta.test")
    author_on_b.force_login(author)
    staff_b = UserFactory(municipality=other_municipality, roles=(Role.PARTICIPANT, Role.ADMIN))
    clients = {
        "visitor": client_b,
        "participant of B": logged_in(UserFactory(municipality=other_municipality), "beta.test"),
        "author of A on B's host": author_on_b,
        "staff of B": staff_client(staff_b, "beta.test"),
    }
    for who, client in clients.items():
        for method, url in idea_urls(idea, comment, link):
            response = client.get(url) if method == "get" else client.post(url, data)
            assert response.status_code == 404, (who, method, url, response.status_code)
    assert Comment.objects.count() == 1 and not Reaction.objects.exists()
    assert not OfficialAnswer.objects.exists() and IdeaLink.objects.count() == 1
    assert Follow.objects.filter(idea=idea).count() == 1  # only the author's own
    idea.refresh_from_db()
    assert idea.state == "submitted" and idea.version == 1


def test_other_municipalities_do_not_leak_into_list_map_home_and_similar(
    municipality: Any, other_municipality: Any, client_b: Client, author: Any, field: Any
) -> None:
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Zebrastreifen vor der Grundschule",
        text="Ein Zebrastreifen vor der Grundschule macht den Schulweg sicher.",
        lat=51.05,
        lon=8.05,
    )
    person_b = logged_in(UserFactory(municipality=other_municipality), "beta.test")
    for url in ("/", "/ideas/", "/ideas/?q=Zebrastreifen", "/map/", "/ideas/mine/"):
        assert "vor der Grundschule" not in html(person_b.get(url)), url
    similar = person_b.get(
        "/ideas/similar/?title=Zebrastreifen+Grundschule", HTTP_HX_REQUEST="true"
    )
    assert "Zebrastreifen" not in html(similar)
    new = person_b.post("/ideas/new/", {"title": "x", "action": "similar", "text": "Zebrastreifen"})
    assert "Zebrastreifen vor der Grundschule" not in html(new)
    assert "Zebrastreifen" not in html(client_b.get("/ideas/?order=random&seed=abcd1234"))


# --- Stored XSS ---------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "<a href='javascript:alert(1)'>klick</a>",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "';alert(String.fromCharCode(88,83,83))//",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "{{ request.user.password }}{% debug %}",
    '<input autofocus onfocus="alert(1)">',
    "<details open ontoggle=alert(1)>",
    '<button hx-get="/evil" hx-trigger="load">x</button>',
]


class _Audit(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            if "src" not in names:
                self.problems.append("inline <script>")
            self._in_script = True
        if tag in {"iframe", "object", "embed", "svg", "math", "style", "base"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("hx-") and value and "/evil" in value:
                self.problems.append(f"injected {name}")
            url_attribute = name in {"href", "src", "action", "formaction", "data", "xlink:href"}
            scheme = "".join((value or "").split()).lower()
            if url_attribute and scheme.startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script content")


def assert_inert(page: str, where: str) -> None:
    audit = _Audit()
    audit.feed(page)
    assert audit.problems == [], (where, audit.problems)
    assert "alert(1)</script>" not in page
    assert "<script>alert" not in page


def test_hostile_input_is_rendered_inert_everywhere(
    municipality: Any, client_a: Client, field: Any
) -> None:
    municipality.reaction_mode = "stars"
    municipality.save()
    pages: list[tuple[str, str]] = []
    for n, payload in enumerate(PAYLOADS):
        user = UserFactory(municipality=municipality, display_name=f"{payload[:34]}{n:02d}")
        idea = make_idea(
            municipality=municipality,
            author=user,
            fields=[field],
            title=f"Idee {n} {payload}"[:160],
            text=f"Text mit Inhalt {payload}\n\n{payload}",
            lat=51.05,
            lon=8.05,
        )
        services.comment_create(idea=idea, author=user, text=f"Kommentar {payload}")
        services.idea_update(
            idea=idea,
            actor=user,
            title=f"Neu {n} {payload}"[:160],
            text=f"Geändert {payload}\n\n{payload} und mehr",
            fields=[field],
            lat=51.05,
            lon=8.05,
            note=payload[:200],
        )
        services.idea_add_attachment(
            idea=idea,
            actor=user,
            # A slash would cut the name to its last path segment (that defence is tested too).
            upload=SimpleUploadedFile(
                f"{payload[:60].replace('/', '-')}.pdf", b"%PDF-1.4 test", "application/pdf"
            ),
        )
        services.idea_add_image(idea=idea, actor=user, upload=png_upload(), alt_text=payload)
        services.answer_create(
            idea=idea,
            actor=UserFactory(municipality=municipality, roles=(Role.REVIEWER,)),
            text=f"Antwort {payload}",
        )
        pages.append((f"detail {n}", html(client_a.get(f"/ideas/{idea.pk}/"))))
        pages.append((f"versions {n}", html(client_a.get(f"/ideas/{idea.pk}/versions/"))))
        pages.append((f"author view {n}", html(logged_in(user).get(f"/ideas/{idea.pk}/"))))
    pages.append(("list", html(client_a.get("/ideas/?page_size=100"))))
    pages.append(("list page 2", html(client_a.get("/ideas/?page=2"))))
    pages.append(("map", html(client_a.get("/map/"))))
    # The oldest ideas are on the map list's last page (a page beyond it shows the last).
    pages.append(("map last page", html(client_a.get("/map/?page=99"))))
    pages.append(("home", html(client_a.get("/"))))
    pages.append(("similar", html(client_a.get("/ideas/similar/?title=Idee+alert"))))
    for where, page in pages:
        assert_inert(page, where)
    detail = dict(pages)["detail 0"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail  # shown as text, not dropped silently
    assert "Kommentar" in detail and ".pdf</a>" in detail
    assert "Neu 0 &lt;script&gt;" in dict(pages)["map last page"]
