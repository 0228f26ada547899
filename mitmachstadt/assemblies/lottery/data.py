"""Reading and validating the quota file and the respondent pool.

Formats are those of the ``sortition-algorithms`` package: ``features.csv`` has the columns
``feature,value,min,max`` (extra columns such as ``min_flex`` are ignored) and ``people.csv``
an id column plus one column per feature, optionally one or more household/address columns.
Feature names, header names and values are matched case-insensitively, like the package does;
the spelling of ``features.csv`` is canonical.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LotteryInputError

FEATURE_COLUMN_ALIASES = ("feature", "category")
VALUE_COLUMN_ALIASES = ("value", "name", "category value", "category_value", "category-value")
DEFAULT_ID_COLUMNS = ("id", "nationbuilder_id")


@dataclass(frozen=True)
class Feature:
    """One stratification feature with its values and quotas (values sorted by name)."""

    name: str
    values: tuple[str, ...]
    mins: tuple[int, ...]
    maxs: tuple[int, ...]
    lines: tuple[int, ...] = field(default=(), compare=False)

    def index(self, value: str) -> int:
        """Index of ``value`` (case-insensitive) or -1."""
        folded = value.casefold()
        for i, known in enumerate(self.values):
            if known.casefold() == folded:
                return i
        return -1


@dataclass(frozen=True)
class Pool:
    """A validated respondent pool with its quotas, sorted canonically by person id."""

    ids: tuple[str, ...]
    features: tuple[Feature, ...]
    values: tuple[tuple[int, ...], ...]
    households: tuple[str | None, ...]
    id_column: str = "id"
    household_columns: tuple[str, ...] = ()
    features_file: str = "features.csv"
    people_file: str = "people.csv"

    @property
    def size(self) -> int:
        """Number of respondents."""
        return len(self.ids)

    def value_of(self, person: int, feature: int) -> str:
        """Feature value (canonical spelling) of the person at index ``person``."""
        return self.features[feature].values[self.values[person][feature]]

    def canonical(self) -> dict[str, Any]:
        """The canonical, JSON-serialisable content that the pool hash is computed over."""
        return {
            "features": [
                {
                    "name": f.name,
                    "values": [
                        {"value": v, "min": lo, "max": hi}
                        for v, lo, hi in zip(f.values, f.mins, f.maxs, strict=True)
                    ],
                }
                for f in self.features
            ],
            "people": [
                [pid, [self.value_of(i, j) for j in range(len(self.features))], self.households[i]]
                for i, pid in enumerate(self.ids)
            ],
        }

    def sha256(self) -> str:
        """SHA-256 (hex) over the canonical JSON serialisation (quotas + people + households)."""
        return sha256_json(self.canonical())


def canonical_json(data: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, floats via ``repr``."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_json(data: Any) -> str:
    """SHA-256 hex digest of the canonical JSON serialisation of ``data``."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


# --------------------------------------------------------------------------- CSV reading


@dataclass
class _Table:
    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (physical start line, cells)

    def column_index(self, aliases: Sequence[str]) -> int:
        folded = [h.strip().casefold() for h in self.header]
        for alias in aliases:
            if alias.casefold() in folded:
                return folded.index(alias.casefold())
        return -1


def _read_table(source: str | Path | io.TextIOBase, display_name: str | None) -> _Table:
    if isinstance(source, str | Path):
        path = Path(source)
        name = display_name or path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise LotteryInputError(
                "file_not_found", "{file}: file not found.", file=name
            ) from None
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise LotteryInputError(
                "bad_encoding",
                "{file}, line {line}: the file is not UTF-8 encoded.",
                file=name,
                line=line,
            ) from None
    else:
        name = display_name or str(getattr(source, "name", "input.csv"))
        text = source.read()
        if text.startswith("\ufeff"):
            text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines are harmless
            if header is None:
                header = cells
            else:
                rows.append((start, cells))
    except csv.Error as exc:
        raise LotteryInputError(
            "malformed_csv",
            "{file}, line {line}: the CSV is malformed ({detail}).",
            file=name,
            line=reader.line_num,
            detail=str(exc),
        ) from None
    if header is None:
        raise LotteryInputError(
            "empty_file", "{file}, line {line}: the file is empty.", file=name, line=1
        )
    seen: dict[str, int] = {}
    for i, column in enumerate(header):
        key = column.strip().casefold()
        if not key:
            continue
        if key in seen:
            raise LotteryInputError(
                "duplicate_column",
                "{file}, line {line}, column '{column}': the column appears twice "
                "(columns {first_index} and {index}).",
                file=name,
                line=1,
                column=column.strip(),
                first_index=seen[key] + 1,
                index=i + 1,
            )
        seen[key] = i
    for line, cells in rows:
        if len(cells) != len(header):
            raise LotteryInputError(
                "wrong_number_of_cells",
                "{file}, line {line}: expected {expected} cells like the header, found {found}.",
                file=name,
                line=line,
                expected=len(header),
                found=len(cells),
            )
    return _Table(name, header, rows)


