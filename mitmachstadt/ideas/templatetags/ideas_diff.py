"""Readable differences between two versions of an idea (difflib), for the versions page.

The result is plain data (lines of pieces); the template marks pieces up with <ins>/<del> and
text labels, so the difference never depends on colour and nothing here produces HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django import template

register = template.Library()

# Unchanged runs longer than this are folded into one "n unchanged lines" row.
CONTEXT_LINES = 3
# Removed and added lines this similar count as one edited line; larger blocks are not paired.
PAIRING_RATIO = 0.6
PAIRING_LIMIT = 2500
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class Piece:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass
class DiffLine:
    op: str  # "equal", "insert", "delete", "change" or "skip"
    pieces: list[Piece] = field(default_factory=list)
    skipped: int = 0


@dataclass
class VersionDiff:
    title: list[Piece]
    title_changed: bool
    fields_added: list[str]
    fields_removed: list[str]
    lines: list[DiffLine]

    @property
    def text_changed(self) -> bool:
        return any(line.op not in {"equal", "skip"} for line in self.lines)

    @property
    def changed(self) -> bool:
        return (
            self.title_changed
            or self.text_changed
            or bool(self.fields_added)
            or bool(self.fields_removed)
        )


def inline_diff(old: str, new: str) -> list[Piece]:
    """Word-level difference of two strings as equal/insert/delete pieces."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if tag in {"replace", "delete"}:
            pieces.append(Piece("delete", "".join(a[i1:i2])))
        if tag in {"replace", "insert"}:
            pieces.append(Piece("insert", "".join(b[j1:j2])))
    return [p for p in pieces if p.text]


def _fold(lines: list[DiffLine]) -> list[DiffLine]:
    """Keep a few unchanged lines around changes; fold longer unchanged runs."""
    out: list[DiffLine] = []
    run: list[DiffLine] = []

    def flush(at_start: bool, at_end: bool) -> None:
        head = 0 if at_start else CONTEXT_LINES
        tail = 0 if at_end else CONTEXT_LINES
        if len(run) <= head + tail + 1:
            out.extend(run)
        else:
            out.extend(run[:head])
            out.append(DiffLine("skip", skipped=len(run) - head - tail))
            out.extend(run[len(run) - tail :] if tail else [])
        run.clear()

    seen_change = False
    for line in lines:
        if line.op == "equal":
            run.append(line)
            continue
        if run:
            flush(at_start=not seen_change, at_end=False)
        seen_change = True
        out.append(line)
    if run:
        flush(at_start=not seen_change, at_end=True)
    return out


def _whole(op: str, text: str) -> DiffLine:
    return DiffLine(op, [Piece(op, text)] if text else [])


def _replace_block(old_lines: list[str], new_lines: list[str]) -> list[DiffLine]:
    """Pair each removed line with the most similar added line after the last pair (in order),
    so that an edited line shows its word changes instead of a whole removed and added line."""
    if len(old_lines) * len(new_lines) > PAIRING_LIMIT:
        return [_whole("delete", t) for t in old_lines] + [_whole("insert", t) for t in new_lines]
    out: list[DiffLine] = []
    start = 0
    for old_line in old_lines:
        best, best_at = 0.0, -1
        for at in range(start, len(new_lines)):
            ratio = SequenceMatcher(None, old_line, new_lines[at], autojunk=False).ratio()
            if ratio > best:
                best, best_at = ratio, at
        if best >= PAIRING_RATIO and old_line.strip():
            out += [_whole("insert", t) for t in new_lines[start:best_at]]
            out.append(DiffLine("change", inline_diff(old_line, new_lines[best_at])))
            start = best_at + 1
        else:
            out.append(_whole("delete", old_line))
    out += [_whole("insert", t) for t in new_lines[start:]]
    return out


def text_diff(old: str, new: str) -> list[DiffLine]:
    """Line-level difference; edited lines show their word-level changes."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [_whole("equal", text) for text in a[i1:i2]]
        elif tag == "replace":
            lines += _replace_block(a[i1:i2], b[j1:j2])
        else:
            lines += [_whole("delete", text) for text in a[i1:i2]]
            lines += [_whole("insert", text) for text in b[j1:j2]]
    return _fold(lines)


def version_diff(old: Any, new: Any) -> VersionDiff:
    """Differences between two IdeaVersion rows (title, fields of action, text)."""
    old_fields, new_fields = set(old.field_names or []), set(new.field_names or [])
    return VersionDiff(
        title=inline_diff(old.title, new.title),
        title_changed=old.title != new.title,
        fields_added=sorted(new_fields - old_fields),
        fields_removed=sorted(old_fields - new_fields),
        lines=text_diff(old.text, new.text),
    )
