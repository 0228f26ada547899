"""Settings wiring of the replica and the bench-only diagnostics headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas.factories import make_idea

QUERYCOUNT = "mitmachstadt.core.querycount.QueryCountMiddleware"


def _settings_in_subprocess(**env: str) -> dict[str, Any]:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'aliases': sorted(settings.DATABASES),"
        " 'routers': settings.DATABASE_ROUTERS, 'middleware': settings.MIDDLEWARE,"
        " 'replica': settings.DATABASES.get('replica', {}).get('HOST'),"
        " 'mirror': settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR')}))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"MITMACHSTADT_BENCH"}},
        "DJANGO_SETTINGS_MODULE": "mitmachstadt.settings",
        "MITMACHSTADT_DEV": "1",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_a_replica_url_adds_the_alias_router_and_middleware() -> None:
    data = _settings_in_subprocess(
        DATABASE_URL="postgres://app@10.0.0.1:5432/mms",
        DATABASE_REPLICA_URL="postgres://app@10.0.0.2:5432/mms",
    )
    assert data["aliases"] == ["default", "replica"]
    assert data["replica"] == "10.0.0.2"
    assert data["mirror"] == "default"  # tests run against one database
    assert data["routers"] == ["mitmachstadt.core.dbrouter.PrimaryReplicaRouter"]
    assert "mitmachstadt.core.dbrouter.ReplicaRoutingMiddleware" in data["middleware"]
    assert QUERYCOUNT not in data["middleware"]


def test_without_a_replica_nothing_changes_and_bench_headers_need_the_flag() -> None:
    plain = _settings_in_subprocess()
    assert plain["aliases"] == ["default"]
    assert plain["routers"] == []
    assert not any("dbrouter" in m or "querycount" in m for m in plain["middleware"])
    bench = _settings_in_subprocess(MITMACHSTADT_BENCH="1")
    assert bench["middleware"][0] == QUERYCOUNT


@pytest.mark.django_db
def test_bench_headers_count_the_queries_of_the_request(
    settings: Any, municipality: Any, client_a: Any
) -> None:
    settings.MIDDLEWARE = [QUERYCOUNT, *settings.MIDDLEWARE]
    author = UserFactory(municipality=municipality)
    idea = make_idea(municipality=municipality, author=author)
    with CaptureQueriesContext(connection) as captured:
        response = client_a.get(f"/api/v1/ideas/{idea.pk}")
    assert response.status_code == 200
    assert int(response["X-Queries"]) == len(captured.captured_queries) > 0
    assert response["X-Queries-By-Db"] == f"default={len(captured.captured_queries)}"
    assert float(response["X-App-CPU-Ms"]) > 0
