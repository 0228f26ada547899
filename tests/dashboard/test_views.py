"""The /dashboard page, its downloads, the agenda and the monitoring report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from mitmachstadt.accounts.models import Role
from mitmachstadt.dashboard import figures
from mitmachstadt.dashboard.report import Period, available_periods, monitoring_report
from mitmachstadt.ideas.models import Idea, Transition
from mitmachstadt.projects.models import Expenditure
from tests.reviews import a11y
from tests.reviews.helpers import idea_in, staff, staff_client

from .conftest import Town

pytestmark = pytest.mark.django_db


def _numbers(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_dashboard_page(client_a: Client, municipality: Any, town: Town) -> None:
    response = client_a.get("/dashboard")
    assert response.status_code == 200
    html = response.content.decode()
    a11y.check(html)
    assert "Controlling Projektstatus für Politik" in html
    fig = figures.compute(municipality)
    # Key figures and every chart with its table alternative.
    assert f'<span class="key-value">{fig.total}</span>' in html
    assert html.count('role="img"') == 7
    # Geometry is written in SVG number syntax, whatever the page's language.
    geometry = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height|cx|cy)="([^"]*)"', html)
    assert geometry and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in geometry)
    assert html.count('<details class="data-table">') >= 7
    for row in fig.by_state:
        if row.value:
            assert f"<title>{row.label}: {row.value}</title>" in html or row.label in html
    for budget in fig.budget_with_figures[:3]:
        assert budget.title in html
    # Visitors do not get the staff list of overdue ideas.
    assert "Für die Verwaltung" not in html
    # The page lives at /dashboard exactly; /dashboard/ redirects there.
    assert client_a.get("/dashboard/").headers["Location"] == "/dashboard"


def test_dashboard_filter_is_in_the_url(client_a: Client, municipality: Any, town: Town) -> None:
    cluster = town.clusters[0]
    response = client_a.get(f"/dashboard?cluster={cluster.slug}&field={town.fields[0].slug}")
    html = response.content.decode()
    fig = figures.compute(
        municipality,
        figures.DashboardFilter(cluster=cluster.slug, field=town.fields[0].slug),
    )
    assert f'<span class="key-value">{fig.total}</span>' in html
    assert f'<option value="{cluster.slug}" selected>' in html
    # Drill-down links keep the other filters; downloads carry the filter.
    assert f"?cluster={cluster.slug}&amp;field={town.fields[1].slug}" in html
    assert f"/dashboard/figures.csv?cluster={cluster.slug}&amp;field={town.fields[0].slug}" in html


def test_staff_see_the_overdue_list_on_the_dashboard(municipality: Any, town: Town) -> None:
    fig = figures.compute(municipality)
    assert fig.overdue_ideas
    html = staff_client(town.reviewer).get("/dashboard").content.decode()
    assert "Für die Verwaltung" in html
    for idea in fig.overdue_ideas:
        assert idea.title in html


def test_a_dashboard_shows_only_its_municipality(
    client_a: Client, client_b: Client, municipality: Any, other_municipality: Any, town: Town
) -> None:
    html_b = client_b.get("/dashboard").content.decode()
    assert '<span class="key-value">0</span>' in html_b
    for idea in town.ideas:
        assert idea.title not in html_b
    outsider = staff(other_municipality, Role.REVIEWER)
    html = staff_client(outsider, host="alpha.test").get("/dashboard").content.decode()
    assert "Für die Verwaltung" not in html


def test_figures_csv_and_xlsx_equal_the_figures(
    client_a: Client, municipality: Any, town: Town
) -> None:
    fig = figures.compute(municipality)
    response = client_a.get("/dashboard/figures.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    states = {
        r["row"]: r["value"]
        for r in rows
        if r["table"] == "Ideen nach Stand" and r["column"] == "Ideen"
    }
    assert sorted(int(v) for v in states.values()) == sorted(r.value for r in fig.by_state)
    planned = [
        Decimal(r["value"] or 0)
        for r in rows
        if r["table"] == "Geplantes und ausgegebenes Budget je Projekt"
        and r["column"] == "Geplant (EUR)"
    ]
    assert sum(planned) == fig.planned_total
    book = load_workbook(io.BytesIO(client_a.get("/dashboard/figures.xlsx").content))
    sheet = book["Ideen nach Stand"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values == {r.label: r.value for r in fig.by_state}
    budget = book["Geplantes und ausgegebenes Budget je "[:31]]
    assert sum(Decimal(str(r[6])) for r in budget.iter_rows(min_row=2, values_only=True)) == (
        fig.planned_total
    )


def test_agenda_html_and_pdf(
    client_a: Client, client_b: Client, municipality: Any, town: Town
) -> None:
    candidates = Idea.objects.filter(municipality=municipality, state="candidate", is_hidden=False)
    assert candidates.exists()
    response = client_a.get("/dashboard/agenda/?meeting=2026-04-21")
    html = response.content.decode()
    a11y.check(html)
    assert "21. April 2026" in html
    for idea in candidates:
        assert idea.title in html
    assert html.count('class="assessment-table"') == candidates.count()
    assert "Bewertung und Begründung je Kriterium" in html
    pdf = client_a.get("/dashboard/agenda.pdf?meeting=2026-04-21")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"/Lang" in pdf.content
    assert len(re.findall(rb"/Type /Page\b", pdf.content)) >= 1
    assert "Tagesordnung" in client_b.get("/dashboard/agenda/").content.decode()
    for idea in candidates:
        assert idea.title not in client_b.get("/dashboard/agenda/").content.decode()


def test_periods() -> None:
    today = dt.date(2026, 3, 15)
    assert Period.parse("", today) == Period(2025, 2)
    assert Period.parse("2026-H1", today) == Period(2026, 1)
    assert Period.parse("1999-H1", today) == Period(2025, 2)
    assert Period.parse("2026-H3", today) == Period(2025, 2)
    assert (Period(2025, 2).start, Period(2025, 2).end) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 12, 31),
    )
    assert Period(2025, 1).previous() == Period(2024, 2)


def test_available_periods_go_back_to_the_first_idea(municipality: Any) -> None:
    idea = idea_in("submitted", municipality=municipality)
    Idea.objects.filter(pk=idea.pk).update(
        submitted_at=timezone.make_aware(dt.datetime(2024, 2, 10))
    )
    periods = available_periods(municipality, dt.date(2025, 8, 1))
    assert [p.key for p in periods] == ["2025-H2", "2025-H1", "2024-H2", "2024-H1"]


def test_monitoring_report_equals_the_records(
    client_a: Client, municipality: Any, town: Town
) -> None:
    period = Period(2025, 2)
    start = timezone.make_aware(dt.datetime(2025, 7, 1))
    end = timezone.make_aware(dt.datetime(2026, 1, 1))
    report = monitoring_report(municipality, period)
    public = Idea.objects.filter(municipality=municipality, is_hidden=False).exclude(
        state__in=["draft", "withdrawn"]
    )
    submitted = public.filter(submitted_at__gte=start, submitted_at__lt=end).count()
    assert report.summary["submitted"] == submitted
    answered = public.filter(first_answer_at__gte=start, first_answer_at__lt=end).count()
    assert report.summary["answered"] == answered
    decisions = Transition.objects.filter(
        idea__in=public,
        created__gte=start,
        created__lt=end,
        name__in=["committee_approve", "committee_revise", "committee_reject", "funding_approved"],
    ).count()
    assert report.summary["decisions"] == decisions
    # Projects are the ideas whose last step before the end of the period led into a project
    # state; the money they booked in the period is "spent in the period".
    last_state: dict[int, tuple[Any, str]] = {}
    for idea_id, created, to_state in Transition.objects.filter(
        idea__in=public, created__lt=end
    ).values_list("idea_id", "created", "to_state"):
        if idea_id not in last_state or created >= last_state[idea_id][0]:
            last_state[idea_id] = (created, to_state)
    project_ideas = {
        pk
        for pk, (_when, state) in last_state.items()
        if state
        in {"in_development", "in_implementation", "completed", "scaled_citywide", "discontinued"}
    }
    assert report.summary["projects"] == len(project_ideas)
    spent_in = sum(
        Expenditure.objects.filter(
            project__idea_id__in=project_ideas,
            spent_on__gte=period.start,
            spent_on__lte=period.end,
        ).values_list("amount", flat=True),
        Decimal(0),
    )
    assert report.summary["spent_in"] == spent_in

    # The CSV and XLSX carry the same figures as the report.
    rows = list(
        csv.DictReader(
            io.StringIO(client_a.get("/dashboard/report.csv?period=2025-H2").content.decode())
        )
    )
    activity = {
        r["row"]: r["value"]
        for r in rows
        if r["table"] == "Aktivität im Zeitraum" and r["column"] == "Wert"
    }
    assert (activity["1"], activity["2"]) == (str(submitted), str(answered))
    book = load_workbook(io.BytesIO(client_a.get("/dashboard/report.xlsx?period=2025-H2").content))
    values = {
        r[0]: r[1] for r in book["Aktivität im Zeitraum"].iter_rows(min_row=2, values_only=True)
    }
    assert values["Eingereichte Ideen"] == submitted
    assert values["Erteilte erste offizielle Antworten"] == answered
    pdf = client_a.get("/dashboard/report.pdf?period=2025-H2")
    assert pdf.content.startswith(b"%PDF-") and pdf["Content-Type"] == "application/pdf"
    page = client_a.get("/dashboard/report/?period=2025-H2")
    a11y.check(page.content.decode())
    assert "2. Halbjahr 2025" in page.content.decode()


def test_report_counts_projects_as_they_were_at_the_end_of_the_period(
    municipality: Any,
) -> None:
    idea = idea_in("in_development", municipality=municipality, title="Spät beschlossen")
    approved = Transition.objects.get(idea=idea, name="committee_approve")
    Transition.objects.filter(idea=idea).exclude(pk=approved.pk).update(
        created=timezone.make_aware(dt.datetime(2025, 3, 1))
    )
    Transition.objects.filter(pk=approved.pk).update(
        created=timezone.make_aware(dt.datetime(2025, 8, 1))
    )
    first = monitoring_report(municipality, Period(2025, 1))
    second = monitoring_report(municipality, Period(2025, 2))
    assert first.summary["projects"] == 0 and second.summary["projects"] == 1
    (stages_first,) = [t for t in first.tables if t.key == "stages"]
    assert dict(stages_first.raw)["Projektkandidat"] == 1


def test_downloads_do_not_run_titles_as_formulas(municipality: Any, client_a: Client) -> None:
    from mitmachstadt.projects import services as project_services

    idea = idea_in("in_development", municipality=municipality, title='=HYPERLINK("x","y")')
    project_services.project_ensure(idea=idea)
    rows = list(
        csv.DictReader(io.StringIO(client_a.get("/dashboard/figures.csv").content.decode()))
    )
    titles = [r["value"] for r in rows if r["column"] == "Projekt"]
    assert titles == ['\'=HYPERLINK("x","y")']
    book = load_workbook(io.BytesIO(client_a.get("/dashboard/figures.xlsx").content))
    cell = book["Geplantes und ausgegebenes Budget je "[:31]]["A2"]
    assert cell.value == '=HYPERLINK("x","y")' and cell.data_type == "s"
