"""PostgreSQL: keep the stored full-text vectors inside the table row.

An idea's row is just over PostgreSQL's 2 kB TOAST threshold, so the largest value, the search
vector, went to the TOAST table: testing a row against a query read three pages instead of one,
and a search that walks the newest ideas for its matches (ideas/search.py) spent most of its
time there (17 ms instead of 3.5 ms for 300 matches of a word in 8 % of 100,000 ideas).
Storage MAIN keeps the vectors inline and moves text, HTML or search document out instead,
which no search reads. VACUUM FULL rewrites the existing rows that way (it holds an exclusive
lock on the table while it runs: seconds for 100,000 ideas). SQLite is unaffected.
"""

from django.db import migrations

COLUMNS = ("search_vector", "search_vector_german")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE ideas_idea ALTER COLUMN {column} SET STORAGE MAIN")
    schema_editor.execute("VACUUM FULL ANALYZE ideas_idea")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE ideas_idea ALTER COLUMN {column} SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [("ideas", "0005_scale_search_vectors")]

    operations = [migrations.RunPython(forward, backward)]
