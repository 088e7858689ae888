"""The JSON API (django-ninja). OpenAPI at /api/docs and /api/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import SessionAuth

from peerpath.accounts.models import User

api = NinjaAPI(
    title="peerpath API",
    version="1",
    description="Mentorship and group-support programs for peer-support communities.",
    urls_namespace="api",
    auth=SessionAuth(),
)


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
