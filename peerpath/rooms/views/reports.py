"""Reporting a message, resolving a report (from the moderation queue) and blocking a
person. POST-only; answers as ``views.common`` describes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from peerpath.accounts import policies as account_policies
from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.core.errors import NotFound, Refused
from peerpath.rooms import policies
from peerpath.rooms.forms import ReportForm, ResolveReportForm
from peerpath.rooms.models import Report
from peerpath.rooms.policies import Viewer
from peerpath.rooms.services import reports
from peerpath.rooms.views.common import (
    NO_SUCH_PERSON,
    NO_SUCH_REPORT,
    answer_refusals,
    back_to,
    done,
    in_place,
    invalid,
    message_or_404,
    queue_page,
    queue_refused,
    room_url,
    to_list,
    to_message_room,
    viewer_of,
)


def _report(v: Viewer, report_id: int) -> Report:
    """An open or handled report, for a moderator of its room only."""
    report = Report.objects.select_related("message__room").filter(pk=report_id).first()
    if report is None or not policies.is_moderator(v, report.message.room):
        raise NotFound(NO_SUCH_REPORT)
    return report


@login_required
@require_POST
@answer_refusals(back=to_message_room)
def report_message(request: HttpRequest, message_id: int) -> HttpResponse:
    user, v = viewer_of(request)
    m = message_or_404(v, message_id)
    back = back_to(request, room_url(m.room))
    Refused.unless(policies.can_report(v, m.room, m.sender_id), status=403)
    form = ReportForm(request.POST)
    if not form.is_valid():
        raise invalid(form)
    reported = reports.report_message(
        reporter=user,
        message_id=m.pk,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        key=form.cleaned_data["key"],
    )
    return done(
        request,
        "Thank you for telling us. A moderator will look at it soon.",
        back=back,
        data={"report": reported.report.pk},
        screening=reported.screening,
    )


@login_required
@require_POST
@answer_refusals(back="rooms:moderation", page=queue_refused)
def resolve_report(request: HttpRequest, report_id: int) -> HttpResponse:
    user, v = viewer_of(request)
    report = _report(v, report_id)
    form = ResolveReportForm(request.POST, auto_id=f"report-{report.pk}_%s")
    if not form.is_valid():
        if in_place(request):
            raise invalid(form)
        return queue_page(request, v, status=400, failed=("report", report.pk, form))
    reports.resolve_report(
        actor=user,
        report_id=report.pk,
        status=form.cleaned_data["status"],
        outcome=form.cleaned_data["outcome"],
    )
    return done(request, "The report is resolved. Thank you.", back=reverse("rooms:moderation"))


@login_required
@require_POST
@answer_refusals(back=to_list)
def block_person(request: HttpRequest, user_id: int) -> HttpResponse:
    """Block someone: they disappear from each other's rooms (and private spaces)."""
    user = _user(request)
    target: User | None = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or not account_policies.can_view_profile(user, target):
        raise NotFound(NO_SUCH_PERSON)
    reports.block(blocker=user, blocked_id=target.pk)
    return done(
        request,
        f"You blocked {target.username}. You won't see each other's messages in rooms.",
        back=to_list(request),
        data={"blocked": target.pk},
    )
