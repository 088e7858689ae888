"""E-mail delivery: quiet hours across time zones, the daily digest, a failing backend and
retries. Time travels through the ``now`` argument; mail lands in locmem's outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from peerpath.notifications import delivery, selectors, services
from peerpath.notifications.models import EmailState, Notification, Preference
from peerpath.notifications.tests.backends import PickyBackend
from peerpath.notifications.tests.factories import digest, person, quiet

pytestmark = pytest.mark.django_db

UTC = dt.UTC
FAILING = "peerpath.notifications.tests.backends.FailingBackend"
PICKY = "peerpath.notifications.tests.backends.PickyBackend"


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def state_of(username: str) -> tuple[str, dt.datetime | None]:
    row = Notification.objects.get(recipient__username=username)
    return row.email_state, row.email_next_try_at


@pytest.fixture
def travellers() -> None:
    """Three people with quiet hours 22:00-07:00 (two zones) and one without."""
    quiet(person("tokyo", tz="Asia/Tokyo"), "22:00", "07:00")
    quiet(person("angeleno", tz="America/Los_Angeles"), "22:00", "07:00")
    person("london", tz="Europe/London")


def test_quiet_hours_hold_mail_until_they_end_in_each_zone(travellers: None) -> None:
    # given: a notice to all three (no delivery yet: on_commit does not run here)
    services.notify(selectors_people(), "mentorship", "A new request", "Please answer.")
    # when: delivered at 14:00 UTC on 15 January 2030 (Tokyo 23:00, Los Angeles 06:00)
    now = at(2030, 1, 15, 14, 0)
    assert delivery.deliver_due_emails(now=now) == 1
    # then: London gets it, the others wait for 07:00 local
    assert [m.to for m in mail.outbox] == [["london@example.org"]]
    assert state_of("tokyo") == (EmailState.HELD_QUIET, at(2030, 1, 15, 22, 0))
    assert state_of("angeleno") == (EmailState.HELD_QUIET, at(2030, 1, 15, 15, 0))
    # nothing more during quiet hours
    assert delivery.deliver_due_emails(now=at(2030, 1, 15, 14, 59)) == 0
    # Los Angeles wakes first, then Tokyo
    assert delivery.deliver_due_emails(now=at(2030, 1, 15, 15, 0)) == 1
    assert mail.outbox[-1].to == ["angeleno@example.org"]
    assert delivery.deliver_due_emails(now=at(2030, 1, 15, 22, 0)) == 1
    assert mail.outbox[-1].to == ["tokyo@example.org"]
    assert Notification.objects.filter(email_state=EmailState.SENT).count() == 3
    # the in-app side never waited
    assert all(selectors.unread_count(n.recipient) == 1 for n in Notification.objects.all())


def selectors_people() -> list[Any]:
    from peerpath.accounts.models import User

    return list(User.objects.filter(username__in=["tokyo", "angeleno", "london"]))


def test_account_notices_ignore_quiet_hours(travellers: None) -> None:
    services.notify(selectors_people(), "account", "Your password changed", "…")
    assert delivery.deliver_due_emails(now=at(2030, 1, 15, 14, 0)) == 3


def test_an_unsubscribe_while_held_means_no_mail(travellers: None) -> None:
    services.notify(selectors_people(), "mentorship", "A new request", "Please answer.")
    delivery.deliver_due_emails(now=at(2030, 1, 15, 14, 0))
    tokyo = Notification.objects.get(recipient__username="tokyo").recipient
    Preference.objects.create(user=tokyo, category="mentorship", in_app=True, email=False)
    delivery.deliver_due_emails(now=at(2030, 1, 15, 22, 0))
    assert sorted(m.to[0] for m in mail.outbox) == ["angeleno@example.org", "london@example.org"]
    assert state_of("tokyo") == (EmailState.NOT_WANTED, None)


# --- daily digest ------------------------------------------------------------------------


def test_one_digest_a_day_at_the_local_hour() -> None:
    # given: a digest reader in Tokyo (08:00) with two notices waiting
    reader = person("reader", tz="Asia/Tokyo")
    digest(reader, hour=8)
    services.notify([reader], "mentorship", "First news", "One.", url="/mentorships/")
    services.notify([reader], "progression", "Second news", "Two.")
    now = at(2030, 1, 15, 12, 0)
    assert delivery.deliver_due_emails(now=now) == 0
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"digest"}
    # when: the job runs before 08:00 Tokyo (22:30 UTC = 07:30 local) nothing goes out
    assert delivery.send_digests(now=at(2030, 1, 15, 22, 30)) == 0
    # then: at 08:00 local (23:00 UTC) one mail lists both
    assert delivery.send_digests(now=at(2030, 1, 15, 23, 0)) == 1
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert message.subject == "[peerpath] Your daily digest: 2 notifications"
    assert "First news" in message.body
    assert "Second news" in message.body
    assert delivery.site_url() + "/mentorships/" in message.body
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}
    # a later notice the same local day waits for tomorrow: never two digests a day
    services.notify([reader], "mentorship", "Third news", "Three.")
    delivery.deliver_due_emails(now=at(2030, 1, 16, 1, 0))
    assert delivery.send_digests(now=at(2030, 1, 16, 2, 0)) == 0
    assert delivery.send_digests(now=at(2030, 1, 16, 14, 59)) == 0  # 23:59 Tokyo
    assert delivery.send_digests(now=at(2030, 1, 16, 23, 5)) == 1
    assert len(mail.outbox) == 2
    assert "Third news" in mail.outbox[1].body
    assert mail.outbox[1].subject.endswith("1 notification")


def test_switching_the_digest_off_releases_what_waited(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    reader = person("reader")
    digest(reader)
    services.notify([reader], "mentorship", "News", "…")
    delivery.deliver_due_emails()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.save_preferences(
            user=reader,
            channels={},
            quiet=services.QuietHours(None, None),
            daily_digest=False,
            digest_hour=8,
        )
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


# --- failures and retries ----------------------------------------------------------------


def test_a_failing_backend_never_loses_the_notification(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ana = person("ana")
    # when: the mail server is down while the notice is sent
    with override_settings(EMAIL_BACKEND=FAILING), django_capture_on_commit_callbacks(execute=True):
        assert services.notify([ana], "mentorship", "News", "Body") == 1
    # then: the in-app notification is there and unread, the mail waits one minute
    row = Notification.objects.get()
    assert (row.in_app, row.read_at, row.email_state, row.email_attempts) == (
        True,
        None,
        EmailState.FAILED,
        1,
    )
    assert row.email_next_try_at is not None
    assert row.email_next_try_at - timezone.now() <= dt.timedelta(minutes=1)
    assert "ConnectionRefusedError" in row.email_error
    assert selectors.unread_count(ana) == 1
    # not retried before the backoff
    assert delivery.deliver_due_emails(now=row.email_next_try_at - dt.timedelta(seconds=1)) == 0
    # when the server is back, the retry sends it
    assert delivery.deliver_due_emails(now=row.email_next_try_at) == 1
    row.refresh_from_db()
    assert (row.email_state, row.email_attempts, row.email_error) == (EmailState.SENT, 2, "")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert selectors.unread_count(ana) == 1  # the in-app part was never touched


@override_settings(EMAIL_BACKEND=FAILING)
def test_backoff_grows_and_gives_up_after_six_attempts() -> None:
    ana = person("ana")
    services.notify([ana], "mentorship", "News", "Body")
    now = timezone.now()
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        assert delivery.deliver_due_emails(now=now) == 0
        row = Notification.objects.get()
        if row.email_next_try_at is None:
            break
        waits.append(row.email_next_try_at - now)
        now = row.email_next_try_at
    row = Notification.objects.get()
    assert waits == list(delivery.BACKOFF)
    assert (row.email_state, row.email_attempts) == (EmailState.FAILED_FINAL, 6)
    assert delivery.deliver_due_emails(now=now + dt.timedelta(days=30)) == 0
    assert row.in_app
    assert row.read_at is None


@override_settings(EMAIL_BACKEND=PICKY)
def test_one_bounced_address_does_not_stop_the_batch() -> None:
    PickyBackend.refuse = {"bad@example.org"}
    try:
        people = [person("good"), person("bad"), person("fine")]
        services.notify(people, "mentorship", "News", "Body")
        assert delivery.deliver_due_emails(now=timezone.now()) == 2
    finally:
        PickyBackend.refuse = set()
    states = dict(Notification.objects.values_list("recipient__username", "email_state"))
    assert states == {"good": "sent", "bad": "failed", "fine": "sent"}


def test_a_claimed_row_is_not_sent_twice() -> None:
    ana = person("ana")
    services.notify([ana], "mentorship", "News", "Body")
    now = timezone.now()
    # another run claimed the row a moment ago (its lease pushed the next try away)
    Notification.objects.update(email_claim="other", email_next_try_at=now + delivery.LEASE)
    assert delivery.deliver_due_emails(now=now) == 0
    # ...and if that run died, the lease expires and the mail goes out once
    assert delivery.deliver_due_emails(now=now + delivery.LEASE) == 1
    assert delivery.deliver_due_emails(now=now + 2 * delivery.LEASE) == 0
    assert len(mail.outbox) == 1


def test_delivery_works_in_batches() -> None:
    people = [person(f"batch{i}") for i in range(7)]
    services.notify(people, "mentorship", "News", "Body")
    assert delivery.deliver_due_emails(now=timezone.now(), batch_size=3) == 7
    assert len(mail.outbox) == 7


def test_inactive_people_and_people_without_mail_get_none() -> None:
    ana = person("ana")
    services.notify([ana], "mentorship", "News", "Body")
    ana.is_active = False
    ana.save(update_fields=["is_active"])
    assert delivery.deliver_due_emails(now=timezone.now()) == 0
    assert Notification.objects.get().email_state == EmailState.NOT_WANTED


def test_mail_carries_an_unsubscribe_link_and_one_click_headers() -> None:
    ana = person("ana")
    services.notify([ana], "mentorship", "News", "Body <b>not bold</b>")
    delivery.deliver_due_emails(now=timezone.now())
    [message] = mail.outbox
    token = services.unsubscribe_token(ana.pk, "mentorship")
    link = f"{delivery.site_url()}/notifications/unsubscribe/{token}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert link in html
    assert "Body &lt;b&gt;not bold&lt;/b&gt;" in html
