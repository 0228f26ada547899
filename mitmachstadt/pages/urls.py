from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("imprint/", views.imprint, name="imprint"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
