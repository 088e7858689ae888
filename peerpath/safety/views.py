"""The safeguarding pages: the staff queue (``/staff/safety/``), a responder's own alerts
(``/safety/alerts/``), one alert (``/safety/alerts/<id>/``) and its two actions.

Thin: parse, check the policy, call ``safety.selectors`` / ``safety.services``.

* The queue is for staff (``policies.can_use_queue``; others 403, visitors the login page).
  Every excerpt it shows is audited through ``services.record_reads``. The open list
  refreshes itself every 15 s over htmx; so that a screen left open does not write an audit
  row per alert every 15 s, the service records an excerpt again for the same viewer only
  after ``services.REREAD_AFTER`` (one minute).
* One alert is for staff and the alert's responders; to anyone else it is exactly a missing
  alert (404). Opening it is audited (``services.record_read``). A responder's list shows no
  excerpt (opening one is the audited read).
* Acknowledge and resolve are POST-only; a refusal is a clear message with its 4xx status,
  success redirects back (``next``, when it is one of these pages) with a flash message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.http import signed_in_user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import is_htmx, refusals
from peerpath.safety import policies, selectors, services
from peerpath.safety.forms import STATUS_LABELS, MineFilterForm, QueueFilterForm, ResolveForm
from peerpath.safety.models import Outcome, SafetyAlert, SafetySettings

QUEUE_PAGE_SIZE = 25
MINE_PAGE_SIZE = 25
REFRESH_SECONDS = 15
# The queue as staff read it: the newest alert nobody has acknowledged on top.
REFRESHING = ("open", "new")
BACK_PREFIXES = ("/staff/safety/", "/safety/alerts/")


# --- Presentation -------------------------------------------------------------------------


def age_text(since: dt.datetime, now: dt.datetime) -> str:
    """How long ago, as staff say it: "just now", "4 min ago", "2 h 5 min ago", "3 days ago"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min ago" if rest else f"{hours} h ago"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''} ago"


@dataclass(frozen=True, slots=True)
class Row:
    alert: SafetyAlert
    age: str
    overdue: bool  # nobody acknowledged it within the escalation time

    @property
    def category(self) -> str:
        return self.alert.category.replace("_", " ") or "unknown"

    @property
    def link(self) -> str:
        """The place it was written, when it is one of ours (a path on this site)."""
        url = self.alert.url
        return url if url.startswith("/") and not url.startswith("//") else ""


def _rows(alerts: list[SafetyAlert], now: dt.datetime, escalate_after: int) -> list[Row]:
    due = dt.timedelta(minutes=escalate_after)
    return [
        Row(
            alert=a,
            age=age_text(a.created_at, now),
            overdue=a.status == "new" and now - a.created_at >= due,
        )
        for a in alerts
    ]


def _qs(status: str, page: int) -> str:
    return urlencode({"status": status, "page": str(page)})


def _page(qs: QuerySet[SafetyAlert], size: int, number: int) -> Page[SafetyAlert]:
    """A page past the end shows the last page (as every list of the site does)."""
    return Paginator(qs, size).get_page(number)


# --- The staff queue ----------------------------------------------------------------------


def _queue_viewer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    decision = policies.can_use_queue(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return user


@login_required
@require_safe
@refusals(back="safety:queue")
def queue(request: HttpRequest) -> HttpResponse:
    viewer = _queue_viewer(request)
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        raise Refused(form.error_sentence())
    status = form.chosen_status
    now = timezone.now()
    alerts = selectors.queue(status=status)
    page = _page(alerts, QUEUE_PAGE_SIZE, form.chosen_page)
    shown = list(page.object_list)
    services.record_reads(actor=viewer, alerts=shown, now=now)
    settings_row = SafetySettings.current()
    context: dict[str, Any] = {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "statuses": STATUS_LABELS.items(),
        "page": page,
        "rows": _rows(shown, now, settings_row.escalate_after_minutes),
        "escalate_after": settings_row.escalate_after_minutes,
        "refresh": status in REFRESHING,
        "refresh_seconds": REFRESH_SECONDS,
        "self_qs": _qs(status, page.number),
        "prev_qs": _qs(status, page.number - 1),
        "next_qs": _qs(status, page.number + 1),
        "outcomes": Outcome.choices,
        "now": now,
    }
    context["back"] = f"{reverse('safety:queue')}?{context['self_qs']}"
    template = "safety/_queue_list.html" if is_htmx(request) else "safety/queue.html"
    return TemplateResponse(request, template, context)


# --- A responder's alerts and one alert ---------------------------------------------------


@login_required
@require_safe
@refusals(back="safety:mine")
def my_alerts(request: HttpRequest) -> HttpResponse:
    viewer = signed_in_user(request)
    form = MineFilterForm(request.GET)
    if not form.is_valid():
        raise Refused(form.error_sentence())
    status = form.chosen_status
    now = timezone.now()
    alerts = selectors.for_responder(viewer, open_only=status == "open")
    page = _page(alerts, MINE_PAGE_SIZE, form.chosen_page)
    context = {
        "status": status,
        "page": page,
        "rows": _rows(list(page.object_list), now, SafetySettings.current().escalate_after_minutes),
        "prev_qs": _qs(status, page.number - 1),
        "next_qs": _qs(status, page.number + 1),
        "can_use_queue": bool(policies.can_use_queue(viewer)),
    }
    return TemplateResponse(request, "safety/mine.html", context)


@login_required
@require_safe
def alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    viewer = signed_in_user(request)
    now = timezone.now()
    found = services.record_read(actor=viewer, alert_id=alert_id, now=now)
    staff = bool(policies.can_use_queue(viewer))
    row = _rows([found], now, SafetySettings.current().escalate_after_minutes)[0]
    context: dict[str, Any] = {
        "row": row,
        "alert": found,
        "staff": staff,
        "outcomes": Outcome.choices,
        "back": reverse("safety:alert", kwargs={"alert_id": found.pk}),
        "responders": list(found.responders.order_by("username").values_list("username", flat=True))
        if staff
        else [],
        "accesses": list(found.accesses.select_related("actor")[:50]) if staff else [],
    }
    return TemplateResponse(request, "safety/alert.html", context)


def _visible_alert(viewer: User, alert_id: int) -> SafetyAlert:
    """The alert for someone allowed to handle it; anyone else gets the missing-alert 404
    before their input is looked at (the service checks again, under a lock)."""
    found = SafetyAlert.objects.filter(pk=alert_id).first()
    if found is None or not policies.can_view_alert(
        viewer, found, responder=selectors.is_responder(viewer, found)
    ):
        raise NotFound(services.NO_SUCH_ALERT)
    return found


def _back(request: HttpRequest, alert_id: int) -> str:
    """Where to go after an action: ``next`` when it is one of the safeguarding pages of
    this site, else the alert."""
    target = request.POST.get("next", "")
    if target.startswith(BACK_PREFIXES) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("safety:alert", kwargs={"alert_id": alert_id})


@login_required
@require_POST
@refusals(back=_back)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    viewer = signed_in_user(request)
    found = _visible_alert(viewer, alert_id)
    services.acknowledge(actor=viewer, alert_id=found.pk)
    messages.success(request, f"Alert #{found.pk} acknowledged: you're on it.")
    return redirect(_back(request, found.pk))


@login_required
@require_POST
@refusals(back=_back)
def resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    viewer = signed_in_user(request)
    found = _visible_alert(viewer, alert_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        raise Refused(form.error_sentence())
    services.resolve(
        actor=viewer,
        alert_id=found.pk,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, f"Alert #{found.pk} resolved.")
    return redirect(_back(request, found.pk))
