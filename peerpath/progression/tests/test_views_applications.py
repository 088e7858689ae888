"""Applying for a role (eligible, not yet, other band, twice, bad input), withdrawing, the
review queue (who sees it, approve, decline, own application), and hostile input (huge and
HTML statements, odd ids, unknown decisions)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from peerpath.activity.models import ActivityKind
from peerpath.progression.models import Application, ApplicationStatus, Award, Certificate
from peerpath.progression.services.applications import apply_for_role
from peerpath.progression.tests.helpers import (
    ESCAPED,
    MODERATOR_APPLY,
    PATH,
    REVIEWS,
    STATEMENT,
    XSS,
    achievement,
    apply_now,
    events,
    grant,
    item_html,
    listener,
    make_moderator_eligible,
    masked,
    staff_user,
    text,
)

pytestmark = pytest.mark.django_db

# --- applying -----------------------------------------------------------------------------


def test_ineligible_get_lists_what_is_missing_instead_of_the_form(login) -> None:
    lee = listener("lee-listener")
    events(lee, ActivityKind.GROUP_CHAT, 5)
    response = login(lee).get(MODERATOR_APPLY)
    assert response.status_code == 200
    body = text(response)
    assert "Apply: Chatroom Moderator" in body
    assert "Keeps the chat rooms safe" in body  # the description
    assert 'data-testid="unmet"' in body
    unmet = body.split('data-testid="unmet"', 1)[1].split("</ul>", 1)[0]
    assert "Holds Room Supporter" in unmet
    assert "5 of 20 group chats" in unmet
    assert "0 of 3 positive reviews" in unmet
    assert 'name="statement"' not in body


def test_ineligible_post_is_refused_and_saves_nothing(login) -> None:
    lee = listener("lee-listener")
    response = login(lee).post(MODERATOR_APPLY, {"statement": STATEMENT})
    assert response.status_code == 400
    body = text(response)
    assert "Not yet:" in body
    assert STATEMENT in body  # kept, not lost
    assert not Application.objects.exists()


def test_eligible_get_shows_the_form(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    body = text(login(lee).get(MODERATOR_APPLY))
    assert "You meet every criterion" in body
    assert 'name="statement"' in body
    assert 'name="track"' not in body  # this role has no tracks
    assert "<label" in body


def test_eligible_post_saves_one_application_and_a_second_is_a_conflict(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    c = login(lee)
    response = c.post(MODERATOR_APPLY, {"statement": STATEMENT})
    assert response.status_code == 302
    assert response["Location"] == PATH
    app = Application.objects.get()
    assert (app.user, app.achievement.slug, app.status) == (
        lee,
        "chatroom-moderator",
        ApplicationStatus.PENDING,
    )
    assert app.statement == STATEMENT
    page = c.get(PATH)
    assert "Your application for Chatroom Moderator is sent" in text(page)
    assert "Application pending" in item_html(page, "chatroom-moderator")

    again = c.post(MODERATOR_APPLY, {"statement": STATEMENT + " Again."})
    assert again.status_code == 409
    assert "already applied" in text(again)
    assert STATEMENT + " Again." in text(again)
    assert Application.objects.count() == 1
    # GET now says it is waiting, with a withdraw button instead of the form
    body = text(c.get(MODERATOR_APPLY))
    assert "waiting for review" in body
    assert reverse("progression-withdraw", args=[app.pk]) in body
    assert 'name="statement"' not in body


def test_a_teen_cannot_apply_for_an_adults_only_role(login) -> None:
    tam = listener("tam-teen", teen=True)
    c = login(tam)
    for slug in ("mentor-leader", "ambassador"):
        url = f"/path/apply/{slug}/"
        get = c.get(url)
        assert get.status_code == 200
        assert "is a role for adults" in text(get)
        assert 'name="statement"' not in text(get)
        post = c.post(url, {"statement": STATEMENT})
        assert post.status_code == 400
        assert "is a role for adults" in text(post)
    assert not Application.objects.exists()


def test_an_automatic_role_is_not_applied_for(login) -> None:
    lee = listener("lee-listener")
    response = login(lee).post("/path/apply/room-supporter/", {"statement": STATEMENT})
    assert response.status_code == 400
    assert "not a role you apply for" in text(response)
    assert not Application.objects.exists()


def test_a_held_role_is_not_applied_for_again(login) -> None:
    lee = listener("lee-listener")
    grant(lee, "chatroom-moderator")
    body = text(login(lee).get(MODERATOR_APPLY))
    assert "You already hold Chatroom Moderator" in body
    assert 'name="statement"' not in body


def test_a_short_statement_is_refused_with_the_rule_and_kept(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    response = login(lee).post(MODERATOR_APPLY, {"statement": "  Pick me!  "})
    assert response.status_code == 400
    body = text(response)
    assert "Write a short statement of 20 to 1,500 characters" in body
    assert "Pick me!" in body
    assert 'name="statement"' in body  # the form is shown again
    assert not Application.objects.exists()


def test_an_empty_post_answers_400_with_the_message(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    response = login(lee).post(MODERATOR_APPLY, {})
    assert response.status_code == 400
    assert "Write a short statement of 20 to 1,500 characters" in text(response)
    assert not Application.objects.exists()


def test_a_huge_statement_is_refused(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    response = login(lee).post(MODERATOR_APPLY, {"statement": "x" * 100_000})
    assert response.status_code == 400
    assert "Keep your statement under 1,500 characters" in text(response)
    assert not Application.objects.exists()


def test_a_nul_character_is_refused(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    response = login(lee).post(MODERATOR_APPLY, {"statement": STATEMENT + "\x00"})
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_html_in_a_statement_is_shown_as_text(login) -> None:
    lee = listener("lee-listener")  # not eligible: the statement is shown back, escaped
    response = login(lee).post(MODERATOR_APPLY, {"statement": f"{XSS} I would like to help."})
    assert response.status_code == 400
    assert ESCAPED in text(response)
    assert XSS not in text(response)


def test_tracks_are_required_when_a_role_has_them(login) -> None:
    lee = listener("lee-listener")
    grant(lee, "chatroom-moderator", days_ago=60)
    events(lee, ActivityKind.REVIEW_POSITIVE, 10)
    events(lee, ActivityKind.HELP_GUIDE_COMPLETED, 30)
    events(lee, ActivityKind.GROUP_CHAT, 75)
    track = achievement("group-support-mentor").tracks[1]
    c = login(lee)
    url = "/path/apply/group-support-mentor/"
    assert 'name="track"' in text(c.get(url))
    missing = c.post(url, {"statement": STATEMENT})
    assert missing.status_code == 400
    assert "Choose one of the role&#x27;s tracks." in text(missing)
    made_up = c.post(url, {"statement": STATEMENT, "track": "Track IX"})
    assert made_up.status_code == 400
    assert not Application.objects.exists()
    ok = c.post(url, {"statement": STATEMENT, "track": track})
    assert ok.status_code == 302
    assert Application.objects.get().track == track


@pytest.mark.parametrize(
    "url", ["/path/apply/no-such-role/", "/path/apply/" + "a" * 500 + "/", "/path/apply/%00/"]
)
def test_unknown_roles_are_missing(login, url: str) -> None:
    assert login(listener("lee-listener")).get(url).status_code == 404


# --- withdrawing --------------------------------------------------------------------------


def test_withdraw_own_application(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    c = login(lee)
    url = reverse("progression-withdraw", args=[app.pk])
    response = c.post(url)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    again = c.post(url)
    assert again.status_code == 409
    assert "Only a pending application can be withdrawn." in text(again)
    assert c.get(url).status_code == 405


def test_withdrawing_someone_elses_application_is_a_404(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    other = login(listener("lou-listener"))
    url = reverse("progression-withdraw", args=[app.pk])
    response = other.post(url)
    missing = other.post(reverse("progression-withdraw", args=[999_999]))
    assert response.status_code == missing.status_code == 404
    assert masked(response.content) == masked(missing.content)
    assert login(staff_user()).post(url).status_code == 404
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


@pytest.mark.parametrize(
    "url",
    [
        "/path/applications/abc/withdraw/",
        "/path/applications/-1/withdraw/",
        "/path/applications/99999999999999999999999/withdraw/",
        "/path/reviews/abc/",
        "/path/reviews/1.5/",
        "/path/reviews/99999999999999999999999/",
    ],
)
def test_odd_ids_are_missing(login, url: str) -> None:
    assert login(staff_user()).post(url, {"decision": "approve"}).status_code == 404


# --- reviews ------------------------------------------------------------------------------


def test_the_queue_is_for_reviewers_only(login, world) -> None:
    for who in (world.adult_listener, world.teen_listener, world.adult_member, world.mentor):
        response = login(who).get(REVIEWS)
        assert response.status_code == 403
        assert "reviewed by Mentor Leaders, Ambassadors and staff" in text(response)
    assert login(world.staff).get(REVIEWS).status_code == 200
    assert "No applications are waiting" in text(login(world.staff).get(REVIEWS))
    suspended = login(world.suspended).get(REVIEWS)
    assert suspended.status_code == 403
    anonymous = Client().get(REVIEWS)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))


def test_staff_see_the_statement_and_the_applicants_criteria(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    apply_for_role(
        user=lee,
        achievement=achievement("chatroom-moderator"),
        statement=f"{STATEMENT} {XSS}",
    )
    staff = staff_user()
    response = login(staff).get(REVIEWS)
    assert response.status_code == 200
    body = text(response)
    assert "lee-listener applies for Chatroom Moderator" in body
    assert STATEMENT in body
    assert ESCAPED in body
    assert XSS not in body
    assert "20 of 20 group chats" in body
    assert "Still eligible" in body
    assert 'value="approve"' in body
    assert 'value="decline"' in body
    # the path links to the queue for reviewers
    assert REVIEWS in text(login(staff).get(PATH))


def test_approving_grants_the_role_with_a_certificate(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    c = login(staff_user())
    response = c.post(reverse("progression-review-decide", args=[app.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert response["Location"] == REVIEWS
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    award = Award.objects.get(user=lee, achievement__slug="chatroom-moderator")
    assert award.state == "active"
    assert Certificate.objects.filter(award=award).exists()
    assert lee.groups.filter(name=Group.objects.get(name="Moderator").name).exists()
    assert "Approved: lee-listener now holds Chatroom Moderator." in text(c.get(REVIEWS))
    mod = item_html(login(lee).get(PATH), "chatroom-moderator")
    assert 'data-testid="status">Held<' in mod
    # deciding again is a conflict, not a second grant
    again = c.post(reverse("progression-review-decide", args=[app.pk]), {"decision": "decline"})
    assert again.status_code == 409
    assert "already approved" in text(again)


def test_declining_needs_a_note(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    url = reverse("progression-review-decide", args=[app.pk])
    response = login(staff_user()).post(url, {"decision": "decline", "note": "   "})
    assert response.status_code == 400
    assert "Add a note for the applicant when declining" in text(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


def test_a_decline_note_reaches_the_applicant(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    note = "Thank you! Host two more evening rooms with a moderator, then apply again. <b>"
    response = login(staff_user()).post(
        reverse("progression-review-decide", args=[app.pk]), {"decision": "decline", "note": note}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DECLINED
    assert not Award.objects.filter(user=lee, achievement__slug="chatroom-moderator").exists()
    mod = item_html(login(lee).get(PATH), "chatroom-moderator")
    assert "was declined" in mod
    assert "Host two more evening rooms with a moderator, then apply again. &lt;b&gt;" in mod
    assert f'href="{MODERATOR_APPLY}"' in mod  # still eligible: may apply again


def test_a_reviewer_cannot_decide_their_own_application(login) -> None:
    staff = make_moderator_eligible(staff_user())
    app = apply_now(staff)
    c = login(staff)
    assert "applies for" not in text(c.get(REVIEWS))  # not in one's own queue
    response = c.post(reverse("progression-review-decide", args=[app.pk]), {"decision": "approve"})
    assert response.status_code == 403
    assert "You cannot review your own application." in text(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


@pytest.mark.parametrize("data", [{"decision": "foo"}, {}, {"decision": ""}])
def test_an_unknown_decision_is_a_400(login, data: dict[str, str]) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    response = login(staff_user()).post(reverse("progression-review-decide", args=[app.pk]), data)
    assert response.status_code == 400
    assert "Choose to approve or decline the application." in text(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


def test_a_huge_note_is_refused(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    response = login(staff_user()).post(
        reverse("progression-review-decide", args=[app.pk]),
        {"decision": "decline", "note": "n" * 50_000},
    )
    assert response.status_code == 400
    assert "Keep the note under 1,500 characters" in text(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


def test_non_reviewers_get_403_whether_or_not_the_application_exists(login) -> None:
    lee = make_moderator_eligible(listener("lee-listener"))
    app = apply_now(lee)
    other = login(listener("lou-listener"))
    real = other.post(reverse("progression-review-decide", args=[app.pk]), {"decision": "approve"})
    fake = other.post(reverse("progression-review-decide", args=[999_999]), {"decision": "approve"})
    assert real.status_code == fake.status_code == 403
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PENDING


def test_mentor_leaders_review_their_own_band_only(login) -> None:
    leader = listener("lea-leader")
    grant(leader, "mentor-leader")
    adult = make_moderator_eligible(listener("ada-adult"))
    teen = make_moderator_eligible(listener("tam-teen", teen=True))
    adult_app, teen_app = apply_now(adult), apply_now(teen)
    c = login(leader)
    body = text(c.get(REVIEWS))
    assert "ada-adult applies for" in body
    assert "tam-teen" not in body
    hidden = c.post(reverse("progression-review-decide", args=[teen_app.pk]), {"decision": "foo"})
    missing = c.post(reverse("progression-review-decide", args=[999_999]), {"decision": "foo"})
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)
    ok = c.post(reverse("progression-review-decide", args=[adult_app.pk]), {"decision": "approve"})
    assert ok.status_code == 302
    adult_app.refresh_from_db()
    teen_app.refresh_from_db()
    assert (adult_app.status, teen_app.status) == ("approved", "pending")


def test_review_routes_refuse_the_wrong_method(login) -> None:
    c = login(staff_user())
    assert c.post(REVIEWS).status_code == 405
    assert c.get(reverse("progression-review-decide", args=[1])).status_code == 405
    assert c.delete(MODERATOR_APPLY).status_code == 405


def test_the_queue_pages_and_keeps_the_page_in_the_form(login) -> None:
    moderator = achievement("chatroom-moderator")
    for i in range(12):  # setup only: rows written directly (the service is tested above)
        Application.objects.create(
            user=listener(f"app-{i:02d}"), achievement=moderator, statement=STATEMENT
        )
    c = login(staff_user())
    first = text(c.get(REVIEWS))
    assert first.count('data-testid="application"') == 10
    assert "Page 1 of 2" in first
    second = text(c.get(REVIEWS + "?page=2"))
    assert second.count('data-testid="application"') == 2
    assert "?page=2" in second.split('data-testid="application"', 1)[1]
    for junk in ("?page=abc", "?page=-4", "?page=99999999999999999999"):
        assert c.get(REVIEWS + junk).status_code == 200
