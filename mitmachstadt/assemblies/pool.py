"""The respondent pool as the two CSV files of the lottery: exactly what is published.

The selection runs on these texts and nothing else, so anyone with the published files and
`mitmachstadt lottery` gets the same numbered panels. They hold pseudonyms and features only;
a shared household appears as an arbitrary group label ("h1"), never as an address.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable

from .lottery import Pool, read_features, read_people
from .models import Assembly, QuotaCategory, Response

HOUSEHOLD_COLUMN = "household"
FEATURES_FILE = "features.csv"
PEOPLE_FILE = "people.csv"


def _csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def categories(assembly: Assembly) -> list[QuotaCategory]:
    return list(assembly.categories.prefetch_related("values").order_by("position", "id"))


def features_csv(assembly: Assembly) -> str:
    """The quotas in the lottery's features.csv format."""
    rows = [["feature", "value", "min", "max"]]
    for category in categories(assembly):
        for value in category.values.all():
            rows.append([category.name, value.value, str(value.minimum), str(value.maximum)])
    return _csv(rows)


def pool_responses(assembly: Assembly, *, exclude: Iterable[str] = ()) -> list[Response]:
    """Everyone who said yes and consented, minus pseudonyms in `exclude`."""
    excluded = set(exclude)
    return [
        r
        for r in assembly.responses.filter(willing=True, consent=True, withdrawn_at__isnull=True)
        .select_related("invitation")
        .order_by("pseudonym")
        if r.pseudonym not in excluded
    ]


def people_csv(assembly: Assembly, responses: list[Response]) -> tuple[str, str]:
    """people.csv for these respondents, and the household column name ("" if unused)."""
    names = [c.name for c in categories(assembly)]
    use_households = assembly.one_per_household
    groups: dict[str, list[str]] = defaultdict(list)
    for response in responses:
        groups[response.invitation.household].append(response.pseudonym)
    labels: dict[str, str] = {}
    shared = sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    for number, group in enumerate(shared, start=1):
        for pseudonym in group:
            labels[pseudonym] = f"h{number}"
    header = ["id", *([HOUSEHOLD_COLUMN] if use_households else []), *names]
    rows = [header]
    for response in sorted(responses, key=lambda r: r.pseudonym):
        row = [response.pseudonym]
        if use_households:
            row.append(labels.get(response.pseudonym, ""))
        row += [str(response.answers.get(name, "")) for name in names]
        rows.append(row)
    return _csv(rows), HOUSEHOLD_COLUMN if use_households else ""


def load(features_text: str, people_text: str, household_column: str) -> Pool:
    """Parse the two texts with the lottery's own reader (the same code the CLI uses)."""
    features = read_features(io.StringIO(features_text), name=FEATURES_FILE)
    return read_people(
        io.StringIO(people_text),
        features,
        id_column="id",
        household_columns=[household_column] if household_column else [],
        name=PEOPLE_FILE,
        features_name=FEATURES_FILE,
    )
