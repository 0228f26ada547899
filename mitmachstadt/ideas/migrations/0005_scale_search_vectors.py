"""PostgreSQL: store the full-text vectors instead of computing them per row and search.

Ranking the matches of a common word used to parse the search document of every matching idea
again (seconds at 100,000 ideas); generated columns keep the vectors, GIN indexes serve the
matching. The columns are not model fields: the database fills them on every write. SQLite keeps
its FTS5 table (0002).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE ideas_idea ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED",
    "ALTER TABLE ideas_idea ADD COLUMN IF NOT EXISTS search_vector_german tsvector "
    "GENERATED ALWAYS AS (to_tsvector('german', title || ' ' || text)) STORED",
    "CREATE INDEX IF NOT EXISTS ideas_idea_search_vector ON ideas_idea USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS ideas_idea_search_vector_german ON ideas_idea "
    "USING gin (search_vector_german)",
    "DROP INDEX IF EXISTS ideas_idea_search_simple",
    "DROP INDEX IF EXISTS ideas_idea_search_german",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS ideas_idea_search_simple ON ideas_idea "
    "USING gin (to_tsvector('simple', search_document))",
    "CREATE INDEX IF NOT EXISTS ideas_idea_search_german ON ideas_idea "
    "USING gin (to_tsvector('german', title || ' ' || text))",
    "ALTER TABLE ideas_idea DROP COLUMN IF EXISTS search_vector_german",
    "ALTER TABLE ideas_idea DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ideas", "0004_scale_covering_order_indexes")]

    operations = [migrations.RunPython(forward, backward)]
