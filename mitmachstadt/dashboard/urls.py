"""The dashboard's URLs are not namespaced: DESIGN.md §3 fixes `/dashboard`, and the main
navigation links to it by the plain name "dashboard"."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboard", views.dashboard, name="dashboard"),
    path("dashboard/", views.dashboard_slash),
    path("dashboard/figures.csv", views.figures_csv, name="dashboard_figures_csv"),
    path("dashboard/figures.xlsx", views.figures_xlsx, name="dashboard_figures_xlsx"),
    path("dashboard/agenda/", views.agenda, name="dashboard_agenda"),
    path("dashboard/agenda.pdf", views.agenda_pdf, name="dashboard_agenda_pdf"),
    path("dashboard/report/", views.report_page, name="dashboard_report"),
    path("dashboard/report.pdf", views.report_pdf, name="dashboard_report_pdf"),
    path("dashboard/report.csv", views.report_csv, name="dashboard_report_csv"),
    path("dashboard/report.xlsx", views.report_xlsx, name="dashboard_report_xlsx"),
]
