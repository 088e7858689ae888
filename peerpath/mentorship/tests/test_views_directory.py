"""The mentor directory and a mentor's page: filters, pages, "Suggested for you", who
sees whom (teen/adult, blocks, hidden mentors), the card cache, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import Language, Topic
from peerpath.mentorship.models import (
    EndReason,
    MentorProfile,
    MentorRequest,
    MentorshipStatus,
)
from peerpath.mentorship.services import lifecycle
from peerpath.mentorship.tests.factories import make_mentor, make_mentorship
from peerpath.mentorship.tests.helpers import masked, results, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

DIRECTORY_QUERIES = 11  # 8 on PostgreSQL + Redis: 3 of these are reads of the cache table


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


def test_after_a_rematch_the_old_mentors_page_offers_no_request(people, login):
    """Issue 19: "find me a new match" left the old mentor's page offering "Send my request",
    which answered 404; the page asks the policy the request service applies."""
    m = make_mentorship(people["mentor"], people["listener"])
    lifecycle.request_rematch(user=people["listener"], mentorship_id=m.pk)
    c = login(people["listener"])
    body = text(c.get(reverse("mentorship:mentor", args=["mo-mentor"])))
    assert "Send my request" not in body
    assert 'name="goal"' not in body
    assert "be paired again" in body
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Again"})
    assert response.status_code == 409
    assert "be paired again" in text(response)
    assert MentorRequest.objects.count() == 0
    # another mentor's page still offers the form
    assert "Send my request" in text(c.get(reverse("mentorship:mentor", args=["max-mentor"])))


def test_with_a_mentor_a_mentors_page_says_so_with_a_link(people, login):
    m = make_mentorship(people["mentor"], people["listener"])
    MentorProfile.objects.filter(pk=people["mentor2"].pk).update(capacity=1)
    make_mentorship(people["mentor2"], people["listener2"])  # max-mentor is full too
    c = login(people["listener"])
    body = text(c.get(reverse("mentorship:mentor", args=["max-mentor"])))
    assert "You already have a mentor" in body
    assert f'href="{reverse("mentorship:space", args=[m.pk])}"' in body
    assert "is full right now" not in body
    assert "Send my request" not in body
    own = text(c.get(reverse("mentorship:mentor", args=["mo-mentor"])))
    assert "mo-mentor is your mentor" in own
    assert "Send my request" not in own
