"""Compile and check translation catalogues without GNU gettext.

`make` runs `python -m mitmachstadt.core.i18n compile` so that a machine with only Python can build
the .mo files; `check` fails when a German translation is missing or fuzzy; `fill FILE.json`
fills untranslated German entries from a {msgid: msgstr} file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def catalogues() -> list[Path]:
    return sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    """Write a .mo beside every .po that is newer than it."""
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return 0


def check_all() -> int:
    """Every German entry translated and not fuzzy."""
    problems = []
    for po_path in catalogues():
        if "/locale/de/" not in po_path.as_posix():
            continue
        po = polib.pofile(str(po_path))
        problems += [f"{po_path}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
        problems += [f"{po_path}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    for line in problems:
        sys.stderr.write(line + "\n")
    return 1 if problems else 0


def fill(memory_path: str) -> int:
    """Fill untranslated German entries from a JSON file {msgid: msgstr} (developer tool)."""
    import json

    memory: dict[str, str] = json.loads(Path(memory_path).read_text("utf-8"))
    for po_path in catalogues():
        if "/locale/de/" not in po_path.as_posix():
            continue
        po = polib.pofile(str(po_path))
        changed = False
        for entry in po:
            if entry.msgid in memory and (not entry.msgstr or entry.fuzzy):
                entry.msgstr = memory[entry.msgid]
                if entry.fuzzy:
                    entry.flags.remove("fuzzy")
                changed = True
        if changed:
            po.save()
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "fill":
        sys.exit(fill(sys.argv[2]))
    sys.exit(check_all() if command == "check" else compile_all())
