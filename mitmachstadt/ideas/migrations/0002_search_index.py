"""Full-text index of ideas: FTS5 on SQLite, GIN over tsvector on PostgreSQL."""

from django.db import migrations


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        # unicode61 without stemming: the documents are stemmed by core.textsim already.
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS ideas_idea_fts USING fts5("
            "document, municipality_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS ideas_idea_search_simple ON ideas_idea "
            "USING gin (to_tsvector('simple', search_document))"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS ideas_idea_search_german ON ideas_idea "
            "USING gin (to_tsvector('german', title || ' ' || text))"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS ideas_idea_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ideas_idea_search_simple")
        schema_editor.execute("DROP INDEX IF EXISTS ideas_idea_search_german")


class Migration(migrations.Migration):
    dependencies = [("ideas", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
