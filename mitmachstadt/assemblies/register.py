"""Reading a population-register extract (CSV) for the invitation draw.

The whole file is checked before anything is stored: the first problem is reported with its
line and column, translated, and nothing is imported. Column names may be English or German
(``vorname``, ``nachname``, ``strasse``, ``plz``, ``ort``, ``stadtteil``, ``geburtsjahr``, ...);
commas, semicolons (German spreadsheets) and tabs are all understood.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("id", "registerid", "reference", "ordnungsmerkmal", "kennung", "personid"),
    "given_name": ("givenname", "firstname", "vorname", "vornamen"),
    "family_name": ("familyname", "lastname", "surname", "nachname", "familienname", "name"),
    "street": ("street", "strasse", "anschrift", "address", "adresse", "strasseundhausnummer"),
    "house_number": ("housenumber", "hausnummer", "hausnr"),
    "postcode": ("postcode", "postalcode", "zip", "plz", "postleitzahl"),
    "city": ("city", "town", "ort", "wohnort"),
    "district": ("district", "stadtteil", "bezirk", "ortsteil"),
    "birth": ("birthyear", "geburtsjahr", "birthdate", "dateofbirth", "geburtsdatum"),
}
DISPLAY = {
    "given_name": "given_name / vorname",
    "family_name": "family_name / nachname",
    "street": "street / strasse",
    "postcode": "postcode / plz",
    "city": "city / ort",
    "district": "district / stadtteil",
}
REQUIRED = ("given_name", "family_name", "street", "postcode", "city")
LIMITS = {
    "reference": 80,
    "given_name": 150,
    "family_name": 150,
    "street": 180,
    "house_number": 18,
    "postcode": 10,
    "city": 100,
    "district": 100,
    "birth": 10,
}


class RegisterError(ValidationError):
    """A problem in the register file, naming its line and column."""

    def __init__(self, message: str, *, code: str, line: int | None, column: str | None) -> None:
        super().__init__(message, code=code)
        self.line = line
        self.column = column


@dataclass
class Person:
    line: int
    reference: str
    given_name: str
    family_name: str
    street: str
    postcode: str
    city: str
    district: str
    household: str


@dataclass
class Register:
    sha256: str
    rows: int
    people: list[Person]
    too_young: int = 0
    strata: dict[str, int] = field(default_factory=dict)


def _key(header: str) -> str:
    text = header.strip().casefold().replace("ß", "ss")
    return re.sub(r"[\s_\-./]", "", text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegisterError(
            _(
                "Line %(line)d: the file is not UTF-8 encoded. Please save it as "
                "'CSV UTF-8' and upload it again."
            )
            % {"line": line},
            code="bad_encoding",
            line=line,
            column=None,
        ) from None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def household_key(salt: str, street: str, house_number: str, postcode: str) -> str:
    """A keyed hash of the normalised address: equal for one household, useless without salt."""
    address = f"{street} {house_number}".casefold().replace("ß", "ss")
    address = re.sub(r"str\.?(?=\s|\d|$)", "strasse", address)
    address = re.sub(r"[^0-9a-zäöü]+", " ", address).strip()
    plain = f"{address}|{postcode.strip().casefold()}"
    return hmac.new(salt.encode(), plain.encode(), hashlib.sha256).hexdigest()[:32]


def _age_ok(raw: str, min_age: int, today: dt.date) -> bool | None:
    text = raw.strip()
    if not text:
        return True
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        if not 1850 <= year <= today.year:
            return None
        return today.year - year >= min_age
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            born = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if born > today:
            return None
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return years >= min_age
    return None


def parse_register(
    data: bytes,
    *,
    salt: str,
    require_district: bool,
    min_age: int = 16,
    today: dt.date | None = None,
) -> Register:
    """Check and read the whole extract; raises RegisterError on the first problem."""
    today = today or dt.date.today()
    if len(data) > MAX_BYTES:
        raise RegisterError(
            _("The file is larger than 50 MB."), code="too_large", line=None, column=None
        )
    text = _decode(data)
    if not text.strip():
        raise RegisterError(_("The file is empty."), code="empty_file", line=None, column=None)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
            else:
                rows.append((start, cells))
                if len(rows) > MAX_ROWS:
                    raise RegisterError(
                        _("The file has more than %(n)s rows.") % {"n": f"{MAX_ROWS:,}"},
                        code="too_many_rows",
                        line=start,
                        column=None,
                    )
    except csv.Error as exc:
        raise RegisterError(
            _("Line %(line)d: the CSV is malformed (%(detail)s).")
            % {"line": reader.line_num, "detail": exc},
            code="malformed_csv",
            line=reader.line_num,
            column=None,
        ) from None
    assert header is not None
    keys = [_key(h) for h in header]
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key and key in seen:
            raise RegisterError(
                _("Line 1, column '%(column)s': the column appears twice.")
                % {"column": header[index]},
                code="duplicate_column",
                line=1,
                column=header[index],
            )
        seen[key] = index
    position: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        found = [seen[a] for a in aliases if a in seen]
        if found:
            position[name] = found[0]
    required = REQUIRED + (("district",) if require_district else ())
    for name in required:
        if name not in position:
            raise RegisterError(
                _("Line 1: the column '%(column)s' is missing (found: %(found)s).")
                % {"column": DISPLAY[name], "found": ", ".join(header)},
                code="missing_column",
                line=1,
                column=name,
            )
    if not rows:
        raise RegisterError(
            _("The file has a header but no people."), code="no_rows", line=None, column=None
        )
    people: list[Person] = []
    references: dict[str, int] = {}
    too_young = 0
    for line, cells in rows:
        if len(cells) != len(header):
            raise RegisterError(
                _("Line %(line)d: expected %(expected)d cells like the header, found %(found)d.")
                % {"line": line, "expected": len(header), "found": len(cells)},
                code="wrong_number_of_cells",
                line=line,
                column=None,
            )
        values: dict[str, str] = {}
        for name, index in position.items():
            value = " ".join(cells[index].split())
            if name in required and not value:
                raise RegisterError(
                    _("Line %(line)d, column '%(column)s': the cell is empty.")
                    % {"line": line, "column": header[index]},
                    code="empty_cell",
                    line=line,
                    column=header[index],
                )
            if len(value) > LIMITS[name]:
                raise RegisterError(
                    _("Line %(line)d, column '%(column)s': at most %(n)d characters.")
                    % {"line": line, "column": header[index], "n": LIMITS[name]},
                    code="too_long",
                    line=line,
                    column=header[index],
                )
            values[name] = value
        reference = values.get("reference") or str(line)
        if reference in references:
            column = header[position["reference"]]
            raise RegisterError(
                _(
                    "Line %(line)d, column '%(column)s': '%(value)s' was already used on line "
                    "%(first)d."
                )
                % {
                    "line": line,
                    "column": column,
                    "value": reference,
                    "first": references[reference],
                },
                code="duplicate_id",
                line=line,
                column=column,
            )
        references[reference] = line
        if "birth" in position:
            ok = _age_ok(values["birth"], min_age, today)
            if ok is None:
                column = header[position["birth"]]
                raise RegisterError(
                    _(
                        "Line %(line)d, column '%(column)s': '%(value)s' is not a year of birth "
                        "or a date like 1987-03-05 or 05.03.1987."
                    )
                    % {"line": line, "column": column, "value": values["birth"]},
                    code="bad_birth",
                    line=line,
                    column=column,
                )
            if not ok:
                too_young += 1
                continue
        people.append(
            Person(
                line=line,
                reference=reference,
                given_name=values["given_name"],
                family_name=values["family_name"],
                street=" ".join(p for p in (values["street"], values.get("house_number", "")) if p),
                postcode=values["postcode"],
                city=values["city"],
                district=values.get("district", ""),
                household=household_key(
                    salt, values["street"], values.get("house_number", ""), values["postcode"]
                ),
            )
        )
    if not people:
        raise RegisterError(
            _("Nobody in the file is old enough to take part."),
            code="nobody_eligible",
            line=None,
            column=None,
        )
    strata: dict[str, Any] = dict(sorted(Counter(p.district for p in people).items()))
    return Register(
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(rows),
        people=people,
        too_young=too_young,
        strata=strata,
    )
