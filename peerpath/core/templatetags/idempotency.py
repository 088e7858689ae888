"""``{% load idempotency %}{% new_key %}``: a fresh idempotency key for a hand-written form
(the chat's ``client_id``); Django forms use ``core.idempotency.IdempotencyKeyField``."""

from __future__ import annotations

from django import template

from peerpath.core.idempotency import new_key as _new_key

register = template.Library()


@register.simple_tag
def new_key() -> str:
    return _new_key()
