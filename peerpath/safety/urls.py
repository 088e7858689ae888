from django.urls import path

from peerpath.safety import views

app_name = "safety"

urlpatterns = [
    path("staff/safety/", views.queue, name="queue"),
    path("safety/alerts/", views.my_alerts, name="mine"),
    path("safety/alerts/<int:alert_id>/", views.alert, name="alert"),
    path("safety/alerts/<int:alert_id>/acknowledge", views.acknowledge, name="acknowledge"),
    path("safety/alerts/<int:alert_id>/resolve", views.resolve, name="resolve"),
]
