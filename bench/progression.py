"""Benchmark: evaluating the whole leadership ladder for everyone, writes included.

On the ``large`` demo community (1,000,000 people, ~10M activity events) one run measures:

(a) ours: ``progression.batch.run()`` from an empty award table: facts from a few aggregate
    queries, the vectorized evaluator, awards + audit log + certificates written in bulk;
(b) the baseline, in the same run: a straightforward per-person evaluation with the ORM (one
    query per criterion and award, the same rules) on a random 10,000-person sample taken
    before (a); extrapolated per person. Its decisions are compared with what (a) wrote for
    the sample: every (person, achievement) state, grant time and deadline must agree;
(c) a second full run (must change nothing: idempotency);
(d) incremental: 10,000 people get new activity, then ``run(incremental=True)``.

    .venv/bin/python bench/progression.py                      # SQLite, + PostgreSQL if up
    BENCH_PROGRESSION_USERS=20000 .venv/bin/python bench/progression.py   # a quick run
    BENCH_PROGRESSION_PG=0 ...                                  # skip PostgreSQL

The seeded databases are kept under var/bench/ (SQLite) and in the PostgreSQL database
``peerpath_bench_progression`` and reused while their size and seed match. The last line
printed is JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
USERS = int(os.environ.get("BENCH_PROGRESSION_USERS", "1000000"))
SAMPLE = int(os.environ.get("BENCH_PROGRESSION_SAMPLE", "10000"))
TOUCHED = int(os.environ.get("BENCH_PROGRESSION_TOUCHED", "10000"))
SEED = 1
PG_NAME = "peerpath_bench_progression"
KEYS = ("seconds", "speedup_vs_naive", "sample_agreement", "incremental_seconds_10k", "timings")


def log(message: str) -> None:
    print(message, flush=True)


def child(backend: str) -> None:
    """One backend's measurements (in its own process: Django is configured once)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    if backend == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'progression-{USERS}.sqlite3'}"
    else:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from peerpath.accounts.models import User
    from peerpath.demo.generator import Size, seed_demo

    marker = f"{USERS}:{SEED}"
    have = User.objects.count()
    if have < USERS:
        if have:
            raise SystemExit(f"{backend}: the bench database holds {have} people; delete it")
        log(f"[{backend}] seeding {USERS:,} people (once; reused by later runs)...")
        t = time.perf_counter()
        anchor = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
        size = Size(users=USERS, events_per_user=10.0)
        seed_demo(size, seed=SEED, anchor=anchor, bypass_reserved=True, mentoring=False)
        log(f"[{backend}] seeded in {time.perf_counter() - t:.0f} s ({marker})")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result = measure(backend)
    print("RESULT " + json.dumps(result), flush=True)


