"""Field types every API input schema uses, so the API follows the same input rules as the
forms and sockets (``core.text``, ``core.ids``):

    class PostIn(Schema):
        body: Text            # multi-line: NUL refused, controls and bidi removed, NFC
        title: Line           # one line: line breaks and tabs become spaces
        client_id: ClientId   # visible ASCII, at most 64
        room: DbId            # 1 .. 2**63 - 1; ``true`` is not an id

A refused value is a pydantic error, which the API answers with 400 and a sentence
(``api.invalid_input``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from peerpath.core.errors import Refused
from peerpath.core.ids import MAX_DB_ID
from peerpath.core.text import UnsafeText, clean_client_id, sanitize


def _cleaner(*, multiline: bool) -> Callable[[str], str]:
    def clean(value: str) -> str:
        try:
            return sanitize(value, multiline=multiline).strip()
        except UnsafeText as exc:
            raise ValueError(f"The text {exc.reason}") from exc

    return clean


def _client_id(value: str) -> str:
    try:
        return clean_client_id(value)
    except Refused as exc:
        raise ValueError(exc.message) from exc


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("An id is a whole number, not true or false.")
    return value


Text = Annotated[str, AfterValidator(_cleaner(multiline=True))]
Line = Annotated[str, AfterValidator(_cleaner(multiline=False))]
ClientId = Annotated[str, AfterValidator(_client_id)]
DbId = Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=MAX_DB_ID)]
