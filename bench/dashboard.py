"""Benchmark: the partner dashboard (/staff/, /staff/analytics/, /staff/mentorships/) against
the same figures computed with plain ORM queries over the raw tables, in one run.

On the ``large`` demo community (1,000,000 people, ~10M activity events), SQLite by default:

(a) rollups: a full rebuild (analytics + the partners' pair stats), then a one-day refresh
    (the incremental job right after midnight: yesterday's events, today, the listener facts
    still inside their windows, the current overview point and the panels);
(b) ours: each page and filter requested repeatedly with the Django test client as a staff
    member: p50 / p95 per case;
(c) the baseline, same cases: the figures computed straight from the raw tables
    (bench/_naive_dashboard.py, peerpath.partners.naive), fewer repetitions.

    .venv/bin/python bench/dashboard.py                               # or: make bench-dashboard
    BENCH_DASHBOARD_USERS=20000 .venv/bin/python bench/dashboard.py   # a quick run
    BENCH_DASHBOARD_DB=postgres ...   # PostgreSQL on 127.0.0.1:5432, user postgres

The seeded database is kept (var/bench/dashboard-<users>.sqlite3, or the PostgreSQL database
peerpath_bench_dashboard_<users>) and reused. The last line printed is JSON.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
USERS = int(os.environ.get("BENCH_DASHBOARD_USERS", "1000000"))
DB = os.environ.get("BENCH_DASHBOARD_DB", "sqlite")
REPEAT = int(os.environ.get("BENCH_DASHBOARD_REPEAT", "30"))
NAIVE_REPEAT = int(os.environ.get("BENCH_DASHBOARD_NAIVE_REPEAT", "3"))
SEED = 1
STAFF_NAME = "bench-dashboard-staff"
CASES = (
    "/staff/",
    "/staff/analytics/",
    "/staff/analytics/?band=teen",
    "/staff/mentorships/",
    "/staff/mentorships/?conversations=0",
    "/staff/mentorships/?conversations=3%2B",
    "/staff/mentorships/?no_contact_days=14",
    "/staff/mentorships/?open_flags=1",
    "/staff/mentorships/?band=teen",
    "/staff/mentorships/?sort=-conversations&page=3",
)
TARGETS = {"p95_ms_worst_page": 100.0, "speedup_vs_naive": 10.0, "full_s": 15.0, "day_s": 1.0}


def log(message: str) -> None:
    print(message, flush=True)


def _database_url() -> str:
    if DB == "postgres":
        name = f"peerpath_bench_dashboard_{USERS}"
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    return f"sqlite:///{BENCH_DIR / f'dashboard-{USERS}.sqlite3'}"


def child() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["DATABASE_URL"] = _database_url()
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic in the bench: plain static storage (pages only name the files).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    HUEY.storage = MemoryStorage(HUEY.name)
    call_command("migrate", verbosity=0)
    from peerpath.accounts.models import User
    from peerpath.demo.generator import Size, seed_demo

    have = User.objects.count()
    if have < USERS:
        if have:
            raise SystemExit(f"the bench database holds {have} people; delete it")
        log(f"seeding {USERS:,} people with mentoring (once; reused by later runs)...")
        t = time.perf_counter()
        seed_demo(
            Size(users=USERS, events_per_user=10.0),
            seed=SEED,
            anchor=_anchor(),
            bypass_reserved=True,
        )
        log(f"seeded in {time.perf_counter() - t:.0f} s")
    print("RESULT " + json.dumps(measure()), flush=True)


def _anchor() -> dt.datetime:
    return dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)


def _staff() -> Any:
    from peerpath.accounts import services
    from peerpath.accounts.models import User
    from peerpath.accounts.roles import Role

    user = User.objects.filter(username=STAFF_NAME).first()
    if user is None:
        user = services.create_account(
            username=STAFF_NAME,
            email="",
            password=None,
            date_of_birth=dt.date(1980, 1, 1),
            tz_name="UTC",
        )
        services.grant_role(user=user, role=Role.STAFF)
    return user


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm-up (caches, connection)
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure() -> dict[str, Any]:
    from _naive_dashboard import naive_charts, naive_overview
    from django.test import Client
    from django.utils import timezone

    from peerpath.accounts.models import User
    from peerpath.activity.models import ActivityEvent
    from peerpath.analytics.rollup import refresh
    from peerpath.partners import naive, rollup

    events = ActivityEvent.objects.count()
    users = User.objects.count()
    latest = ActivityEvent.objects.order_by("-occurred_at").values_list("occurred_at", flat=True)[
        :1
    ]
    last_day = latest[0] if latest else timezone.now()
    # The clock: just after the midnight that follows the last seeded events.
    now = dt.datetime.combine(last_day.date() + dt.timedelta(days=1), dt.time(0, 10), tzinfo=dt.UTC)
    now = min(now, timezone.now())

    log("full rebuild of the rollups (analytics + partners' pair stats)...")
    t = time.perf_counter()
    refresh.rebuild(now=now - dt.timedelta(days=1))
    analytics_full = time.perf_counter() - t
    t = time.perf_counter()
    rollup.rebuild_pair_stats(now=now - dt.timedelta(days=1))
    pairs_full = time.perf_counter() - t
    log(f"  analytics {analytics_full:.2f} s, pair stats {pairs_full:.2f} s")

    log("one-day refresh (yesterday's events and today)...")
    t = time.perf_counter()
    refresh.refresh(now=now)
    analytics_day = time.perf_counter() - t
    t = time.perf_counter()
    rollup.refresh_pair_stats(now=now)
    pairs_day = time.perf_counter() - t
    log(f"  analytics {analytics_day:.2f} s, pair stats {pairs_day:.2f} s")

    client = Client()
    client.force_login(_staff())
    cases: dict[str, dict[str, Any]] = {}
    for path in CASES:
        statuses: set[int] = set()

        def get(path: str = path, statuses: set[int] = statuses) -> None:
            statuses.add(client.get(path, secure=True).status_code)

        samples = _timed(get, REPEAT)
        cases[path] = {
            "status": sorted(statuses),
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(_p(samples, 0.95), 2),
            "mean_ms": round(statistics.fmean(samples), 2),
        }
        row = cases[path]
        log(f"  {path}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms {row['status']}")

    log("baseline: the same figures from the raw tables...")
    wall = timezone.now()
    naive_fns: dict[str, Callable[[], Any]] = {
        "/staff/": lambda: naive_overview(wall),
        "/staff/analytics/": lambda: naive_charts(wall),
        "/staff/analytics/?band=teen": lambda: naive_charts(wall, "teen"),
    }
    for path in CASES[3:]:
        query = path.partition("?")[2]
        params = dict(p.split("=", 1) for p in query.split("&")) if query else {}
        params = {k: v.replace("%2B", "+") for k, v in params.items()}
        naive_fns[path] = functools.partial(naive.naive_table, params, now=wall)
    for path, fn in naive_fns.items():
        samples = _timed(fn, NAIVE_REPEAT)
        cases[path]["naive_mean_ms"] = round(statistics.fmean(samples), 2)
        cases[path]["naive_p95_ms"] = round(_p(samples, 0.95), 2)
        log(f"  naive {path}: mean {cases[path]['naive_mean_ms']} ms")

    worst = max(cases, key=lambda p: cases[p]["p95_ms"])
    ours_total = sum(c["mean_ms"] for c in cases.values())
    naive_total = sum(c["naive_mean_ms"] for c in cases.values())
    return {
        "database": DB,
        "users": users,
        "events": events,
        "p95_ms_worst_page": cases[worst]["p95_ms"],
        "worst_page": worst,
        "speedup_vs_naive": round(naive_total / ours_total, 1) if ours_total else None,
        "rollup_full_rebuild_s": round(analytics_full + pairs_full, 2),
        "rollup_full_rebuild_analytics_s": round(analytics_full, 2),
        "rollup_full_rebuild_pairs_s": round(pairs_full, 2),
        "rollup_day_refresh_s": round(analytics_day + pairs_day, 2),
        "rollup_day_refresh_analytics_s": round(analytics_day, 2),
        "rollup_day_refresh_pairs_s": round(pairs_day, 2),
        "repeat": REPEAT,
        "naive_repeat": NAIVE_REPEAT,
        "cases": cases,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] | None = None
    for line in proc.stdout or ():
        line = line.rstrip("\n")
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
        else:
            log(line)
    stderr = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    if code or result is None:
        log(stderr[-4000:])
        raise SystemExit(f"the benchmark failed (exit {code})")
    result["targets"] = {
        "p95_ms_worst_page": "<= 100",
        "speedup_vs_naive": ">= 10",
        "rollup_full_rebuild_s": "<= 15",
        "rollup_day_refresh_s": "<= 1",
    }
    result["met"] = {
        "p95_ms_worst_page": result["p95_ms_worst_page"] <= TARGETS["p95_ms_worst_page"],
        "speedup_vs_naive": (result["speedup_vs_naive"] or 0) >= TARGETS["speedup_vs_naive"],
        "rollup_full_rebuild_s": result["rollup_full_rebuild_s"] <= TARGETS["full_s"],
        "rollup_day_refresh_s": result["rollup_day_refresh_s"] <= TARGETS["day_s"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
