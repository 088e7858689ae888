"""Benchmark: the demo seeder's bulk writer against the naive ORM way of writing the same rows.

Both sides draw identical data with ``peerpath.demo.generator`` (same seed, size and
anchor), so the difference is only how rows reach the database: ours writes columns with
``executemany``/``COPY`` (and, on SQLite, rebuilds secondary indexes once at the end); the
baseline builds model instances and calls ``Model.objects.bulk_create``, as one would
without thinking about it.

    .venv/bin/python bench/seed.py                        # 20,000 users each
    BENCH_SEED_SIZE=large .venv/bin/python bench/seed.py  # also 1M users, ours only
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/seed.py

SQLite databases are temporary files under var/bench/ (deleted afterwards); each run gets a
fresh, migrated copy. The last line printed is JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
USERS = int(os.environ.get("BENCH_SEED_USERS", "20000"))
EVENTS_PER_USER = 10.0
SEED = 1
ANCHOR = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)


def setup_django() -> bool:
    """Settings as a deployment would have them (DEBUG off: no query logging on either
    side). Returns True when the databases are throwaway SQLite files."""
    sys.path.insert(0, str(ROOT))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    url = os.environ.get("BENCH_DATABASE_URL")
    os.environ["DATABASE_URL"] = url or f"sqlite:///{BENCH_DIR / 'seed-template.sqlite3'}"
    if not url:
        for path in BENCH_DIR.glob("seed-*.sqlite3*"):
            path.unlink()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url is None


def use_fresh_sqlite(name: str) -> Path:
    """Point the default connection at a fresh copy of the migrated template."""
    from django.db import connection

    template = Path(connection.settings_dict["NAME"]).with_name("seed-template.sqlite3")
    connection.close()
    target = BENCH_DIR / f"seed-{name}.sqlite3"
    shutil.copyfile(template, target)
    connection.settings_dict["NAME"] = str(target)
    return target


def clear_demo_rows() -> None:
    """For a server database: remove what a run wrote (children first)."""
    from django.db import connection, transaction

    from peerpath.accounts.models import Profile, User
    from peerpath.activity.models import ActivityEvent

    tables = [
        ActivityEvent._meta.db_table,
        Profile.topics.through._meta.db_table,
        Profile.languages.through._meta.db_table,
        User.groups.through._meta.db_table,
        Profile._meta.db_table,
        User._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def run_ours(users: int) -> tuple[float, int]:
    from peerpath.demo.generator import Size, seed_demo

    started = time.perf_counter()
    summary = seed_demo(
        Size(users=users, events_per_user=EVENTS_PER_USER),
        seed=SEED,
        anchor=ANCHOR,
        bypass_reserved=True,
        mentoring=False,  # the ORM baseline writes users and events only
    )
    return time.perf_counter() - started, summary.events


def run_baseline(users: int) -> tuple[float, int]:
    """Same generated data, written as model instances with bulk_create."""
    from django.db import connection, transaction

    from peerpath.accounts.models import AccountType, Profile, User
    from peerpath.activity.models import ActivityEvent
    from peerpath.demo import generator as g

    started = time.perf_counter()
    plan = g.make_plan(
        g.Size(users=users, events_per_user=EVENTS_PER_USER), seed=SEED, anchor=ANCHOR
    )
    taken = {name.lower() for name in User.objects.values_list("username", flat=True)}
    first_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    topic_link = Profile.topics.through
    language_link = Profile.languages.through
    group_link = User.groups.through
    kinds = g.KIND_VALUES

    def when(epoch: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(epoch, dt.UTC)

    events = 0
    for chunk in g.generate_community(plan, first_id=first_id, taken=taken):
        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(
                        id=uid,
                        username=name,
                        email=email,
                        password=g.UNUSABLE_PASSWORD,
                        date_of_birth=g.EPOCH_DATE + dt.timedelta(days=dob),
                        timezone=g.ZONE_NAMES[zone],
                        account_type=AccountType.LISTENER if listener else AccountType.MEMBER,
                        teen_from=when(teen),
                        adult_from=when(adult),
                        date_joined=when(joined),
                    )
                    for uid, name, email, dob, zone, listener, teen, adult, joined in zip(
                        chunk.ids.tolist(),
                        chunk.usernames,
                        chunk.emails,
                        chunk.dob_days.tolist(),
                        chunk.zone_idx.tolist(),
                        chunk.is_listener.tolist(),
                        chunk.teen_from.tolist(),
                        chunk.adult_from.tolist(),
                        chunk.date_joined.tolist(),
                        strict=True,
                    )
                ],
                batch_size=1000,
            )
            Profile.objects.bulk_create(
                [
                    Profile(user_id=uid, display_name=shown, bio=bio, availability=week)
                    for uid, shown, bio, week in zip(
                        chunk.ids.tolist(),
                        chunk.display_names,
                        chunk.bios,
                        chunk.availability,
                        strict=True,
                    )
                ],
                batch_size=1000,
            )
            topic_link.objects.bulk_create(
                [
                    topic_link(profile_id=p, topic_id=t)
                    for p, t in zip(*(a.tolist() for a in chunk.topic_pairs), strict=True)
                ],
                batch_size=2000,
            )
            language_link.objects.bulk_create(
                [
                    language_link(profile_id=p, language_id=lang)
                    for p, lang in zip(*(a.tolist() for a in chunk.language_pairs), strict=True)
                ],
                batch_size=2000,
            )
            group_link.objects.bulk_create(
                [
                    group_link(user_id=u, group_id=grp)
                    for u, grp in zip(*(a.tolist() for a in chunk.role_pairs), strict=True)
                ],
                batch_size=2000,
            )
            ActivityEvent.objects.bulk_create(
                [
                    ActivityEvent(
                        user_id=u, kind=kinds[k], occurred_at=when(t), recorded_at=when(t)
                    )
                    for u, k, t in zip(
                        chunk.events.user_ids.tolist(),
                        chunk.events.kinds.tolist(),
                        chunk.events.occurred_at.tolist(),
                        strict=True,
                    )
                ],
                batch_size=2000,
            )
        events += len(chunk.events)
    with transaction.atomic():
        g.BulkWriter(connection).reset_sequences()
        events += g.create_demo_logins(plan, g.BulkWriter(connection), bypass_reserved=True)
    return time.perf_counter() - started, events


def main() -> None:
    sqlite = setup_django()
    result: dict[str, object] = {"bench": "seed", "users": USERS}

    if sqlite:
        use_fresh_sqlite("ours")
    ours_s, events = run_ours(USERS)
    print(f"ours:     {USERS:,} users, {events:,} events in {ours_s:.2f} s", flush=True)

    if sqlite:
        use_fresh_sqlite("baseline")
    else:
        clear_demo_rows()
    baseline_s, baseline_events = run_baseline(USERS)
    print(f"baseline: {USERS:,} users, {baseline_events:,} events in {baseline_s:.2f} s")
    if baseline_events != events:
        raise SystemExit(f"event counts differ: {events} vs {baseline_events}")
    result |= {
        "events": events,
        "ours_s": round(ours_s, 2),
        "baseline_s": round(baseline_s, 2),
        "speedup": round(baseline_s / ours_s, 1),
    }

    if os.environ.get("BENCH_SEED_SIZE") == "large":
        from peerpath.demo.generator import SIZES

        if sqlite:
            use_fresh_sqlite("large")
        else:
            clear_demo_rows()
        large = SIZES["large"]
        large_s, large_events = run_ours(large.users)
        print(f"large:    {large.users:,} users, {large_events:,} events in {large_s:.1f} s")
        result |= {"large_users": large.users, "large_events": large_events}
        result["large_s"] = round(large_s, 1)

    if sqlite:
        from django.db import connection

        connection.close()
        for path in BENCH_DIR.glob("seed-*.sqlite3*"):
            path.unlink()
    else:
        clear_demo_rows()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
