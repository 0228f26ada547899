"""Background work of privacy (django-tasks): data exports and retention."""

from __future__ import annotations

from django_tasks import task


@task()
def build_export(export_id: str) -> str:
    """Build the ZIP of one data export request."""
    from .services import export_build

    return str(export_build(export_id=export_id).status)


@task()
def run_retention() -> dict[str, int]:
    """Apply the retention periods (also `mitmachstadt retention`, e.g. daily from cron)."""
    from .services import retention_run

    return retention_run()
