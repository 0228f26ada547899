from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("netiquette/", views.netiquette, name="netiquette"),
    path("transparency/", views.transparency, name="transparency"),
    path("transparency.csv", views.transparency_csv, name="transparency_csv"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("staff/moderation/", views.queue, name="queue"),
    path("staff/moderation/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("staff/moderation/ideas/<int:pk>/", views.idea_moderate, name="idea"),
    path("staff/moderation/comments/<int:pk>/", views.comment_moderate, name="comment"),
    path("staff/moderation/accounts/<int:pk>/", views.account_moderate, name="account"),
    path("staff/moderation/blocks/", views.blocks, name="blocks"),
    path("staff/moderation/log/", views.log, name="log"),
    path("staff/moderation/templates/", views.templates, name="templates"),
    path("staff/moderation/templates/<int:pk>/", views.template_edit, name="template_edit"),
    path(
        "staff/moderation/templates/<int:pk>/delete/",
        views.template_delete,
        name="template_delete",
    ),
    path("staff/moderation/settings/", views.settings_view, name="settings"),
]
