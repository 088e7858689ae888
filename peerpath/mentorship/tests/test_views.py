"""The mentoring pages: main paths, bad and hostile input, who sees what (teen/adult,
party/non-party, staff), escaping, and query counts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import Language, Topic, User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    EndReason,
    Flag,
    MatchProposal,
    MatchRun,
    MatchRunStatus,
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipStatus,
    Message,
    RequestStatus,
    RequestTarget,
    StaffTicket,
    TargetStatus,
)
from peerpath.mentorship.services import chat, lifecycle, logs, requests
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db

CSRF_RE = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')
XSS = "<script>alert('x')</script>"
DIRECTORY_QUERIES = 11  # 8 on PostgreSQL + Redis: 3 of these are reads of the cache table
SPACE_QUERIES = 8  # + the header bell's unread count and the viewer's roles (Program link)
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def masked(content: bytes) -> bytes:
    return CSRF_RE.sub(rb"\1", content)


def text(response: Any) -> str:
    return str(response.content.decode())


def results(response: Any) -> str:
    """The directory's results only (the "suggested for you" box lists mentors too)."""
    return text(response).split('id="directory-results"', 1)[1]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # the "suggested for you" pool is cached for a minute


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def people() -> dict[str, User]:
    spanish = Language.objects.get(code="es")
    mentor = make_mentor(username="mo-mentor", capacity=2, topics=("anxiety",))
    mentor.profile.languages.add(spanish)
    return {
        "mentor": mentor,
        "mentor2": make_mentor(username="max-mentor", capacity=1, topics=("grief-loss",)),
        "teen_mentor": make_mentor(teen=True, username="tia-teen-mentor"),
        "listener": make_listener(username="lee-listener"),
        "listener2": make_listener(username="lou-listener"),
        "teen_listener": make_listener(teen=True, username="tam-teen-listener"),
        "member": UserFactory.create(username="meg-member"),
        "staff": UserFactory.create(username="sol-staff", roles=[Role.STAFF]),
    }


def active_pair(people: dict[str, User]) -> Mentorship:
    return make_mentorship(people["mentor"], people["listener"], goal="Find my footing")


# --- the directory ------------------------------------------------------------------------


def test_directory_lists_same_band_mentors_with_their_card(people, login):
    response = login(people["listener"]).get(reverse("mentorship:directory"))
    assert response.status_code == 200
    body = text(response)
    assert "mo-mentor" in body
    assert "max-mentor" in body
    assert "tia-teen-mentor" not in body
    assert "Accepting 2 more" in body
    assert "Spanish" in body
    assert "Europe/London" in body
    assert "Listener mentoring" in body
    assert 'id="read-only-note"' not in body
    assert reverse("mentorship:ranked_request") in body


def test_teens_only_ever_see_teen_mentors(people, login):
    body = text(login(people["teen_listener"]).get(reverse("mentorship:directory")))
    assert "tia-teen-mentor" in body
    assert "mo-mentor" not in body
    assert "max-mentor" not in body


def test_directory_filters_by_language_topic_search_and_capacity(people, login):
    c = login(people["listener"])
    url = reverse("mentorship:directory")
    body = results(c.get(url, {"language": "es"}))
    assert "mo-mentor" in body
    assert "max-mentor" not in body
    body = results(c.get(url, {"topic": "grief-loss"}))
    assert "max-mentor" in body
    assert "mo-mentor" not in body
    body = results(c.get(url, {"q": "max"}))
    assert "max-mentor" in body
    assert "mo-mentor" not in body
    make_mentorship(people["mentor2"], people["listener2"])  # max-mentor is now full
    body = results(c.get(url, {"accepting": "on"}))
    assert "mo-mentor" in body
    assert "max-mentor" not in body
    assert "Full" in text(c.get(url))


def test_directory_overlap_filter_keeps_mentors_sharing_hours(people, login):
    hours = "1" * 24 + "0" * 144  # Mondays
    for name in ("listener", "mentor"):
        profile = people[name].profile
        profile.availability = hours
        profile.save()
    body = results(
        login(people["listener"]).get(reverse("mentorship:directory"), {"overlap": "on"})
    )
    assert "mo-mentor" in body
    assert "max-mentor" not in body
    assert "24 h a week" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"topic": "no-such-topic"}, "valid choice"),
        ({"language": "xx-nope"}, "valid choice"),
        ({"q": "x" * 500}, "at most 100"),
        ({"page": "abc"}, "whole number"),
        ({"page": "-3"}, "greater than or equal"),
        ({"q": "a\x00b"}, "not allowed"),
    ],
)
def test_bad_directory_filters_answer_400_with_the_reason(people, login, params, message):
    response = login(people["listener"]).get(reverse("mentorship:directory"), params)
    assert response.status_code == 400
    assert message in text(response)


def test_a_page_past_the_end_shows_the_last_page(people, login):
    response = login(people["listener"]).get(reverse("mentorship:directory"), {"page": "999"})
    assert response.status_code == 200
    assert "mo-mentor" in text(response)


