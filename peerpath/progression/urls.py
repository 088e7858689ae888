from __future__ import annotations

from django.urls import path

from peerpath.progression import buddy_views, certificate_views, views

urlpatterns = [
    path("path/", views.my_path, name="progression-path"),
    path("path/apply/<slug:slug>/", views.apply, name="progression-apply"),
    path(
        "path/applications/<int:application_id>/withdraw/",
        views.withdraw,
        name="progression-withdraw",
    ),
    path("path/reviews/", views.review_queue, name="progression-reviews"),
    path(
        "path/reviews/<int:application_id>/",
        views.review_decide,
        name="progression-review-decide",
    ),
    path("path/buddies/", buddy_views.buddies, name="progression-buddies"),
    path(
        "path/buddies/<int:pair_id>/check-in/",
        buddy_views.check_in,
        name="progression-buddy-check-in",
    ),
    path("path/mock-chats/", buddy_views.mock_chats, name="progression-mock-chats"),
    path(
        "certificates/<str:certificate_id>/",
        certificate_views.verify,
        name="progression-certificate",
    ),
    path(
        "certificates/<str:certificate_id>/certificate.pdf",
        certificate_views.pdf,
        name="progression-certificate-pdf",
    ),
    path(
        "certificates/<str:certificate_id>/credential.json",
        certificate_views.credential,
        name="progression-certificate-credential",
    ),
]
