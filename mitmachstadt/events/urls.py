from django.urls import URLPattern, URLResolver, path

from . import staff_views, views

app_name = "events"

urlpatterns: list[URLPattern | URLResolver] = [
    path("events/", views.event_list, name="list"),
    path("events.ics", views.feed_ics, name="feed"),
    path("events/mine/", views.my_events, name="mine"),
    path("events/formats/", views.format_list, name="formats"),
    path("events/formats/<slug:slug>/", views.format_detail, name="format"),
    path("events/places/<slug:slug>/", views.place_detail, name="place"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/<int:pk>.ics", views.event_ics, name="ics"),
    path("events/<int:pk>/register/", views.event_register, name="register"),
    path("events/<int:pk>/unregister/", views.event_unregister, name="unregister"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/withdraw/", views.call_withdraw, name="call_withdraw"),
    # Staff pages (the /staff/ prefix makes the second-factor middleware apply).
    path("staff/events/", staff_views.index, name="staff"),
    path("staff/events/new/", staff_views.event_create, name="staff_event_create"),
    path("staff/events/<int:pk>/", staff_views.event_manage, name="staff_event"),
    path("staff/events/<int:pk>/publish/", staff_views.event_publish, name="staff_publish"),
    path("staff/events/<int:pk>/cancel/", staff_views.event_cancel, name="staff_cancel"),
    path(
        "staff/events/<int:pk>/registrations/",
        staff_views.registrations,
        name="staff_registrations",
    ),
    path(
        "staff/events/<int:pk>/registrations/<int:registration_pk>/cancel/",
        staff_views.registration_cancel,
        name="staff_registration_cancel",
    ),
    path("staff/events/<int:pk>/outcome/", staff_views.outcome, name="staff_outcome"),
    path(
        "staff/events/<int:pk>/documents/<int:document_pk>/remove/",
        staff_views.document_remove,
        name="staff_document_remove",
    ),
    path("staff/events/places/new/", staff_views.place_edit, name="staff_place_create"),
    path("staff/events/places/<int:pk>/", staff_views.place_edit, name="staff_place"),
    path("staff/events/formats/new/", staff_views.format_edit, name="staff_format_create"),
    path("staff/events/formats/<int:pk>/", staff_views.format_edit, name="staff_format"),
    path("staff/events/calls/new/", staff_views.call_create, name="staff_call_create"),
    path("staff/events/calls/<int:pk>/", staff_views.call_manage, name="staff_call"),
    path(
        "staff/events/calls/<int:pk>/applications/<int:application_pk>/",
        staff_views.application_review,
        name="staff_application",
    ),
]