def test_htmx_filtering_swaps_only_the_results(people, login):
    response = login(people["listener"]).get(
        reverse("mentorship:directory"), {"language": "es"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="directory-results"')
    assert "<html" not in body
    assert "mo-mentor" in body
    assert "max-mentor" not in body


def test_the_directory_form_works_without_javascript(people, login):
    body = text(login(people["listener"]).get(reverse("mentorship:directory")))
    assert re.search(r'<form method="get" action="/mentors/"', body)
    assert 'hx-get="/mentors/"' in body
    assert 'hx-target="#directory-results"' in body


def test_members_see_the_directory_read_only(people, login):
    body = text(login(people["member"]).get(reverse("mentorship:directory")))
    assert 'id="read-only-note"' in body
    assert "Mentoring is for listeners" in body
    assert "mo-mentor" in body
    mentor_page = text(
        login(people["member"]).get(reverse("mentorship:mentor", args=["mo-mentor"]))
    )
    assert 'action="/mentors/mo-mentor/request/"' not in mentor_page


def test_suggested_for_you_lists_top_mentors_with_reasons(people, login):
    listener = people["listener"]
    listener.profile.languages.add(Language.objects.get(code="es"))
    listener.profile.topics.add(Topic.objects.get(slug="anxiety"))
    body = text(login(listener).get(reverse("mentorship:directory")))
    assert "Suggested for you" in body
    suggestions = re.findall(r'data-testid="suggestion"', body)
    assert 1 <= len(suggestions) <= 5


def test_directory_is_not_shown_to_visitors(client):
    response = client.get(reverse("mentorship:directory"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_directory_query_count_does_not_grow_with_mentors(people, login):
    """Session, user, roles, current mentorship, the viewer's profile facts, the directory's
    one listing query (page and total), "suggested for you" (cached scores + one fresh
    listing), the card cache, the bell's count and the filters' cached fragment. On SQLite
    the shared cache is a table, so three of the 11 are cache reads (8 on PostgreSQL + Redis)."""
    c = login(people["listener"])
    url = reverse("mentorship:directory")
    c.get(url)  # warm the suggestion pool's cache
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    baseline = len(few.captured_queries)
    assert baseline <= DIRECTORY_QUERIES, "\n".join(q["sql"][:200] for q in few.captured_queries)
    c.get(url, {"language": "es", "accepting": "on"})  # warm the menus' cache
    with CaptureQueriesContext(connection) as few_filtered:
        c.get(url, {"language": "es", "accepting": "on"})
    filtered_baseline = len(few_filtered.captured_queries)  # now: the log is reset by requests
    for i in range(14):
        mentor = make_mentor(username=f"extra-mentor-{i}", topics=("anxiety", "grief-loss"))
        mentor.profile.languages.add(Language.objects.get(code="es"))
    cache.clear()
    c.get(url)
    with CaptureQueriesContext(connection) as more:
        response = c.get(url)
    assert "16 mentors found" in text(response)
    assert "Page 1 of 2" in text(response)
    assert len(more.captured_queries) == baseline
    c.get(url, {"language": "es", "accepting": "on"})
    with CaptureQueriesContext(connection) as more_filtered:
        filtered = results(c.get(url, {"language": "es", "accepting": "on"}))
    assert "extra-mentor-5" in filtered
    assert len(more_filtered.captured_queries) == filtered_baseline


def test_directory_pages_count_and_clamp_with_one_listing_query(people, login):
    for i in range(12):
        make_mentor(username=f"page-mentor-{i:02d}")
    c = login(people["listener"])
    url = reverse("mentorship:directory")
    second = results(c.get(url, {"page": "2"}))
    assert "14 mentors found" in second
    assert "Page 2 of 2" in second
    assert len(re.findall(r'data-testid="mentor-card"', second)) == 2
    assert 'rel="prev"' in second
    clamped = results(c.get(url, {"page": "50"}))
    assert "Page 2 of 2" in clamped
    assert len(re.findall(r'data-testid="mentor-card"', clamped)) == 2
    nothing = results(c.get(url, {"q": "nobody-has-this-name"}))
    assert "0 mentors found" in nothing
    assert "No mentors match these filters" in nothing


def test_cached_cards_never_outlive_a_suspension_a_block_or_a_no_rematch_ending(people, login):
    """Card presentation and suggestion scores are cached; who may be shown never is."""
    listener, mentor, mentor2 = people["listener"], people["mentor"], people["mentor2"]
    listener.profile.topics.add(Topic.objects.get(slug="anxiety"))
    c = login(listener)
    url = reverse("mentorship:directory")
    body = text(c.get(url))  # caches both cards and the listener's suggestions
    assert "mo-mentor" in body
    assert "max-mentor" in body
    assert 'data-testid="suggestion"' in body
    account_services.suspend_user(
        actor=people["staff"], user=mentor, until=timezone.now() + dt.timedelta(days=3), reason="x"
    )
    assert "mo-mentor" not in text(c.get(url))
    account_services.block_user(blocker=mentor2, blocked=listener)
    body = text(c.get(url))
    assert "max-mentor" not in body
    assert "0 mentors found" in body
    # a pair that ended with a no-rematch reason is never suggested again, cached scores or not
    account_services.unblock_user(blocker=mentor2, blocked=listener)
    c.get(url)
    make_mentorship(
        mentor2,
        listener,
        status=MentorshipStatus.ENDED,
        end_reason=EndReason.REMATCH,
        ended_at=timezone.now(),
    )
    body = text(c.get(url))
    assert "max-mentor" in results(c.get(url))  # still in the directory
    assert 'data-testid="suggestion"' not in body


def test_profile_edits_show_at_once_despite_the_card_cache(people, login):
    c = login(people["listener"])
    url = reverse("mentorship:directory")
    assert "Mo the Mentor" not in text(c.get(url))
    profile = people["mentor"].profile
    profile.display_name = "Mo the Mentor"
    profile.save()
    mentor_profile = MentorProfile.objects.get(pk=people["mentor"].pk)
    mentor_profile.track_group_i = True
    mentor_profile.save()
    body = results(c.get(url))
    assert "Mo the Mentor" in body
    assert "Group support · Track I" in body


# --- a mentor's page and requests ---------------------------------------------------------


def test_mentor_page_shows_the_card_approach_and_request_form(people, login):
    response = login(people["listener"]).get(reverse("mentorship:mentor", args=["mo-mentor"]))
    assert response.status_code == 200
    body = text(response)
    assert "How I mentor" in body
    assert "I listen first" in body
    assert 'action="/mentors/mo-mentor/request/"' in body
    assert 'name="goal"' in body


def test_a_mentor_sees_their_own_card_without_a_request_form(people, login):
    body = text(login(people["mentor"]).get(reverse("mentorship:mentor", args=["mo-mentor"])))
    assert "This is how listeners see you" in body
    assert 'name="goal"' not in body


@pytest.mark.parametrize(
    ("viewer", "name"),
    [
        ("teen_listener", "mo-mentor"),  # other band
        ("listener", "tia-teen-mentor"),  # other band
        ("listener", "lou-listener"),  # not a mentor
        ("listener", "x" * 400),  # no such account could exist
    ],
)
def test_hidden_mentors_answer_exactly_like_missing_ones(people, login, viewer, name):
    c = login(people[viewer])
    hidden = c.get(reverse("mentorship:mentor", args=[name]))
    missing = c.get(reverse("mentorship:mentor", args=["nobody-at-all"]))
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)


def test_a_blocked_mentor_is_missing(people, login):
    account_services.block_user(blocker=people["mentor"], blocked=people["listener"])
    c = login(people["listener"])
    assert c.get(reverse("mentorship:mentor", args=["mo-mentor"])).status_code == 404
    assert "mo-mentor" not in text(c.get(reverse("mentorship:directory")))
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "hi"})
    assert response.status_code == 404
    assert MentorRequest.objects.count() == 0


def test_requesting_a_mentor(people, login):
    response = login(people["listener"]).post(
        reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Grow as a listener"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:hub")
    request = MentorRequest.objects.get()
    assert request.mentee == people["listener"]
    assert request.goal == "Grow as a listener"
    target = request.targets.get()
    assert (target.mentor, target.status) == (people["mentor"], TargetStatus.PENDING)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "Please write a goal"),
        ({"goal": "   "}, 400, "Please write a goal"),
        ({"goal": "x" * 5000}, 400, "at most 1000"),
        ({"goal": "bad\x00byte"}, 400, "not allowed"),
    ],
)
def test_bad_request_input_is_refused_and_saves_nothing(people, login, data, status, message):
    response = login(people["listener"]).post(
        reverse("mentorship:request", args=["mo-mentor"]), data
    )
    assert response.status_code == status
    assert message in text(response)
    assert MentorRequest.objects.count() == 0
    assert RequestTarget.objects.count() == 0


