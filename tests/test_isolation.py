"""No request for host A ever shows data of municipality B: a crawl of every reachable page."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import (
    TEST_PASSWORD,
    UserFactory,
    current_totp_code,
    enable_totp,
)
from mitmachstadt.accounts.models import Role
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.tenants.services import cluster_create, criterion_create, field_of_action_create

MARKER_B = "Zebrastreifen"  # appears only in municipality B's data
SEED_PATHS = [
    "/",
    "/ideas/",
    "/map/",
    "/projects/",
    "/events/",
    "/dashboard",
    "/accounts/settings/",
    "/staff/",
    "/api/v1/ideas",
    "/api/v1/ideas.geojson",
    "/api/v1/projects",
    "/feeds/ideas.atom",
    "/events.ics",
    "/assemblies/",
    "/transparency/",
]
SKIP = re.compile(r"^/(static|media|admin|accounts/(logout|password|email|2fa|confirm)|i18n)/")
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.0, 51.0], [8.1, 51.0], [8.1, 51.1], [8.0, 51.1], [8.0, 51.0]]],
}


def build_world(municipality: Any, word: str) -> None:
    """Some of everything a municipality has, each carrying `word`."""
    field = field_of_action_create(
        municipality=municipality, slug=f"f-{municipality.slug}", name=f"Feld {word}"
    )
    cluster_create(municipality=municipality, slug=f"c-{municipality.slug}", name=f"Cluster {word}")
    criterion_create(
        municipality=municipality, slug=f"k-{municipality.slug}", name=f"Kriterium {word}"
    )
    district_create(
        municipality=municipality,
        slug=f"d-{municipality.slug}",
        name=f"Viertel {word}",
        geometry=SQUARE,
    )
    author = UserFactory(municipality=municipality, display_name=f"Person {word}")
    idea = make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title=f"Idee {word} im Quartier",
        text=f"Beschreibung {word} mit genug Text.",
        lat=51.05,
        lon=8.05,
    )
    services.comment_create(idea=idea, author=author, text=f"Kommentar {word}")
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    services.answer_create(idea=idea, actor=reviewer, text=f"Antwort der Verwaltung {word}")


def crawl(client: Client, limit: int = 400) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue: deque[str] = deque(SEED_PATHS)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or SKIP.match(path):
            continue
        response = client.get(path)
        body = response.content.decode("utf-8", "replace") if response.status_code == 200 else ""
        seen[path] = body
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)', body):
            url = urlparse(urljoin("http://alpha.test" + path, href))
            if url.netloc in {"", "alpha.test"} and url.path.startswith("/"):
                target = url.path + (
                    f"?{url.query}" if url.query and len(seen) < limit // 2 else ""
                )
                if target not in seen:
                    queue.append(target)
    return seen


def _login_staff(client: Client, user: Any, secret: str) -> None:
    client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})


@pytest.mark.django_db
def test_no_page_of_a_shows_data_of_b(municipality: Any, other_municipality: Any) -> None:
    build_world(municipality, "Löwenzahn")
    build_world(other_municipality, MARKER_B)
    visitors: list[Client] = [Client(HTTP_HOST="alpha.test")]
    participant = Client(HTTP_HOST="alpha.test")
    participant.force_login(UserFactory(municipality=municipality))
    visitors.append(participant)
    staff_user = UserFactory(
        municipality=municipality,
        roles=(Role.MODERATOR, Role.REVIEWER, Role.COMMITTEE_CLERK, Role.ADMIN),
    )
    staff = Client(HTTP_HOST="alpha.test")
    _login_staff(staff, staff_user, enable_totp(staff_user))
    visitors.append(staff)
    crawled = 0
    for client in visitors:
        pages = crawl(client)
        crawled += len(pages)
        leaks = [path for path, body in pages.items() if MARKER_B in body]
        assert not leaks, f"data of B on A's pages: {leaks}"
        assert any("Löwenzahn" in body for body in pages.values())
    assert crawled > 20
