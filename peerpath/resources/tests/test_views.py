from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.resources import selectors
from peerpath.resources.models import Resource, ResourceAudience
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

LIST = "/resources/"


def _slugs(response) -> list[str]:
    return [r.slug for r in response.context["resources"]]


def test_search_is_case_insensitive_and_ranks_title_hits_first(client, world):
    client.force_login(world.adult_listener)
    response = client.get(LIST, {"q": "BOUNDARIES"})
    assert response.status_code == 200
    slugs = _slugs(response)
    assert slugs
    title_hits = [s for s in slugs if "boundaries" in Resource.objects.get(slug=s).title.lower()]
    assert slugs[: len(title_hits)] == title_hits
    assert "healthy-boundaries" in slugs


def test_search_matches_bodies_and_topic_tags(client, world):
    client.force_login(world.adult_listener)
    assert "saying-no-kindly" in _slugs(client.get(LIST, {"q": "reluctant yes"}))
    # "Hosting groups" is a topic label: its resources are found by the tag
    assert "co-hosting-and-handover" in _slugs(client.get(LIST, {"q": "hosting groups"}))
    assert _slugs(client.get(LIST, {"q": "zzzz-no-such-word"})) == []


def test_topic_filter_over_htmx_returns_the_partial(client, world):
    client.force_login(world.adult_listener)
    response = client.get(LIST, {"topic": "moderation"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "resources/_resource_list.html"
    assert response.context["resources"]
    assert all("moderation" in r.topic_list for r in response.context["resources"])


@pytest.mark.parametrize("params", [{"topic": "aliens"}, {"q": "x" * 101}])
def test_bad_filters_answer_400_with_a_message(client, world, params):
    client.force_login(world.adult_listener)
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert b'data-testid="filter-error"' in response.content
    assert response.context["resources"] == []


def test_teens_see_teen_and_both_adults_see_adult_and_both(client, world):
    teen_only = Resource.objects.filter(audience=ResourceAudience.TEEN).first()
    adult_only = Resource.objects.filter(audience=ResourceAudience.ADULT).first()
    assert teen_only is not None
    assert adult_only is not None
    client.force_login(world.teen_listener)
    slugs = _slugs(client.get(LIST))
    assert teen_only.slug in slugs
    assert adult_only.slug not in slugs
    assert client.get(adult_only.get_absolute_url()).status_code == 404
    missing = client.get("/resources/no-such-resource/")
    hidden = client.get(adult_only.get_absolute_url())
    assert mask_csrf(missing.content) == mask_csrf(hidden.content)
    client.force_login(world.adult_listener)
    slugs = _slugs(client.get(LIST))
    assert adult_only.slug in slugs
    assert teen_only.slug not in slugs
    assert client.get(teen_only.get_absolute_url()).status_code == 404


def test_a_resource_renders_escaped(client, world):
    Resource.objects.create(
        slug="escaped",
        title="Escaped",
        summary="s",
        body="<script>alert(1)</script>",
        topics=",listening,",
    )
    client.force_login(world.adult_listener)
    response = client.get("/resources/escaped/")
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_the_crisis_referral_page_shows_the_viewers_crisis_lines(client, world):
    client.force_login(world.adult_listener)  # Europe/London
    response = client.get("/resources/crisis-referral/")
    assert response.status_code == 200
    lines = response.context["crisis_lines"]
    assert lines
    assert any(r.country == "GB" for r in lines)
    assert b'data-testid="crisis-lines"' in response.content
    ordinary = client.get("/resources/open-questions/")
    assert ordinary.context["crisis_lines"] == []


def _new(**overrides):
    data = {
        "title": "Our community's chat rules",
        "summary": "What we agreed together.",
        "body": "Be kind.\n\nAsk before giving advice.",
        "topics": ["moderation"],
        "flag_topics": ["conduct"],
        "audience": "both",
        "reading_minutes": "2",
    }
    data.update(overrides)
    return data


def test_staff_add_a_custom_resource_as_plain_text(client, world):
    client.force_login(world.staff)
    assert client.get("/resources/new/").status_code == 200
    response = client.post("/resources/new/", _new(body="<b>Be kind.</b> <script>x</script>"))
    assert response.status_code == 302
    r = Resource.objects.get(title="Our community's chat rules")
    assert (r.is_custom, r.created_by, r.body) == (True, world.staff, "Be kind. x")
    assert r.topic_list == ["moderation"]
    assert r.flag_topic_list == ["conduct"]
    assert response["Location"] == r.get_absolute_url()


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"topics": []},
        {"topics": ["aliens"]},
        {"flag_topics": ["nope"]},
        {"audience": "kids"},
        {"reading_minutes": "0"},
        {"title": "<b></b>"},
        {"body": "x" * 8001},
    ],
)
def test_bad_input_is_400_and_nothing_is_saved(client, world, overrides):
    client.force_login(world.staff)
    before = Resource.objects.count()
    response = client.post("/resources/new/", _new(**overrides))
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert Resource.objects.count() == before