def test_requests_to_full_paused_or_already_asked_mentors_are_refused(people, login):
    c = login(people["listener"])
    make_mentorship(people["mentor2"], people["listener2"])  # max-mentor (capacity 1) is full
    response = c.post(reverse("mentorship:request", args=["max-mentor"]), {"goal": "Hello"})
    assert response.status_code == 400
    assert "is full right now" in text(response)
    MentorProfile.objects.filter(pk=people["mentor"].pk).update(capacity=0)
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hello"})
    assert response.status_code == 400
    assert "paused mentoring" in text(response)
    assert MentorRequest.objects.count() == 0
    MentorProfile.objects.filter(pk=people["mentor"].pk).update(capacity=2)
    assert (
        c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hello"}).status_code
        == 302
    )
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Again"})
    assert response.status_code == 409
    assert "already have a request waiting" in text(response)
    assert MentorRequest.objects.count() == 1


def test_cross_band_and_non_listener_requests_are_refused(people, login):
    teen = login(people["teen_listener"])
    response = teen.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hi"})
    assert response.status_code == 404
    member = login(people["member"])
    response = member.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hi"})
    assert response.status_code == 403
    assert "Mentoring is for listeners" in text(response)
    assert MentorRequest.objects.count() == 0


def test_post_only_endpoints_refuse_get(people, login):
    c = login(people["listener"])
    m = active_pair(people)
    for url in [
        reverse("mentorship:request", args=["mo-mentor"]),
        reverse("mentorship:withdraw", args=[1]),
        reverse("mentorship:accept_request", args=[1]),
        reverse("mentorship:decline_request", args=[1]),
        reverse("mentorship:accept_proposal", args=[m.pk]),
        reverse("mentorship:decline_proposal", args=[m.pk]),
        reverse("mentorship:log_conversation", args=[m.pk]),
        reverse("mentorship:check_in", args=[m.pk]),
        reverse("mentorship:flag", args=[m.pk]),
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]),
        reverse("mentorship:matching_publish", args=[1]),
    ]:
        assert c.get(url).status_code == 405, url
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE


