"""The notification pages: own-only, 400s with nothing saved, htmx partials, unsubscribe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.core.errors import Refused
from peerpath.notifications import services
from peerpath.notifications.models import Notification, NotificationSettings, Preference
from peerpath.notifications.tests.factories import person
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
PREFS = "/notifications/preferences/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def valid_prefs(**changes: str) -> dict[str, str]:
    data = {
        "digest_hour": "8",
        "quiet_start": "",
        "quiet_end": "",
        "in_app_mentorship": "on",
        "email_mentorship": "on",
        "in_app_welcome": "on",
        "email_welcome": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "-"}


def test_the_list_shows_only_ones_own_unread_first(
    django_assert_max_num_queries: object,
) -> None:
    ana, ben = person("ana"), person("ben")
    services.notify([ana], "welcome", "Old and read", "")
    services.notify([ana], "mentorship", "Newer and unread", "Answer <b>now</b>")
    services.notify([ben], "welcome", "Ben's secret", "")
    old = Notification.objects.get(title="Old and read")
    services.mark_read(user=ana, notification_id=old.pk)
    response = signed_in(ana).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer and unread") < html.index("Old and read")
    assert "Ben&#x27;s secret" not in html
    assert "Ben's secret" not in html
    assert "Answer &lt;b&gt;now&lt;/b&gt;" in html
    assert 'aria-label="Notifications, 1 unread"' in html  # the bell


def test_the_bell_is_hidden_from_visitors_and_suspended_people(world: object) -> None:
    html = Client().get("/").content.decode()
    assert "data-notifications-bell" not in html
    suspended = User.objects.get(username="w-suspended")
    html = signed_in(suspended).get("/").content.decode()
    assert "data-notifications-bell" not in html
    assert "data-notifications-bell" in signed_in(person("ana")).get("/").content.decode()


def test_marking_someone_elses_notification_is_a_404_like_a_missing_one() -> None:
    ana, ben = person("ana"), person("ben")
    services.notify([ben], "welcome", "Hello", "")
    theirs = Notification.objects.get()
    client = signed_in(ana)
    hidden = client.post(f"/notifications/{theirs.pk}/read/")
    missing = client.post(f"/notifications/{theirs.pk + 1000}/read/")
    assert hidden.status_code == missing.status_code == 404
    assert mask_csrf(hidden.content) == mask_csrf(missing.content)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link() -> None:
    ana = person("ana")
    services.notify([ana], "mentorship", "A request", "", url="/mentorships/")
    note = Notification.objects.get()
    client = signed_in(ana)
    response = client.post(f"/notifications/{note.pk}/read/", {"follow": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/mentorships/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_htmx_gets_partials() -> None:
    ana = person("ana")
    services.notify([ana], "welcome", "One", "")
    services.notify([ana], "welcome", "Two", "")
    client = signed_in(ana)
    note = Notification.objects.first()
    assert note is not None
    item = client.post(f"/notifications/{note.pk}/read/", HTTP_HX_REQUEST="true")
    assert item.status_code == 200
    assert item.content.decode().lstrip().startswith('<li class="notification-item"')
    rest = client.post("/notifications/read-all/", HTTP_HX_REQUEST="true")
    assert rest.status_code == 200
    assert 'id="notification-list"' in rest.content.decode()
    assert "<html" not in rest.content.decode()
    assert Notification.objects.unread().count() == 0


def test_preferences_are_saved() -> None:
    ana = person("ana", tz="Asia/Tokyo")
    response = signed_in(ana).post(
        PREFS,
        valid_prefs(
            email_mentorship="-",
            quiet_start="22:00",
            quiet_end="07:00",
            daily_digest="on",
            digest_hour="9",
        ),
    )
    assert response.status_code == 302
    assert Preference.objects.filter(user=ana, category="mentorship", email=False).exists()
    s = NotificationSettings.objects.get(user=ana)
    assert (s.quiet_start, s.quiet_end, s.daily_digest, s.digest_hour) == (
        dt.time(22),
        dt.time(7),
        True,
        9,
    )
    page = signed_in(ana).get(PREFS).content.decode()
    assert "Asia/Tokyo" in page
    assert 'name="email_account"' in page
    assert "disabled" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quiet_start": "22:00"}, "Give both the start and the end"),
        ({"quiet_end": "07:00"}, "Give both the start and the end"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "Enter a valid time"),
        ({"quiet_start": "07:00", "quiet_end": "07:00"}, "different times"),
        ({"digest_hour": "24"}, "Select a valid choice"),
        ({"digest_hour": "-"}, "This field is required"),
    ],
)
def test_bad_preferences_are_400_and_nothing_is_saved(
    changes: dict[str, str], message: str
) -> None:
    ana = person("ana")
    response = signed_in(ana).post(PREFS, valid_prefs(email_mentorship="-", **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Preference.objects.filter(user=ana).exists()
    assert not NotificationSettings.objects.filter(user=ana).exists()


def test_account_mail_cannot_be_switched_off_through_the_form() -> None:
    ana = person("ana")
    response = signed_in(ana).post(PREFS, valid_prefs(in_app_account="on"))  # no email_account
    assert response.status_code == 302
    assert not Preference.objects.filter(user=ana, category="account").exists()
    signed_in(ana).post(PREFS, valid_prefs())  # in-app off: stored, e-mail still on
    pref = Preference.objects.get(user=ana, category="account")
    assert (pref.in_app, pref.email) == (False, True)


def test_pages_need_a_login() -> None:
    for url in (LIST, PREFS):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- unsubscribe -------------------------------------------------------------------------


def unsubscribe_url(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


def test_a_valid_link_confirms_then_unsubscribes_without_login() -> None:
    ana = person("ana")
    url = unsubscribe_url(services.unsubscribe_token(ana.pk, "mentorship"))
    page = Client().get(url)
    assert page.status_code == 200
    assert "Stop these e-mails?" in page.content.decode()
    assert not Preference.objects.exists()  # a GET (link scanners) changes nothing
    done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    pref = Preference.objects.get(user=ana, category="mentorship")
    assert (pref.in_app, pref.email) == (True, False)
    # and the category never mails again, while the bell still shows it
    services.notify([ana], "mentorship", "News", "")
    assert Notification.objects.get().email_state == "not_wanted"
    assert Notification.objects.get().in_app


def test_other_categories_are_untouched() -> None:
    ana = person("ana")
    Client().post(unsubscribe_url(services.unsubscribe_token(ana.pk, "events")))
    assert list(Preference.objects.values_list("category", "email")) == [("events", False)]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-real-token",
        "tampered",
        "account",
        "other-salt",
        "unknown-category",
    ],
)
def test_bad_links_get_a_friendly_page_and_change_nothing(token: str) -> None:
    ana = person("ana")
    good = services.unsubscribe_token(ana.pk, "mentorship")
    tokens = {
        "not-a-real-token": "not-a-real-token",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "account": services.unsubscribe_token(ana.pk, "account"),
        "other-salt": signing.dumps({"u": ana.pk, "c": "mentorship"}, salt="elsewhere"),
        "unknown-category": services.unsubscribe_token(ana.pk, "gossip"),
    }
    for method in ("get", "post"):
        response = getattr(Client(), method)(unsubscribe_url(tokens[token]))
        assert response.status_code == 200
        assert "This link is not valid" in response.content.decode()
    assert not Preference.objects.exists()


def test_an_expired_link_is_not_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    ana = person("ana")
    token = services.unsubscribe_token(ana.pk, "mentorship")
    monkeypatch.setattr(services, "UNSUBSCRIBE_MAX_AGE", dt.timedelta(seconds=-1))
    with pytest.raises(Refused, match="not valid"):
        services.read_unsubscribe_token(token)