@pytest.mark.parametrize("role", ["adult_member", "teen_listener", "mentor", "moderator"])
def test_only_staff_add_resources(client, world, role):
    client.force_login(getattr(world, role))
    before = Resource.objects.count()
    assert client.get("/resources/new/").status_code == 403
    assert client.post("/resources/new/", _new()).status_code == 403
    assert Resource.objects.count() == before


def test_suggestions_by_flag_topic_respect_the_band():
    adult = selectors.for_flag_topic("safety", teen=False)
    teen = selectors.for_flag_topic("safety", teen=True)
    assert 1 <= len(adult) <= 3
    assert 1 <= len(teen) <= 3
    assert all("safety" in r.flag_topic_list for r in adult + teen)
    assert all(r.audience != "teen" for r in adult)
    assert all(r.audience != "adult" for r in teen)
    assert selectors.for_flag_topic("aliens", teen=False) == []
    reaching = selectors.for_reaching_out(teen=False, limit=5)
    assert reaching
    assert "reaching-out" in reaching[0].topic_list


@pytest.mark.parametrize("teen", [False, True])
def test_a_mentors_reaching_out_tips_come_from_the_library_selector(client, teen):
    """Issue 19: mentorship queried resources' tables itself for a mentor's tips; the
    query's one home is ``selectors.for_reaching_out(mentor=True)``."""
    tips = selectors.for_reaching_out(teen=teen, mentor=True, limit=10)
    assert tips
    assert all("reaching-out" not in r.topic_list for r in tips)
    assert all({"first-message", "ghosting"} & set(r.topic_list) for r in tips)
    assert all(r.audience != ("adult" if teen else "teen") for r in tips)
    mentoring = ["mentoring" in r.topic_list for r in tips]
    assert mentoring == sorted(mentoring, reverse=True)  # mentoring guides first
    mentor, mentee = make_mentor(teen=teen), make_listener(teen=teen)
    m = make_mentorship(mentor, mentee)
    client.force_login(mentor)
    response = client.get(reverse("mentorship:cant_reach", args=[m.pk]))
    assert response.context["reaching_out_resources"] == tips[:3]


def test_suggested_resources_appear_after_raising_a_flag(client):
    mentor, mentee = make_mentor(), make_listener()
    m = make_mentorship(mentor, mentee)
    client.force_login(mentee)
    response = client.post(
        reverse("mentorship:flag", args=[m.pk]),
        {"topic": "boundaries", "priority": "can_wait", "note": "Asked for my number"},
        follow=True,
    )
    assert response.status_code == 200
    shown = response.context["suggested_resources"]
    assert shown == selectors.for_flag_topic("boundaries", teen=False)
    assert b'data-testid="suggested-resources"' in response.content
    # shown once: the next visit is the ordinary page
    again = client.get(reverse("mentorship:space", args=[m.pk]))
    assert b'data-testid="suggested-resources"' not in again.content


def test_reaching_out_resources_appear_in_the_outreach_branch(client):
    mentor, mentee = make_mentor(teen=True), make_listener(teen=True)
    m = make_mentorship(mentor, mentee)
    client.force_login(mentee)
    response = client.get(reverse("mentorship:cant_reach", args=[m.pk]))
    assert response.status_code == 200
    shown = response.context["reaching_out_resources"]
    assert shown == selectors.for_reaching_out(teen=True)
    assert shown
    assert all(r.audience != "adult" for r in shown)
    html = response.content.decode()
    outreach = html[html.index('id="outreach"') : html.index('id="staff"')]
    assert shown[0].get_absolute_url() in outreach