def _require_column(table: _Table, aliases: Sequence[str], wanted: str) -> int:
    index = table.column_index(aliases)
    if index < 0:
        raise LotteryInputError(
            "missing_column",
            "{file}, line {line}, column '{column}': required column is missing (found: {found}).",
            file=table.name,
            line=1,
            column=wanted,
            found=", ".join(h.strip() for h in table.header),
        )
    return index


def _parse_quota(table: _Table, line: int, column: str, raw: str) -> int:
    text = raw.strip()
    if not text:
        raise LotteryInputError(
            "empty_cell",
            "{file}, line {line}, column '{column}': the cell is empty.",
            file=table.name,
            line=line,
            column=column,
        )
    try:
        number = int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            as_float = float("nan")
        if as_float.is_integer():
            number = int(as_float)  # "5.0" from spreadsheet exports is a harmless spelling
        else:
            raise LotteryInputError(
                "not_a_number",
                "{file}, line {line}, column '{column}': '{value}' is not a whole number.",
                file=table.name,
                line=line,
                column=column,
                value=text,
            ) from None
    if number < 0:
        raise LotteryInputError(
            "negative_quota",
            "{file}, line {line}, column '{column}': the quota {value} is negative.",
            file=table.name,
            line=line,
            column=column,
            value=number,
        )
    return number


def read_features(source: str | Path | io.TextIOBase, *, name: str | None = None) -> list[Feature]:
    """Parse ``features.csv`` into features sorted by name (values sorted by name)."""
    table = _read_table(source, name)
    i_feature = _require_column(table, FEATURE_COLUMN_ALIASES, "feature")
    i_value = _require_column(table, VALUE_COLUMN_ALIASES, "value")
    i_min = _require_column(table, ("min",), "min")
    i_max = _require_column(table, ("max",), "max")
    header = [h.strip() for h in table.header]
    if not table.rows:
        raise LotteryInputError(
            "no_rows",
            "{file}, line {line}: the file has a header but no quota rows.",
            file=table.name,
            line=2,
        )
    collected: dict[str, tuple[str, dict[str, tuple[str, int, int, int]]]] = {}
    for line, cells in table.rows:
        fname = cells[i_feature].strip()
        fvalue = cells[i_value].strip()
        for idx, text in ((i_feature, fname), (i_value, fvalue)):
            if not text:
                raise LotteryInputError(
                    "empty_cell",
                    "{file}, line {line}, column '{column}': the cell is empty.",
                    file=table.name,
                    line=line,
                    column=header[idx],
                )
        lo = _parse_quota(table, line, header[i_min], cells[i_min])
        hi = _parse_quota(table, line, header[i_max], cells[i_max])
        if lo > hi:
            raise LotteryInputError(
                "min_greater_than_max",
                "{file}, line {line}, column '{column}': min {min} is greater than max {max} "
                "for {feature}/{value}.",
                file=table.name,
                line=line,
                column=header[i_min],
                min=lo,
                max=hi,
                feature=fname,
                value=fvalue,
            )
        _, values = collected.setdefault(fname.casefold(), (fname, {}))
        if fvalue.casefold() in values:
            raise LotteryInputError(
                "duplicate_feature_value",
                "{file}, line {line}, column '{column}': {feature}/{value} was already "
                "defined on line {first_line}.",
                file=table.name,
                line=line,
                column=header[i_value],
                feature=fname,
                value=fvalue,
                first_line=values[fvalue.casefold()][3],
            )
        values[fvalue.casefold()] = (fvalue, lo, hi, line)
    features = []
    for _, (fname, values) in sorted(collected.items()):
        entries = sorted(values.values(), key=lambda e: e[0].casefold())
        features.append(
            Feature(
                name=fname,
                values=tuple(e[0] for e in entries),
                mins=tuple(e[1] for e in entries),
                maxs=tuple(e[2] for e in entries),
                lines=tuple(e[3] for e in entries),
            )
        )
    return features


def check_quotas_against_size(features: Sequence[Feature], size: int, file: str) -> None:
    """Reject a panel size that no combination of quotas of some feature can add up to."""
    for feature in features:
        low, high = sum(feature.mins), sum(feature.maxs)
        if not low <= size <= high:
            raise LotteryInputError(
                "quotas_do_not_add_up",
                "{file}, line {line}, column '{column}': the quotas of feature '{feature}' "
                "add up to between {low} and {high} people, but the panel has {size}.",
                file=file,
                line=min(feature.lines) if feature.lines else None,
                column="min" if low > size else "max",
                feature=feature.name,
                low=low,
                high=high,
                size=size,
            )


