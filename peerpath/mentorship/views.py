"""Mentoring pages. Thin: parse input (forms), ask a policy/selector/service, render.

Refusals from services (``core.errors.Refused``) re-render the page the person came from with
the message and the refusal's 4xx status; ``NotFound`` is a plain 404, identical to a missing
object. Invalid forms answer 400 with the field errors. Nothing here writes to the database
except through ``services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.middleware import HtmxDetails

from peerpath.accounts.http import signed_in_user as _user
from peerpath.accounts.models import User
from peerpath.accounts.selectors import own_profile
from peerpath.core.errors import NotFound, Refused
from peerpath.core.http import refusals
from peerpath.mentorship import policies, selectors, services, view_selectors
from peerpath.mentorship.forms import (
    CheckInForm,
    ConversationForm,
    DirectoryFilterForm,
    FlagForm,
    GoalForm,
    MentorSettingsForm,
    NoteForm,
    RankedRequestForm,
    ReasonForm,
    StaffTicketForm,
)
from peerpath.mentorship.models import Mentorship, MentorshipStatus
from peerpath.resources import selectors as resource_selectors
from peerpath.safety.web import show_help

MAX_USERNAME_CHARS = 150
CANT_REACH_BRANCHES = ("leave", "outreach", "staff", "rematch", "no-rematch")
FLAG_RESOURCES_KEY = "mentorship.flag_resources_topic"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _check_username(username: str) -> str:
    """Names no account can have are simply missing (and never reach the database)."""
    if len(username) > MAX_USERNAME_CHARS or "\x00" in username:
        raise NotFound(policies.NOT_FOUND)
    return username


# --- the directory ------------------------------------------------------------------------


@login_required
@require_safe
def directory(request: HtmxHttpRequest) -> HttpResponse:
    viewer = _user(request)
    # An unbound form's fields come from a cached fragment (directory.html): menus only when bound.
    menus = selectors.directory_menus() if request.GET else None
    form = DirectoryFilterForm(request.GET or None, menus=menus)
    status = 200
    page = None
    cards: list[selectors.MentorCard] = []
    request_decision = policies.may_be_mentored(viewer)
    context: dict[str, Any] = {
        "form": form,
        "can_request": bool(request_decision),
        "request_note": "" if request_decision else request_decision.reason,
    }
    suggest = 0
    if request_decision and not request.htmx:
        context["current"] = current = selectors.current_mentorship_of(viewer)
        if current is None:  # someone with a mentor has nothing to be suggested
            suggest = 5
    if form.is_bound and not form.is_valid():
        status = 400
        if suggest:
            context["suggestions"] = selectors.suggested_mentors(viewer, top=suggest)
    else:
        data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
        filters = selectors.DirectoryFilters(
            q=data.get("q") or "",
            topic=data["topic"].slug if data.get("topic") else "",
            language=data["language"].code if data.get("language") else "",
            accepting=bool(data.get("accepting")),
            overlap=bool(data.get("overlap")),
        )
        page, cards, context["suggestions"] = selectors.directory_page(
            viewer=viewer, filters=filters, page=data.get("page") or 1, suggest=suggest
        )
    context.update(page_obj=page, cards=cards)
    if request.htmx:
        return TemplateResponse(
            request, "mentorship/_directory_results.html", context, status=status
        )
    return TemplateResponse(request, "mentorship/directory.html", context, status=status)


# --- a mentor's page and requests ---------------------------------------------------------


def _mentor_page(
    request: HttpRequest,
    card: selectors.MentorCard,
    form: GoalForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = _user(request)
    decision = policies.may_be_mentored(viewer)
    context = {
        "card": card,
        "form": form,
        "is_self": card.user.pk == viewer.pk,
        "can_request": bool(decision) and card.user.pk != viewer.pk,
        "request_note": "" if decision else decision.reason,
        "error": error,
        "expiry_days": selectors.community_settings().request_expiry_days,
    }
    return TemplateResponse(request, "mentorship/mentor.html", context, status=status)


@login_required
@require_safe
def mentor_detail(request: HttpRequest, username: str) -> HttpResponse:
    card = selectors.mentor_card_for_viewer(
        viewer=_user(request), username=_check_username(username)
    )
    return _mentor_page(request, card, GoalForm())


@login_required
@require_POST
def request_mentor(request: HttpRequest, username: str) -> HttpResponse:
    viewer = _user(request)
    card = selectors.mentor_card_for_viewer(viewer=viewer, username=_check_username(username))
    decision = policies.may_be_mentored(viewer)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = GoalForm(request.POST)
    if not form.is_valid():
        return _mentor_page(request, card, form, status=400)
    try:
        sent = services.request_mentors(
            mentee=viewer, mentors=[card.user], goal=form.cleaned_data["goal"]
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _mentor_page(request, card, form, error=exc.message, status=exc.status)
    show_help(request, sent.screening)
    messages.success(
        request, f"Your request is on its way to {card.user.username}. We'll tell you the answer."
    )
    return redirect("mentorship:hub")


def _may_request(viewer: User) -> None:
    decision = policies.may_be_mentored(viewer)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ranked_request(request: HttpRequest) -> HttpResponse:
    viewer = _user(request)
    _may_request(viewer)
    choices = view_selectors.requestable_mentors(viewer)
    data = request.POST if request.method == "POST" else None
    form = RankedRequestForm(data, mentors=choices)
    error, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            mentors = view_selectors.mentors_by_username(viewer, form.usernames)
            try:
                if len(mentors) != len(form.usernames):
                    raise Refused("One of these mentors is no longer available. Choose again.")
                sent = services.request_mentors(
                    mentee=viewer, mentors=mentors, goal=form.cleaned_data["goal"]
                )
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                show_help(request, sent.screening)
                messages.success(
                    request,
                    f"Your request is on its way to {mentors[0].username}"
                    + (" (then the next on your list if needed)." if len(mentors) > 1 else "."),
                )
                return redirect("mentorship:hub")
    context = {"form": form, "error": error, "has_choices": bool(choices)}
    return TemplateResponse(request, "mentorship/ranked_request.html", context, status=status)


# --- mentor settings ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentor_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    decision = policies.may_mentor(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    profile = view_selectors.mentor_profile_of(user)
    initial: dict[str, Any] = {"availability": own_profile(user).availability}
    if profile is None:
        initial.update(capacity=2, track_listeners=True)
    else:
        initial.update(
            capacity=profile.capacity,
            specialties=list(profile.specialties.all()),
            track_listeners=profile.track_listeners,
            track_group_i=profile.track_group_i,
            track_group_ii=profile.track_group_ii,
            approach=profile.approach,
        )
    form = MentorSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.save_mentor_profile(
                    user=user,
                    capacity=data["capacity"],
                    specialties=list(data["specialties"]),
                    track_listeners=data["track_listeners"],
                    track_group_i=data["track_group_i"],
                    track_group_ii=data["track_group_ii"],
                    approach=data["approach"],
                    availability=data["availability"],
                )
            except Refused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                show_help(request, saved.screening)
                messages.success(request, "Your mentor settings are saved.")
                return redirect("mentorship:settings")
    context = {"form": form, "profile": profile}
    return TemplateResponse(request, "mentorship/settings.html", context, status=status)


# --- the hub: my mentorships, my requests, requests and proposals for me --------------------


def _hub(
    request: HttpRequest,
    *,
    error: str = "",
    status: int = 200,
    failed_form: tuple[str, int, ReasonForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    pending = list(selectors.pending_requests_for_mentor(user))
    proposals = list(selectors.proposals_for_mentor(user))
    context = {
        "mentorships": selectors.mentorships_of(user),
        "requests": list(selectors.requests_of_mentee(user)[:20]),
        "pending": pending,
        "proposals": proposals,
        "is_mentor": bool(policies.may_mentor(user)) or bool(pending) or bool(proposals),
        "can_be_mentored": bool(policies.may_be_mentored(user)),
        "error": error,
        # (kind, object id, form) of a decline form that failed, to show its errors in place
        "failed_form": failed_form,
    }
    return TemplateResponse(request, "mentorship/hub.html", context, status=status)


# A refusal of a hub action (not a missing thing) is the hub again, with the reason.
_hub_refusals = refusals(
    page=lambda request, exc, **_: _hub(request, error=exc.message, status=exc.status)
)


@login_required
@require_safe
def hub(request: HttpRequest) -> HttpResponse:
    return _hub(request)


@login_required
@require_POST
@_hub_refusals
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    services.withdraw_request(mentee=_user(request), request_id=pk)
    messages.success(request, "Your request is withdrawn.")
    return redirect("mentorship:hub")


@login_required
@require_POST
@_hub_refusals
def accept_request(request: HttpRequest, pk: int) -> HttpResponse:
    m = services.respond_to_request(mentor=_user(request), target_id=pk, accept=True).obj
    assert m is not None  # noqa: S101 - accepting returns the new mentorship
    messages.success(request, f"You're now mentoring {m.mentee.username}. Say hello!")
    return redirect("mentorship:space", pk=m.pk)


@login_required
@require_POST
@_hub_refusals
def decline_request(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"decline-request-{pk}_%s")
    if not form.is_valid():
        return _hub(request, status=400, failed_form=("request", pk, form))
    answered = services.respond_to_request(
        mentor=_user(request), target_id=pk, accept=False, reason=form.cleaned_data["reason"]
    )
    show_help(request, answered.screening)
    messages.success(request, "You declined the request. The listener has been told kindly.")
    return redirect("mentorship:hub")


@login_required
@require_POST
@_hub_refusals
def accept_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    m = services.accept_proposal(mentor=_user(request), mentorship_id=pk)
    messages.success(request, f"You're now mentoring {m.mentee.username}. Say hello!")
    return redirect("mentorship:space", pk=m.pk)


@login_required
@require_POST
@_hub_refusals
def decline_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"decline-proposal-{pk}_%s")
    if not form.is_valid():
        return _hub(request, status=400, failed_form=("proposal", pk, form))
    declined = services.decline_proposal(
        mentor=_user(request), mentorship_id=pk, reason=form.cleaned_data["reason"]
    )
    show_help(request, declined.screening)
    messages.success(request, "You declined the proposed match.")
    return redirect("mentorship:hub")


# --- the mentorship space -----------------------------------------------------------------


def _other(user: User, m: Mentorship) -> User:
    return m.mentee if user.pk == m.mentor_id else m.mentor


def _space(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    user = _user(request)
    m = selectors.mentorship_for_party(user, pk)
    context: dict[str, Any] = {
        "mentorship": m,
        "other": _other(user, m),
        "role": m.role_of(user.pk),
        "error": error,
        "explanation": [str(line) for line in m.explanation or []],
    }
    if m.status == MentorshipStatus.PROPOSED:
        context["can_answer"] = bool(policies.can_answer_proposal(user, m))
        context["decline_form"] = forms.get("decline_form") or ReasonForm(auto_id="decline_%s")
    elif m.status == MentorshipStatus.ACTIVE:
        context.update(
            chat_messages=selectors.recent_messages(m.pk),
            chat_enabled=bool(policies.can_chat(user, m)),
            conversations=view_selectors.conversations_of(m),
            check_ins=view_selectors.check_ins_of(m),
            conversation_form=forms.get("conversation_form") or ConversationForm(auto_id="conv_%s"),
            check_in_form=forms.get("check_in_form") or CheckInForm(auto_id="checkin_%s"),
            flag_form=forms.get("flag_form") or FlagForm(auto_id="flag_%s"),
        )
    else:
        context.update(
            conversations=view_selectors.conversations_of(m),
            flag_form=forms.get("flag_form") or FlagForm(auto_id="flag_%s"),
        )
    flagged = request.session.pop(FLAG_RESOURCES_KEY, None)  # set once by flag()
    if isinstance(flagged, str):
        context["suggested_resources"] = resource_selectors.for_flag_topic(
            flagged, teen=user.is_teen
        )
    return TemplateResponse(request, "mentorship/space.html", context, status=status)


@login_required
@require_safe
def space(request: HttpRequest, pk: int) -> HttpResponse:
    return _space(request, pk)


@login_required
@require_POST
def log_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    form = ConversationForm(request.POST, auto_id="conv_%s")
    if not form.is_valid():
        return _space(request, pk, status=400, conversation_form=form)
    data = form.cleaned_data
    try:
        logged = services.log_conversation(
            user=_user(request),
            mentorship_id=pk,
            kind=data["kind"],
            day=data["day"],
            note=data["note"],
            key=data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _space(request, pk, error=exc.message, status=exc.status, conversation_form=form)
    show_help(request, logged.screening)
    messages.success(request, "The conversation is in your log.")
    return redirect(reverse("mentorship:space", args=[pk]) + "#log")


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    form = CheckInForm(request.POST, auto_id="checkin_%s")
    if not form.is_valid():
        return _space(request, pk, status=400, check_in_form=form)
    try:
        checked = services.check_in(
            user=_user(request),
            mentorship_id=pk,
            rating=form.cleaned_data["rating"],
            note=form.cleaned_data["note"],
            key=form.cleaned_data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _space(request, pk, error=exc.message, status=exc.status, check_in_form=form)
    show_help(request, checked.screening)
    messages.success(request, "Thanks for checking in.")
    return redirect(reverse("mentorship:space", args=[pk]) + "#check-ins")


@login_required
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    form = FlagForm(request.POST, auto_id="flag_%s")
    if not form.is_valid():
        return _space(request, pk, status=400, flag_form=form)
    data = form.cleaned_data
    try:
        written = services.raise_flag(
            user=_user(request),
            mentorship_id=pk,
            topic=data["topic"],
            priority=data["priority"],
            note=data["note"],
            key=data["key"],
        )
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        return _space(request, pk, error=exc.message, status=exc.status, flag_form=form)
    show_help(request, written.screening)
    raised = written.obj
    request.session[FLAG_RESOURCES_KEY] = raised.topic  # resources shown on the next page
    if raised.priority == "immediate":
        messages.success(request, "Thank you. Staff have been told at once.")
    else:
        messages.success(request, "Thank you. Staff will look at your concern soon.")
    return redirect("mentorship:space", pk=pk)


# --- "I can't get in touch" ---------------------------------------------------------------


def _cant_reach(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    status: int = 200,
    bound: dict[str, Any] | None = None,
) -> HttpResponse:
    forms = bound or {}
    user = _user(request)
    m = selectors.mentorship_for_party(user, pk)
    current = m.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED)
    context: dict[str, Any] = {
        "mentorship": m,
        "other": _other(user, m),
        "role": m.role_of(user.pk),
        "current": current,
        "error": error,
        "outreach_text": services.outreach_text(m, user) if m.is_active else "",
        "reaching_out_resources": (
            resource_selectors.for_reaching_out(teen=user.is_teen) if m.is_active else []
        ),
        "leave_form": forms.get("leave_form") or NoteForm(auto_id="leave_%s"),
        "staff_form": forms.get("staff_form") or StaffTicketForm(auto_id="staff_%s"),
        "rematch_form": forms.get("rematch_form") or NoteForm(auto_id="rematch_%s"),
        "no_rematch_form": forms.get("no_rematch_form") or NoteForm(auto_id="norematch_%s"),
    }
    return TemplateResponse(request, "mentorship/cant_reach.html", context, status=status)


@login_required
@require_safe
def cant_reach(request: HttpRequest, pk: int) -> HttpResponse:
    return _cant_reach(request, pk)


@login_required
@require_POST
def cant_reach_action(request: HttpRequest, pk: int, branch: str) -> HttpResponse:
    if branch not in CANT_REACH_BRANCHES:
        raise NotFound("No such choice.")
    user = _user(request)
    m = selectors.mentorship_for_party(user, pk)  # 404 for anyone else, before anything runs
    form_name = {
        "leave": "leave_form",
        "staff": "staff_form",
        "rematch": "rematch_form",
        "no-rematch": "no_rematch_form",
    }.get(branch)
    form: NoteForm | StaffTicketForm | None = None
    if branch == "staff":
        form = StaffTicketForm(request.POST, auto_id="staff_%s")
    elif form_name is not None:
        form = NoteForm(request.POST, auto_id=f"{branch.replace('-', '')}_%s")
    if form is not None and form_name is not None and not form.is_valid():
        return _cant_reach(request, pk, status=400, bound={form_name: form})
    note = form.cleaned_data.get("note", "") if form is not None else ""
    try:
        if branch == "leave":
            show_help(
                request, services.leave_program(user=user, mentorship_id=m.pk, note=note).screening
            )
            messages.success(
                request,
                "You've left the mentoring program. You can come back any time from the "
                "mentor directory.",
            )
            return redirect("mentorship:hub")
        if branch == "outreach":
            services.send_outreach_template(user=user, mentorship_id=m.pk)
            messages.success(request, "Your message is sent. Give them a day or two to answer.")
            return redirect(reverse("mentorship:space", args=[m.pk]) + "#chat")
        if branch == "staff":
            assert form is not None  # noqa: S101
            ticket = services.open_staff_ticket(
                user=user,
                body=form.cleaned_data["body"],
                mentorship_id=m.pk,
                key=form.cleaned_data["key"],
            )
            show_help(request, ticket.screening)
            messages.success(request, "Staff have your message and will be in touch soon.")
            return redirect("mentorship:space", pk=m.pk)
        if branch == "rematch":
            show_help(
                request,
                services.request_rematch(user=user, mentorship_id=m.pk, note=note).screening,
            )
            messages.success(
                request,
                "This mentorship has ended. You're back in matching: we'll suggest a new "
                "match, and you can also choose one in the directory.",
            )
            return redirect("mentorship:space", pk=m.pk)
        ended = services.mentor_unmatch_no_rematch(mentor=user, mentorship_id=m.pk, note=note)
        show_help(request, ended.screening)
        messages.success(request, "This mentorship has ended, and you'll not be matched again.")
        return redirect("mentorship:space", pk=m.pk)
    except NotFound:
        raise  # the site's 404 page (core.http)
    except Refused as exc:
        bound = {form_name: form} if form_name and form is not None else {}
        return _cant_reach(request, pk, error=exc.message, status=exc.status, bound=bound)


# --- staff: matching runs -----------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    decision = policies.can_run_matching(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return user


def _matching_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {"runs": selectors.match_runs(limit=20), "error": error}
    return TemplateResponse(request, "mentorship/matching.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@refusals(page=lambda request, exc: _matching_page(request, error=exc.message, status=exc.status))
def matching(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if request.method == "POST":
        run = services.run_matching(actor=user)
        messages.success(
            request, f"Matching run #{run.pk} is ready: check the proposals, then publish."
        )
        return redirect("mentorship:matching_run", pk=run.pk)
    return _matching_page(request)


def _run_page(request: HttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    run, page = view_selectors.run_with_proposals_page(pk, request.GET.get("page"))
    context = {"run": run, "page_obj": page, "proposals": page.object_list, "error": error}
    return TemplateResponse(request, "mentorship/matching_run.html", context, status=status)


# A refusal of a run action (not a missing thing) is the run again, with the reason.
_run_refusals = refusals(
    page=lambda request, exc, pk: _run_page(request, pk, error=exc.message, status=exc.status)
)


@login_required
@require_safe
def matching_run(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    return _run_page(request, pk)


@login_required
@require_POST
@_run_refusals
def matching_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    run = services.publish_run(actor=user, run_id=pk)
    messages.success(request, f"Run #{run.pk} is published.")
    return redirect("mentorship:matching_run", pk=run.pk)


@login_required
@require_POST
@_run_refusals
def matching_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    run = services.discard_run(actor=user, run_id=pk)
    messages.success(request, f"Run #{run.pk} is discarded: nobody was matched by it.")
    return redirect("mentorship:matching")
