from django.urls import path

from peerpath.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("people/<str:username>/", views.profile_detail, name="profile_detail"),
]
