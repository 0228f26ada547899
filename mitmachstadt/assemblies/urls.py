from django.urls import URLPattern, URLResolver, path

from . import staff_views, views

app_name = "assemblies"

_staff = "staff/assemblies/<int:pk>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("assemblies/", views.assembly_list, name="list"),
    path("assemblies/<int:pk>/", views.assembly_detail, name="detail"),
    path("assemblies/<int:pk>/respond/", views.respond, name="respond"),
    path("assemblies/<int:pk>/respond/answer/", views.answer, name="answer"),
    path("assemblies/<int:pk>/draws/<int:number>/", views.draw_detail, name="draw"),
    path(
        "assemblies/<int:pk>/draws/<int:number>/progress/",
        views.draw_progress,
        name="draw_progress",
    ),
    path(
        "assemblies/<int:pk>/draws/<int:number>/<str:name>",
        views.draw_file,
        name="draw_file",
    ),
    # Staff pages (the /staff/ prefix makes the second-factor middleware apply).
    path("staff/assemblies/", staff_views.index, name="staff"),
    path("staff/assemblies/new/", staff_views.create, name="staff_create"),
    path(_staff, staff_views.overview, name="staff_assembly"),
    path(_staff + "edit/", staff_views.edit, name="staff_edit"),
    path(_staff + "publish/", staff_views.publish, name="staff_publish"),
    path(_staff + "quotas/", staff_views.quotas, name="staff_quotas"),
    path(_staff + "seeds/", staff_views.seed_announce, name="staff_seed_announce"),
    path(_staff + "seeds/<int:seed_pk>/reveal/", staff_views.seed_reveal, name="staff_seed_reveal"),
    path(_staff + "register/", staff_views.register_upload, name="staff_register"),
    path(_staff + "invitations/", staff_views.invitations_draw, name="staff_invitations"),
    path(_staff + "letters.pdf", staff_views.letters, name="staff_letters"),
    path(_staff + "responses/", staff_views.responses, name="staff_responses"),
    path(_staff + "responses/paper/<int:number>/", staff_views.paper_reply, name="staff_paper"),
    path(_staff + "responses/close/", staff_views.responses_close, name="staff_close"),
    path(_staff + "selection/", staff_views.selection_start, name="staff_selection_start"),
    path(
        _staff + "selection/<int:number>/draw/",
        staff_views.selection_draw,
        name="staff_selection_draw",
    ),
    path(
        _staff + "selection/<int:number>/retry/",
        staff_views.selection_retry,
        name="staff_selection_retry",
    ),
    path(_staff + "members/", staff_views.members, name="staff_members"),
    path(_staff + "members/<int:member_pk>/drop/", staff_views.member_drop, name="staff_drop"),
    path(_staff + "replacements/", staff_views.replacement_start, name="staff_replacements"),
    path(_staff + "recommendations/", staff_views.recommendations, name="staff_recommendations"),
    path(
        _staff + "recommendations/new/",
        staff_views.recommendation_edit,
        name="staff_recommendation_create",
    ),
    path(
        _staff + "recommendations/<int:rec_pk>/",
        staff_views.recommendation_edit,
        name="staff_recommendation",
    ),
    path(
        _staff + "recommendations/publish/",
        staff_views.recommendations_publish,
        name="staff_recommendations_publish",
    ),
    path(_staff + "conclude/", staff_views.conclude, name="staff_conclude"),
]
