"""Reads of certificates: one by its public id (``load`` refuses malformed ids and closed
accounts alike) and the holder's name as a certificate shows it.
"""

from __future__ import annotations

import re
from typing import Final

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import Profile
from peerpath.progression.models import Certificate


def certificate(certificate_id: str) -> Certificate | None:
    if not certificate_id or len(certificate_id) > 32:
        return None
    return (
        Certificate.objects.select_related("award__achievement", "award__user")
        .filter(pk=certificate_id)
        .first()
    )


CERTIFICATE_ID: Final = re.compile(r"[A-Za-z0-9_-]{10,32}")


def load(certificate_id: str) -> Certificate | None:
    """The certificate, or None when the id is malformed, unknown or its holder's account
    is closed (all indistinguishable to the visitor). Malformed ids never reach the
    database."""
    if not CERTIFICATE_ID.fullmatch(certificate_id):
        return None
    cert = certificate(certificate_id)
    if cert is None or not cert.award.user.is_active:
        return None
    return cert


def holder_is_teen_at_issue(cert: Certificate) -> bool:
    return cert.award.user.age_band_at(cert.issued_at) is AgeBand.TEEN


def holder_name(cert: Certificate) -> str:
    """The name a certificate shows: an adult's display name when set, otherwise (and for
    anyone who is a teen now) the pseudonym."""
    user = cert.award.user
    if user.age_band is not AgeBand.ADULT:
        return user.username
    display = Profile.objects.filter(user_id=user.pk).values_list("display_name", flat=True).first()
    return display or user.username
