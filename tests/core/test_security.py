from __future__ import annotations

import importlib
import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import TEST_PASSWORD


@pytest.mark.django_db
def test_csp_forbids_inline_scripts_and_framing(client_a: Client) -> None:
    response = client_a.get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client_a: Client) -> None:
    body = client_a.get("/").content.decode()
    assert "<script>" not in body and "<style" not in body and ' style="' not in body


@pytest.mark.django_db
def test_csrf_is_enforced_on_forms(municipality: Any, participant: Any) -> None:
    client = Client(HTTP_HOST="alpha.test", enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"login": participant.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 403


def test_production_settings_are_safe() -> None:
    """Without the dev flag: secret key required, HTTPS, HSTS, secure cookies."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MITMACHSTADT_DEV", "DEBUG", "SECURE_HTTPS"}
    }
    code = (
        "import json, os;os.environ['DJANGO_SETTINGS_MODULE']='mitmachstadt.settings';"
        "from django.conf import settings as s;"
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        "s.SECURE_SSL_REDIRECT, s.DEBUG, s.PASSWORD_HASHERS[0]]))"
    )
    missing_key = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SECRET_KEY": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing_key.returncode != 0 and "SECRET_KEY must be set" in missing_key.stderr
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SECRET_KEY": "x" * 50, "MITMACHSTADT_TESTING": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    hsts, session_secure, csrf_secure, redirect, debug, hasher = __import__("json").loads(
        result.stdout
    )
    assert hsts >= 31536000 and session_secure and csrf_secure and redirect and not debug
    assert hasher.endswith("Argon2PasswordHasher")


def test_email_url_parsing() -> None:
    settings_module = importlib.import_module("mitmachstadt.settings")
    parse = settings_module._email_settings
    smtp = parse("submission://user%40x:p%40ss@mail.example:2525")
    assert smtp["EMAIL_HOST"] == "mail.example" and smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "user@x" and smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    assert parse("smtps://mail.example")["EMAIL_PORT"] == 465
    with pytest.raises(RuntimeError):
        parse("carrier-pigeon://x")
