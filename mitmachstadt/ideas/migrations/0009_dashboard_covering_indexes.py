"""Covering indexes for the controlling dashboard (dashboard/figures.py).

Its figures count every public idea by state, cluster, place and answer times, and test which
steps of the funnel each idea ever reached (its transitions). Without these indexes every one
of those queries read the whole idea table (700 MB at 100,000 ideas on PostgreSQL, texts and
search vectors included) or the transitions six times: 1.4 s of database CPU per dashboard.
With them they are index-only scans of a few MB. Partial (not hidden ideas only) and raw SQL
for the reasons of 0007 (INCLUDE on PostgreSQL, trailing key columns on SQLite).
"""

from django.db import migrations

IDEAS = "idea_dashboard_covering"
IDEAS_COLUMNS = "id, cluster_id, district_id, citywide, submitted_at, first_answer_at"
TRANSITIONS = "transition_to_state_idea"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {IDEAS} ON ideas_idea (municipality_id, state) "
            f"INCLUDE ({IDEAS_COLUMNS}) WHERE NOT is_hidden"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {IDEAS} ON ideas_idea "
            f"(municipality_id, state, {IDEAS_COLUMNS}) WHERE NOT is_hidden"
        )
    if vendor in {"postgresql", "sqlite"}:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRANSITIONS} ON ideas_transition (to_state, idea_id)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor in {"postgresql", "sqlite"}:
        schema_editor.execute(f"DROP INDEX IF EXISTS {IDEAS}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRANSITIONS}")


class Migration(migrations.Migration):
    dependencies = [("ideas", "0008_map_district_index")]

    operations = [migrations.RunPython(forward, backward)]
