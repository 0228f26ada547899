from __future__ import annotations

import re

import pytest

from mitmachstadt.core.markup import plain_text, render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '"><script>alert(1)</script>',
    "<body onload=alert(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_renders_xss_payloads_inert(payload: str) -> None:
    html = render_markdown(payload).lower()
    assert_inert(html)


def assert_inert(html: str) -> None:
    """No executable markup: no script-capable tags, handlers or script URLs in real tags."""
    html = html.lower()
    for tag in ("<script", "<iframe", "<svg", "<img", "<object", "<embed", "<body", "<style"):
        assert tag not in html
    assert not re.search(r"<[^>]+\son\w+\s*=", html)
    assert not re.search(r"<[^>]+(href|src)\s*=\s*[\"']?\s*(javascript|data|vbscript):", html)


def test_markdown_keeps_ordinary_formatting() -> None:
    html = render_markdown("# Titel\n\n**fett** und [Link](https://example.org)\n\n- eins\n- zwei")
    assert "<h3>Titel</h3>" in html
    assert "<strong>fett</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow noopener ugc"' in html
    assert "<li>eins</li>" in html


def test_plain_text_strips_all_tags() -> None:
    assert plain_text("<b>Hallo</b> <script>x</script>Welt") == "Hallo Welt"
