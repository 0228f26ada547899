from django.urls import path

from . import staff_views, views

app_name = "staff"

urlpatterns = [
    path("", views.staff_index, name="index"),
    path("settings/", staff_views.settings_view, name="settings"),
    path("settings/districts/", staff_views.districts_view, name="districts"),
    path("settings/<slug:kind>/", staff_views.config_list, name="config"),
    path("settings/<slug:kind>/<int:pk>/", staff_views.config_edit, name="config_edit"),
    path("roles/", staff_views.roles_view, name="roles"),
    path("operator/", staff_views.operator_view, name="operator"),
    path("accessibility-feedback/", views.accessibility_feedback, name="accessibility_feedback"),
]
