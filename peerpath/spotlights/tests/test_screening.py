"""Screening of spotlight texts (title, introduction, each question and answer) on the pages
and in the admin. The spotlight is always saved; the writer sees help; the staff queue gets
one alert per save, naming the row that held the words."""

from __future__ import annotations

import pytest
from django.test import Client

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Refused
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.safety.models import SafetyAlert
from peerpath.spotlights import services
from peerpath.spotlights.models import Spotlight, SpotlightAnswer
from tests.screening.admin_forms import change_form_data
from tests.screening.spotlights import QUESTION, draft_as

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life tonight"
HELP = 'data-testid="crisis-help"'


def _update(actor, spotlight, *, title="Meet them", intro="", answers) -> services.SpotlightSaved:
    return services.update_spotlight(
        actor=actor,
        spotlight_id=spotlight.pk,
        kind="interview",
        month=None,
        title=title,
        intro=intro,
        answers=answers,
    )


def test_a_crisis_answer_alerts_on_its_own_row_and_the_writer_gets_help() -> None:
    mentor = make_mentor(teen=True)
    saved = draft_as(mentor, answers=[(QUESTION, "Fine."), ("How are you now?", CRISIS)])

    assert saved.screening.resources
    row = SpotlightAnswer.objects.get(spotlight=saved.spotlight, position=2)
    alert = SafetyAlert.objects.get()
    assert (alert.source, alert.source_id) == ("spotlights.SpotlightAnswer", row.pk)
    assert (alert.channel, alert.writer_band, alert.queued) == ("spotlight", "teen", True)
    assert not alert.responders.exists()


def test_one_alert_per_save_and_none_for_unchanged_texts() -> None:
    mentor = make_mentor()
    saved = draft_as(mentor, title=CRISIS, answers=[(QUESTION, CRISIS)])
    assert SafetyAlert.objects.get().source == "spotlights.Spotlight"  # the first hit only

    again = _update(mentor, saved.spotlight, title=CRISIS, answers=[(QUESTION, CRISIS)])
    assert again.screening.alert is None
    assert SafetyAlert.objects.count() == 1

    changed = _update(
        mentor, saved.spotlight, title="Meet them", intro=CRISIS, answers=[(QUESTION, CRISIS)]
    )
    assert changed.screening.alert is not None  # the introduction is new


def test_ordinary_texts_and_refusals_raise_nothing() -> None:
    mentor = make_mentor()
    assert draft_as(mentor, intro="Listening helped me through a sad year.").screening.alert is None
    with pytest.raises(Refused):
        draft_as(mentor, title=CRISIS, answers=[("", CRISIS)])
    assert not SafetyAlert.objects.exists()


def test_the_spotlight_page_shows_help_after_drafting(client: Client, world) -> None:
    client.force_login(world.mentor)
    form = {"kind": "interview", "month": "", "title": "Hi", "intro": CRISIS}
    form |= {"question_1": QUESTION, "answer_1": "I wanted to give back."}

    response = client.post("/spotlights/new/", form, follow=True)

    spotlight = Spotlight.objects.get()
    assert response.redirect_chain[-1][0] == spotlight.get_absolute_url()
    assert HELP in response.content.decode()
    assert SafetyAlert.objects.filter(source_id=spotlight.pk).exists()

    edit = client.post(f"/spotlights/{spotlight.pk}/edit/", form | {"intro": ""}, follow=True)
    assert HELP not in edit.content.decode()


def test_bad_input_on_the_page_is_400_and_screens_nothing(client: Client, world) -> None:
    client.force_login(world.mentor)
    response = client.post("/spotlights/new/", {"kind": "interview", "title": CRISIS})
    assert response.status_code == 400
    assert not SafetyAlert.objects.exists()


def test_texts_corrected_in_the_admin_are_screened(client: Client) -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    spotlight = draft_as(make_mentor()).spotlight
    client.force_login(staff)
    url = f"/admin/spotlights/spotlight/{spotlight.pk}/change/"

    response = client.post(url, change_form_data(client.get(url), **{"answers-0-answer": CRISIS}))

    assert response.status_code == 302
    row = spotlight.answers.get()
    assert row.answer == CRISIS
    alert = SafetyAlert.objects.get()
    assert (alert.source, alert.source_id, alert.writer) == (
        "spotlights.SpotlightAnswer",
        row.pk,
        staff,
    )
    client.post(url, change_form_data(client.get(url), intro=CRISIS))
    assert SafetyAlert.objects.filter(source="spotlights.Spotlight").count() == 1
