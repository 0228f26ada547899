from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("imprint/", views.imprint, name="imprint"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
