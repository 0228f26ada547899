"""Screenshots of the main pages at desktop and mobile width, from the running demo.

    MITMACHSTADT_VAR_DIR=/tmp/shots-var .venv/bin/mitmachstadt demo --bind 127.0.0.1:8111 &
    .venv/bin/python -m tests.browser.screenshots --base http://127.0.0.1:8111

writes docs/screenshots/<page>-desktop.png and <page>-mobile.png (German, full page) with
Debian's chromium. The pages are found the way a visitor finds them (the API and the lists),
so the script works with any seeded demo. Map tiles come from the configured tile server;
without network access the map shows its markers on an empty background. Date fields show the
German order (tt.mm.jjjj) only if Debian's chromium-l10n is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mitmachstadt.demo.accounts import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PARTICIPANT = "buerger01@demo.mitmachstadt.de"  # mitmachstadt/demo/accounts.py


def _first_link(page: Any, base: str, path: str, pattern: str) -> str:
    """The first link on a list page whose address matches `pattern`."""
    page.goto(base + path)
    for href in page.locator("main a[href]").evaluate_all("(as) => as.map(a => a.href)"):
        if re.search(pattern, href):
            return str(href)
    raise SystemExit(f"no link matching {pattern} on {path}")


def _idea_url(page: Any, base: str) -> str:
    # A much discussed idea with an official answer: it shows every part of the page.
    items = page.request.get(base + "/api/v1/ideas?order=discussed").json()["items"]
    for item in items[:15]:
        page.goto(item["url"])
        if page.locator("#answer.answer-given").count():
            return str(item["url"])
    return str(items[0]["url"])


def _project_url(page: Any, base: str) -> str:
    return _first_link(page, base, "/projects/", r"/projects/\d+/$")


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", PARTICIPANT)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _compose(page: Any, base: str) -> None:
    """The submit form with a title and text typed, and the similar ideas it suggests."""
    _sign_in(page, base)
    page.goto(base + "/ideas/new/")
    page.fill("#id_title", "Freies WLAN am Bahnhof")
    page.locator("#id_text").type("Am Bahnhof und im Bus fehlt freies WLAN für alle.", delay=5)
    with contextlib.suppress(Exception):  # no similar idea is fine for the picture
        page.locator("#similar-ideas .similar-list").wait_for(timeout=5_000)


Step = Callable[[Any, str], None]


def _visit(resolve: Callable[[Any, str], str]) -> Step:
    def step(page: Any, base: str) -> None:
        target = resolve(page, base)
        page.goto(target if target.startswith("http") else base + target)

    return step


def _path(path: str) -> Step:
    return _visit(lambda _page, _base: path)


PAGES: dict[str, Step] = {
    "home": _path("/"),
    "ideas": _path("/ideas/"),
    "idea": _visit(_idea_url),
    "submit": _compose,
    "map": _path("/map/"),
    "dashboard": _path("/dashboard"),
    "project": _visit(_project_url),
    "events": _path("/events/"),
    "assembly": _visit(lambda page, base: _first_link(page, base, "/assemblies/", r"/\d+/$")),
    "accessibility": _path("/accessibility/"),
}


def _settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    if page.locator("#idea-map").count():
        page.locator("#idea-map .leaflet-marker-icon, #idea-map .marker-cluster").first.wait_for()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    time.sleep(0.3)  # Leaflet's zoom animation


def _shrink(path: Path) -> None:
    """A 256-colour palette: a third of the size, no visible difference on these pages."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def take(base: str, names: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        # Date fields show the German day.month.year, as in a German browser.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, "--lang=de-DE"],
            env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"},
        )
        try:
            for viewport in ("desktop", "mobile"):
                for name in names:
                    context = browser.new_context(
                        viewport=VIEWPORTS[viewport],
                        locale="de-DE",
                        device_scale_factor=1,
                        is_mobile=viewport == "mobile",
                        has_touch=viewport == "mobile",
                    )
                    # Without network access, tile requests would only wait for a timeout.
                    context.route(
                        re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"),
                        lambda route: route.abort(),
                    )
                    page = context.new_page()
                    page.set_default_timeout(20_000)
                    statuses: list[int] = []
                    page.on(
                        "response",
                        lambda r, s=statuses: (
                            s.append(r.status) if r.request.is_navigation_request() else None
                        ),
                    )
                    try:
                        PAGES[name](page, base)
                        _settle(page)
                        if statuses and statuses[-1] >= 400:
                            raise SystemExit(f"{name}: {page.url} answered {statuses[-1]}")
                        path = out / f"{name}-{viewport}.png"
                        page.screenshot(path=str(path), full_page=True)
                        _shrink(path)
                        written.append(path)
                        sys.stdout.write(f"{path.name}  {page.url}\n")
                    finally:
                        context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the running demo")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("pages", nargs="*", help=f"some of {', '.join(PAGES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    take(args.base.rstrip("/"), args.pages or list(PAGES), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