def test_ranked_request_cascades_through_the_chosen_order(people, login):
    c = login(people["listener"])
    page = c.get(reverse("mentorship:ranked_request"))
    assert page.status_code == 200
    assert '<option value="mo-mentor">' in text(page)
    assert "tia-teen-mentor" not in text(page)
    response = c.post(
        reverse("mentorship:ranked_request"),
        {"first": "max-mentor", "second": "mo-mentor", "goal": "Lead a group one day"},
    )
    assert response.status_code == 302
    request = MentorRequest.objects.get()
    assert [(t.mentor.username, t.status) for t in request.targets.order_by("rank")] == [
        ("max-mentor", TargetStatus.PENDING),
        ("mo-mentor", TargetStatus.QUEUED),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first": "mo-mentor", "second": "mo-mentor", "goal": "x"}, "only once"),
        ({"first": "tia-teen-mentor", "goal": "x"}, "valid choice"),
        ({"first": "lou-listener", "goal": "x"}, "valid choice"),
        ({"goal": "x"}, "Choose at least one mentor"),
        ({"first": "mo-mentor", "third": "max-mentor", "goal": "x"}, "second choice before"),
        ({"first": "mo-mentor"}, "Please write a goal"),
        ({"first": "mo-mentor", "goal": "y" * 2000}, "at most 1000"),
    ],
)
def test_bad_ranked_requests_answer_400(people, login, data, message):
    response = login(people["listener"]).post(reverse("mentorship:ranked_request"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert MentorRequest.objects.count() == 0


def test_ranked_request_is_for_listeners(people, login):
    assert login(people["member"]).get(reverse("mentorship:ranked_request")).status_code == 403


# --- mentor settings ----------------------------------------------------------------------


def settings_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "capacity": "3",
        "specialties": [Topic.objects.get(slug="grief-loss").pk],
        "track_listeners": "on",
        "track_group_ii": "on",
        "approach": "Small steps, kind words.",
        "availability": ["9", "10", "33"],
    }
    data.update(overrides)
    return data


def test_a_mentor_saves_their_settings(people, login):
    c = login(people["mentor"])
    page = c.get(reverse("mentorship:settings"))
    assert page.status_code == 200
    assert 'name="capacity"' in text(page)
    response = c.post(reverse("mentorship:settings"), settings_data())
    assert response.status_code == 302
    profile = MentorProfile.objects.get(pk=people["mentor"].pk)
    assert profile.capacity == 3
    assert (profile.track_listeners, profile.track_group_i, profile.track_group_ii) == (
        True,
        False,
        True,
    )
    assert profile.approach == "Small steps, kind words."
    assert list(profile.specialties.values_list("slug", flat=True)) == ["grief-loss"]
    assert User.objects.get(pk=people["mentor"].pk).profile.available_hours() == [9, 10, 33]


def test_a_new_mentor_creates_their_profile_with_capacity_zero_meaning_paused(people, login):
    fresh = UserFactory.create(username="new-mentor", listener=True, roles=[Role.MENTOR])
    response = login(fresh).post(reverse("mentorship:settings"), settings_data(capacity="0"))
    assert response.status_code == 302
    assert MentorProfile.objects.get(pk=fresh.pk).capacity == 0
    body = text(login(people["listener"]).get(reverse("mentorship:directory")))
    assert "Paused" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "21"}, "less than or equal to 20"),
        ({"capacity": "-1"}, "greater than or equal to 0"),
        ({"capacity": "lots"}, "whole number"),
        ({"capacity": ""}, "required"),
        ({"track_listeners": "", "track_group_ii": ""}, "at least one mentoring track"),
        ({"specialties": ["99999"]}, "valid choice"),
        ({"specialties": ["99999999999999999999"]}, "not a valid value"),
        ({"approach": "a\x00b"}, "NUL"),
        ({"availability": ["168"]}, "valid choice"),
        ({"approach": "z" * 1001}, "at most 1000"),
    ],
)
def test_bad_settings_answer_400_and_save_nothing(people, login, overrides, message):
    response = login(people["mentor"]).post(
        reverse("mentorship:settings"), settings_data(**overrides)
    )
    assert response.status_code == 400
    assert message in text(response)
    profile = MentorProfile.objects.get(pk=people["mentor"].pk)
    assert profile.capacity == 2
    assert profile.approach.startswith("I listen first")


def test_people_who_may_not_mentor_get_403_with_the_reason(people, login):
    for who in ("listener", "member", "staff"):
        response = login(people[who]).get(reverse("mentorship:settings"))
        assert response.status_code == 403
        assert "people staff have made mentors" in text(response)
    response = login(people["listener"]).post(reverse("mentorship:settings"), settings_data())
    assert response.status_code == 403
    assert not MentorProfile.objects.filter(pk=people["listener"].pk).exists()


# --- the hub, withdrawing and answering ---------------------------------------------------


def test_hub_shows_requests_mentorships_and_for_mentors_what_waits(people, login):
    requests.request_mentors(mentee=people["listener"], mentors=[people["mentor"]], goal="Grow")
    listener_hub = text(login(people["listener"]).get(reverse("mentorship:hub")))
    assert "Your requests" in listener_hub
    assert "Withdraw this request" in listener_hub
    assert "Requests waiting for your answer" not in listener_hub
    mentor_hub = text(login(people["mentor"]).get(reverse("mentorship:hub")))
    assert "Requests waiting for your answer" in mentor_hub
    assert "Accept lee-listener" in mentor_hub
    assert "Grow" in mentor_hub


