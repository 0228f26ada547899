from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("staff/review/", views.review_queue, name="queue"),
    path("staff/review/overdue/", views.overdue, name="overdue"),
    path("staff/review/<int:idea_id>/", views.review_idea, name="idea"),
    path("staff/committee/", views.committee_queue, name="committee"),
    path("staff/committee/<int:idea_id>/", views.committee_idea, name="committee_idea"),
    path("assessments/<int:idea_id>/", views.public_assessment, name="public"),
]
