"""Stage 2a: importing the register extract. Bad files: clear errors, nothing imported."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from mitmachstadt.assemblies import services
from mitmachstadt.assemblies.factories import make_assembly, register_csv
from mitmachstadt.assemblies.models import RegisterEntry, RegisterImport
from mitmachstadt.assemblies.register import RegisterError, parse_register

HEADER = "vorname;nachname;strasse;hausnummer;plz;ort;stadtteil;geburtsjahr\n"
GOOD = "Anna;Becker;Hauptstraße;1;33330;Gütersloh;Innenstadt;1980\n"

BAD_FILES = [
    # (content, line, column, a word the German message contains)
    (b"", None, None, "leer"),
    (HEADER.encode(), None, None, "keine Personen"),
    ((HEADER + GOOD + "Ben;Koch;Kirchweg;2;33330;Gütersloh\n").encode(), 3, None, "Zellen"),
    (
        (HEADER + GOOD + "Ben;;Kirchweg;2;33330;Gütersloh;Avenwedde;1990\n").encode(),
        3,
        "nachname",
        "leer",
    ),
    (
        (HEADER + GOOD + "Ben;Koch;Kirchweg;2;33330;Gütersloh;Avenwedde;19x0\n").encode(),
        3,
        "geburtsjahr",
        "Geburtsjahr",
    ),
    (
        ("vorname;nachname;plz;ort;stadtteil\nAnna;Becker;33330;Gütersloh;Mitte\n").encode(),
        1,
        "street",
        "strasse",
    ),
    ((b"vorname;vorname;nachname;strasse;plz;ort;stadtteil\n"), 1, "vorname", "zweimal"),
    (
        (HEADER + GOOD + 'Ben;"Koch;Kirchweg;2;33330;Gütersloh;Avenwedde;1990\n').encode(),
        3,
        None,
        "CSV",
    ),
    (
        (HEADER + GOOD).encode("utf-8")
        + "Jörg;Müller;Weg;3;33330;Gütersloh;Spexard;1970\n".encode("cp1252"),
        3,
        None,
        "UTF-8",
    ),
    (
        ("id;" + HEADER + "7;" + GOOD + "7;" + GOOD).encode(),
        3,
        "id",
        "Zeile 2",
    ),
    (
        (HEADER + "Kim;Yilmaz;Weg;3;33330;Gütersloh;Spexard;2020\n").encode(),
        None,
        None,
        "alt genug",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "line", "column", "word"), BAD_FILES)
def test_bad_files_name_line_and_column_and_import_nothing(
    municipality: Any,
    organiser: Any,
    content: bytes,
    line: int | None,
    column: str | None,
    word: str,
) -> None:
    assembly = make_assembly(municipality)
    services.register_import(
        assembly=assembly, actor=organiser, data=register_csv(30), filename="alt.csv"
    )
    before = list(RegisterEntry.objects.values_list("pk", flat=True))
    with translation.override("de"), pytest.raises(RegisterError) as problem:
        services.register_import(
            assembly=assembly, actor=organiser, data=content, filename="neu.csv"
        )
    error = problem.value
    assert error.line == line
    assert error.column == column
    message = error.messages[0]
    assert word in message, message
    if line is not None:
        assert f"Zeile {line}" in message
    if column is not None:
        assert f"'{column}" in message or f"{column}'" in message or column in message
    # Nothing imported: the earlier import is untouched.
    assert list(RegisterEntry.objects.values_list("pk", flat=True)) == before
    assert list(RegisterImport.objects.values_list("filename", flat=True)) == ["alt.csv"]


def test_english_columns_commas_and_a_byte_order_mark_are_fine() -> None:
    data = b"\xef\xbb\xbf" + register_csv(20, delimiter=",", german=False)
    register = parse_register(data, salt="s", require_district=True)
    assert register.rows == 20
    assert len(register.people) + register.too_young == 20
    assert sum(register.strata.values()) == len(register.people)


def test_messages_are_translated_to_english_too() -> None:
    with translation.override("en"), pytest.raises(RegisterError) as problem:
        parse_register(
            (HEADER + "Ben;;Weg;2;33330;GT;Mitte;1990\n").encode(), salt="s", require_district=True
        )
    assert problem.value.messages[0] == "Line 2, column 'nachname': the cell is empty."


def test_people_at_one_address_share_a_household_key() -> None:
    data = (
        HEADER
        + "Anna;Becker;Hauptstraße;1;33330;Gütersloh;Innenstadt;1980\n"
        + "Ben;Becker;Hauptstr.;1;33330;Gütersloh;Innenstadt;1982\n"
        + "Clara;Koch;Hauptstraße;11;33330;Gütersloh;Innenstadt;1975\n"
    ).encode()
    first, second, third = parse_register(data, salt="geheim", require_district=True).people
    assert first.household == second.household != third.household
    other_salt = parse_register(data, salt="anders", require_district=True).people[0]
    assert other_salt.household != first.household


def test_minimum_age_is_applied_with_year_or_date() -> None:
    import datetime as dt

    data = (
        b"vorname,nachname,strasse,plz,ort,geburtsdatum\n"
        b"Alt,Genug,Weg 1,33330,GT,2010-03-05\n"
        b"Zu,Jung,Weg 2,33330,GT,05.03.2011\n"
        b"Auch,Alt,Weg 3,33330,GT,1950\n"
    )
    register = parse_register(
        data, salt="s", require_district=False, min_age=16, today=dt.date(2026, 3, 5)
    )
    assert [p.given_name for p in register.people] == ["Alt", "Auch"]
    assert register.too_young == 1


@pytest.mark.django_db
def test_a_district_column_is_needed_to_stratify(municipality: Any, organiser: Any) -> None:
    data = b"vorname,nachname,strasse,plz,ort\nAnna,Becker,Weg 1,33330,GT\n"
    stratified = make_assembly(municipality)
    with pytest.raises(ValidationError):
        services.register_import(assembly=stratified, actor=organiser, data=data, filename="r.csv")
    plain = make_assembly(municipality, stratify_by_district=False, panel_size=2, invitations=2)
    record = services.register_import(assembly=plain, actor=organiser, data=data, filename="r.csv")
    assert record.eligible == 1
