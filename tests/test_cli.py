"""The console script, end to end: migrate and serve with gunicorn, then ask /healthz."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "mitmachstadt"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_commands() -> None:
    result = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, check=True)
    for command in ("serve", "worker", "migrate", "demo", "seed", "createtenant", "lottery"):
        assert command in result.stdout


@pytest.mark.slow
def test_serve_runs_gunicorn_and_answers_healthz(tmp_path: Path) -> None:
    env = {**os.environ, "MITMACHSTADT_DEV": "1", "MITMACHSTADT_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN), "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=5
                ) as response:
                    assert response.status == 200
                    assert json.loads(response.read()) == {"status": "ok"}
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "gunicorn" in output.lower() or "Booting worker" in output


def test_warm_up_compiles_every_template_before_the_fork() -> None:
    # `serve` preloads the application in gunicorn's master (--preload) and warms it there.
    from django.template import engines

    from mitmachstadt import wsgi

    ours = Path(wsgi.__file__).resolve().parent
    count = wsgi.warm_up()
    files = [
        p
        for e in engines.all()
        for d in e.template_dirs
        if Path(d).resolve().is_relative_to(ours)
        for p in Path(d).rglob("*.html")
    ]
    assert count == len(files) > 100
