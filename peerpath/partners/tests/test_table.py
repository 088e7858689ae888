"""The mentorships table: every filter and sort against the hand-computed dataset, the naive
baseline agreeing with it, bad input, permissions, query counts and the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.accounts.models import User
from peerpath.mentorship.models import Message
from peerpath.mentorship.tests.factories import make_listener, make_mentorship
from peerpath.partners.naive import naive_table
from peerpath.partners.rollup import rebuild_pair_stats
from peerpath.partners.tests.dataset import DAY, Dataset
from peerpath.partners.views import safe_cell

pytestmark = pytest.mark.django_db
URL = "/staff/mentorships/"


def streamed(response: Any) -> bytes:
    """The body of a streamed response (the test client's type does not declare it)."""
    return b"".join(response.streaming_content)


def client_for(user: User | None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def listed(client: Client, params: dict[str, str]) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    return [int(row["mentorship_id"]) for row in response.context["page"].rows]


def test_urls_are_the_contract() -> None:
    assert reverse("partners:table") == URL
    assert reverse("partners:export") == URL + "export.csv"
    assert reverse("partners:message") == URL + "message/"


def cases(data: Dataset) -> list[tuple[dict[str, str], list[str]]]:
    t = data.today
    return [
        ({}, ["P5", "P2", "P6", "P1", "P3"]),
        ({"conversations": "0"}, ["P5", "P2"]),
        ({"conversations": "1-2"}, ["P6", "P3"]),
        ({"conversations": "3+"}, ["P1"]),
        ({"conversations": "3 "}, ["P1"]),  # "3+" typed into an address bar
        ({"no_contact_days": "7"}, ["P2", "P6", "P1"]),
        ({"no_contact_days": "15"}, ["P6", "P1"]),
        ({"open_flags": "1"}, ["P6", "P1"]),
        ({"band": "teen"}, ["P5", "P6"]),
        ({"band": "adult"}, ["P2", "P1", "P3"]),
        ({"mentor": "a-mentor-1"}, ["P2", "P1"]),
        ({"mentor": "A-MENTOR-1"}, ["P2", "P1"]),
        ({"started_from": (t - 35 * DAY).isoformat()}, ["P5", "P2", "P6"]),
        ({"started_to": (t - 35 * DAY).isoformat()}, ["P1", "P3"]),
        ({"status": "ended"}, ["P4"]),
        ({"status": "all"}, ["P5", "P2", "P6", "P1", "P3", "P4"]),
        ({"sort": "started"}, ["P3", "P1", "P6", "P2", "P5"]),
        ({"sort": "conversations"}, ["P2", "P5", "P3", "P6", "P1"]),
        ({"sort": "-conversations"}, ["P1", "P6", "P3", "P5", "P2"]),
        ({"sort": "last_contact"}, ["P2", "P5", "P6", "P1", "P3"]),
        ({"sort": "-last_contact"}, ["P3", "P1", "P6", "P5", "P2"]),
        ({"sort": "mentor"}, ["P1", "P2", "P3", "P5", "P6"]),
        ({"sort": "mentee"}, ["P1", "P2", "P3", "P5", "P6"]),
        (
            {"status": "all", "band": "adult", "conversations": "1-2", "sort": "started"},
            ["P4", "P3"],
        ),
        ({"open_flags": "1", "band": "teen", "no_contact_days": "20"}, ["P6"]),
    ]


def test_every_filter_and_sort_lists_the_hand_computed_pairs_and_naive_agrees(
    data: Dataset,
) -> None:
    staff = client_for(data.staff)
    for params, names in cases(data):
        expected = data.ids(*names)
        assert listed(staff, params) == expected, params
        assert naive_table(params) == expected, params


def test_bad_filters_answer_400_with_the_field_and_why(data: Dataset) -> None:
    staff = client_for(data.staff)
    bad = {
        "conversations": "5",
        "no_contact_days": "0",
        "open_flags": "yes",
        "band": "child",
        "started_from": "2024-13-40",
        "status": "deleted",
        "sort": "password",
        "page": "-1",
    }
    for field, value in bad.items():
        response = staff.get(URL, {field: value})
        assert response.status_code == 400, field
        assert f"{field}:" in response.content.decode(), field
    for value in ("366", "abc", "1e9", "9" * 40):
        response = staff.get(URL, {"no_contact_days": value})
        assert response.status_code == 400
    response = staff.get(URL, {"mentor": "nobody-here"})
    assert response.status_code == 400
    assert "no such mentor" in response.content.decode()
    response = staff.get(URL, {"mentor": "<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    response = staff.get(URL, {"started_from": data.today.isoformat(), "started_to": "2000-01-01"})
    assert response.status_code == 400
    assert "started_to:" in response.content.decode()
    # htmx gets only the table, with the message
    response = staff.get(URL, {"band": "child"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.content.decode().lstrip().startswith('<div id="pairs">')


def test_htmx_swaps_only_the_table(data: Dataset) -> None:
    response = client_for(data.staff).get(
        URL, {"conversations": "0"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="pairs">')
    assert "<html" not in body
    assert "t-mentee-1" in body


def test_permissions(data: Dataset, world: Any) -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    for role in ("teen_member", "adult_member", "teen_listener", "adult_listener", "mentor"):
        for url in (URL, URL + "export.csv"):
            assert client_for(getattr(world, role)).get(url).status_code == 403, (role, url)
        assert client_for(getattr(world, role)).post(URL + "message/").status_code == 403
    assert client_for(world.moderator).get(URL).status_code == 403
    assert client_for(data.mentors["am1"]).get(URL).status_code == 403


def test_an_ambassador_sees_only_pairs_of_their_band(data: Dataset) -> None:
    adult = client_for(data.adult_ambassador)
    teen = client_for(data.teen_ambassador)
    assert listed(adult, {"status": "all"}) == data.ids("P2", "P1", "P3", "P4")
    assert listed(teen, {"status": "all"}) == data.ids("P5", "P6")
    assert listed(teen, {"band": "teen"}) == data.ids("P5", "P6")
    # the other band is refused, and its mentors are as unknown as missing ones
    assert adult.get(URL, {"band": "teen"}).status_code == 400
    response = adult.get(URL, {"mentor": "t-mentor-1"})
    assert response.status_code == 400
    assert "no such mentor" in response.content.decode()
    body = adult.get(URL, {"status": "all"}).content.decode()
    assert "t-mentee" not in body
    assert "t-mentor" not in body


def test_page_shows_count_freshness_and_never_chat_contents(data: Dataset) -> None:
    Message.objects.create(
        mentorship=data.pairs["P1"], sender=data.mentors["am1"], body="SECRET-CHAT-WORDS"
    )
    response = client_for(data.staff).get(URL)
    body = response.content.decode()
    assert "SECRET-CHAT-WORDS" not in body
    assert "refreshed every 5 minutes" in body
    assert "as of" in body
    assert response.context["page"].count == 5
    csv_body = streamed(client_for(data.staff).get(URL + "export.csv"))
    assert b"SECRET-CHAT-WORDS" not in csv_body


def test_pagination_has_50_rows_a_page(data: Dataset) -> None:
    mentor = data.mentors["am2"]
    for i in range(55):
        make_mentorship(mentor, make_listener(username=f"page-mentee-{i:02d}"))
    rebuild_pair_stats()
    staff = client_for(data.staff)
    first = staff.get(URL, {"mentor": "a-mentor-2"}).context["page"]
    assert (first.count, len(first.rows), first.pages) == (56, 50, 2)
    second = staff.get(URL, {"mentor": "a-mentor-2", "page": "2"}).context["page"]
    assert len(second.rows) == 6
    assert not {r["mentorship_id"] for r in first.rows} & {r["mentorship_id"] for r in second.rows}
    far = staff.get(URL, {"mentor": "a-mentor-2", "page": "99"}).context["page"]
    assert far.number == 2  # past the end: the last page
    assert naive_table({"mentor": "a-mentor-2", "page": "2"}) == [
        r["mentorship_id"] for r in second.rows
    ]


def count_queries(client: Client, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_is_constant(
    data: Dataset, django_assert_max_num_queries: Any
) -> None:
    staff = client_for(data.staff)
    staff.get(URL)  # warm the session and settings rows
    small = count_queries(staff, {"status": "all"})
    with_mentor = count_queries(staff, {"mentor": "a-mentor-1"})
    htmx_queries = 0
    with CaptureQueriesContext(connection) as ctx:
        staff.get(URL, {"status": "all"}, headers={"HX-Request": "true"})
    htmx_queries = len(ctx.captured_queries)
    mentor = data.mentors["am2"]
    for i in range(30):
        make_mentorship(mentor, make_listener(username=f"more-mentee-{i:02d}"))
    rebuild_pair_stats()
    assert count_queries(staff, {"status": "all"}) == small
    assert count_queries(staff, {"mentor": "a-mentor-1"}) == with_mentor == small + 1
    with django_assert_max_num_queries(8):
        staff.get(URL, {"status": "all"})
    with django_assert_max_num_queries(htmx_queries):
        staff.get(URL, {"status": "all"}, headers={"HX-Request": "true"})
    with django_assert_max_num_queries(6):
        streamed(staff.get(URL + "export.csv", {"status": "all"}))


def parse_csv(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_exports_the_whole_filtered_set(data: Dataset) -> None:
    response = client_for(data.staff).get(URL + "export.csv", {"conversations": "0"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = parse_csv(streamed(response))
    assert [int(r["mentorship_id"]) for r in rows] == data.ids("P5", "P2")
    assert rows[0]["mentee"] == "t-mentee-1"
    assert rows[0]["last_contact"] == ""
    assert rows[1]["conversations"] == "0"
    bad = client_for(data.staff).get(URL + "export.csv", {"sort": "=cmd()"})
    assert bad.status_code == 400
    assert b"sort:" in bad.content
    teen = client_for(data.teen_ambassador).get(URL + "export.csv", {"status": "all"})
    assert {r["band"] for r in parse_csv(streamed(teen))} == {"teen"}


def test_csv_cells_cannot_become_formulas(data: Dataset) -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)"):
        assert safe_cell(dangerous) == "'" + dangerous
    # A leading tab or carriage return (which some spreadsheets skip before a formula) is not
    # kept at all: cells are single-line text, so it becomes a space.
    for dangerous in ("\tx", "\rx", "\t=1+1"):
        cell = safe_cell(dangerous)
        assert "\t" not in cell
        assert "\r" not in cell
        assert not cell.lstrip().startswith(("=", "+", "-", "@")) or cell.startswith("'")
    # A bidi override cannot hide a formula from the guard.
    assert safe_cell("\u202e=1+1") == "'=1+1"
    assert safe_cell("a-mentor-1") == "a-mentor-1"
    assert safe_cell(None) == ""
    # Pseudonyms cannot start like a formula today; a row written around the account
    # service (an import, an old rule) still comes out inert, end to end.
    evil = make_listener(username="evil-one")
    User.objects.filter(pk=evil.pk).update(username='=HYPERLINK("http://x","y")')
    make_mentorship(data.mentors["am2"], evil)
    rebuild_pair_stats()
    response = client_for(data.staff).get(URL + "export.csv", {"mentor": "a-mentor-2"})
    rows = parse_csv(streamed(response))
    assert '\'=HYPERLINK("http://x","y")' in {r["mentee"] for r in rows}


def test_csv_streams_in_batches_under_asgi(data: Dataset) -> None:
    """Under ASGI (uvicorn in production) the export is an async stream of row batches, read in
    the request's thread, not a list Django builds before sending."""
    from typing import cast

    from asgiref.sync import async_to_sync
    from django.http import StreamingHttpResponse
    from django.test import AsyncClient

    from peerpath.partners.views import _async_batches

    async def fetch() -> tuple[int, bool, list[bytes]]:
        client = AsyncClient()
        await client.aforce_login(data.staff)
        response = cast(
            StreamingHttpResponse,
            await client.get(URL + "export.csv", {"conversations": "0"}),
        )
        chunks = [bytes(chunk) async for chunk in response.streaming_content]  # type: ignore[union-attr]
        return response.status_code, response.is_async, chunks

    status, is_async, chunks = async_to_sync(fetch)()
    assert status == 200
    assert is_async
    rows = parse_csv(b"".join(chunks))
    assert [int(r["mentorship_id"]) for r in rows] == data.ids("P5", "P2")

    async def batches() -> list[str]:
        return [b async for b in _async_batches(iter(["a\n", "b\n", "c\n", "d\n", "e\n"]), 2)]

    assert async_to_sync(batches)() == ["a\nb\n", "c\nd\n", "e\n"]