def test_withdrawing_a_request(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    other = login(people["listener2"]).post(reverse("mentorship:withdraw", args=[request.pk]))
    assert other.status_code == 404
    assert MentorRequest.objects.get().status == RequestStatus.OPEN
    c = login(people["listener"])
    response = c.post(reverse("mentorship:withdraw", args=[request.pk]))
    assert response.status_code == 302
    assert MentorRequest.objects.get().status == RequestStatus.WITHDRAWN
    again = c.post(reverse("mentorship:withdraw", args=[request.pk]))
    assert again.status_code == 409
    assert "already closed" in text(again)
    assert c.post("/mentorships/requests/abc/withdraw/").status_code == 404
    assert c.post("/mentorships/requests/" + "9" * 40 + "/withdraw/").status_code == 404
    assert c.post(reverse("mentorship:withdraw", args=[9_999_999])).status_code == 404


def test_a_mentor_accepts_a_request_and_lands_in_the_space(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    target = request.targets.get()
    wrong = login(people["mentor2"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    assert wrong.status_code == 404
    assert Mentorship.objects.count() == 0
    response = login(people["mentor"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    m = Mentorship.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[m.pk])
    assert (m.mentor, m.mentee, m.status) == (
        people["mentor"],
        people["listener"],
        MentorshipStatus.ACTIVE,
    )
    again = login(people["mentor"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    assert again.status_code == 409
    assert Mentorship.objects.count() == 1


def test_accepting_at_capacity_is_refused_with_a_message(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor2"]], goal="Grow"
    ).obj
    make_mentorship(people["mentor2"], people["listener2"])  # the one slot is taken meanwhile
    response = login(people["mentor2"]).post(
        reverse("mentorship:accept_request", args=[request.targets.get().pk])
    )
    assert response.status_code == 409
    assert "at capacity" in text(response)
    assert Mentorship.objects.filter(mentee=people["listener"]).count() == 0


def test_declining_a_request_with_a_reason(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    target = request.targets.get()
    c = login(people["mentor"])
    too_long = c.post(
        reverse("mentorship:decline_request", args=[target.pk]), {"reason": "r" * 501}
    )
    assert too_long.status_code == 400
    assert "at most 500" in text(too_long)
    assert RequestTarget.objects.get().status == TargetStatus.PENDING
    response = c.post(
        reverse("mentorship:decline_request", args=[target.pk]), {"reason": "Full this month"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.decline_reason) == (TargetStatus.DECLINED, "Full this month")


def test_answering_proposals(people, login):
    proposed = make_mentorship(
        people["mentor"],
        people["listener"],
        status=MentorshipStatus.PROPOSED,
        explanation=["both speak Spanish", "3 shared topics"],
        score=71.5,
    )
    hub = text(login(people["mentor"]).get(reverse("mentorship:hub")))
    assert "Proposed matches" in hub
    assert "both speak Spanish" in hub
    assert "3 shared topics" in hub
    mentee = login(people["listener"])
    assert mentee.post(reverse("mentorship:accept_proposal", args=[proposed.pk])).status_code == 404
    response = login(people["mentor"]).post(
        reverse("mentorship:accept_proposal", args=[proposed.pk])
    )
    assert response.status_code == 302
    assert Mentorship.objects.get(pk=proposed.pk).status == MentorshipStatus.ACTIVE
    again = login(people["mentor"]).post(
        reverse("mentorship:decline_proposal", args=[proposed.pk]), {"reason": ""}
    )
    assert again.status_code == 409
    assert "already been answered" in text(again)


def test_declining_a_proposal(people, login):
    proposed = make_mentorship(people["mentor"], people["listener"], status="proposed")
    response = login(people["mentor"]).post(
        reverse("mentorship:decline_proposal", args=[proposed.pk]), {"reason": "Not my area"}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.end_note) == (MentorshipStatus.DECLINED, "Not my area")


# --- the space ----------------------------------------------------------------------------


def test_the_space_of_an_active_mentorship(people, login):
    m = make_mentorship(
        people["mentor"],
        people["listener"],
        goal="Find my footing",
        explanation=["both speak English"],
    )
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Welcome!")
    response = login(people["listener"]).get(reverse("mentorship:space", args=[m.pk]))
    assert response.status_code == 200
    body = text(response)
    assert 'id="chat"' in body
    assert f'data-ws-url="/ws/mentorships/{m.pk}/"' in body
    assert "Welcome!" in body
    assert 'id="chat-form"' in body
    assert "Find my footing" in body
    assert "both speak English" in body
    assert reverse("mentorship:cant_reach", args=[m.pk]) in body
    assert "I can't get in touch" in body
    assert f'action="/mentorships/{m.pk}/conversations/"' in body
    assert f'action="/mentorships/{m.pk}/check-ins/"' in body
    assert f'action="/mentorships/{m.pk}/flags/"' in body
    assert reverse("mentorship:directory") in body


def test_the_space_is_for_the_two_parties_only(people, login):
    m = active_pair(people)
    missing_id = 9_999_999
    for who in ("listener2", "staff", "mentor2", "teen_listener", "member"):
        c = login(people[who])
        hidden = c.get(reverse("mentorship:space", args=[m.pk]))
        missing = c.get(reverse("mentorship:space", args=[missing_id]))
        assert hidden.status_code == missing.status_code == 404, who
        assert masked(hidden.content) == masked(missing.content), who
    assert login(people["mentor"]).get(reverse("mentorship:space", args=[m.pk])).status_code == 200


def test_a_proposed_space_waits_for_the_mentor(people, login):
    m = make_mentorship(
        people["mentor"], people["listener"], status="proposed", explanation=["6 h overlapping"]
    )
    mentee_view = text(login(people["listener"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "waiting for your mentor to accept" in mentee_view
    assert "6 h overlapping" in mentee_view
    assert 'id="chat"' not in mentee_view
    mentor_view = text(login(people["mentor"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "Accept the match" in mentor_view


def test_an_ended_space_shows_a_summary_and_no_chat(people, login):
    m = active_pair(people)
    lifecycle.request_rematch(user=people["listener"], mentorship_id=m.pk, note="No answers")
    body = text(login(people["listener"]).get(reverse("mentorship:space", args=[m.pk])))
    assert "This mentorship has ended" in body
    assert "Asked for a new match" in body
    assert "No answers" in body
    assert 'id="chat-form"' not in body
    assert 'id="chat"' not in body


def test_space_query_count_is_flat(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    url = reverse("mentorship:space", args=[m.pk])
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    baseline = len(few.captured_queries)
    assert baseline <= SPACE_QUERIES, "\n".join(q["sql"][:200] for q in few.captured_queries)
    for i in range(5):
        chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body=f"m{i}")
        chat.post_message(sender=people["listener"], mentorship_id=m.pk, body=f"r{i}")
        logs.check_in(user=people["listener"], mentorship_id=m.pk, rating=4, note=f"n{i}")
        logs.log_conversation(
            user=people["mentor"],
            mentorship_id=m.pk,
            kind="call",
            day=timezone.localdate(),
            note=f"call {i}",
        )
    with CaptureQueriesContext(connection) as more:
        response = c.get(url)
    assert "call 4" in text(response)
    assert "r4" in text(response)
    assert len(more.captured_queries) == baseline


def test_logging_a_conversation(people, login):
    m = active_pair(people)
    today = timezone.localdate().isoformat()
    response = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]),
        {"kind": "video", "day": today, "note": "Good talk"},
    )
    assert response.status_code == 302
    c = Conversation.objects.get()
    assert (c.kind, c.note, c.logged_by) == ("video", "Good talk", people["listener"])


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "required"),
        ({"kind": "chat", "day": "2026-01-01"}, 400, "valid choice"),
        ({"kind": "call", "day": "yesterday"}, 400, "YYYY-MM-DD"),
        ({"kind": "call", "day": "1900-01-01"}, 400, "too far in the past"),
        ({"kind": "call", "day": "+1"}, 400, "future date"),
        ({"kind": "call", "day": "0", "note": "n" * 501}, 400, "at most 500"),
    ],
)
def test_bad_conversation_logs_answer_4xx_and_save_nothing(people, login, data, status, message):
    m = active_pair(people)
    if data.get("day") == "+1":
        data["day"] = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    elif data.get("day") == "0":
        data["day"] = timezone.localdate().isoformat()
    response = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert response.status_code == status
    assert message in text(response)
    assert Conversation.objects.count() == 0


def test_logging_on_an_ended_mentorship_or_as_an_outsider_is_refused(people, login):
    m = active_pair(people)
    data = {"kind": "call", "day": timezone.localdate().isoformat()}
    outsider = login(people["listener2"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert outsider.status_code == 404
    lifecycle.end_mentorship(actor=people["mentor"], mentorship_id=m.pk, reason=EndReason.COMPLETED)
    ended = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert ended.status_code == 409
    assert "not active" in text(ended)
    assert Conversation.objects.count() == 0


def test_check_ins(people, login):
    m = active_pair(people)
    c = login(people["mentor"])
    response = c.post(reverse("mentorship:check_in", args=[m.pk]), {"rating": "4", "note": "Fine"})
    assert response.status_code == 302
    assert CheckIn.objects.get().rating == 4
    for data in ({"rating": "9"}, {"rating": "abc"}, {}, {"rating": "3", "note": "n" * 1001}):
        bad = c.post(reverse("mentorship:check_in", args=[m.pk]), data)
        assert bad.status_code == 400, data
    assert CheckIn.objects.count() == 1


def test_flags_tell_staff_at_once_when_immediate(people, login, django_capture_on_commit_callbacks):
    m = active_pair(people)
    c = login(people["listener"])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("mentorship:flag", args=[m.pk]),
            {"topic": "safety", "priority": "immediate", "note": "Worried"},
        )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.topic, flag.priority, flag.raised_by) == (
        "safety",
        "immediate",
        people["listener"],
    )
    assert any("IMMEDIATE" in msg.subject for msg in mail.outbox)
    for data in (
        {"topic": "safety", "priority": "whenever"},
        {"topic": "aliens", "priority": "can_wait"},
        {},
    ):
        assert c.post(reverse("mentorship:flag", args=[m.pk]), data).status_code == 400
    assert (
        login(people["listener2"])
        .post(reverse("mentorship:flag", args=[m.pk]), {"topic": "safety", "priority": "can_wait"})
        .status_code
        == 404
    )
    assert Flag.objects.count() == 1


# --- "I can't get in touch" ---------------------------------------------------------------


def test_cant_reach_offers_every_branch_and_hides_the_mentor_only_one(people, login):
    m = active_pair(people)
    mentee_page = text(login(people["listener"]).get(reverse("mentorship:cant_reach", args=[m.pk])))
    for branch in ("outreach", "staff", "rematch", "leave"):
        assert f'action="/mentorships/{m.pk}/cant-get-in-touch/{branch}/"' in mentee_page
    assert "no-rematch" not in mentee_page
    assert "I&#x27;m glad we&#x27;ve been matched" in mentee_page
    mentor_page = text(login(people["mentor"]).get(reverse("mentorship:cant_reach", args=[m.pk])))
    assert f'action="/mentorships/{m.pk}/cant-get-in-touch/no-rematch/"' in mentor_page
    assert len(set(re.findall(r'id="([^"]+)"', mentor_page))) == len(
        re.findall(r'id="([^"]+)"', mentor_page)
    ), "element ids must be unique"


def test_branch_leave(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]), {"note": "Too busy"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.end_reason, m.end_note) == ("ended", EndReason.LEFT_PROGRAM, "Too busy")


def test_branch_outreach_sends_the_template(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "outreach"])
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.sender == people["listener"]
    assert "mo-mentor" in message.body


def test_branch_staff_opens_a_ticket(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    empty = c.post(reverse("mentorship:cant_reach_action", args=[m.pk, "staff"]), {"body": " "})
    assert empty.status_code == 400
    assert "Please write a message for staff" in text(empty)
    assert StaffTicket.objects.count() == 0
    response = c.post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "staff"]), {"body": "No reply"}
    )
    assert response.status_code == 302
    ticket = StaffTicket.objects.get()
    assert (ticket.opened_by, ticket.mentorship_id, ticket.body) == (
        people["listener"],
        m.pk,
        "No reply",
    )


def test_branch_rematch_ends_and_never_rematches(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"]), {"note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[m.pk])
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", EndReason.REMATCH)
    again = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "rematch"])
    )
    assert again.status_code == 409


def test_branch_no_rematch_is_for_mentors_only(people, login):
    m = active_pair(people)
    refused = login(people["listener"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"])
    )
    assert refused.status_code == 403
    assert "Only the mentor" in text(refused)
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    response = login(people["mentor"]).post(
        reverse("mentorship:cant_reach_action", args=[m.pk, "no-rematch"])
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.end_reason) == ("ended", EndReason.MENTOR_NO_REMATCH)
    assert MentorProfile.objects.get(pk=people["mentor"].pk).capacity == 1


def test_cant_reach_refuses_outsiders_and_unknown_branches(people, login):
    m = active_pair(people)
    outsider = login(people["listener2"])
    for branch in ("leave", "rematch", "staff", "outreach"):
        assert (
            outsider.post(
                reverse("mentorship:cant_reach_action", args=[m.pk, branch]), {"body": "x"}
            ).status_code
            == 404
        )
    assert outsider.get(reverse("mentorship:cant_reach", args=[m.pk])).status_code == 404
    party = login(people["listener"])
    assert party.post(f"/mentorships/{m.pk}/cant-get-in-touch/explode/").status_code == 404
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE
    assert StaffTicket.objects.count() == 0


# --- escaping -----------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(people, login):
    listener = people["listener"]
    listener.profile.display_name = XSS
    listener.profile.save()
    mentor = people["mentor"]
    mentor.profile.display_name = XSS
    mentor.profile.save()
    MentorProfile.objects.filter(pk=mentor.pk).update(approach=XSS)
    requests.request_mentors(mentee=listener, mentors=[mentor], goal=XSS)
    pages = [
        login(listener).get(reverse("mentorship:directory")),
        login(listener).get(reverse("mentorship:mentor", args=["mo-mentor"])),
        login(mentor).get(reverse("mentorship:hub")),
    ]
    m = make_mentorship(people["mentor2"], people["listener2"], goal=XSS, explanation=[XSS])
    logs.check_in(user=people["listener2"], mentorship_id=m.pk, rating=3, note=XSS)
    chat.post_message(sender=people["listener2"], mentorship_id=m.pk, body=XSS)
    pages.append(login(people["mentor2"]).get(reverse("mentorship:space", args=[m.pk])))
    for response in pages:
        body = text(response)
        assert response.status_code == 200
        assert XSS not in body
        assert ESCAPED in body


# --- staff: matching ----------------------------------------------------------------------


def test_the_matching_screen_is_for_staff_only(people, login):
    for who in ("listener", "mentor", "member"):
        c = login(people[who])
        assert c.get(reverse("mentorship:matching")).status_code == 403
        assert c.post(reverse("mentorship:matching")).status_code == 403
        assert c.post(reverse("mentorship:matching_publish", args=[1])).status_code == 403
    assert MatchRun.objects.count() == 0


def test_staff_run_preview_and_publish_matching(people, login):
    listener = people["listener"]
    listener.profile.languages.add(Language.objects.get(code="es"))
    c = login(people["staff"])
    assert c.get(reverse("mentorship:matching")).status_code == 200
    response = c.post(reverse("mentorship:matching"))
    run = MatchRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:matching_run", args=[run.pk])
    preview = c.get(reverse("mentorship:matching_run", args=[run.pk]))
    assert preview.status_code == 200
    body = text(preview)
    assert "Publish these proposals" in body
    proposals = MatchProposal.objects.filter(run=run)
    assert proposals.exists()
    assert proposals.first().mentee.username in body  # type: ignore[union-attr]
    assert c.get(reverse("mentorship:matching")).status_code == 200
    published = c.post(reverse("mentorship:matching_publish", args=[run.pk]))
    assert published.status_code == 302
    assert MatchRun.objects.get().status == MatchRunStatus.PUBLISHED
    assert Mentorship.objects.filter(source="matching").count() == proposals.count()
    again = c.post(reverse("mentorship:matching_discard", args=[run.pk]))
    assert again.status_code == 409
    assert "already published" in text(again)
    assert c.get(reverse("mentorship:matching_run", args=[9_999_999])).status_code == 404
    assert c.post(reverse("mentorship:matching_publish", args=[9_999_999])).status_code == 404


def test_staff_discard_a_run(people, login):
    c = login(people["staff"])
    c.post(reverse("mentorship:matching"))
    run = MatchRun.objects.get()
    response = c.post(reverse("mentorship:matching_discard", args=[run.pk]))
    assert response.status_code == 302
    assert MatchRun.objects.get().status == MatchRunStatus.DISCARDED
    assert Mentorship.objects.count() == 0


# --- the dashboard ------------------------------------------------------------------------


def test_dashboard_connects_listeners_and_shows_mentors_what_waits(people, login):
    listener_home = text(login(people["listener"]).get("/"))
    assert "Connect with a mentor" in listener_home
    assert 'href="/mentors/"' in listener_home
    member_home = text(login(people["member"]).get("/"))
    assert "Connect with a mentor" not in member_home
    requests.request_mentors(mentee=people["listener"], mentors=[people["mentor"]], goal="Grow")
    mentor_home = text(login(people["mentor"]).get("/"))
    assert "1 request waiting for your answer" in mentor_home


def test_dashboard_links_the_current_mentorship_with_its_unread_count(people, login):
    m = active_pair(people)
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Hi")
    chat.post_message(sender=people["mentor"], mentorship_id=m.pk, body="Are you there?")
    body = text(login(people["listener"]).get("/"))
    assert reverse("mentorship:space", args=[m.pk]) in body
    assert "2 unread" in body
    assert "Connect with a mentor" not in body.split('id="mentoring"')[1].split("</section>")[0]


def test_suspended_people_see_their_dashboard_without_mentoring(people, login):
    listener = people["listener"]
    account_services.suspend_user(
        actor=people["staff"],
        user=listener,
        until=timezone.now() + dt.timedelta(days=1),
        reason="Rude",
    )
    c = login(listener)
    assert c.get("/").status_code == 200
    assert c.get(reverse("mentorship:directory")).status_code == 403


def test_no_suggestions_for_someone_who_has_a_mentor(people, login):
    active_pair(people)
    body = text(login(people["listener"]).get(reverse("mentorship:directory")))
    assert "Suggested for you" not in body
    assert "You already have a mentor" in body


# --- idempotency keys: a resent or double-clicked form stores one row -----------------------


def test_every_creating_form_renders_a_fresh_key(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    page = text(c.get(reverse("mentorship:space", args=[m.pk])))
    keys = re.findall(r'<input type="hidden" name="key" value="([0-9a-f-]{36})"', page)
    assert len(keys) == 3  # conversation log, check-in, flag
    assert len(set(keys)) == 3
    again = text(c.get(reverse("mentorship:space", args=[m.pk])))
    assert not set(keys) & set(re.findall(r'name="key" value="([0-9a-f-]{36})"', again))
    reach = text(c.get(reverse("mentorship:cant_reach", args=[m.pk])))
    assert len(re.findall(r'<input type="hidden" name="key" value="[0-9a-f-]{36}"', reach)) == 1


@pytest.mark.parametrize(
    ("url_name", "data", "model"),
    [
        ("mentorship:flag", {"topic": "safety", "priority": "immediate", "note": "!"}, Flag),
        ("mentorship:check_in", {"rating": "4", "note": "Fine"}, CheckIn),
        ("mentorship:log_conversation", {"kind": "call", "day": "today"}, Conversation),
    ],
)
def test_a_form_posted_twice_with_its_key_stores_one_row(
    people, login, django_capture_on_commit_callbacks, url_name, data, model
):
    m = active_pair(people)
    c = login(people["listener"])
    if data.get("day") == "today":
        data = {**data, "day": timezone.localdate().isoformat()}
    posted = {**data, "key": "3f0c8a9e-1d2b-4c5d-8e7f-112233445566"}
    url = reverse(url_name, args=[m.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = c.post(url, posted)
        second = c.post(url, posted)  # a double click, or a retry after an error page
    assert (first.status_code, second.status_code) == (302, 302)
    assert model.objects.count() == 1
    assert model.objects.get().idempotency_key == posted["key"]
    if model is Flag:  # staff were told once
        assert sum("IMMEDIATE" in msg.subject for msg in mail.outbox) == 1
    third = c.post(url, {**data, "key": "another-key"})  # a new form is a new row
    assert third.status_code == 302
    assert model.objects.count() == 2


def test_a_ticket_posted_twice_with_its_key_is_one_ticket(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    url = reverse("mentorship:cant_reach_action", args=[m.pk, "staff"])
    for _ in range(2):
        assert c.post(url, {"body": "No reply", "key": "k-1"}).status_code == 302
    assert StaffTicket.objects.count() == 1


def test_a_damaged_key_is_a_clear_400_and_saves_nothing(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:check_in", args=[m.pk]), {"rating": "4", "key": "bad key"}
    )
    assert response.status_code == 400
    assert "key is damaged: reload the page" in text(response)
    assert CheckIn.objects.count() == 0


def test_a_broadcast_that_fails_after_commit_still_answers_success(
    people, login, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """Redis down at the moment of the broadcast: the message is stored, so the answer is the
    success redirect (it was a 500, and the user's retry stored a duplicate)."""
    from peerpath.core import hub as core_hub

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
