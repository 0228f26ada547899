"""The readable difference between two versions on the versions page (pure functions)."""

from __future__ import annotations

from types import SimpleNamespace

from mitmachstadt.ideas.templatetags.ideas_diff import (
    CONTEXT_LINES,
    inline_diff,
    text_diff,
    version_diff,
)


def ops(pieces: list) -> list[tuple[str, str]]:
    return [(p.op, p.text) for p in pieces]


def test_inline_diff_marks_changed_words() -> None:
    assert ops(inline_diff("Mehr Bänke am Markt", "Mehr Tische am Markt")) == [
        ("equal", "Mehr "),
        ("delete", "Bänke"),
        ("insert", "Tische"),
        ("equal", " am Markt"),
    ]


def test_edited_lines_are_paired_even_when_lines_are_added() -> None:
    lines = text_diff(
        "Erster Satz bleibt.\nDie Bänke sind alt.",
        "Erster Satz bleibt.\nDie Bänke sind neu.\n\nEin ganz neuer Absatz.",
    )
    assert [line.op for line in lines] == ["equal", "change", "insert", "insert"]
    assert ops(lines[1].pieces)[1:] == [("delete", "alt"), ("insert", "neu"), ("equal", ".")]
    assert lines[2].pieces == []  # an empty added line
    assert ops(lines[3].pieces) == [("insert", "Ein ganz neuer Absatz.")]


def test_unrelated_lines_are_removed_and_added_whole() -> None:
    lines = text_diff("Völlig anderer Inhalt hier", "Nichts davon ist gleich geblieben")
    assert [line.op for line in lines] == ["delete", "insert"]


def test_long_unchanged_runs_are_folded_around_changes() -> None:
    same = [f"Zeile {n}" for n in range(20)]
    lines = text_diff("\n".join([*same, "Ende alt"]), "\n".join([*same, "Ende neu"]))
    assert lines[0].op == "skip" and lines[0].skipped == 20 - CONTEXT_LINES
    assert [line.op for line in lines[1:]] == ["equal"] * CONTEXT_LINES + ["change"]
    unchanged = text_diff("a\nb\nc", "a\nb\nc")
    assert [line.op for line in unchanged] == ["skip"] and unchanged[0].skipped == 3


def test_version_diff_reports_title_fields_and_text() -> None:
    old = SimpleNamespace(title="Bänke", text="Text", field_names=["Mobilität", "Umwelt"])
    new = SimpleNamespace(title="Mehr Bänke", text="Text", field_names=["Umwelt", "Bildung"])
    diff = version_diff(old, new)
    assert diff.title_changed and ("insert", "Mehr ") in ops(diff.title)
    assert diff.fields_added == ["Bildung"] and diff.fields_removed == ["Mobilität"]
    assert not diff.text_changed and diff.changed
    assert not version_diff(old, old).changed
