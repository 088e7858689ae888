"""The mentoring admin: what the Staff role can do there, and what it never shows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    Flag,
    MatchProposal,
    MatchRun,
    MentorshipSettings,
    Message,
    StaffTicket,
    TicketStatus,
)
from peerpath.mentorship.services import chat, tickets
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db

SECRET = "a private sentence only the two of them should read"


@pytest.fixture
def staff_client() -> tuple[Client, User]:
    staff = UserFactory.create(username="ada-staff", roles=[Role.STAFF])
    client = Client()
    client.force_login(staff)
    return client, staff


@pytest.fixture
def pair():
    mentor = make_mentor(username="mo-mentor")
    mentee = make_listener(username="lee-listener")
    m = make_mentorship(mentor, mentee, goal="Grow")
    chat.post_message(sender=mentee, mentorship_id=m.pk, body=SECRET)
    return m


def test_staff_role_opens_every_mentoring_changelist(staff_client, pair):
    client, _ = staff_client
    MatchRun.objects.create()
    Flag.objects.create(mentorship=pair, raised_by=pair.mentee, topic="other", priority="can_wait")
    tickets.open_staff_ticket(user=pair.mentee, body="Help", mentorship_id=pair.pk)
    for model in admin.site._registry:
        if model._meta.app_label != "mentorship":
            continue
        url = reverse(f"admin:mentorship_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_chat_messages_are_never_in_the_admin(staff_client, pair):
    client, _ = staff_client
    assert Message not in admin.site._registry
    page = client.get(reverse("admin:mentorship_mentorship_change", args=[pair.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert "Grow" in page.content.decode()


def test_settings_are_a_singleton_that_cannot_be_deleted(staff_client):
    client, _ = staff_client
    assert client.get(reverse("admin:mentorship_mentorshipsettings_add")).status_code == 200
    cfg = MentorshipSettings.load()
    assert client.get(reverse("admin:mentorship_mentorshipsettings_add")).status_code == 403
    delete = reverse("admin:mentorship_mentorshipsettings_delete", args=[cfg.pk])
    assert client.get(delete).status_code == 403
    change = client.get(reverse("admin:mentorship_mentorshipsettings_change", args=[cfg.pk]))
    assert change.status_code == 200
    assert "request_expiry_days" in change.content.decode()


def test_records_made_by_the_product_cannot_be_added_by_hand(staff_client):
    client, _ = staff_client
    for name in ("mentorrequest", "mentorship", "matchrun", "flag", "staffticket"):
        assert client.get(reverse(f"admin:mentorship_{name}_add")).status_code == 403, name
    for name in ("mentorprofile", "menteeprofile"):
        assert client.get(reverse(f"admin:mentorship_{name}_add")).status_code == 200, name


def test_flags_filter_by_priority_and_resolve_through_the_service(staff_client, pair):
    client, staff = staff_client
    urgent = Flag.objects.create(
        mentorship=pair, raised_by=pair.mentee, topic="safety", priority="immediate"
    )
    later = Flag.objects.create(
        mentorship=pair, raised_by=pair.mentor, topic="other", priority="can_wait"
    )
    url = reverse("admin:mentorship_flag_changelist")
    page = client.get(url, {"priority__exact": "immediate"})
    assert page.status_code == 200
    assert f"/admin/mentorship/flag/{urgent.pk}/change/" in page.content.decode()
    assert f"/admin/mentorship/flag/{later.pk}/change/" not in page.content.decode()
    response = client.post(
        url, {"action": "mark_resolved", "_selected_action": [urgent.pk]}, follow=True
    )
    assert response.status_code == 200
    urgent.refresh_from_db()
    later.refresh_from_db()
    assert urgent.resolved_by == staff
    assert urgent.resolved_at is not None
    assert later.resolved_at is None


def test_tickets_list_open_first_and_close_in_bulk(staff_client, pair):
    client, _ = staff_client
    first = tickets.open_staff_ticket(user=pair.mentee, body="One", mentorship_id=pair.pk).obj
    second = tickets.open_staff_ticket(user=pair.mentor, body="Two", mentorship_id=pair.pk).obj
    url = reverse("admin:mentorship_staffticket_changelist")
    client.post(url, {"action": "close_tickets", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == TicketStatus.CLOSED
    assert first.closed_at is not None
    body = client.get(url).content.decode()
    assert body.index(f"/staffticket/{second.pk}/change/") < body.index(
        f"/staffticket/{first.pk}/change/"
    )
    assert StaffTicket.objects.filter(status=TicketStatus.OPEN).count() == 1


def test_closing_one_ticket_on_its_page_goes_through_the_service(staff_client, pair):
    client, _ = staff_client
    ticket = tickets.open_staff_ticket(user=pair.mentee, body="One", mentorship_id=pair.pk).obj
    url = reverse("admin:mentorship_staffticket_change", args=[ticket.pk])
    assert client.post(url, {"status": TicketStatus.CLOSED}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_at is not None
    assert client.post(url, {"status": TicketStatus.OPEN}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.closed_at is None


def test_match_runs_show_their_proposals_read_only(staff_client, pair):
    client, _ = staff_client
    run = MatchRun.objects.create(n_proposals=1)
    MatchProposal.objects.create(
        run=run,
        mentee=make_listener(username="new-listener"),
        mentor=pair.mentor,
        score=88.0,
        explanation=["both speak English"],
    )
    page = client.get(reverse("admin:mentorship_matchrun_change", args=[run.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "new-listener" in body
    assert "both speak English" in body


def test_people_without_the_staff_role_cannot_use_it(pair):
    client = Client()
    client.force_login(pair.mentor)
    response = client.get(reverse("admin:mentorship_flag_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
