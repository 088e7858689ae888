"""The chat without JavaScript (the form's POST fallback) and the chat partial's HTML."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core import hub as core_hub
from peerpath.mentorship import realtime
from peerpath.mentorship.models import (
    MESSAGE_MAX_CHARS,
    EndReason,
    Mentorship,
    MentorshipSettings,
    MentorshipSource,
    Message,
)
from peerpath.mentorship.selectors import chat as chat_reads
from peerpath.mentorship.services import chat, lifecycle
from peerpath.mentorship.tests.helpers import active_pair
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

XSS = "<script>alert('pwned')</script> & <b>bold</b>"


@dataclass
class Pair:
    mentor: User
    mentee: User
    mentorship: Mentorship

    @property
    def post_url(self) -> str:
        return reverse("mentorship:post_message", args=[self.mentorship.pk])


@pytest.fixture
def pair() -> Pair:
    mentor = UserFactory.create(teen=True, listener=True, roles=[Role.MENTOR])
    mentee = UserFactory.create(teen=True, listener=True)
    m = Mentorship.objects.create(
        mentor=mentor, mentee=mentee, source=MentorshipSource.REQUEST, started_at=timezone.now()
    )
    return Pair(mentor, mentee, m)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the POST fallback --------------------------------------------------------------------


def test_posting_stores_the_message_and_redirects_to_the_chat(pair: Pair) -> None:
    response = client_for(pair.mentee).post(pair.post_url, {"body": "hello", "client_id": "f-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[pair.mentorship.pk]) + "#chat"
    message = Message.objects.get()
    assert (message.sender_id, message.body, message.client_id) == (pair.mentee.pk, "hello", "f-1")


def test_a_double_submit_with_the_same_client_id_is_stored_once(pair: Pair) -> None:
    client = client_for(pair.mentee)
    for _ in range(2):
        assert client.post(pair.post_url, {"body": "once", "client_id": "f-2"}).status_code == 302
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [("", "Please write a message"), ("z" * (MESSAGE_MAX_CHARS + 1), "too long")],
)
def test_bad_input_answers_400_with_the_reason_and_stores_nothing(
    pair: Pair, body: str, words: str
) -> None:
    response = client_for(pair.mentee).post(pair.post_url, {"body": body})
    assert response.status_code == 400
    text = response.content.decode()
    assert words in text
    assert 'role="alert"' in text
    assert reverse("mentorship:space", args=[pair.mentorship.pk]) + "#chat" in text
    assert not Message.objects.exists()


def test_the_rate_limit_answers_429(pair: Pair) -> None:
    MentorshipSettings.objects.update_or_create(pk=1, defaults={"messages_per_minute": 1})
    client = client_for(pair.mentor)
    assert client.post(pair.post_url, {"body": "one"}).status_code == 302
    response = client.post(pair.post_url, {"body": "two"})
    assert response.status_code == 429
    assert "very fast" in response.content.decode()
    assert Message.objects.count() == 1


def test_an_ended_mentorship_answers_403(pair: Pair) -> None:
    lifecycle.end_mentorship(
        actor=pair.mentor, mentorship_id=pair.mentorship.pk, reason=EndReason.COMPLETED
    )
    response = client_for(pair.mentee).post(pair.post_url, {"body": "still there?"})
    assert response.status_code == 403
    assert "not active" in response.content.decode()
    assert not Message.objects.exists()


def test_a_non_party_gets_the_same_404_as_a_missing_mentorship(pair: Pair) -> None:
    outsider = client_for(UserFactory.create(teen=True, listener=True))
    hidden = outsider.post(pair.post_url, {"body": "let me in"})
    missing_url = reverse("mentorship:post_message", args=[pair.mentorship.pk + 999])
    missing = outsider.post(missing_url, {"body": "let me in"})
    assert hidden.status_code == missing.status_code == 404
    assert mask_csrf(hidden.content) == mask_csrf(missing.content)  # byte for byte
    empty = outsider.post(pair.post_url, {"body": ""})  # bad text does not reveal it either
    assert empty.status_code == 404
    assert mask_csrf(empty.content) == mask_csrf(missing.content)
    assert not Message.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(pair: Pair) -> None:
    response = Client().post(pair.post_url, {"body": "hi"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not Message.objects.exists()


def test_only_post_is_allowed(pair: Pair) -> None:
    assert client_for(pair.mentee).get(pair.post_url).status_code == 405


# --- the chat partial ---------------------------------------------------------------------


def render_chat(pair: Pair, viewer: User, *, enabled: bool = True) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    other = pair.mentor if viewer.pk == pair.mentee.pk else pair.mentee
    return render_to_string(
        "mentorship/_chat.html",
        {
            "mentorship": pair.mentorship,
            "chat_messages": chat_reads.recent_messages(pair.mentorship.pk),
            "chat_enabled": enabled,
            "other": other,
            "user": viewer,
        },
        request=request,
    )


def test_html_in_a_message_is_stored_verbatim_and_rendered_escaped(pair: Pair) -> None:
    client_for(pair.mentee).post(pair.post_url, {"body": XSS})
    assert Message.objects.get().body == XSS
    html = render_chat(pair, pair.mentor)
    assert (
        "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in html
    )
    assert "<script>alert" not in html
    assert "<b>bold" not in html


def test_the_space_page_shows_the_chat_escaped(pair: Pair) -> None:
    chat.post_message(sender=pair.mentee, mentorship_id=pair.mentorship.pk, body=XSS)
    response = client_for(pair.mentor).get(reverse("mentorship:space", args=[pair.mentorship.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_the_partial_keeps_the_dom_contract_the_script_relies_on(pair: Pair) -> None:
    first = chat.post_message(sender=pair.mentee, mentorship_id=pair.mentorship.pk, body="a")
    last = chat.post_message(sender=pair.mentor, mentorship_id=pair.mentorship.pk, body="b")
    html = render_chat(pair, pair.mentee)
    pk = pair.mentorship.pk
    assert f'data-ws-url="/ws/mentorships/{pk}/"' in html
    assert f'data-last-id="{last.message.pk}"' in html
    assert f'data-user-id="{pair.mentee.pk}"' in html
    assert '<ol id="chat-log" class="chat-log" aria-live="polite"' in html
    items = re.findall(r'<li class="chat-message[^"]*" data-id="(\d+)"', html)
    assert items == [str(first.message.pk), str(last.message.pk)]
    assert '<span class="chat-sender">' in html
    assert '<span class="chat-body">a</span>' in html
    assert f'<form id="chat-form" class="chat-form" method="post" action="{pair.post_url}">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<textarea id="chat-body" name="body" maxlength="2000"' in html
    assert "required" in html
    # A fresh idempotency key per rendering: a double-submitted form stores one message.
    keys = re.findall(r'<input type="hidden" name="client_id" value="([0-9a-f-]{36})">', html)
    assert len(keys) == 1
    assert (
        keys[0]
        != re.findall(r'name="client_id" value="([^"]+)"', render_chat(pair, pair.mentee))[0]
    )
    assert 'id="chat-status"' in html
    assert 'id="chat-unread"' in html
    assert 'role="alert"' in html
    assert "js/mentorship_chat.js" in html
    assert "css/chat.css" in html


def test_an_empty_chat_starts_from_id_zero(pair: Pair) -> None:
    html = render_chat(pair, pair.mentor)
    assert 'data-last-id="0"' in html
    assert "No messages yet." in html


def test_a_disabled_chat_is_read_only(pair: Pair) -> None:
    chat.post_message(sender=pair.mentee, mentorship_id=pair.mentorship.pk, body="old news")
    html = render_chat(pair, pair.mentor, enabled=False)
    assert "old news" in html
    assert "read-only" in html
    assert 'id="chat-form"' not in html
    assert "<textarea" not in html
    assert "mentorship_chat.js" not in html


# --- a broadcast that fails after commit -------------------------------------------------


def test_a_broadcast_that_fails_after_commit_still_answers_success(
    people, login, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """Redis down at the moment of the broadcast: the message is stored, so the answer is the
    success redirect (it was a 500, and the user's retry stored a duplicate)."""

    def refused(channel: str, raw: str) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(core_hub, "relay_enabled", lambda: True)
    monkeypatch.setattr(core_hub, "_redis_publish", refused)
    m = active_pair(people)
    c = login(people["listener"])
    url = reverse("mentorship:post_message", args=[m.pk])
    data = {"body": "still here", "client_id": "0b8c6f1e-5a4d-4e3b-9c2a-1f0e9d8c7b6a"}
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(url, data).status_code == 302
    assert c.post(url, data).status_code == 302  # the retry finds the stored message
    assert Message.objects.filter(body="still here").count() == 1
    assert "relay publish failed" in caplog.text


def test_one_display_rule_and_one_time_format_on_both_paths(
    pair: Pair, monkeypatch, on_commit
) -> None:
    """Issue 19: the live chat showed the pseudonym and the browser's clock and format, the
    reloaded page the display name and the profile's time zone. Both now use the profile's
    shown name (display name, else pseudonym) and the viewer's profile time zone."""
    pair.mentor.profile.display_name = "Sofía"
    pair.mentor.profile.save()
    User.objects.filter(pk=pair.mentee.pk).update(timezone="Asia/Tokyo")
    sent: list[str] = []
    monkeypatch.setattr(realtime, "broadcast_message", lambda message, name: sent.append(name))
    with on_commit():
        message = chat.post_message(
            sender=pair.mentor, mentorship_id=pair.mentorship.pk, body="Hi"
        ).message
    assert sent == ["Sofía"]  # the live payload's sender
    history = chat_reads.messages_after(pair.mentorship.pk)
    assert [m.sender.profile.shown_name for m in history] == ["Sofía"]  # the resync's sender
    page = client_for(pair.mentee).get(reverse("mentorship:space", args=[pair.mentorship.pk]))
    body = page.content.decode()
    assert '<span class="chat-sender">Sofía</span>' in body
    assert "Chat with Sofía" in body
    assert 'data-time-zone="Asia/Tokyo"' in body  # the zone the script formats live times in
    local = timezone.localtime(message.created_at, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f">{local.day} {local:%b}, {local:%H:%M}</time>" in body
