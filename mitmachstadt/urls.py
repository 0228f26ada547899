"""URL composition root: each app owns its URLs; this file only mounts them."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from mitmachstadt.core import pagecache
from mitmachstadt.core.views import healthz
from mitmachstadt.pages import views as page_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", page_views.home, name="home"),
    path("theme.css", page_views.theme_css, name="theme_css"),
    path("i18n/setlang/", pagecache.set_language, name="set_language"),
    path("accounts/", include("mitmachstadt.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # The technical admin signs in through allauth so that the second factor applies.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("mitmachstadt.api.urls")),
    path("staff/", include("mitmachstadt.pages.staff_urls")),
    # Each app owns its paths (see its urls.py); they are mounted side by side.
    path("", include("mitmachstadt.ideas.urls")),
    path("", include("mitmachstadt.reviews.urls")),
    path("", include("mitmachstadt.projects.urls")),
    path("", include("mitmachstadt.moderation.urls")),
    path("", include("mitmachstadt.events.urls")),
    path("", include("mitmachstadt.assemblies.urls")),
    path("", include("mitmachstadt.dashboard.urls")),
    path("", include("mitmachstadt.notifications.urls")),
    path("", include("mitmachstadt.privacy.urls")),
    path("", include("mitmachstadt.pages.urls")),
]

if settings.DEBUG or settings.DEV:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