def _iter_household_keys(
    table: _Table, rows: list[tuple[int, list[str]]], indices: list[int]
) -> Iterator[str | None]:
    for _, cells in rows:
        parts = [cells[i].strip().casefold() for i in indices]
        # A blank address says nothing about who lives together, so it must not group people.
        yield None if not any(parts) else "\x1f".join(parts)


def read_people(
    source: str | Path | io.TextIOBase,
    features: Sequence[Feature],
    *,
    id_column: str | None = None,
    household_columns: Sequence[str] = (),
    name: str | None = None,
    features_name: str = "features.csv",
) -> Pool:
    """Parse ``people.csv`` against ``features`` into a :class:`Pool` sorted by person id."""
    table = _read_table(source, name)
    header = [h.strip() for h in table.header]
    if id_column:
        i_id = _require_column(table, (id_column,), id_column)
    else:
        i_id = table.column_index(DEFAULT_ID_COLUMNS)
        if i_id < 0:
            i_id = 0  # the package's convention: the id is a column of its own, usually first
    feature_indices = [_require_column(table, (f.name,), f.name) for f in features]
    household_indices = [_require_column(table, (c,), c) for c in household_columns if c]
    if not table.rows:
        raise LotteryInputError(
            "no_rows",
            "{file}, line {line}: the file has a header but no people.",
            file=table.name,
            line=2,
        )
    seen: dict[str, int] = {}
    records: list[tuple[str, tuple[int, ...], str | None]] = []
    keys = _iter_household_keys(table, table.rows, household_indices)
    for (line, cells), household in zip(table.rows, keys, strict=True):
        pid = cells[i_id].strip()
        if not pid:
            raise LotteryInputError(
                "empty_id",
                "{file}, line {line}, column '{column}': the id is empty.",
                file=table.name,
                line=line,
                column=header[i_id],
            )
        if pid in seen:
            raise LotteryInputError(
                "duplicate_id",
                "{file}, line {line}, column '{column}': the id '{value}' was already used "
                "on line {first_line}.",
                file=table.name,
                line=line,
                column=header[i_id],
                value=pid,
                first_line=seen[pid],
            )
        seen[pid] = line
        person_values = []
        for feature, idx in zip(features, feature_indices, strict=True):
            raw = cells[idx].strip()
            k = feature.index(raw)
            if k < 0:
                raise LotteryInputError(
                    "unknown_value",
                    "{file}, line {line}, column '{column}': '{value}' is not one of the "
                    "values of feature '{feature}' in {features_file} ({allowed}).",
                    file=table.name,
                    line=line,
                    column=header[idx],
                    value=raw,
                    feature=feature.name,
                    features_file=features_name,
                    allowed=", ".join(feature.values),
                )
            person_values.append(k)
        records.append((pid, tuple(person_values), household))
    records.sort(key=lambda r: r[0])
    return Pool(
        ids=tuple(r[0] for r in records),
        features=tuple(features),
        values=tuple(r[1] for r in records),
        households=tuple(r[2] for r in records),
        id_column=header[i_id],
        household_columns=tuple(header[i] for i in household_indices),
        features_file=features_name,
        people_file=table.name,
    )


def load_pool(
    features_csv: str | Path,
    people_csv: str | Path,
    *,
    id_column: str | None = None,
    household_columns: Sequence[str] = (),
) -> Pool:
    """Read and validate both files; raises :class:`LotteryInputError` on any problem."""
    features_name = Path(features_csv).name
    features = read_features(features_csv)
    return read_people(
        people_csv,
        features,
        id_column=id_column,
        household_columns=household_columns,
        features_name=features_name,
    )


def check_panel_size(pool: Pool, size: int) -> None:
    """Validate the panel size against the pool and the quota totals."""
    if not 1 <= size <= pool.size:
        raise LotteryInputError(
            "bad_panel_size",
            "The panel size must be between 1 and the number of respondents ({people}), "
            "not {size}.",
            size=size,
            people=pool.size,
        )
    check_quotas_against_size(pool.features, size, pool.features_file)
    for f, feature in enumerate(pool.features):
        available = [0] * len(feature.values)
        for values in pool.values:
            available[values[f]] += 1
        for v, value in enumerate(feature.values):
            if available[v] < feature.mins[v]:
                raise LotteryInputError(
                    "not_enough_people",
                    "{file}, line {line}, column '{column}': the minimum for {feature}/{value} "
                    "is {min}, but only {available} respondents have this value.",
                    file=pool.features_file,
                    line=feature.lines[v] if feature.lines else None,
                    column="min",
                    feature=feature.name,
                    value=value,
                    min=feature.mins[v],
                    available=available[v],
                )
