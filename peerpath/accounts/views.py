from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_safe

from peerpath.accounts import policies, selectors, services
from peerpath.accounts.forms import AccountTypeForm, ProfileForm, UnblockForm
from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import AccountType
from peerpath.core.errors import Refused
from peerpath.safety.web import show_help


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    profile = selectors.own_profile(user)
    form = ProfileForm(request.POST or None, instance=profile, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.update_profile(
                    actor=user,
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    topics=form.cleaned_data["topics"],
                    languages=form.cleaned_data["languages"],
                    availability=form.cleaned_data["availability"],
                    tz_name=form.cleaned_data["timezone"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your profile is saved.")
                show_help(request, saved.screening)
                return redirect("accounts:profile")
        status = 400
    return TemplateResponse(
        request, "accounts/profile_edit.html", {"form": form, "profile": profile}, status=status
    )


@login_required
@require_safe
def profile_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile = selectors.profile_for_viewer(viewer=_user(request), username=username)
    return TemplateResponse(request, "accounts/profile_detail.html", {"profile": profile})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def blocked(request: HttpRequest) -> HttpResponse:
    """The people one has blocked, each with an Unblock button (a POST of the block's id)."""
    user = _user(request)
    form = UnblockForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            block = selectors.block_to_lift(actor=user, block_id=form.cleaned_data["block"])
            services.unblock_user(blocker=user, blocked=block.blocked)
            messages.success(request, f"You unblocked {block.blocked.username}.")
            return redirect("accounts:blocked")
        status = 400
    context = {"blocks": selectors.blocks_made(user), "form": form}
    return TemplateResponse(request, "accounts/blocked.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_type(request: HttpRequest) -> HttpResponse:
    """Member or listener: one's account type, and a button to switch when one may."""
    user = _user(request)
    other = AccountType.MEMBER if user.is_listener else AccountType.LISTENER
    form = AccountTypeForm(request.POST if request.method == "POST" else None)
    status, error = 200, ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.switch_account_type(
                    actor=user, account_type=form.cleaned_data["account_type"]
                )
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(
                    request, f"You now have a {user.get_account_type_display().lower()} account."
                )
                return redirect("accounts:account_type")
    decision = policies.can_switch_account_type(user, other.value)
    context = {
        "form": form,
        "other": other,
        "can_switch": bool(decision),
        "note": "" if decision else decision.reason,
        "error": error,
    }
    return TemplateResponse(request, "accounts/account_type.html", context, status=status)
