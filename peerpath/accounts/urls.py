from django.urls import path

from peerpath.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("blocked/", views.blocked, name="blocked"),
    path("account-type/", views.account_type, name="account_type"),
    path("people/<str:username>/", views.profile_detail, name="profile_detail"),
]
