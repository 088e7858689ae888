"""Benchmark: the nudge engine over everyone, against a per-person loop, and e-mail delivery.

On the ``large`` demo community (1,000,000 people, ~100,000 mentorships with their chats,
conversations and check-ins, ~10M activity events), SQLite:

(a) the baseline, first: every seeded rule (staff summaries aside) decided one person at a
    time with plain ORM queries, for a random 10,000-person sample; extrapolated per person;
(b) ours: ``nudges.engine.run()`` over everyone, ledger and in-app notifications written;
    its decisions for the sample must equal the baseline's (``sample_agreement``);
(c) a second full run with the same clock: must send 0;
(d) delivery: the e-mails (b) queued, sent through the locmem backend in batches by
    ``notifications.delivery.deliver_due_emails`` (templates rendered, one connection per
    batch, state written back): deliveries per second. Also in-app notifications created
    per second by ``send_many`` for a 20,000-message batch.

    .venv/bin/python bench/nudges.py                           # or: make bench-nudges
    BENCH_NUDGES_USERS=20000 .venv/bin/python bench/nudges.py  # a quick run

The seeded database is kept as var/bench/nudges-<users>.sqlite3 and reused. The last line
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
USERS = int(os.environ.get("BENCH_NUDGES_USERS", "1000000"))
SAMPLE = int(os.environ.get("BENCH_NUDGES_SAMPLE", "10000"))
SEED = 1


def log(message: str) -> None:
    print(message, flush=True)


def child() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / f'nudges-{USERS}.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Jobs queued by the run stay in memory: delivery is measured on its own in (d).
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
        anchor = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
        seed_demo(
            Size(users=USERS, events_per_user=10.0), seed=SEED, anchor=anchor, bypass_reserved=True
        )
        log(f"seeded in {time.perf_counter() - t:.0f} s")
    print("RESULT " + json.dumps(measure()), flush=True)


def reset() -> None:
    from django.db import connection, transaction

    from peerpath.notifications.models import Notification
    from peerpath.nudges.models import NudgeRule, NudgeRun, NudgeSend
    from peerpath.nudges.seed import load_seeded_rules

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (NudgeSend, NudgeRun, Notification):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        # The rules as the seed file has them now (the loader never overwrites edits).
        NudgeRule.objects.all().delete()
        load_seeded_rules()


def measure() -> dict[str, Any]:
    import numpy as np
    from _naive_nudges import naive_decisions
    from django.core import mail
    from django.db.models import Count
    from django.utils import timezone

    from peerpath.accounts.models import User
    from peerpath.activity.models import ActivityEvent
    from peerpath.mentorship.models import Mentorship
    from peerpath.notifications import delivery, services
    from peerpath.notifications.models import EmailState, Notification
    from peerpath.nudges import engine
    from peerpath.nudges.models import NudgeSend

    reset()
    now = timezone.now().replace(microsecond=0)
    users = User.objects.filter(is_active=True).count()
    ids = np.array(User.objects.filter(is_active=True).values_list("pk", flat=True))
    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(ids, size=min(SAMPLE, len(ids)), replace=False)).tolist()
    events = ActivityEvent.objects.count()
    mentorships = Mentorship.objects.count()

    log(f"baseline: per-person ORM evaluation of {len(sample):,} people...")
    t = time.perf_counter()
    expected = naive_decisions(sample, now)
    naive_s = time.perf_counter() - t
    naive_per_user = naive_s / len(sample)

    log(f"ours: one full evaluation of {users:,} people...")
    first = engine.run(now=now)
    ours_per_user = first.seconds / users
    got = {
        (slug, uid, window): window
        for slug, uid, window in NudgeSend.objects.filter(user_id__in=sample)
        .exclude(rule__audience="staff")
        .values_list("rule__slug", "user_id", "window")
    }
    agree = sum(
        1
        for uid in sample
        if {k: v for k, v in got.items() if k[1] == uid}
        == {k: v for k, v in expected.items() if k[1] == uid}
    )
    differing = list(set(got) ^ set(expected))[:5]
    per_rule = dict(NudgeSend.objects.values_list("rule__slug").annotate(n=Count("id")))

    log("second full run, same clock...")
    second = engine.run(now=now)

    log("delivering the queued e-mails in batches (locmem backend)...")
    pending = Notification.objects.filter(email_state=EmailState.PENDING).count()
    mail.outbox = []
    t = time.perf_counter()
    delivered = 0
    while True:
        n = delivery.deliver_due_emails(now=timezone.now())
        if not n:
            break
        delivered += n
    deliver_s = time.perf_counter() - t
    outbox = len(mail.outbox)

    log("in-app: send_many of 20,000 messages...")
    batch = [
        services.Outgoing(int(uid), "announcements", "Community update", "Hello from the bench.")
        for uid in ids[:20000]
    ]
    t = time.perf_counter()
    created = services.send_many(batch)
    send_s = time.perf_counter() - t

    return {
        "users": users,
        "events": events,
        "mentorships": mentorships,
        "seconds": round(first.seconds, 2),
        "sent": first.sent,
        "sends_per_rule": per_rule,
        "skipped_rules": first.skipped_rules,
        "naive_sample": len(sample),
        "naive_seconds_sample": round(naive_s, 2),
        "naive_ms_per_user": round(naive_per_user * 1000, 3),
        "naive_extrapolated_seconds": round(naive_per_user * users, 0),
        "ours_us_per_user": round(ours_per_user * 1e6, 2),
        "speedup_vs_naive": round(naive_per_user / ours_per_user, 1),
        "sample_agreement": round(agree / len(sample), 6),
        "disagreeing_examples": [list(map(str, k)) for k in differing],
        "second_run_sends": second.sent,
        "second_run_seconds": round(second.seconds, 2),
        "emails_pending": pending,
        "emails_delivered": delivered,
        "emails_in_outbox": outbox,
        "delivery_seconds": round(deliver_s, 2),
        "deliveries_per_s": round(delivered / deliver_s, 0) if deliver_s else 0,
        "in_app_created": created,
        "in_app_per_s": round(created / send_s, 0) if send_s else 0,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child"], capture_output=True, text=True, check=False
    )
    result: dict[str, Any] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
        else:
            log(line)
    if proc.returncode or result is None:
        log(proc.stderr[-4000:])
        raise SystemExit(f"the benchmark failed (exit {proc.returncode})")
    result["targets"] = {
        "speedup_vs_naive": ">= 100",
        "seconds": "<= 60",
        "second_run_sends": "== 0",
        "deliveries_per_s": ">= 2000",
    }
    result["met"] = {
        "speedup_vs_naive": result["speedup_vs_naive"] >= 100,
        "seconds": result["seconds"] <= 60,
        "second_run_sends": result["second_run_sends"] == 0,
        "deliveries_per_s": result["deliveries_per_s"] >= 2000,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
