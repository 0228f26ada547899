"""Citizens' assembly lottery: input errors, optimality, determinism, audit, replacements."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mitmachstadt.assemblies.lottery import (
    InfeasibleQuotasError,
    LotteryInputError,
    Pool,
    Result,
    draw,
    draw_replacements,
    load_pool,
    panel_violations,
    run,
    solve,
    summary,
    ticket_number,
    verify,
)
from mitmachstadt.assemblies.lottery.cli import main

REPO = Path(__file__).resolve().parents[2]
INSTANCES = REPO.parent / "shared" / "sortition" / "instances"

# name: (panel size, household columns)
SMALL = {
    "sfa_fixture_22": (22, []),
    "sfa_fixture_22_households": (22, ["primary_address1", "primary_zip"]),
    "example_small_20": (20, []),
    "de_synth_40": (40, ["household"]),
}

needs_instances = pytest.mark.skipif(
    not INSTANCES.is_dir(), reason=f"shared sortition instances not found at {INSTANCES}"
)


def _files(name: str) -> tuple[Path, Path]:
    return INSTANCES / name / "features.csv", INSTANCES / name / "people.csv"


@cache
def _pool(name: str) -> Pool:
    features, people = _files(name)
    return load_pool(features, people, household_columns=SMALL[name][1])


@cache
def _solved(name: str, algorithm: str = "leximin") -> Result:
    return solve(_pool(name), SMALL[name][0], algorithm)


# --------------------------------------------------------------------------- input errors

FEATURES = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\nage,young,1,2\nage,old,1,2\n"
PEOPLE = (
    "id,gender,age,household\n"
    "a,female,young,h1\nb,male,old,h2\nc,female,old,h3\nd,male,young,h4\ne,female,young,h5\n"
)


def _write(tmp_path: Path, features: str = FEATURES, people: str = PEOPLE) -> tuple[Path, Path]:
    f = tmp_path / "features.csv"
    p = tmp_path / "people.csv"
    f.write_text(features, encoding="utf-8")
    p.write_text(people, encoding="utf-8")
    return f, p


BAD_INPUTS: list[tuple[str, str, str, str, int | None, str | None]] = [
    # (case, features, people, expected code, line, column)
    ("features empty", "", PEOPLE, "empty_file", 1, None),
    ("features header only", "feature,value,min,max\n", PEOPLE, "no_rows", 2, None),
    (
        "features missing max",
        "feature,value,min\ngender,female,1\n",
        PEOPLE,
        "missing_column",
        1,
        "max",
    ),
    (
        "min not a number",
        FEATURES.replace("gender,male,1,2", "gender,male,one,2"),
        PEOPLE,
        "not_a_number",
        3,
        "min",
    ),
    (
        "max not a number",
        FEATURES.replace("age,old,1,2", "age,old,1,2.5"),
        PEOPLE,
        "not_a_number",
        5,
        "max",
    ),
    (
        "min above max",
        FEATURES.replace("age,young,1,2", "age,young,3,2"),
        PEOPLE,
        "min_greater_than_max",
        4,
        "min",
    ),
    (
        "negative quota",
        FEATURES.replace("age,young,1,2", "age,young,-1,2"),
        PEOPLE,
        "negative_quota",
        4,
        "min",
    ),
    (
        "duplicate feature value",
        FEATURES + "Gender,Female,0,1\n",
        PEOPLE,
        "duplicate_feature_value",
        6,
        "value",
    ),
    ("people empty", FEATURES, "", "empty_file", 1, None),
    ("people header only", FEATURES, "id,gender,age\n", "no_rows", 2, None),
    (
        "people missing feature column",
        FEATURES,
        "id,gender\na,female\n",
        "missing_column",
        1,
        "age",
    ),
    (
        "unknown feature value",
        FEATURES,
        PEOPLE.replace("c,female,old", "c,female,ancient"),
        "unknown_value",
        4,
        "age",
    ),
    ("duplicate id", FEATURES, PEOPLE + "b,male,young,h9\n", "duplicate_id", 7, "id"),
    ("empty id", FEATURES, PEOPLE.replace("d,male", ",male"), "empty_id", 5, "id"),
    (
        "ragged row",
        FEATURES,
        PEOPLE.replace("e,female,young,h5", "e,female,young,h5,extra"),
        "wrong_number_of_cells",
        6,
        None,
    ),
    (
        "duplicate header",
        FEATURES,
        "id,gender,age,Gender\na,female,young,male\n",
        "duplicate_column",
        1,
        "Gender",
    ),
]


@pytest.mark.parametrize(
    ("features", "people", "code", "line", "column"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_csv_names_file_line_and_column(
    tmp_path: Path, features: str, people: str, code: str, line: int | None, column: str | None
) -> None:
    f, p = _write(tmp_path, features, people)
    with pytest.raises(LotteryInputError) as info:
        load_pool(f, p)
    error = info.value
    assert error.code == code
    assert error.line == line
    assert error.column == column
    assert error.file in {"features.csv", "people.csv"}
    # The English message is formatted from the same params the Django layer translates.
    assert error.file in str(error)
    assert f"line {line}" in str(error)
    if column:
        assert f"'{column}'" in str(error)
    assert set(error.as_dict()) == {"code", "message", "params"}


def test_quotas_that_cannot_add_up_to_the_panel_size(tmp_path: Path) -> None:
    f, p = _write(tmp_path)
    pool = load_pool(f, p)
    with pytest.raises(LotteryInputError) as info:
        solve(pool, 5)  # each feature allows at most 2 + 2 = 4
    assert info.value.code == "quotas_do_not_add_up"
    assert info.value.file == "features.csv"
    assert info.value.line == 4  # first line of the first offending feature ("age": line 4)
    assert info.value.params["size"] == 5
    with pytest.raises(LotteryInputError) as info:
        solve(pool, 0)
    assert info.value.code == "bad_panel_size"


def test_not_enough_people_for_a_minimum(tmp_path: Path) -> None:
    f, p = _write(tmp_path, features=FEATURES.replace("age,old,1,2", "age,old,3,3"))
    with pytest.raises(LotteryInputError) as info:
        solve(load_pool(f, p), 4)
    assert info.value.code == "not_enough_people"
    assert (info.value.file, info.value.line, info.value.column) == ("features.csv", 5, "min")
    assert info.value.params["available"] == 2


def test_households_can_make_quotas_infeasible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every valid pair ({a, b}, {e, b}, {c, d}) lives in one household.
    people = (
        "id,gender,age,household\n"
        "a,female,young,h1\nb,male,old,h1\nc,female,old,h2\nd,male,young,h2\ne,female,young,h1\n"
    )
    f, p = _write(tmp_path, people=people)
    with pytest.raises(InfeasibleQuotasError) as info:
        solve(load_pool(f, p, household_columns=["household"]), 2)
    assert info.value.code == "infeasible_quotas"
    argv = ["--features", str(f), "--people", str(p), "--size", "2", "--seed", "x"]
    assert main([*argv, "--households", "household"], stdout=io.StringIO()) == 3
    assert "one-per-household" in capsys.readouterr().err
    assert main(argv, stdout=io.StringIO()) == 0  # without the household rule it works


def test_cli_reports_bad_input_on_stderr_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f, p = _write(tmp_path, people=PEOPLE + "b,male,young,h9\n")
    out = io.StringIO()
    status = main(
        ["--features", str(f), "--people", str(p), "--size", "2", "--seed", "x"], stdout=out
    )
    assert status == 2
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert "people.csv, line 7, column 'id'" in err


def test_seed_must_not_be_empty(tmp_path: Path) -> None:
    f, p = _write(tmp_path)
    result = solve(load_pool(f, p), 2)
    with pytest.raises(LotteryInputError) as info:
        draw(result, "   ")
    assert info.value.code == "empty_seed"


# --------------------------------------------------------------------------- tiny pool, exact


def test_tiny_pool_households_and_exact_probabilities(tmp_path: Path) -> None:
    people = PEOPLE.replace("c,female,old,h3", "c,female,old,h2")  # b and c live together
    f, p = _write(tmp_path, people=people)
    pool = load_pool(f, p, household_columns=["household"])
    result = solve(pool, 2, tickets=1000)
    for panel in result.panels:
        assert panel_violations(pool, 2, panel) == []
        assert not {"b", "c"} <= set(panel)
    assert sum(result.panel_tickets) == 1000
    assert sum(result.probabilities.values()) == pytest.approx(2.0)
    # Panels pair a woman with a man and a young with an old person: {a, b}, {e, b} or {c, d}
    # ({b, c} share a household). Leximin: each panel 1/3, so b gets 2/3, everybody else 1/3.
    third = 1 / 3
    assert result.optimal_probabilities == pytest.approx(
        {"a": third, "b": 2 * third, "c": third, "d": third, "e": third}, abs=1e-9
    )
    assert min(result.probabilities.values()) == 0.333


def test_respondents_who_fit_no_panel_get_zero(tmp_path: Path) -> None:
    features = FEATURES + "age,child,0,0\n"
    people = PEOPLE + "f,male,child,h6\n"
    f, p = _write(tmp_path, features=features, people=people)
    result = solve(load_pool(f, p), 2, tickets=1000)
    assert result.probabilities["f"] == 0.0
    assert result.stats["uncoverable_types"] == 1
    # maximin is taken over the people who can be selected at all
    others = [v for k, v in result.optimal_probabilities.items() if k != "f"]
    assert result.maximin == pytest.approx(min(others))


def test_a_failing_progress_callback_does_not_stop_the_solver(tmp_path: Path) -> None:
    f, p = _write(tmp_path)

    def broken(fraction: float, message: str) -> None:
        raise RuntimeError("database is down")

    assert sum(solve(load_pool(f, p), 2, progress=broken).panel_tickets) == 100_000


# --------------------------------------------------------------------------- shared instances


@needs_instances
@pytest.mark.parametrize("name", list(SMALL))
def test_every_panel_meets_quotas_and_households(name: str) -> None:
    pool = _pool(name)
    result = _solved(name)
    size = SMALL[name][0]
    assert sum(result.panel_tickets) == result.tickets
    assert len(set(result.panels)) == len(result.panels)
    for panel in result.panels:
        assert list(panel) == sorted(panel)
        assert panel_violations(pool, size, panel) == []
    # probabilities are computed exactly from the panels
    for pid in pool.ids[:25]:
        expected = sum(
            c for panel, c in zip(result.panels, result.panel_tickets, strict=True) if pid in panel
        )
        assert result.probabilities[pid] == expected / result.tickets


@needs_instances
@pytest.mark.parametrize("name", list(SMALL))
def test_leximin_minimum_equals_maximin_optimum(name: str) -> None:
    leximin = _solved(name)
    maximin = _solved(name, "maximin")
    assert maximin.maximin is not None
    # The maximin value is certified (pricing MIP dual bound), leximin must reach it.
    assert min(leximin.optimal_probabilities.values()) == pytest.approx(maximin.maximin, abs=1e-7)
    assert min(leximin.probabilities.values()) == pytest.approx(maximin.maximin, abs=1e-4)
    assert leximin.max_deviation < 1e-4


@needs_instances
def test_maximin_agrees_with_the_package() -> None:
    from mitmachstadt.assemblies.lottery.package import package_maximin

    name = "sfa_fixture_22"
    distribution = package_maximin(_pool(name), SMALL[name][0])
    probabilities: dict[str, float] = {}
    for panel, p in distribution:
        for pid in panel:
            probabilities[pid] = probabilities.get(pid, 0.0) + p
    package_min = min(probabilities.get(pid, 0.0) for pid in _pool(name).ids)
    assert _solved(name, "maximin").maximin == pytest.approx(package_min, abs=1e-4)
    assert package_min == pytest.approx(1 / 11, abs=1e-4)


@needs_instances
@pytest.mark.parametrize(
    ("name", "gini", "geometric_mean"),
    [("sfa_fixture_22", 0.1405, 0.1412), ("de_synth_40", 0.3505, 0.1283)],
)
def test_leximin_at_least_as_fair_as_reference(
    name: str, gini: float, geometric_mean: float
) -> None:
    stats = summary(list(_solved(name).probabilities.values()))
    assert stats["gini"] <= gini
    assert stats["geometric_mean"] >= geometric_mean - 5e-5


@needs_instances
def test_uniform_optimum_is_exact_in_the_lottery() -> None:
    # 200 respondents, 20 seats: everybody can get exactly 10 %, even the only
    # conservative woman, whom the greedy algorithm almost never picks.
    result = _solved("example_small_20")
    assert set(result.probabilities.values()) == {0.1}


@needs_instances
def test_same_inputs_same_output_byte_for_byte(tmp_path: Path) -> None:
    features, people = _files("sfa_fixture_22_households")
    argv = [
        "--features", str(features), "--people", str(people), "--size", "22",
        "--seed", "Ziehung 2025", "--households", "primary_address1,primary_zip",
    ]  # fmt: skip
    first, second = io.StringIO(), io.StringIO()
    assert main(argv, stdout=first) == 0
    assert main(argv, stdout=second) == 0
    assert first.getvalue() == second.getvalue()
    # Row order of the file does not matter either.
    lines = people.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "people.csv"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    third = io.StringIO()
    assert main([*argv[:2], "--people", str(shuffled), *argv[4:]], stdout=third) == 0
    assert json.loads(third.getvalue())["selected"] == json.loads(first.getvalue())["selected"]
    # Another seed draws another ticket of the same list.
    other = io.StringIO()
    assert main([*argv[:7], "Ziehung 2026", *argv[8:]], stdout=other) == 0
    a, b = json.loads(first.getvalue()), json.loads(other.getvalue())
    assert a["lottery_sha256"] == b["lottery_sha256"]
    assert a["ticket"] != b["ticket"]


def test_ticket_number_is_a_fixed_function_of_seed_and_list() -> None:
    lottery = "0" * 64
    number = ticket_number("Bürgerrat 2025", lottery, 100_000)
    assert number == ticket_number(" Bürgerrat 2025 ", lottery, 100_000)
    assert 1 <= number <= 100_000
    # Frozen: changing the derivation would silently change published draws.
    assert ticket_number("abc", lottery, 1000) == 55
    assert ticket_number("abc", "1" * 64, 1000) != ticket_number("abc", lottery, 1000)


@needs_instances
def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    features, people = _files("example_small_20")
    out = io.StringIO()
    status = main(
        ["--features", str(features), "--people", str(people), "--size", "20", "--seed", "s1"],
        stdout=out,
    )
    assert status == 0
    data = json.loads(out.getvalue())
    assert {"probabilities", "panels", "selected", "algorithm", "seed"} <= set(data)
    assert data["algorithm"] == "leximin"
    assert data["seed"] == "s1"
    assert all(set(p) >= {"people", "probability"} for p in data["panels"])
    assert data["selected"] in [p["people"] for p in data["panels"]]
    assert sum(p["probability"] for p in data["panels"]) == pytest.approx(1.0)
    assert len(data["probabilities"]) == 200
    assert capsys.readouterr().err == ""


@needs_instances
def test_cli_runs_as_module() -> None:
    features, people = _files("example_small_20")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mitmachstadt.assemblies.lottery.cli",
            "--features",
            str(features),
            "--people",
            str(people),
            "--size",
            "20",
            "--seed",
            "s1",
            "--algorithm",
            "maximin",
            "--no-audit",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["algorithm"] == "maximin"
    assert len(data["selected"]) == 20


@needs_instances
def test_legacy_through_the_package() -> None:
    name = "example_small_20"
    result = solve(_pool(name), 20, "legacy", legacy_draws=8)
    assert result.tickets == 8
    assert sum(result.panel_tickets) == 8
    for panel in result.panels:
        assert panel_violations(_pool(name), 20, panel) == []
    again = solve(_pool(name), 20, "legacy", legacy_draws=8)
    assert again.lottery_sha256 == result.lottery_sha256


@needs_instances
def test_progress_callback() -> None:
    seen: list[tuple[float, str]] = []
    solve(_pool("sfa_fixture_22"), 22, "maximin", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


# --------------------------------------------------------------------------- audit


@pytest.fixture(scope="module")
def audited() -> tuple[dict[str, Any], Path, Path]:
    if not INSTANCES.is_dir():
        pytest.skip("shared sortition instances not found")
    name = "sfa_fixture_22_households"
    _, _, record = run(_pool(name), 22, "öffentliche Ziehung 7 13 42")
    features, people = _files(name)
    return record, features, people


def test_audit_record_contents(audited: tuple[dict[str, Any], Path, Path]) -> None:
    record, _, _ = audited
    json.dumps(record)  # serialisable
    assert record["algorithm"]["name"] == "leximin"
    assert record["pool"]["respondents"] == 150
    assert len(record["pool"]["sha256"]) == 64
    assert sum(record["pool"]["feature_counts"]["Gender"].values()) == 150
    assert record["selected"] in [p["people"] for p in record["panels"]]
    assert record["panels"][-1]["tickets"][1] == record["tickets"]
    lottery = record["probabilities"]["lottery"]
    assert set(lottery) >= {"min", "max", "gini", "geometric_mean"}
    # anonymised: no names, e-mails or addresses anywhere
    text = json.dumps(record)
    assert "first_name" not in text and "shared_addr" not in text and "email" not in text


def test_audit_verifies(audited: tuple[dict[str, Any], Path, Path]) -> None:
    record, features, people = audited
    outcome = verify(record, features, people)
    assert outcome.ok, outcome.problems
    assert "re-run reproduces the ticket list" in outcome.checks


def _swap_in_outsider(record: dict[str, Any]) -> None:
    panel = record["panels"][0]["people"]
    outsider = next(p for q in record["panels"] for p in q["people"] if p not in panel)
    panel[0] = outsider
    panel.sort()


TAMPERING: dict[str, Callable[[dict[str, Any]], object]] = {
    "selected": lambda r: r["selected"].__setitem__(
        0, next(f"p{i}" for i in range(150) if f"p{i}" not in r["selected"])
    ),
    "seed": lambda r: r.__setitem__("seed", "another seed"),
    "drawn number": lambda r: r["draw"].__setitem__("number", r["draw"]["number"] % 1000 + 1),
    "panel member": _swap_in_outsider,
    "ticket ranges": lambda r: (
        r["panels"][0]["tickets"].__setitem__(1, r["panels"][0]["tickets"][1] + 1),
        r["panels"][1]["tickets"].__setitem__(0, r["panels"][1]["tickets"][0] + 1),
    ),
    "quotas": lambda r: r["quotas"][0].__setitem__("max", 99),
    "summary": lambda r: r["probabilities"]["lottery"].__setitem__("min", 0.2),
    "panel size": lambda r: r.__setitem__("panel_size", 21),
}


@pytest.mark.parametrize("what", list(TAMPERING))
def test_tampered_audit_fails(audited: tuple[dict[str, Any], Path, Path], what: str) -> None:
    record, features, people = audited
    tampered = copy.deepcopy(record)
    TAMPERING[what](tampered)
    # All of these are caught without re-running the solver (which test_audit_verifies does).
    outcome = verify(tampered, features, people, rerun=False)
    assert not outcome.ok
    assert outcome.problems


def test_audit_fails_against_a_changed_pool(
    audited: tuple[dict[str, Any], Path, Path], tmp_path: Path
) -> None:
    record, features, people = audited
    changed = tmp_path / "people.csv"
    changed.write_text(
        people.read_text(encoding="utf-8").replace("\np7,", "\np7x,", 1), encoding="utf-8"
    )
    outcome = verify(record, features, changed, rerun=False)
    assert "pool hash differs" in outcome.problems
    assert verify(record, features, people, rerun=False).ok


# --------------------------------------------------------------------------- replacements


@needs_instances
def test_replacements_complete_the_panel() -> None:
    name = "de_synth_40"
    pool, size = _pool(name), SMALL[name][0]
    result = _solved(name)
    drawn = draw(result, "Hauptziehung")
    dropped = list(drawn.selected[:3])
    replacement = draw_replacements(pool, size, drawn.selected, dropped, "Nachrückziehung")
    new = set(replacement.panel) - set(drawn.selected)
    assert len(new) == 3
    assert set(replacement.panel) >= set(drawn.selected) - set(dropped)
    assert not set(dropped) & set(replacement.panel)
    assert panel_violations(pool, size, replacement.panel) == []
    # every ticket of the replacement lottery completes a valid panel
    for extra in replacement.result.panels:
        assert panel_violations(pool, size, [*replacement.remaining, *extra]) == []
    again = draw_replacements(pool, size, drawn.selected, dropped, "Nachrückziehung")
    assert again.panel == replacement.panel
    features, people = _files(name)
    outcome = verify(replacement.audit, features, people)
    assert outcome.ok, outcome.problems


@needs_instances
def test_replacements_reject_people_not_on_the_panel() -> None:
    name = "sfa_fixture_22"
    drawn = draw(_solved(name), "x")
    outsider = next(p for p in _pool(name).ids if p not in drawn.selected)
    with pytest.raises(LotteryInputError) as info:
        draw_replacements(_pool(name), 22, drawn.selected, [outsider], "y")
    assert info.value.code == "dropped_not_selected"
