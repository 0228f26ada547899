"""Pages load scripts, styles, fonts and images only from this server (no third-party requests)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.ideas.factories import make_idea

RESOURCE = re.compile(
    r"<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=\"([^\"]+)\""
    r"|<link\b[^>]*\bhref=\"([^\"]+)\"[^>]*>"
    r"|url\(([^)]+)\)",
    re.I,
)


def _external(html: str) -> list[str]:
    found = []
    for match in RESOURCE.finditer(html):
        url = next(group for group in match.groups() if group).strip("'\" ")
        if url.startswith(("http://", "https://", "//")) and "alpha.test" not in url:
            found.append(url)
    return found


@pytest.mark.django_db
def test_pages_reference_no_external_resources(
    municipality: Any, participant: Any, client_a: Client
) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    paths = [
        "/",
        "/ideas/",
        "/map/",
        idea.get_absolute_url(),
        "/privacy/",
        "/netiquette/",
        "/transparency/",
        "/accounts/login/",
        "/accounts/signup/",
        f"/report/idea/{idea.pk}/",
    ]
    for path in paths:
        response = client_a.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert _external(html) == [], path
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        assert "font-src 'self'" in policy
