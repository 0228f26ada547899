"""Static accessibility checks of rendered pages: what keyboard and screen-reader users need.

Every form control has a label, radio buttons sit in a fieldset with a legend, nothing is taken
out of or forced into the tab order, every aria reference points at an element on the page,
and the page has one h1 and a main landmark.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, Any]] = []
        self.references: list[tuple[str, str]] = []
        self.tabindex: list[str] = []
        self.h1 = 0
        self.main = 0
        self.stack: list[str] = []
        self.legend_in_fieldset: list[bool] = []
        self.fieldset_without_legend = 0
        self.label_depth = 0
        self.svgs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag == "fieldset":
            self.legend_in_fieldset.append(False)
        if tag == "legend" and self.legend_in_fieldset:
            self.legend_in_fieldset[-1] = True
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {
            "hidden",
            "submit",
            "button",
        }:
            self.controls.append(
                {
                    "tag": tag,
                    "attrs": attrs,
                    "in_label": self.label_depth > 0,
                    "in_fieldset": bool(self.legend_in_fieldset),
                }
            )
        for name in ("aria-describedby", "aria-labelledby"):
            if attrs.get(name):
                self.references += [(name, ref) for ref in attrs[name].split()]
        if "tabindex" in attrs:
            self.tabindex.append(attrs["tabindex"])
        if tag == "h1":
            self.h1 += 1
        if tag == "main":
            self.main += 1
        if tag == "svg":
            self.svgs.append(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1
        if tag == "fieldset" and self.legend_in_fieldset and not self.legend_in_fieldset.pop():
            self.fieldset_without_legend += 1


def check(html: str) -> None:
    """Assert the page passes the static checks; the message names the first problem."""
    page = _Page()
    page.feed(html)
    assert page.h1 == 1, f"expected one h1, found {page.h1}"
    assert page.main == 1, "no main landmark"
    for control in page.controls:
        attrs = control["attrs"]
        labelled = (
            attrs.get("id") in page.label_for
            or control["in_label"]
            or attrs.get("aria-label")
            or attrs.get("aria-labelledby")
        )
        assert labelled, f"control without label: {control['tag']} {attrs}"
        if attrs.get("type") == "radio":
            assert control["in_fieldset"], f"radio outside a fieldset: {attrs}"
    assert page.fieldset_without_legend == 0, "fieldset without legend"
    for kind, ref in page.references:
        assert ref in page.ids, f"{kind} points at a missing id: {ref}"
    assert all(value in {"0", "-1"} for value in page.tabindex), f"tabindex {page.tabindex}"
    for svg in page.svgs:
        if svg.get("role") == "img":
            assert svg.get("aria-labelledby"), "chart without accessible name"
