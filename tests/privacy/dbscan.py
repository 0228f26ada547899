"""Search every column of every table for a string (SQLite and PostgreSQL)."""

from __future__ import annotations

from django.db import connection


def tables_containing(needle: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) for every column whose text contains `needle`, case-insensitively."""
    hits = []
    pattern = (
        "%" + needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} "
                    f"WHERE LOWER(CAST({quote(column.name)} AS TEXT)) LIKE %s ESCAPE '\\'",
                    [pattern],
                )
                count = cursor.fetchone()[0]
                if count:
                    hits.append((table, column.name, count))
    return hits
