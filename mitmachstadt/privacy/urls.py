from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("accounts/privacy/", views.overview, name="overview"),
    path("accounts/privacy/consent/", views.consent, name="consent"),
    path("accounts/privacy/export/", views.export, name="export"),
    path("accounts/privacy/export/<uuid:pk>/", views.export_download, name="export_download"),
    path("accounts/privacy/delete/", views.delete, name="delete"),
    path("accounts/privacy/deleted/", views.deleted, name="deleted"),
    path("staff/audit/", views.audit_log, name="audit"),
]
