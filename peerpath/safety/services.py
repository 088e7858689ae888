"""Writes of safeguarding: screening what people write, and handling the alerts it raises.

``screen`` is the one entry every writer of text that other people read calls, inside its
own transaction, right after it stored the row (so the alert is saved with the message, or
neither is). It never blocks or loses the message:

* the detector runs; on an error the error is logged and the text is queued for review;
* on a hit, an alert row is written with an excerpt, the writer's band and country;
* the people responsible for the space (``Space.responders``: the mentor, the room's
  moderators, the cohort's facilitators) and, for a private space, the safeguarding team
  are told through the one notification service after commit;
* every high-severity hit, every detector error and every hit in a space with nobody to
  tell enters the staff queue (``/staff/safety/``): no alert is ever left with nobody;
* the caller gets back help lines for the writer (country from their time zone, teen lines
  for teens) to show at once, in its own answer.

``acknowledge`` / ``resolve`` are the responders' actions; ``record_read`` audits that
someone read an excerpt; ``escalate_overdue`` (Huey, every minute) e-mails the safeguarding
contacts about alerts nobody acknowledged in time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.ageband import AgeBand
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.core.aftercommit import after_commit
from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.core.text import clean_text
from peerpath.notifications import services as notifications
from peerpath.notifications.delivery import site_url
from peerpath.safety import crisis, policies
from peerpath.safety import resources as help_lines
from peerpath.safety.models import (
    EXCERPT_MAX_CHARS,
    NOTE_MAX_CHARS,
    AccessKind,
    AlertAccess,
    Channel,
    Outcome,
    SafetyAlert,
    SafetySettings,
)

logger = logging.getLogger(__name__)

CATEGORY = "safety"
# Shown to the writer above the help lines (sockets, the API; pages: safety/_help.html):
# no judgement, and the message went through as usual.
HELP_MESSAGE = (
    "Your message was sent. It sounds like things may be really hard right now, and you "
    "don't have to carry this alone: these people are there for you, any time."
)
DETECTOR_ERROR = "detector_error"
NO_SUCH_ALERT = "No such alert."
REREAD_AFTER = dt.timedelta(minutes=1)  # a shown excerpt is audited again after this
REPEAT_WINDOW = dt.timedelta(hours=24)  # the same words by the same person: one open alert


@dataclass(frozen=True, slots=True)
class Space:
    """Where a text was written, and who looks after that place."""

    channel: Channel
    where: str  # shown to responders: "Room “Anxiety support”", "Mentorship chat"
    url: str = ""  # the place, for responders who may open it
    responders: Iterable[User | int] = ()  # the people responsible for the space
    private: bool = False  # a private space: the safeguarding team is told too
    language: str | None = None  # the space's language, for help lines


@dataclass(frozen=True, slots=True)
class Screening:
    """What screening found: a hit (or None), the alert it raised, help for the writer."""

    hit: crisis.CrisisHit | None = None
    alert: SafetyAlert | None = None
    resources: list[help_lines.Resource] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.alert is not None

    def as_payload(self) -> dict[str, Any] | None:
        """The help to show the writer, as JSON for a socket or the API (None: nothing)."""
        if not self.resources:
            return None
        return {
            "message": HELP_MESSAGE,
            "resources": [resource_payload(r) for r in self.resources],
        }


NOTHING = Screening()


def resource_payload(r: help_lines.Resource) -> dict[str, str]:
    return {
        "name": r.name,
        "contact": r.contact,
        "detail": r.detail,
        "url": r.url,
        "country": r.country,
    }


def help_for(
    writer: User, *, language: str | None = None, at: dt.datetime | None = None
) -> list[help_lines.Resource]:
    """Help lines for this person: their country (from their time zone) and age band."""
    band = writer.age_band_at(at or timezone.now())
    return help_lines.resources_for_timezone(
        tz_name=str(writer.timezone or ""), language=language, teen=band is not AgeBand.ADULT
    )


def screen(
    *,
    writer: User,
    text: str | Sequence[str],
    space: Space,
    source: models.Model | tuple[str, int | None],
    now: dt.datetime | None = None,
) -> Screening:
    """Screen ``text`` that ``writer`` just stored as ``source`` in ``space``.

    Call it inside the writer's transaction, after the row is saved. The same words by the same
    person while their alert is open (a resend, a goal copied into a profile) are one alert:
    responders of the new place are added to it and told. Never raises for what
    the detector does; returns the help to show the writer (empty when nothing matched).
    """
    now = now or timezone.now()
    texts = [text] if isinstance(text, str) else [t for t in text if t]
    joined = "\n".join(t for t in texts if t and t.strip())
    if not joined:
        return NOTHING
    try:
        hit = crisis.detect(joined)
    except Exception:
        logger.exception("crisis detector failed on a %s text; queued for review", space.channel)
        alert = _raise(writer, joined, space, source, None, now)
        return Screening(None, alert, [])
    if hit is None:
        return NOTHING
    alert = _raise(writer, joined, space, source, hit, now)
    found = help_for(writer, language=space.language, at=now) if hit.concerns_writer else []
    return Screening(hit, alert, found)


def _source(source: models.Model | tuple[str, int | None]) -> tuple[str, int | None]:
    if isinstance(source, tuple):
        return source
    meta = source._meta
    return f"{meta.app_label}.{meta.object_name}", source.pk


def safeguarding_team() -> list[User]:
    """The safeguarding team; while nobody holds that role, every staff member."""
    team = list(User.objects.staff().with_role(Role.SAFEGUARDING))
    return team or list(User.objects.staff())


def _raise(
    writer: User,
    text: str,
    space: Space,
    source: models.Model | tuple[str, int | None],
    hit: crisis.CrisisHit | None,
    now: dt.datetime,
) -> SafetyAlert:
    ids = {r if isinstance(r, int) else int(r.pk) for r in space.responders}
    ids.discard(int(writer.pk))
    responders = list(User.objects.filter(pk__in=ids, is_active=True))
    if space.private:
        responders += [u for u in safeguarding_team() if u.pk not in ids and u.pk != writer.pk]
    excerpt = _excerpt(text)
    same = (
        SafetyAlert.objects.open()
        .filter(writer=writer, excerpt=excerpt, created_at__gte=now - REPEAT_WINDOW)
        .order_by("-created_at")
        .first()
    )
    if same is not None:
        # The same words again (a resend, or a form that copies a goal into the profile):
        # one alert; people responsible for the new place are added and told.
        again = list(_source(source))
        if again not in same.repeats and again != [same.source, same.source_id]:
            same.repeats = [*same.repeats, again][-50:]
            same.save(update_fields=["repeats"])
        have = set(same.responders.values_list("pk", flat=True))
        added = [u for u in responders if u.pk not in have]
        if added:
            same.responders.add(*added)
            _tell(added, same, writer, space)
        return same
    band = writer.age_band_at(now)
    severity = hit.severity if hit is not None else "high"
    label, source_id = _source(source)
    alert = SafetyAlert.objects.create(
        channel=space.channel,
        where=space.where[:200],
        url=space.url[:300],
        source=label,
        source_id=source_id,
        writer=writer,
        writer_band=AgeBand.ADULT.value if band is AgeBand.ADULT else AgeBand.TEEN.value,
        writer_country=help_lines.country_for_timezone(str(writer.timezone or "")) or "",
        excerpt=excerpt,
        category=hit.category if hit is not None else DETECTOR_ERROR,
        severity=severity,
        term=(hit.term if hit is not None else "")[:200],
        language=(hit.language if hit is not None else "")[:8],
        # Every high-severity hit, every detector error, and anything nobody else would see.
        queued=severity == "high" or not responders,
        created_at=now,
    )
    alert.responders.set(responders)
    if responders:
        _tell(responders, alert, writer, space)
    return alert


def _tell(responders: list[User], alert: SafetyAlert, writer: User, space: Space) -> None:
    high = alert.severity == "high"
    title = "Someone may need help now" if high else "Someone may be struggling"
    body = (
        f"Something {writer.username} wrote in {space.where} may mean they, or someone "
        "else, are not safe. Please check in with them now."
    )
    url = alert_url(alert)
    # In-app only (the live bell): e-mail is for escalation, which carries no excerpt.
    notices = [
        notifications.Outgoing(
            int(u.pk), CATEGORY, title, body, url, f"safety.{space.channel}", email=False
        )
        for u in responders
    ]
    after_commit(lambda: notifications.send_many(notices), what="safeguarding alert notices")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_MAX_CHARS:
        return text
    return text[: EXCERPT_MAX_CHARS - 1] + "…"


def alert_url(alert: SafetyAlert) -> str:
    return reverse("safety:alert", kwargs={"alert_id": alert.pk})


# --- Handling ------------------------------------------------------------------------------


def _alert_for(actor: User, alert_id: Any) -> SafetyAlert:
    if not isinstance(alert_id, int) or isinstance(alert_id, bool):
        raise NotFound(NO_SUCH_ALERT)
    alert = SafetyAlert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(NO_SUCH_ALERT)
    decision = policies.can_view_alert(actor, alert, responder=_is_responder(actor, alert))
    if not decision:
        raise NotFound(NO_SUCH_ALERT)  # someone else's alert looks like no alert
    return alert


def _is_responder(user: User, alert: SafetyAlert) -> bool:
    return bool(user.pk) and alert.responders.filter(pk=user.pk).exists()


def _audit(alert: SafetyAlert, actor: User | None, kind: AccessKind, now: dt.datetime) -> None:
    AlertAccess.objects.create(alert=alert, actor=actor, kind=kind, at=now)


@transaction.atomic
def record_read(*, actor: User, alert_id: Any, now: dt.datetime | None = None) -> SafetyAlert:
    """The alert, for someone allowed to read it; the read is audited (who, when, which)."""
    now = now or timezone.now()
    alert = _alert_for(actor, alert_id)
    _audit(alert, actor, AccessKind.READ, now)
    return alert


@transaction.atomic
def record_reads(
    *, actor: User, alerts: Sequence[SafetyAlert], now: dt.datetime | None = None
) -> None:
    """Audit that ``actor`` was shown the excerpts of ``alerts`` (a queue page: staff, or
    the responders of those alerts). A list that refreshes itself would write a row per
    alert every few seconds: an excerpt is recorded again for the same person only after
    ``REREAD_AFTER``, so the record still says who saw which alert, to the minute."""
    now = now or timezone.now()
    if not alerts:
        return
    ids = [a.pk for a in alerts]
    if not policies.can_use_queue(actor):
        theirs = set(
            SafetyAlert.objects.filter(pk__in=ids, responders=actor).values_list("pk", flat=True)
        )
        if theirs != set(ids):
            raise Forbidden("These alerts are for the people who look after those spaces.")
    recent = set(
        AlertAccess.objects.filter(
            actor=actor, kind=AccessKind.READ, at__gt=now - REREAD_AFTER, alert_id__in=ids
        ).values_list("alert_id", flat=True)
    )
    AlertAccess.objects.bulk_create(
        [
            AlertAccess(alert=a, actor=actor, kind=AccessKind.READ, at=now)
            for a in alerts
            if a.pk not in recent
        ]
    )


@transaction.atomic
def acknowledge(*, actor: User, alert_id: Any, now: dt.datetime | None = None) -> SafetyAlert:
    """ "I'm on it": stops the escalation clock. Acknowledging twice is harmless."""
    now = now or timezone.now()
    alert = _alert_for(actor, alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        _audit(alert, actor, AccessKind.ACKNOWLEDGE, now)
    return alert


@transaction.atomic
def resolve(
    *,
    actor: User,
    alert_id: Any,
    outcome: Any,
    note: Any = "",
    now: dt.datetime | None = None,
) -> SafetyAlert:
    """Close an alert with an outcome (and acknowledge it, if nobody had)."""
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise Refused("Choose what happened.")
    text = clean_text(note, what="note", max_chars=NOTE_MAX_CHARS, required=False)
    if outcome == Outcome.OTHER and not text:
        raise Refused("Say what happened in the note.")
    alert = _alert_for(actor, alert_id)
    if alert.resolved_at is not None:
        raise Conflict("This alert was already resolved.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        _audit(alert, actor, AccessKind.ACKNOWLEDGE, now)
    alert.resolved_at = now
    alert.resolved_by = actor
    alert.outcome = outcome
    alert.outcome_note = text
    alert.full_clean()
    alert.save()
    _audit(alert, actor, AccessKind.RESOLVE, now)
    return alert


# --- Escalation ----------------------------------------------------------------------------


def contacts() -> list[str]:
    """Who the escalation e-mail goes to: the configured contacts, else the setting, else
    every staff member with an address."""
    configured = SafetySettings.current().contact_list()
    if configured:
        return configured
    fallback = [a for a in getattr(settings, "SAFEGUARDING_EMAILS", ()) if a]
    if fallback:
        return list(fallback)
    return sorted({u.email for u in safeguarding_team() if u.email})


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """E-mail the safeguarding contacts about each alert nobody acknowledged in time, once.
    Returns how many alerts were escalated."""
    now = now or timezone.now()
    cfg = SafetySettings.current()
    due = now - dt.timedelta(minutes=cfg.escalate_after_minutes)
    ids = list(
        SafetyAlert.objects.unacknowledged()
        .filter(escalated_at__isnull=True, created_at__lte=due)
        .values_list("pk", flat=True)[:200]
    )
    done = 0
    for alert_id in ids:
        with transaction.atomic():
            won = SafetyAlert.objects.filter(
                pk=alert_id, escalated_at__isnull=True, acknowledged_at__isnull=True
            ).update(escalated_at=now, queued=True)
            if not won:
                continue  # acknowledged, or another worker took it, a moment ago
            alert = SafetyAlert.objects.get(pk=alert_id)
            _audit(alert, None, AccessKind.ESCALATE, now)
            to = contacts()
            if to:
                after_commit(
                    functools.partial(_send_escalation, alert, to, now), what="escalation e-mail"
                )
            else:
                logger.error(
                    "safeguarding alert %s is overdue and nobody can be e-mailed", alert_id
                )
            done += 1
    return done


def _send_escalation(alert: SafetyAlert, to: list[str], now: dt.datetime) -> None:
    minutes = max(1, int((now - alert.created_at).total_seconds() // 60))
    link = site_url() + reverse("safety:alert", kwargs={"alert_id": alert.pk})
    # No excerpt and no name in the mail: e-mail leaves our hands; the link is audited.
    send_mail(
        f"[peerpath] Safeguarding alert #{alert.pk} not acknowledged after {minutes} min",
        (
            f"A {alert.get_channel_display().lower()} alert ({alert.category.replace('_', ' ')}, "
            f"{alert.severity} severity, a {alert.writer_band}) has waited {minutes} minutes "
            f"with nobody acknowledging it.\n\nOpen it: {link}\n"
        ),
        None,
        to,
    )
