from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/<int:idea_id>/", views.project_detail, name="detail"),
    path("staff/projects/", views.staff_list, name="staff_list"),
    path("staff/projects/<int:idea_id>/", views.staff_edit, name="staff_edit"),
    path("staff/projects/<int:idea_id>/status/", views.staff_status, name="staff_status"),
    path(
        "staff/projects/<int:idea_id>/milestones/",
        views.staff_milestone_add,
        name="staff_milestone_add",
    ),
    path(
        "staff/projects/<int:idea_id>/milestones/<int:milestone_id>/",
        views.staff_milestone,
        name="staff_milestone",
    ),
    path(
        "staff/projects/<int:idea_id>/indicators/",
        views.staff_indicator_add,
        name="staff_indicator_add",
    ),
    path(
        "staff/projects/<int:idea_id>/indicators/<int:indicator_id>/",
        views.staff_indicator,
        name="staff_indicator",
    ),
    path(
        "staff/projects/<int:idea_id>/spending/",
        views.staff_expenditure_add,
        name="staff_expenditure_add",
    ),
    path(
        "staff/projects/<int:idea_id>/spending/<int:expenditure_id>/cancel/",
        views.staff_expenditure_delete,
        name="staff_expenditure_delete",
    ),
]
