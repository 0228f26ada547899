"""The dashboard at city scale: visitors get it from the page cache, and its figures are
computed once per municipality generation; every write shows on the next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.core import pagecache
from mitmachstadt.dashboard import figures
from mitmachstadt.ideas import workflow
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.tenants.factories import FieldOfActionFactory

pytestmark = pytest.mark.django_db


def key_total(response: Any) -> str:
    html = response.content.decode()
    return html.split('<span class="key-value">', 1)[1].split("</span>", 1)[0]


def test_visitors_get_the_dashboard_from_the_page_cache_until_the_next_write(
    client_a: Client, municipality: Any
) -> None:
    author = UserFactory(municipality=municipality)
    field = FieldOfActionFactory(municipality=municipality)
    make_idea(municipality=municipality, author=author, fields=[field], title="Erste Idee dort")
    first = client_a.get("/dashboard")
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    assert key_total(first) == "1"
    again = client_a.get("/dashboard")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    make_idea(municipality=municipality, author=author, fields=[field], title="Zweite Idee dort")
    after = client_a.get("/dashboard")
    assert after["X-Page-Cache"] == "miss" and key_total(after) == "2"
    # Signed-in people are never served a visitor's page.
    member = Client(HTTP_HOST="alpha.test")
    member.force_login(author)
    assert "X-Page-Cache" not in member.get("/dashboard")


def test_figures_are_computed_once_per_generation_and_filter(municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    field = FieldOfActionFactory(municipality=municipality, slug="umwelt")
    idea = make_idea(municipality=municipality, author=author, fields=[field])
    assert figures.cached(municipality).total == 1
    with CaptureQueriesContext(connection) as queries:
        again = figures.cached(municipality)
    assert again.total == 1
    assert len(queries.captured_queries) == 0
    # Each filter has its own figures.
    other = figures.DashboardFilter(field="gibt-es-nicht")
    assert figures.cached(municipality, other).total == 0
    assert figures.cached(municipality).total == 1
    # A transition (a write through the workflow) shows at once, in every figure.
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    workflow.start_review(idea=idea, actor=reviewer)
    fig = figures.cached(municipality)
    assert fig.total == 1
    assert {r.key: r.value for r in fig.by_state}["in_review"] == 1
    assert {r.key: r.value for r in fig.funnel}["reviewed"] == 1
    assert fig.by_state == figures.compute(municipality).by_state


def test_figures_are_kept_per_language(municipality: Any) -> None:
    with translation.override("de"):
        german = figures.cached(municipality).by_stage[0].label
    with translation.override("en"):
        english = figures.cached(municipality).by_stage[0].label
    assert german == "Projektvorschläge" and english == "Project proposals"


def test_a_render_with_cached_figures_needs_few_queries(
    client_a: Client, municipality: Any
) -> None:
    make_idea(municipality=municipality, author=UserFactory(municipality=municipality))
    client_a.get("/dashboard")
    pagecache.clear()  # a page cache miss, but the figures of this generation are known
    with CaptureQueriesContext(connection) as queries:
        response = client_a.get("/dashboard")
    assert response.status_code == 200
    # The filter's clusters, fields and districts (the municipality's row is cached too).
    assert len(queries.captured_queries) <= 4, [q["sql"][:80] for q in queries.captured_queries]
