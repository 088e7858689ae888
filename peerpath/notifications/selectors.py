"""Reads: the bell's count, a person's notifications, their preferences."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from peerpath.accounts.models import User
from peerpath.notifications.categories import CATEGORIES, Category
from peerpath.notifications.models import Notification, NotificationSettings, Preference


def unread_count(user: User) -> int:
    """One indexed COUNT (the partial index ``notif_unread``)."""
    return Notification.objects.unread().filter(recipient=user).count()


def notifications_for(user: User) -> QuerySet[Notification]:
    """The person's visible notifications: unread first, then newest first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return (
        Notification.objects.visible()
        .filter(recipient=user)
        .annotate(unread=unread)
        .order_by("-unread", "-created_at", "-id")
    )


@dataclass(frozen=True)
class PreferenceRow:
    category: Category
    in_app: bool
    email: bool


def preference_rows(user: User) -> list[PreferenceRow]:
    """Every category with the person's choice (their override, else the default)."""
    own = {p.category: p for p in Preference.objects.filter(user=user)}
    rows = []
    for slug, cat in CATEGORIES.items():
        pref = own.get(slug)
        in_app = pref.in_app if pref else cat.in_app_default
        email = (pref.email if pref else cat.email_default) or not cat.can_unsubscribe
        rows.append(PreferenceRow(cat, in_app, email))
    return rows


def settings_for(user: User) -> NotificationSettings:
    """The person's quiet hours and digest (unsaved defaults when they never chose)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found if found is not None else NotificationSettings(user=user)
