"""The mentorships table of the partner dashboard: the page (htmx swaps only the table),
its CSV export and bulk messages. Staff and Ambassadors only; an Ambassador who is not staff
sees and messages only pairs of their own band. Private chat contents are never read here."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.http import signed_in_user
from peerpath.analytics.policies import can_view_dashboard, visible_band
from peerpath.core.errors import Refused
from peerpath.core.http import is_htmx
from peerpath.core.ids import parse_db_id
from peerpath.core.text import strip_unsafe
from peerpath.partners import selectors, services
from peerpath.partners.forms import MAX_SELECTED, BulkMessageForm, TableFilterForm, TableQuery
from peerpath.partners.models import PartnerSettings

CSV_HEADER = (
    "mentorship_id",
    "mentor",
    "mentee",
    "band",
    "status",
    "started",
    "conversations",
    "last_contact",
    "open_flags",
    "check_ins",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _viewer_band(request: HttpRequest) -> AgeBand | None:
    user = signed_in_user(request)
    decision = can_view_dashboard(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return visible_band(user)


ROW_HTML = (
    '<tr data-testid="pair-row" data-pair="{0}"><td><input type="checkbox" name="pair" '
    'value="{0}" form="bulk-form" id="pair-{0}" aria-label="Select {1} and {2}"></td>'
    "<td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td>"
    "<td>{8}</td></tr>"
)


def rows_html(rows: list[dict[str, Any]]) -> str:
    """The table's rows in one pass (escaped by format_html): a template loop over 50 rows
    cost more than every query of the page together."""
    return format_html_join(
        "\n",
        ROW_HTML,
        (
            (
                row["mentorship_id"],
                row["mentor__username"],
                row["mentee__username"],
                row["band"],
                row["status"],
                row["started_at"].astimezone(dt.UTC).date().isoformat(),
                row["conversations"],
                row["last_contact"].isoformat() if row["last_contact"] else "never",
                row["open_flags"],
            )
            for row in rows
        ),
    )


def _parse(data: Any) -> tuple[TableQuery | None, TableFilterForm]:
    form = TableFilterForm(data)
    if not form.is_valid():
        return None, form
    return TableQuery.from_form(form), form


@login_required
@require_safe
def table(request: HttpRequest) -> HttpResponse:
    band = _viewer_band(request)
    query, form = _parse(request.GET)
    error = "" if query is not None else form.error_sentence()
    page = None
    if query is not None:
        try:
            page = selectors.table_page(query, band)
        except Refused as refused:
            error = refused.message
    context: dict[str, Any] = {
        "form": form,
        "query": query or TableQuery(),
        "page": page,
        "error": error,
        "band": band,
        "state": selectors.freshness(),
    }
    if page is not None and query is not None:
        context["prev_qs"] = urlencode(query.params(page=page.number - 1))
        context["next_qs"] = urlencode(query.params(page=page.number + 1))
        context["export_qs"] = urlencode(query.params())
        # the bulk form posts the page shown too: "select all" means its pairs
        context["hidden"] = query.params(page=page.number)
        context["rows_html"] = rows_html(page.rows)
    status = 400 if error else 200
    if is_htmx(request):
        return TemplateResponse(request, "partners/_table.html", context, status=status)
    context["message_form"] = BulkMessageForm()
    context["bulk_messages"] = selectors.recent_bulk_messages(band)
    return TemplateResponse(request, "partners/table.html", context, status=status)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (a leading ' when it starts like one),
    on one line, without control characters or bidi overrides (``core.text.strip_unsafe``)."""
    text = "" if value is None else strip_unsafe(str(value), multiline=False)
    # Leading blanks too: a tab or CR becomes a space here, and some spreadsheets skip it.
    if text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow(
            [
                safe_cell(v)
                for v in (
                    row["mentorship_id"],
                    row["mentor__username"],
                    row["mentee__username"],
                    row["band"],
                    row["status"],
                    row["started_at"].isoformat(),
                    row["conversations"],
                    row["last_contact"].isoformat() if row["last_contact"] else "",
                    row["open_flags"],
                    row["check_ins"],
                )
            ]
        )


def _take(lines: Iterator[str], n: int) -> str:
    return "".join(itertools.islice(lines, n))


