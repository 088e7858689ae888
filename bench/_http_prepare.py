"""The HTTP benchmark's database step (``bench/http_load.py``), run in a subprocess configured
exactly like ``make serve`` (DEBUG off, the bench database and Redis, from the environment).

``python bench/_http_prepare.py OUT.json SESSIONS [--seed]``:

* ``--seed``: ``migrate``, then ``seed_demo --size small --force`` (the demo community:
  members, listeners, mentors, teens, staff, rooms, mentorships, events...);
* signs in ``SESSIONS`` people with a Django session each (the way ``django.contrib.auth.login``
  stores it: user id, backend, password hash digest): ordinary people of every kind, taken in
  turn from adult members, adult listeners, mentors, teen members and teen listeners (seeded
  random order, demo logins first), so the pages are rendered for every kind of viewer;
  and ``SESSIONS`` sessions of program staff (staff members in turn) for ``/staff/``;
* writes ``{"people": [session keys], "staff": [session keys], "kinds": {kind: count}}``.

Sessions are made in the database directly: with DEBUG off the demo logins' published
password is refused at sign-in, and the benchmark measures pages, not password hashing.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(out: str, count: int, seed: bool) -> None:
    # The bench folder first on the path would shadow packages of the standard library.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()

    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Q
    from django.utils import timezone

    if seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", size="small", force=True, verbosity=0)

    from peerpath.accounts.models import AccountType, User
    from peerpath.accounts.policies import is_staff_member
    from peerpath.accounts.roles import Role

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        raise SystemExit(f"the bench writes database sessions, not {settings.SESSION_ENGINE}")
    now = timezone.now()
    backend = "django.contrib.auth.backends.ModelBackend"
    rng = random.Random(1)

    everyone = list(
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(groups__name__in=[Role.STAFF.value, Role.AMBASSADOR.value])
        .exclude(suspended_until__gt=now)
        .prefetch_related("groups")
        .order_by("pk")
    )
    kinds: dict[str, list[User]] = {
        "adult-member": [],
        "adult-listener": [],
        "mentor": [],
        "teen-member": [],
        "teen-listener": [],
    }
    for u in everyone:
        band = u.age_band_at(now).value
        if u.has_role(Role.MENTOR):
            kind = "mentor"
        else:
            listener = u.account_type == AccountType.LISTENER
            kind = f"{band}-{'listener' if listener else 'member'}"
        if kind in kinds:
            kinds[kind].append(u)
    for people in kinds.values():
        rng.shuffle(people)
        people.sort(key=lambda u: not u.username.startswith("demo-"))  # demo logins first
    chosen: list[User] = []
    turn = 0
    while len(chosen) < count and any(kinds.values()):
        people = list(kinds.values())[turn % len(kinds)]
        if people:
            chosen.append(people.pop(0))
        turn += 1
    counted: dict[str, int] = {}
    for u in chosen:
        kind = (
            "mentor"
            if u.has_role(Role.MENTOR)
            else f"{u.age_band_at(now).value}-"
            + ("listener" if u.account_type == AccountType.LISTENER else "member")
        )
        counted[kind] = counted.get(kind, 0) + 1

    staff = [
        u
        for u in User.objects.filter(
            Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name=Role.STAFF.value),
            is_active=True,
        )
        .distinct()
        .order_by("pk")
        if is_staff_member(u)
    ]
    if not staff:
        raise SystemExit("no staff member in the bench database")

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(now + dt.timedelta(days=1))
        store.create()
        return str(store.session_key)

    result = {
        "people": [session(u) for u in chosen],
        "staff": [session(staff[i % len(staff)]) for i in range(count)],
        "kinds": counted,
        "staff_members": len(staff),
    }
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--seed"):
        raise SystemExit("usage: _http_prepare.py OUT.json SESSIONS [--seed]")
    main(sys.argv[1], int(sys.argv[2]), len(sys.argv) == 4)
