"""Notification pages. Thin: parse, call a selector or service, answer (htmx partials when
htmx asks). Everything is the signed-in person's own: someone else's notification answers
exactly like a missing one (404). The unsubscribe link works without signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from peerpath.accounts.http import signed_in_user as _user
from peerpath.core.errors import Refused
from peerpath.core.http import is_htmx as _is_htmx
from peerpath.notifications import selectors, services
from peerpath.notifications.forms import PreferencesForm
from peerpath.notifications.services import Channels, QuietHours

PAGE_SIZE = 20


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.notifications_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_count(user)}
    template = "notifications/_list.html" if _is_htmx(request) else "notifications/list.html"
    return TemplateResponse(request, template, context)


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read; a plain post then follows the notification's link (or back to the
    list), htmx gets the updated item."""
    note = services.mark_read(user=_user(request), notification_id=notification_id)
    if _is_htmx(request):
        note.unread = False  # type: ignore[attr-defined]
        context = {"note": note, "oob": True, "unread": selectors.unread_count(_user(request))}
        return TemplateResponse(request, "notifications/_item.html", context)
    if request.POST.get("follow") == "1" and note.url:
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = services.mark_all_read(user=_user(request))
    if _is_htmx(request):
        return notification_list_partial(request)
    if changed:
        messages.success(request, "All notifications are marked read.")
    return redirect("notifications:list")


def notification_list_partial(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.notifications_for(user), PAGE_SIZE).get_page(1)
    return TemplateResponse(
        request, "notifications/_list.html", {"page": page, "unread": selectors.unread_count(user)}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = selectors.preference_rows(user)
    current = selectors.settings_for(user)
    initial = {
        "quiet_start": current.quiet_start,
        "quiet_end": current.quiet_end,
        "daily_digest": current.daily_digest,
        "digest_hour": current.digest_hour,
    }
    if request.method != "POST":
        form = PreferencesForm(rows=rows, initial=initial)
        return TemplateResponse(request, "notifications/preferences.html", {"form": form})
    form = PreferencesForm(request.POST, rows=rows, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_preferences(
                user=user,
                channels={
                    row.category.slug: Channels(
                        bool(data[f"in_app_{row.category.slug}"]),
                        bool(data[f"email_{row.category.slug}"]),
                    )
                    for row in rows
                },
                quiet=QuietHours(data["quiet_start"], data["quiet_end"]),
                daily_digest=bool(data["daily_digest"]),
                digest_hour=int(data["digest_hour"]),
            )
        except Refused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your notification preferences are saved.")
            return redirect("notifications:preferences")
    return TemplateResponse(request, "notifications/preferences.html", {"form": form}, status=400)


@csrf_exempt  # the signed token is the authority; mail clients post without a CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirm page. POST (the page's button, or RFC 8058 one-click from the mail
    client with ``List-Unsubscribe=One-Click``): e-mail of that category stops. A bad or
    expired link is a friendly page with 200, never an error."""
    try:
        target = (
            services.unsubscribe(token)
            if request.method == "POST"
            else services.read_unsubscribe_token(token)
        )
    except Refused as exc:
        return TemplateResponse(
            request, "notifications/unsubscribe_invalid.html", {"reason": exc.message}
        )
    context = {"category": target.category, "done": request.method == "POST", "token": token}
    return TemplateResponse(request, "notifications/unsubscribe.html", context)