def reset() -> None:
    from django.db import connection, transaction

    from peerpath.progression.models import (
        Application,
        Award,
        AwardLog,
        BuddyPair,
        Certificate,
        EvaluationRun,
    )

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Certificate, AwardLog, BuddyPair, Application, Award, EvaluationRun):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def measure(backend: str) -> dict[str, Any]:
    import numpy as np
    from _naive_progression import naive_decisions
    from django.db import connection
    from django.utils import timezone

    from peerpath.activity.models import ActivityEvent, ActivityKind
    from peerpath.core.bulk import BulkInserter, Epoch
    from peerpath.progression import ladder
    from peerpath.progression.models import Award
    from peerpath.progression.services import batch

    reset()
    now = timezone.now().replace(microsecond=0)
    rule_set = ladder.load_rules()
    from peerpath.accounts.models import User

    ids = np.array(User.objects.filter(is_active=True).values_list("pk", flat=True))
    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(ids, size=min(SAMPLE, len(ids)), replace=False)).tolist()
    events = ActivityEvent.objects.count()

    log(f"[{backend}] baseline: per-person ORM evaluation of {len(sample):,} people...")
    t = time.perf_counter()
    expected = naive_decisions(sample, rule_set, now)
    naive_s = time.perf_counter() - t
    naive_per_user = naive_s / len(sample)

    log(f"[{backend}] ours: batch evaluation of everyone...")
    summary = batch.run(now=now)
    ours_per_user = summary.seconds / max(summary.users, 1)

    got: dict[tuple[int, str], tuple[Any, ...]] = {}
    for user_id, slug, state, granted, below, due in Award.objects.filter(
        user_id__in=sample
    ).values_list(
        "user_id", "achievement__slug", "state", "granted_at", "below_since", "obligation_due"
    ):
        got[(user_id, slug)] = (state, granted, below, due)

    def by_user(mapping: dict[tuple[int, str], Any]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for (user_id, slug), value in mapping.items():
            out.setdefault(user_id, {})[slug] = value
        return out

    got_by, expected_by = by_user(got), by_user(expected)
    differing = [u for u in sample if got_by.get(u, {}) != expected_by.get(u, {})]
    agree = len(sample) - len(differing)
    differing = differing[:3]

    log(f"[{backend}] second full run (idempotency)...")
    second = batch.run(now=now)

    log(f"[{backend}] incremental: {TOUCHED:,} people with new activity...")
    touched = np.sort(rng.choice(ids, size=min(TOUCHED, len(ids)), replace=False))
    later = now + dt.timedelta(minutes=15)
    when = np.full(len(touched), int(later.timestamp()) - 60, np.int64)
    writer = BulkInserter(connection)
    from django.db import transaction

    with transaction.atomic():
        writer.insert(
            ActivityEvent,
            {
                "user_id": touched.tolist(),
                "kind": [ActivityKind.GROUP_CHAT.value] * len(touched),
                "occurred_at": Epoch(when),
                "ref_type": [""] * len(touched),
                "ref_id": [None] * len(touched),
                "recorded_at": Epoch(when),
            },
        )
    incremental = batch.run(now=later, incremental=True)
    return {
        "backend": backend,
        "users": summary.users,
        "events": events,
        "seconds": round(summary.seconds, 2),
        "timings": {k: round(v, 2) for k, v in summary.timings.items()},
        "changes": summary.changes,
        "naive_sample": len(sample),
        "naive_seconds_sample": round(naive_s, 2),
        "naive_ms_per_user": round(naive_per_user * 1000, 3),
        "naive_extrapolated_seconds": round(naive_per_user * summary.users, 0),
        "ours_us_per_user": round(ours_per_user * 1e6, 2),
        "speedup_vs_naive": round(naive_per_user / ours_per_user, 1),
        "sample_agreement": round(agree / len(sample), 6),
        "disagreeing_examples": differing,
        "second_run_changes": second.changes,
        "second_run_seconds": round(second.seconds, 2),
        "incremental_users": incremental.users,
        "incremental_changes": incremental.changes,
        "incremental_seconds_10k": round(incremental.seconds, 2),
    }


def postgres_up() -> bool:
    if os.environ.get("BENCH_PROGRESSION_PG", "1") == "0":
        return False
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
            if not exists:
                c.execute(f'CREATE DATABASE "{PG_NAME}"')
        return True
    except Exception as exc:
        log(f"PostgreSQL not reachable ({exc.__class__.__name__}); measuring SQLite only")
        return False


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        child(sys.argv[2])
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite"] + (["postgresql"] if postgres_up() else [])
    results: dict[str, dict[str, Any]] = {}
    for backend in backends:
        proc = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, __file__, "--child", backend],
            capture_output=True,
            text=True,
            check=False,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT "):
                results[backend] = json.loads(line[7:])
            else:
                log(line)
        if proc.returncode != 0:
            log(proc.stderr[-3000:])
            raise SystemExit(f"{backend} run failed")
        log(json.dumps(results[backend], indent=2))
    sqlite = results["sqlite"]
    worst = max(results.values(), key=lambda r: r["seconds"])
    summary = {
        "users": sqlite["users"],
        "events": sqlite["events"],
        "seconds": worst["seconds"],
        "speedup_vs_naive": min(r["speedup_vs_naive"] for r in results.values()),
        "sample_agreement": min(r["sample_agreement"] for r in results.values()),
        "incremental_seconds_10k": max(r["incremental_seconds_10k"] for r in results.values()),
        "second_run_changes": max(r["second_run_changes"] for r in results.values()),
        "targets": {"seconds": 30, "speedup_vs_naive": 100, "incremental_seconds_10k": 2},
        "by_backend": {
            b: {
                k: r[k]
                for k in (
                    "seconds",
                    "speedup_vs_naive",
                    "sample_agreement",
                    "incremental_seconds_10k",
                    "timings",
                )
            }
            for b, r in results.items()
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
