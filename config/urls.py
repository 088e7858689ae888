"""The product's URL map. Every route here must also appear in docs/authz_matrix.csv."""

from django.contrib import admin
from django.urls import include, path

from peerpath.api.api import api
from peerpath.core import views as core_views
from peerpath.home import views as home_views

admin.site.site_header = "peerpath staff"
admin.site.site_title = "peerpath staff"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("peerpath.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("peerpath.mentorship.urls")),
    path("", include("peerpath.progression.urls")),
    path("rooms/", include("peerpath.rooms.urls")),
    path("notifications/", include("peerpath.notifications.urls")),
    path("", include("peerpath.nudges.urls")),
    path("events/", include("peerpath.events.urls")),
    path("training/", include("peerpath.training.urls")),
    path("resources/", include("peerpath.resources.urls")),
    path("spotlights/", include("peerpath.spotlights.urls")),
    path("feedback/", include("peerpath.feedback.urls")),
    path("", include("peerpath.safety.urls")),
    path("staff/", include("peerpath.analytics.urls")),
    path("staff/mentorships/", include("peerpath.partners.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler400 = "peerpath.core.views.error_400"
handler403 = "peerpath.core.views.error_403"
handler404 = "peerpath.core.views.error_404"
handler500 = "peerpath.core.views.error_500"