async def _async_batches(lines: Iterator[str], n: int = 500) -> AsyncIterator[str]:
    """Under ASGI, Django would read a plain iterator to the end before sending anything:
    hand it batches of rows instead, each read in the request's own thread (and its database
    connection), so a large export really streams."""
    take = sync_to_async(_take, thread_sensitive=True)
    while chunk := await take(lines, n):
        yield chunk


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    band = _viewer_band(request)
    query, form = _parse(request.GET)
    if query is None:
        return HttpResponse(form.error_sentence(), status=400, content_type="text/plain")
    try:
        rows = selectors.export_rows(query, band)  # the filters are checked here, eagerly
    except Refused as refused:
        return HttpResponse(refused.message, status=400, content_type="text/plain")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    lines = _csv_lines(rows)
    content = _async_batches(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mentorships-{stamp}.csv"'
    return response


def _selected_ids(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("pair")
    if len(raw) > MAX_SELECTED:
        raise Refused(f"Select at most {MAX_SELECTED:,} pairs, or message the whole filter.")
    ids: set[int] = set()
    for value in raw:
        pair_id = parse_db_id(value)
        if pair_id is None:
            raise Refused("pair: the selection contains something that is not a pair.")
        ids.add(pair_id)
    return sorted(ids)


def _pairs(
    request: HttpRequest, scope: str, query: TableQuery, band: AgeBand | None, *, whole_page: bool
) -> tuple[list[services.Pair], str]:
    fields = ("mentorship_id", "mentor_id", "mentee_id", "band", "status")
    if scope == "filter":
        rows = selectors.filtered(query, band).values_list(*fields)
        return [services.Pair(*row) for row in rows], query.describe()
    ids = _selected_ids(request)
    target = f"{len(ids)} selected pairs"
    if whole_page:
        page = selectors.table_page(query, band)
        ids = sorted({*ids, *(row["mentorship_id"] for row in page.rows)})
        target = f"all {len(ids)} pairs on page {page.number} of {query.describe()}"
    if not ids:
        raise Refused("Select at least one pair (or message every pair matching the filter).")
    found: list[services.Pair] = []
    visible = selectors.visible_pairs(band)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found.extend(
            services.Pair(*row) for row in visible.filter(pk__in=chunk).values_list(*fields)
        )
    if len(found) != len(ids):
        raise Refused("Some selected pairs are not pairs you can message. Nothing was sent.")
    return found, target


@login_required
@require_POST
def message(request: HttpRequest) -> HttpResponse:
    band = _viewer_band(request)
    user = signed_in_user(request)
    form = BulkMessageForm(request.POST)
    query, filter_form = _parse(request.POST)
    context: dict[str, Any] = {
        "message_form": form,
        "hidden": query.params(page=query.page) if query is not None else {},
        "selected": request.POST.getlist("pair")[:MAX_SELECTED],
    }
    try:
        if query is None:
            raise Refused(filter_form.error_sentence())
        if not form.is_valid():
            raise Refused(
                "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
            )
        data = form.cleaned_data
        draft = services.check_message(
            kind=data["kind"], recipients=data["recipients"], title=data["title"], body=data["body"]
        )
        pairs, target = _pairs(request, data["scope"], query, band, whole_page=data["all_on_page"])
        if not pairs:
            raise Refused("No pair matches this filter: nothing to send.")
        current, _skipped = services.current_pairs(pairs, draft.kind)
        people = len(services.recipients_of(current, draft.recipients))
        limit = PartnerSettings.load().bulk_confirm_over
        if people > limit and not data["confirm"]:
            context.update(people=people, pairs=len(pairs), limit=limit, draft=draft, confirm=True)
            return TemplateResponse(request, "partners/message.html", context)
        with transaction.atomic():
            sent = services.send_bulk_message(sender=user, draft=draft, pairs=pairs, target=target)
    except Refused as refused:
        context["error"] = refused.message
        return TemplateResponse(request, "partners/message.html", context, status=refused.status)
    people_word = "person" if sent.recipient_count == 1 else "people"
    pairs_word = "pair" if sent.pair_count == 1 else "pairs"
    done = f"Sent to {sent.recipient_count} {people_word} in {sent.pair_count} {pairs_word}."
    if sent.skipped_pairs:
        done += " " + services.skipped_sentence(sent.skipped_pairs)
    messages.success(request, done)
    back = reverse("partners:table")
    qs = urlencode(query.params()) if query is not None else ""
    return HttpResponseRedirect(f"{back}?{qs}" if qs else back, status=303)
