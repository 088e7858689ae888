"""allauth hooks: sign-up goes through accounts.services.open_account (which screens the new
pseudonym; help it finds is shown on the first page after sign-up)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from peerpath.accounts import policies, services
from peerpath.accounts.models import User
from peerpath.safety.services import Screening
from peerpath.safety.web import show_help

# The sign-up's screening waits on the request until the response: allauth renders the
# confirmation e-mail (with the request, so with every context processor) in between, and
# that render would take the help meant for the next page.
SCREENING_ATTR = "_peerpath_signup_screening"


def _show_signup_help(request: HttpRequest) -> None:
    screening: Screening | None = request.__dict__.pop(SCREENING_ATTR, None)
    if screening is not None:
        show_help(request, screening)


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def clean_username(self, username: str, shallow: bool = False) -> str:
        if policies.is_reserved_username(username):
            raise forms.ValidationError("That pseudonym is reserved. Please pick another.")
        cleaned: str = super().clean_username(username, shallow=shallow)
        return cleaned

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        data = form.cleaned_data
        opened = services.open_account(
            user=user,
            username=data["username"],
            email=data.get("email") or "",
            password=data.get("password1"),
            date_of_birth=data["date_of_birth"],
            tz_name=data["timezone"],
            account_type=data["account_type"],
            languages=data.get("languages") or [],
        )
        request.__dict__[SCREENING_ATTR] = opened.screening
        return opened.user

    def post_login(self, request: HttpRequest, user: User, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post_login(request, user, **kwargs)
        _show_signup_help(request)  # after sign-up, signed in at once
        return response

    def respond_email_verification_sent(
        self, request: HttpRequest, user: User | None
    ) -> HttpResponseBase:
        _show_signup_help(request)  # after sign-up, when the address must be verified first
        response: HttpResponseBase = super().respond_email_verification_sent(request, user)
        return response
