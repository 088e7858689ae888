from __future__ import annotations

from django.urls import path

from peerpath.progression.views import applications, awards, buddies, certificates, mock_chats

urlpatterns = [
    path("path/", awards.my_path, name="progression-path"),
    path("path/apply/<slug:slug>/", applications.apply, name="progression-apply"),
    path(
        "path/applications/<int:application_id>/withdraw/",
        applications.withdraw,
        name="progression-withdraw",
    ),
    path("path/reviews/", applications.review_queue, name="progression-reviews"),
    path(
        "path/reviews/<int:application_id>/",
        applications.review_decide,
        name="progression-review-decide",
    ),
    path("path/buddies/", buddies.buddies, name="progression-buddies"),
    path(
        "path/buddies/<int:pair_id>/check-in/",
        buddies.check_in,
        name="progression-buddy-check-in",
    ),
    path("path/mock-chats/", mock_chats.mock_chats, name="progression-mock-chats"),
    path(
        "certificates/<str:certificate_id>/",
        certificates.verify,
        name="progression-certificate",
    ),
    path(
        "certificates/<str:certificate_id>/certificate.pdf",
        certificates.pdf,
        name="progression-certificate-pdf",
    ),
    path(
        "certificates/<str:certificate_id>/credential.json",
        certificates.credential,
        name="progression-certificate-credential",
    ),
]
