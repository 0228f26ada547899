"""The public controlling dashboard (/dashboard) and the documents produced from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mitmachstadt.accounts.selectors import is_staff_member
from mitmachstadt.core.pagecache import cacheable
from mitmachstadt.geo.models import District
from mitmachstadt.projects.templatetags.projects_tags import format_euro, format_number
from mitmachstadt.reviews import selectors as review_selectors
from mitmachstadt.tenants.models import Cluster, FieldOfAction

from . import charts, documents, figures, report


def _municipality(request: HttpRequest) -> Any:
    return request.municipality  # type: ignore[attr-defined]


def _count_chart(chart_id: str, title: str, rows: list[figures.Row]) -> charts.Chart:
    data = [(r.label, r.value, format_number(r.value)) for r in rows]
    return charts.bar_chart(chart_id, title, charts.describe(data), data)


def _budget_chart(fig: figures.Figures) -> charts.Chart:
    planned, spent = _("planned"), _("spent")
    rows = [
        (
            r.label,
            [
                ("planned", float(r.extra["planned"]), format_euro(r.extra["planned"])),
                ("spent", float(r.extra["spent"]), format_euro(r.extra["spent"])),
            ],
        )
        for r in fig.budget_by_cluster
        if r.extra["planned"] or r.extra["spent"]
    ]
    description = "; ".join(
        f"{r.label}: {planned} {format_euro(r.extra['planned'])}, "
        f"{spent} {format_euro(r.extra['spent'])}"
        for r in fig.budget_by_cluster
        if r.extra["planned"] or r.extra["spent"]
    )
    return charts.grouped_bar_chart(
        "chart-budget",
        _("Budget planned and spent by cluster"),
        description,
        rows,
        [("planned", planned), ("spent", spent)],
    )


# The same for every visitor without a session (staff see more, but they are signed in): served
# from the page cache; before, every visitor's request computed every figure anew.
@cacheable
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Controlling Projektstatus für Politik: where every idea and project stands."""
    municipality = _municipality(request)
    flt = figures.DashboardFilter.from_params(municipality, request.GET)
    fig = figures.cached(municipality, flt)
    query = flt.query_string()
    staff = is_staff_member(municipality, request.user)
    context = {
        "fig": fig,
        "flt": flt,
        "query": query,
        "charts": {
            "stage": _count_chart("chart-stage", _("Ideas by stage"), fig.by_stage),
            "funnel": _count_chart("chart-funnel", _("From idea to project"), fig.funnel),
            "cluster": _count_chart("chart-cluster", _("Ideas by cluster"), fig.by_cluster),
            "field": _count_chart("chart-field", _("Ideas by field of action"), fig.by_field),
            "district": _count_chart("chart-district", _("Ideas by district"), fig.by_district),
            "answers": _count_chart(
                "chart-answers", _("Time to the first official answer"), fig.answers.buckets
            ),
            "budget": _budget_chart(fig) if fig.budget_by_cluster else None,
        },
        "clusters": Cluster.objects.filter(municipality=municipality),
        "fields": FieldOfAction.objects.filter(municipality=municipality),
        "districts": District.objects.filter(municipality=municipality).order_by("name"),
        "is_staff": staff,
        "spent_share": (fig.spent_total / fig.planned_total) if fig.planned_total else None,
        "latest_period": report.Period.containing(timezone.localdate()).previous(),
    }
    return render(request, "dashboard/index.html", context)


@require_GET
def dashboard_slash(request: HttpRequest) -> HttpResponse:
    query = request.META.get("QUERY_STRING", "")
    return redirect("/dashboard" + (f"?{query}" if query else ""), permanent=True)


def _download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _inline(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def figures_csv(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures (with its filter) as CSV."""
    municipality = _municipality(request)
    fig = figures.cached(
        municipality, figures.DashboardFilter.from_params(municipality, request.GET)
    )
    content = documents.tables_csv(report.dashboard_tables(fig))
    name = f"{municipality.slug}-dashboard-{fig.today.isoformat()}.csv"
    return _download(content, "text/csv; charset=utf-8", name)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures (with its filter) as XLSX."""
    municipality = _municipality(request)
    fig = figures.cached(
        municipality, figures.DashboardFilter.from_params(municipality, request.GET)
    )
    content = documents.tables_xlsx(
        report.dashboard_tables(fig),
        title=_("Controlling dashboard"),
        municipality=municipality,
    )
    return _download(content, XLSX, f"{municipality.slug}-dashboard-{fig.today.isoformat()}.xlsx")


def _meeting(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("meeting", ""))
    except ValueError:
        return None


@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    """The committee's agenda: every project candidate with its criteria assessment."""
    municipality = _municipality(request)
    meeting = _meeting(request)
    return render(
        request,
        "dashboard/agenda.html",
        {
            "items": review_selectors.agenda(municipality),
            "meeting": meeting,
            "meeting_query": f"?meeting={meeting.isoformat()}" if meeting else "",
        },
    )


@require_GET
def agenda_pdf(request: HttpRequest) -> HttpResponse:
    """The committee's agenda as PDF."""
    municipality = _municipality(request)
    meeting = _meeting(request)
    content = documents.agenda_pdf(
        municipality, review_selectors.agenda(municipality), meeting=meeting
    )
    day = (meeting or timezone.localdate()).isoformat()
    return _inline(content, f"{municipality.slug}-agenda-{day}.pdf")


def _report(request: HttpRequest) -> report.MonitoringReport:
    municipality = _municipality(request)
    period = report.Period.parse(request.GET.get("period", ""), timezone.localdate())
    return report.monitoring_report(municipality, period)


@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    """The half-yearly monitoring report on a page, with its PDF, CSV and XLSX."""
    municipality = _municipality(request)
    data = _report(request)
    return render(
        request,
        "dashboard/report.html",
        {
            "report": data,
            "periods": report.available_periods(municipality, timezone.localdate()),
            "summary": data.summary,
            "planned": data.summary["planned"] or Decimal(0),
        },
    )


def _report_name(data: report.MonitoringReport, extension: str) -> str:
    return f"{slugify(data.municipality.slug)}-monitoring-{data.period.key}.{extension}"


@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    data = _report(request)
    return _inline(documents.report_pdf(data), _report_name(data, "pdf"))


@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    data = _report(request)
    return _download(
        documents.tables_csv(data.tables), "text/csv; charset=utf-8", _report_name(data, "csv")
    )


@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    data = _report(request)
    content = documents.tables_xlsx(
        data.tables,
        title=_("Monitoring report, %(period)s") % {"period": data.period.label},
        municipality=data.municipality,
    )
    return _download(content, XLSX, _report_name(data, "xlsx"))
