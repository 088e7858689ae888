from django.urls import path

from peerpath.core.converters import IdConverter  # noqa: F401 - registers <id:>
from peerpath.safety import views

app_name = "safety"

urlpatterns = [
    path("staff/safety/", views.queue, name="queue"),
    path("safety/alerts/", views.my_alerts, name="mine"),
    path("safety/alerts/<id:alert_id>/", views.alert, name="alert"),
    path("safety/alerts/<id:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("safety/alerts/<id:alert_id>/resolve/", views.resolve, name="resolve"),
]
