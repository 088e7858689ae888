"""Staff: the matching screen (run, preview, publish, discard)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.accounts.models import Language
from peerpath.mentorship.models import (
    MatchProposal,
    MatchRun,
    MatchRunStatus,
    Mentorship,
)
from peerpath.mentorship.tests.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


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
    unconfirmed = c.post(reverse("mentorship:matching_publish", args=[run.pk]))
    assert unconfirmed.status_code == 400  # issue 19: publishing is confirmed by a ticked box
    assert "Tick the box to confirm" in text(unconfirmed)
    assert f"Yes, publish {proposals.count()} proposal" in text(unconfirmed)
    assert MatchRun.objects.get().status == MatchRunStatus.DRAFT
    assert Mentorship.objects.count() == 0
    published = c.post(reverse("mentorship:matching_publish", args=[run.pk]), {"confirm": "on"})
    assert published.status_code == 302
    assert MatchRun.objects.get().status == MatchRunStatus.PUBLISHED
    assert Mentorship.objects.filter(source="matching").count() == proposals.count()
    again = c.post(reverse("mentorship:matching_discard", args=[run.pk]))
    assert again.status_code == 409
    assert "already published" in text(again)
    assert c.get(reverse("mentorship:matching_run", args=[9_999_999])).status_code == 404
    missing = c.post(reverse("mentorship:matching_publish", args=[9_999_999]), {"confirm": "on"})
    assert missing.status_code == 404


def test_staff_discard_a_run(people, login):
    c = login(people["staff"])
    c.post(reverse("mentorship:matching"))
    run = MatchRun.objects.get()
    response = c.post(reverse("mentorship:matching_discard", args=[run.pk]))
    assert response.status_code == 302
    assert MatchRun.objects.get().status == MatchRunStatus.DISCARDED
    assert Mentorship.objects.count() == 0
