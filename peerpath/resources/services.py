"""Writes: staff add custom resources. Text is stored plain (any HTML tags are stripped) and
always rendered escaped."""

from __future__ import annotations

from django.db import transaction
from django.utils.html import strip_tags
from django.utils.text import slugify

from peerpath.accounts.models import User
from peerpath.core.errors import Forbidden, Refused
from peerpath.core.text import clean_text
from peerpath.resources import policies
from peerpath.resources.models import (
    BODY_MAX_CHARS,
    RESERVED_SLUGS,
    SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
    FlagTopic,
    Resource,
    ResourceAudience,
    ResourceTopic,
    pack,
)


def _plain(value: object, *, what: str, max_chars: int) -> str:
    text = clean_text(value, what=what, max_chars=max_chars)
    plain = strip_tags(text).strip()
    if not plain:
        raise Refused(f"Please write a {what} in plain text.")
    return plain


def _unique_slug(title: str) -> str:
    base = (slugify(title) or "resource")[:70].strip("-") or "resource"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Resource.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def add_resource(
    *,
    actor: User,
    title: str,
    summary: str,
    body: str,
    topics: list[str],
    flag_topics: list[str],
    audience: str,
    reading_minutes: int,
) -> Resource:
    """A staff member's custom resource; refused (nothing saved) on bad input."""
    Forbidden.unless(policies.can_add_resource(actor))
    title = _plain(title, what="title", max_chars=TITLE_MAX_CHARS)
    summary = _plain(summary, what="summary", max_chars=SUMMARY_MAX_CHARS)
    body = _plain(body, what="body", max_chars=BODY_MAX_CHARS)
    if not topics:
        raise Refused("Choose at least one topic.")
    if set(topics) - set(ResourceTopic.values):
        raise Refused("Choose topics from the list.")
    if set(flag_topics) - set(FlagTopic.values):
        raise Refused("Choose flag topics from the list.")
    if audience not in ResourceAudience.values:
        raise Refused("Choose who the resource is for.")
    if not 1 <= reading_minutes <= 60:
        raise Refused("Reading time must be between 1 and 60 minutes.")
    resource = Resource(
        slug=_unique_slug(title),
        title=title,
        summary=summary,
        body=body,
        topics=pack(sorted(set(topics))),
        flag_topics=pack(sorted(set(flag_topics))),
        audience=audience,
        reading_minutes=reading_minutes,
        is_custom=True,
        created_by=actor,
    )
    resource.full_clean()
    resource.save()
    return resource
