"""Markdown rendering and HTML sanitising of user content."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# "js-default" disables raw HTML and unsafe link schemes already; nh3 is the second wall.
_md = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}


def render_markdown(text: str) -> str:
    """Render user Markdown to sanitised HTML (no scripts, handlers or javascript: URLs)."""
    html = _md.render(text or "")
    # Headings h1/h2 would break the page outline; demote them to h3 before sanitising.
    for level in ("1", "2"):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )


def plain_text(text: str) -> str:
    """Strip all markup: for titles, previews, feeds and e-mail."""
    return nh3.clean(text or "", tags=set())
