"""send_many / notify: set-based writes, preferences, the after-commit push and delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import NotFound
from peerpath.notifications import selectors, services
from peerpath.notifications.delivery import site_url
from peerpath.notifications.models import EmailState, Notification, Preference
from peerpath.notifications.services import Outgoing
from peerpath.notifications.tests.factories import person

pytestmark = pytest.mark.django_db


def test_notify_writes_one_row_per_person_and_mails_after_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # given
    ana, ben = person("ana"), person("ben")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(
            [ana, ben, ana], "mentorship", "A new request", "Line one\nLine two", url="/mentors/"
        )
    # then
    assert created == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    message = mail.outbox[0]
    assert message.subject == "[peerpath] A new request"
    assert "Line one\nLine two" in message.body
    assert site_url() + "/mentors/" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "Line one<br>Line two" in html
    assert Notification.objects.filter(email_state=EmailState.SENT).count() == 2
    assert selectors.unread_count(ana) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ana = person("ana")

    def send_then_fail() -> None:
        with transaction.atomic():
            services.notify([ana], "welcome", "Hello", "Welcome!")
            raise RuntimeError("rolled back")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        send_then_fail()
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_ids_work_like_users_and_unknown_or_inactive_people_are_skipped() -> None:
    ana = person("ana")
    gone = person("gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert services.notify([ana.pk, gone.pk, 987_654], "welcome", "Hello", "") == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [ana.pk]


def test_unknown_category_and_bad_urls_are_refused() -> None:
    ana = person("ana")
    with pytest.raises(ValueError, match="Unknown notification category"):
        services.notify([ana], "gossip", "Hi", "")
    for url in ("https://evil.example/", "//evil.example/", "mentors/", "/a b"):
        with pytest.raises(ValueError, match="relative site path"):
            services.notify([ana], "welcome", "Hi", "", url=url)
    with pytest.raises(ValueError, match="needs a title"):
        services.notify([ana], "welcome", "  \n ", "")
    assert Notification.objects.count() == 0


def test_titles_are_one_line_of_at_most_200_characters() -> None:
    ana = person("ana")
    services.send_many([Outgoing(ana.pk, "welcome", "Hello\nthere  " + "x" * 300, "")])
    title = Notification.objects.get().title
    assert len(title) == 200
    assert title.startswith("Hello there x")
    assert title.endswith("…")


def test_preferences_decide_the_channels(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # given: ana unsubscribed from mentoring mail; ben switched mentoring off entirely;
    # cleo switched in-app off but keeps mail; dan has no e-mail address
    ana, ben, cleo = person("ana"), person("ben"), person("cleo")
    dan = person("dan", email="")
    Preference.objects.create(user=ana, category="mentorship", in_app=True, email=False)
    Preference.objects.create(user=ben, category="mentorship", in_app=False, email=False)
    Preference.objects.create(user=cleo, category="mentorship", in_app=False, email=True)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify([ana, ben, cleo, dan], "mentorship", "News", "Body")
    # then
    assert created == 3  # nothing at all for ben
    rows = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    assert set(rows) == {"ana", "cleo", "dan"}
    assert (rows["ana"].in_app, rows["ana"].email_state) == (True, EmailState.NOT_WANTED)
    assert (rows["cleo"].in_app, rows["cleo"].email_state) == (False, EmailState.SENT)
    assert (rows["dan"].in_app, rows["dan"].email_state) == (True, EmailState.NOT_WANTED)
    assert [m.to for m in mail.outbox] == [["cleo@example.org"]]
    # cleo's row exists for the mail only: not in her bell or list
    assert selectors.unread_count(cleo) == 0
    assert list(selectors.notifications_for(cleo)) == []
    assert selectors.unread_count(ana) == 1


def test_category_defaults_apply_without_a_preference(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ana = person("ana")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([ana], "celebrations", "Three conversations!", "Well done.")
    assert Notification.objects.get().email_state == EmailState.NOT_WANTED  # e-mail off
    assert mail.outbox == []


def test_account_notices_always_mail_even_when_switched_off(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ana = person("ana")
    Preference.objects.create(user=ana, category="account", in_app=True, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([ana], "account", "Your password changed", "If it was not you, ...")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_send_many_is_set_based(
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    """1,000 people in a constant number of queries: one for the people, one for their
    preferences, the inserts (SQLite caps rows per INSERT) and the savepoint."""
    born = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    users = User.objects.bulk_create(
        User(
            username=f"bulk{i}",
            email=f"bulk{i}@example.org",
            date_of_birth=born.date(),
            teen_from=born.replace(year=2003),
            adult_from=born.replace(year=2008),
        )
        for i in range(1_000)
    )
    Preference.objects.create(user=users[3], category="progression", in_app=False, email=False)
    items = [Outgoing(u.pk, "progression", "A badge", "You earned it.", "/path/") for u in users]
    with django_assert_max_num_queries(25):
        assert services.send_many(items) == 999
    mine = Notification.objects.filter(recipient__in=users)
    assert mine.filter(email_state=EmailState.PENDING).count() == 999


def test_delivery_is_queued_once_per_batch(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    people = [person(f"pers{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(people, "welcome", "Hello", "Welcome!")
    assert len(callbacks) == 1  # push + one delivery job, for the whole batch


def test_mark_read_is_own_only_and_pushes_the_new_count() -> None:
    ana, ben = person("ana"), person("ben")
    services.notify([ana, ben], "welcome", "Hello", "")
    theirs = Notification.objects.get(recipient=ben)
    with pytest.raises(NotFound):
        services.mark_read(user=ana, notification_id=theirs.pk)
    mine = Notification.objects.get(recipient=ana)
    assert services.mark_read(user=ana, notification_id=mine.pk).read_at is not None
    assert selectors.unread_count(ana) == 0
    assert selectors.unread_count(ben) == 1
    assert services.mark_all_read(user=ben) == 1
    assert services.mark_all_read(user=ben) == 0


def test_save_preferences_stores_only_differences() -> None:
    ana = person("ana")
    services.save_preferences(
        user=ana,
        channels={
            "mentorship": services.Channels(in_app=True, email=False),
            "welcome": services.Channels(in_app=True, email=True),  # the default
            "account": services.Channels(in_app=False, email=False),  # e-mail stays on
        },
        quiet=services.QuietHours(None, None),
        daily_digest=False,
        digest_hour=8,
    )
    prefs = {(p.category, p.in_app, p.email) for p in Preference.objects.filter(user=ana)}
    assert prefs == {("mentorship", True, False), ("account", False, True)}


def test_unread_counts_cover_everyone_asked() -> None:
    ana, ben = person("ana"), person("ben")
    services.notify([ana], "welcome", "One", "")
    services.notify([ana], "welcome", "Two", "")
    assert services.unread_counts([ana.pk, ben.pk]) == {ana.pk: 2, ben.pk: 0}


def test_many_sparse_ids_are_read_in_chunks() -> None:
    """More than one IN list's worth of ids, spread too thinly for a range scan."""
    users = [UserFactory.create(username=f"sp{i}") for i in range(3)]
    ids = [u.pk for u in users] + list(range(10**6, 10**6 + 2_000 * 10, 10))
    assert services._reachable_users(sorted(ids)) == {u.pk: True for u in users}


def test_channels_for_any_order_of_people() -> None:
    """PostgreSQL returns rows in heap order: the people may come unsorted."""
    born = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    users = User.objects.bulk_create(
        User(
            username=f"order{i}",
            email=f"order{i}@example.org",
            date_of_birth=born.date(),
            teen_from=born.replace(year=2003),
            adult_from=born.replace(year=2008),
        )
        for i in range(1_200)
    )
    Preference.objects.create(user=users[0], category="progression", in_app=False, email=False)
    Preference.objects.create(user=users[-1], category="progression", in_app=True, email=False)
    ids = [u.pk for u in users]
    shuffled = ids[600:] + ids[:600]
    got = services.channels_for(shuffled, ["progression"])
    assert got[users[0].pk, "progression"] == services.Channels(in_app=False, email=False)
    assert got[users[-1].pk, "progression"] == services.Channels(in_app=True, email=False)
    assert got[users[5].pk, "progression"].in_app
