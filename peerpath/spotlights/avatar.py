"""A photo-free avatar: an inline SVG with a person's initials on a colour derived from the
username (stable, no images, no external requests). Pure."""

from __future__ import annotations

import hashlib

from django.utils.html import format_html
from django.utils.safestring import SafeString


def initials(username: str) -> str:
    parts = [p for p in username.replace("_", "-").replace(".", "-").split("-") if p]
    if len(parts) >= 2:
        return (parts[0][0] + parts[1][0]).upper()
    letters = [c for c in username if c.isalnum()]
    return "".join(letters[:2]).upper() or "?"


def hue(username: str) -> int:
    digest = hashlib.sha256(username.lower().encode()).digest()
    return int.from_bytes(digest[:2], "big") % 360


def avatar_svg(username: str, *, size: int = 96) -> SafeString:
    return format_html(
        '<svg class="avatar" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" '
        'viewBox="0 0 96 96" role="img" aria-label="{}" data-testid="avatar">'
        '<circle cx="48" cy="48" r="48" fill="hsl({}, 55%, 38%)"/>'
        '<text x="48" y="48" dy=".35em" text-anchor="middle" font-family="sans-serif" '
        'font-size="38" fill="#fff">{}</text></svg>',
        size,
        size,
        f"Avatar for {username}",
        hue(username),
        initials(username),
    )
