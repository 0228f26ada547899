"""Background work of privacy (django-tasks): data exports and retention."""

from __future__ import annotations

from django_tasks import task


@task()
def build_export(export_id: str) -> str:
    """Build the ZIP of one data export request."""
    from .services import export_build

    export = export_build(export_id=export_id)
    return str(export.status) if export is not None else "gone"


@task()
def run_retention() -> dict[str, int]:
    """Apply the retention periods (also `mitmachstadt retention`, e.g. daily from cron)."""
    from .services import retention_run

    return retention_run()
