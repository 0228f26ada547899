from django.urls import path

from . import views

app_name = "ideas"

# Mounted at the site root: the idea pages live under /ideas/, the map at /map/.
urlpatterns = [
    path("ideas/", views.idea_list, name="list"),
    path("ideas/new/", views.idea_create, name="create"),
    path("ideas/mine/", views.my_ideas, name="mine"),
    path("ideas/similar/", views.similar_ideas, name="similar"),
    path("ideas/<int:pk>/", views.idea_detail, name="detail"),
    path("ideas/<int:pk>/edit/", views.idea_edit, name="edit"),
    path("ideas/<int:pk>/files/", views.idea_files, name="files"),
    path("ideas/<int:pk>/people/", views.idea_people, name="people"),
    path("ideas/<int:pk>/versions/", views.idea_versions, name="versions"),
    path("ideas/<int:pk>/submit/", views.idea_submit, name="submit"),
    path("ideas/<int:pk>/withdraw/", views.idea_withdraw, name="withdraw"),
    path("ideas/<int:pk>/react/", views.idea_react, name="react"),
    path("ideas/<int:pk>/follow/", views.idea_follow, name="follow"),
    path("ideas/<int:pk>/comments/", views.comment_create, name="comment"),
    path(
        "ideas/<int:pk>/comments/<int:comment_pk>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "ideas/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path("ideas/<int:pk>/answer/", views.answer_create, name="answer"),
    path("ideas/<int:pk>/links/", views.link_create, name="link"),
    path("ideas/<int:pk>/links/<int:link_pk>/delete/", views.link_delete, name="link_delete"),
    path("map/", views.idea_map, name="map"),
]
