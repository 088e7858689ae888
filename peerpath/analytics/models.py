"""Rollup tables behind the partner dashboard. Written only by ``analytics.rollup`` (set-based:
INSERT ... SELECT and aggregate queries), read by ``analytics.selectors``; every figure on the
pages comes from these small tables, never from the raw logs at request time."""

from __future__ import annotations

from django.db import models

BANDS = ("all", "teen", "adult")


class DailyActivity(models.Model):
    """Activity events per UTC day, kind and age band (the person's band on that day)."""

    day = models.DateField()
    kind = models.CharField(max_length=32)
    band = models.CharField(max_length=5)
    events = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "band"], name="analytics_daily_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.band}: {self.events}"


class PeopleDay(models.Model):
    """How many of today's active members / listeners reached a date on each UTC day (days up
    to today only): ``members`` by the day they joined, ``members_adult`` by the day they were
    both joined and 18, ``listeners`` / ``listeners_adult`` the same from ``listener_since``.
    A count as of any instant is a running sum plus the part of its own day, so the overview's
    history never rescans the people table."""

    day = models.DateField()
    metric = models.CharField(max_length=20)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "day"], name="analytics_people_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}: {self.n}"


class OverviewPoint(models.Model):
    """One overview figure as of an instant: the Mondays (00:00 UTC) of the last 12 weeks, and
    the current point (``is_current``) written by each refresh."""

    at = models.DateTimeField()
    band = models.CharField(max_length=5)
    metric = models.CharField(max_length=40)
    value = models.FloatField(null=True)
    is_current = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["at", "band", "metric"], name="analytics_overview_point_once"
            )
        ]
        indexes = [models.Index(fields=["band", "at"], name="analytics_point_band_at")]

    def __str__(self) -> str:
        return f"{self.metric} {self.band} @ {self.at:%Y-%m-%d %H:%M}: {self.value}"


class ListenerFact(models.Model):
    """One row per listener: retention facts. ``active_<n>`` is whether the person did
    anything (any activity event) in days n to n+30 after becoming a listener; None while
    that window has not ended. ``mentored_<n>``: a mentorship started within the first n days."""

    user_id = models.BigIntegerField(primary_key=True)
    since = models.DateTimeField()
    cohort = models.CharField(max_length=7, help_text="YYYY-MM of ``since`` (UTC)")
    band = models.CharField(max_length=5)
    # The first mentorship's start when it began within 90 days of ``since`` (else None).
    first_mentor_at = models.DateTimeField(null=True)
    mentored_30 = models.BooleanField(default=False)
    mentored_60 = models.BooleanField(default=False)
    mentored_90 = models.BooleanField(default=False)
    active_30 = models.BooleanField(null=True)
    active_60 = models.BooleanField(null=True)
    active_90 = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["since"], name="analytics_listener_since")]

    def __str__(self) -> str:
        return f"listener {self.user_id} since {self.since:%Y-%m-%d}"


class Panel(models.Model):
    """A small precomputed panel (retention, cohorts, funnel, load, flags, check-ins) as JSON,
    per band ("all", "teen", "adult")."""

    key = models.CharField(max_length=40)
    band = models.CharField(max_length=5)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "band"], name="analytics_panel_once")]

    def __str__(self) -> str:
        return f"{self.key} ({self.band})"


class RollupState(models.Model):
    """The single state row (pk=1): watermarks and how fresh the figures are."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
    refresh_seconds = models.FloatField(default=0.0)
    rebuilt_at = models.DateTimeField(null=True)
    rebuild_seconds = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "rollup state"

    def __str__(self) -> str:
        return f"rollups as of {self.refreshed_at}"
