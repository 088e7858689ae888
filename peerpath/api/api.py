"""The JSON API (django-ninja). OpenAPI at /api/docs and /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError
from ninja.security import SessionAuth

from peerpath.accounts.models import User

api = NinjaAPI(
    title="peerpath API",
    version="1",
    description="Mentorship and group-support programs for peer-support communities.",
    urls_namespace="api",
    auth=SessionAuth(),
)


def describe_errors(errors: list[dict[str, Any]]) -> str:
    """pydantic's errors as one sentence: where, then what ("body.text: The text contains a
    NUL character...")."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()))
        what = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {what}" if where else what)
    return "Invalid input. " + "; ".join(parts)


def invalid_input(request: HttpRequest, exc: Any) -> HttpResponse:
    """Bad input is a 400 with a sentence, as on every form of the site (input schemas use
    ``api.types``: text cleaned, ids within the database's range). The details keep where and
    what, never the value sent back."""
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": describe_errors(errors), "errors": errors}, status=400
    )


api.add_exception_handler(ValidationError, invalid_input)


class MeOut(Schema):
    username: str
    display_name: str
    account_type: str
    age_band: str
    timezone: str
    roles: list[str]


class ErrorOut(Schema):
    detail: str


@api.get("/me", response={200: MeOut, 401: ErrorOut}, url_name="me", tags=["accounts"])
def me(request: HttpRequest) -> MeOut:
    """The signed-in person: pseudonym, account type, age band and roles."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User)  # noqa: S101 - SessionAuth guarantees a user
    return MeOut(
        username=user.username,
        display_name=user.profile.shown_name,
        account_type=user.account_type,
        age_band=user.age_band.value,
        timezone=user.timezone,
        roles=sorted(user.role_names),
    )
