from django.urls import path

from . import feeds, views

app_name = "notifications"

urlpatterns = [
    path("accounts/notifications/", views.settings_view, name="settings"),
    path(
        "accounts/notifications/subscriptions/<slug:which>/",
        views.subscription_add,
        name="subscription_add",
    ),
    path(
        "accounts/notifications/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path(
        "accounts/notifications/devices/<int:pk>/delete/",
        views.device_delete,
        name="device_delete",
    ),
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/", views.inbox_open, name="open"),
    path("notifications/read-all/", views.inbox_read_all, name="read_all"),
    path("notifications/follow/<int:idea_id>/", views.follow_toggle, name="follow"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("feeds/ideas.atom", feeds.AllIdeasFeed(), name="feed_ideas"),
    path("feeds/fields/<slug:slug>.atom", feeds.FieldIdeasFeed(), name="feed_field"),
    path("feeds/districts/<slug:slug>.atom", feeds.DistrictIdeasFeed(), name="feed_district"),
    path("feeds/ideas/<int:pk>.atom", feeds.IdeaFeed(), name="feed_idea"),
]
