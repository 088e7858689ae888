"""allauth hooks: sign-up goes through accounts.services.open_account (which screens the new
pseudonym; help it finds is shown on the first page)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from peerpath.accounts import policies, services
from peerpath.accounts.models import User
from peerpath.safety.web import show_help


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
        show_help(request, opened.screening)
        return opened.user
