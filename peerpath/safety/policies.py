"""Who may see and handle safeguarding alerts. Pure: no queries.

* The staff queue (``/staff/safety/``) is for staff members only.
* One alert is for staff and for the responders it was sent to (the mentor, the room's
  moderators, the cohort's facilitators, the safeguarding team). The space chooses its
  responders, so a teen's alert reaches only responders of the teen band's spaces and staff.
"""

from __future__ import annotations

from typing import Any

from peerpath.accounts.policies import is_signed_in, is_staff_member, is_suspended
from peerpath.core.decisions import Decision

STAFF_ONLY = "The safeguarding queue is for staff."


def can_use_queue(user: Any) -> Decision:
    if not is_signed_in(user) or not is_staff_member(user):
        return Decision.deny(STAFF_ONLY)
    return Decision.allow()


def can_view_alert(user: Any, alert: Any, *, responder: bool) -> Decision:
    """``responder``: whether ``user`` is one of the alert's responders (the caller looks
    it up)."""
    if not is_signed_in(user):
        return Decision.deny("Sign in to see this alert.")
    if is_staff_member(user):
        return Decision.allow()
    if responder and not is_suspended(user):
        return Decision.allow()
    return Decision.deny("This alert is for the people who look after that space.")
