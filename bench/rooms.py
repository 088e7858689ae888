"""Benchmark: real-time group chat rooms (``peerpath.rooms``) against a raw ``websockets``
broadcast server, with the same load generator, in the same run.

(a) one room, ``BENCH_ROOMS_CLIENTS`` (500) clients on loopback, one server process:
    - saturation: a closed loop keeps ``BENCH_ROOMS_WINDOW`` (16) messages in flight (a slot
      frees when the sender gets its own message back); deliveries/s over the window.
      Ours persists every message before its ack (counted in the database afterwards);
    - latency: 5 messages/s (2,500 deliveries/s), p99 from send to each receiver;
    run against ``bench/_raw_ws_server.py`` (the physical baseline: parse once, broadcast,
    nothing else) and against ``uvicorn config.asgi:application`` for each WebSocket
    implementation in ``BENCH_ROOMS_VARIANTS``; ``BENCH_ROOMS_ROUNDS`` (2) rounds
    alternate raw and ours, and each side keeps its best round (other work on the host only
    ever slows a round down; every round is in the JSON);
(b) two server processes sharing the database and Redis (``REDIS_URL`` = db
    ``BENCH_ROOMS_REDIS_DB``, 13, flushed first): 2,000 connections opened at once (time and
    failures), then 150 rooms x 20 clients (clients of a room alternate between the two
    processes) at 0.5 messages/s per room: p99 (also split same-process / cross-process),
    lost and duplicated messages.

The load generator (``bench/_rooms_load.py``) is one uvloop process, the same for both
servers; its CPU and the servers' CPU over each window are printed (``cpu``, in cores), with
the whole host's busy cores. On a 2-core host the raw baseline saturates the machine (raw
server and generator ~1.0 core each, the kernel's loopback work in between): it is the
host's ceiling for 500-way fan-out, not only the raw server's. Ours is measured while the
generator has spare CPU. Before each run the bench waits (``BENCH_ROOMS_QUIET_WAIT``, 180 s)
for the host to be idle, since other work on it would be measured too.

    .venv/bin/python bench/rooms.py                      # or: make bench-rooms
    BENCH_ROOMS_SECONDS=5 BENCH_ROOMS_ROUNDS=1 .venv/bin/python bench/rooms.py  # quick
    BENCH_ROOMS_PG=1 ...        # PostgreSQL database peerpath_bench_rooms instead of SQLite
    BENCH_ROOMS_SETTINGS=mod PYTHONPATH=dir ...   # servers run with another settings module

A fresh database each run: SQLite ``var/bench/rooms.sqlite3`` (WAL) or the PostgreSQL
database ``peerpath_bench_rooms`` (dropped and re-created). Server logs: ``var/bench/``.
The last line printed is JSON.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.rooms_servers import (  # noqa: E402
    Fixture,
    Server,
    ServerFailed,
    django_env,
    prepare_database,
    raise_fd_limit,
    redis_reachable,
    running,
    start_many_uvicorn,
    start_raw,
    start_uvicorn,
)

BENCH_DIR = ROOT / "var" / "bench"
LOAD = Path(__file__).resolve().parent / "_rooms_load.py"
CLIENTS = int(os.environ.get("BENCH_ROOMS_CLIENTS", "500"))
SECONDS = float(os.environ.get("BENCH_ROOMS_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_ROOMS_WARMUP", "2"))
ROUNDS = max(1, int(os.environ.get("BENCH_ROOMS_ROUNDS", "2")))
WINDOW = int(os.environ.get("BENCH_ROOMS_WINDOW", "16"))
VARIANTS = [
    v.strip()
    for v in os.environ.get("BENCH_ROOMS_VARIANTS", "websockets-sansio,websockets").split(",")
    if v.strip()
]
LOOP = os.environ.get("BENCH_ROOMS_LOOP", "uvloop")
HTTP = os.environ.get("BENCH_ROOMS_HTTP", "httptools")
USE_PG = os.environ.get("BENCH_ROOMS_PG", "0") == "1"
PG_NAME = "peerpath_bench_rooms"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_BASE = os.environ.get("BENCH_ROOMS_REDIS", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_ROOMS_REDIS_DB", "13"))
GENERATORS = max(1, int(os.environ.get("BENCH_ROOMS_GENERATORS", "1")))
QUIET_WAIT = float(os.environ.get("BENCH_ROOMS_QUIET_WAIT", "180"))
QUIET_CORES = 0.35
# Servers only: try a settings variant (a module importable through PYTHONPATH).
SERVER_SETTINGS = (
    {"DJANGO_SETTINGS_MODULE": os.environ["BENCH_ROOMS_SETTINGS"]}
    if os.environ.get("BENCH_ROOMS_SETTINGS")
    else {}
)
MULTI_ROOMS, MULTI_PER_ROOM, MULTI_RATE = 150, 20, 0.5
STORM, STORM_PER_ROOM = 2000, 20
SINGLE_RATE = 5.0
PATH = "/ws/rooms/{room}/"
TARGETS = {
    "throughput_ratio_vs_raw": 0.5,
    "p99_ms": 100,
    "p99_ms_multiprocess": 250,
    "lost": 0,
    "duplicated": 0,
    "connect_failures": 0,
    "connect_seconds_2000": 10,
}


def log(message: str) -> None:
    print(message, flush=True)


# --- database ------------------------------------------------------------------------------


def fresh_database() -> str:
    if USE_PG:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
        return f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    path = BENCH_DIR / "rooms.sqlite3"
    for old in BENCH_DIR.glob("rooms.sqlite3*"):
        old.unlink()
    return f"sqlite:///{path}"


def persisted(database_url: str, prefix: str) -> int:
    """Rows of ``rooms_roommessage`` whose client_id carries this run's prefix."""
    sql = "SELECT count(*) FROM rooms_roommessage WHERE client_id LIKE %s"
    pattern = prefix + "-%"
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as conn:
            row = conn.execute(sql.replace("%s", "?"), [pattern]).fetchone()
            return int(row[0])
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        got = conn.execute(sql, [pattern]).fetchone()
        return int(got[0]) if got else 0


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- the host ------------------------------------------------------------------------------

QUIET: list[float] = []  # busy cores just before each measured run


def host_busy(seconds: float = 1.0) -> float:
    """Busy cores of the whole machine over ``seconds`` (from /proc/stat)."""

    def busy() -> int:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(ticks) - ticks[3] - ticks[4]

    try:
        before = busy()
        time.sleep(seconds)
        return (busy() - before) / os.sysconf("SC_CLK_TCK") / seconds
    except OSError:
        return 0.0


def wait_quiet() -> None:
    """Other work on this host (another test run...) steals the cores being measured: wait
    (up to BENCH_ROOMS_QUIET_WAIT seconds) until it is quiet, and record how busy it was."""
    deadline = time.monotonic() + QUIET_WAIT
    busy = host_busy()
    told = False
    while busy > QUIET_CORES and time.monotonic() < deadline:
        if not told:
            log(
                f"  (host busy with other work: {busy:.2f} cores; waiting up to {QUIET_WAIT:.0f} s)"
            )
            told = True
        busy = host_busy(2.0)
    if busy > QUIET_CORES:
        log(f"  (host still busy: {busy:.2f} cores; measuring anyway)")
    QUIET.append(round(busy, 2))


# --- load ----------------------------------------------------------------------------------


def generate(spec: dict[str, Any], name: str, timeout: float = 900) -> dict[str, Any]:
    """Run one load generator process; its RESULT line."""
    wait_quiet()
    path = BENCH_DIR / f"rooms-load-{name}.json"
    path.write_text(json.dumps(spec))
    proc = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(LOAD), str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result: dict[str, Any] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"load generator {name} failed:\n{proc.stderr[-4000:]}")
    if proc.stderr.strip():
        log(f"  [{name}] generator said: {proc.stderr.strip()[-600:]}")
    return result


def generate_many(specs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Several generator processes at once (each owns whole rooms)."""
    wait_quiet()
    procs = []
    for i, spec in enumerate(specs):
        path = BENCH_DIR / f"rooms-load-{name}-{i}.json"
        path.write_text(json.dumps(spec))
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own script
                [sys.executable, str(LOAD), str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        lines = [x for x in out.splitlines() if x.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"load generator {name} failed:\n{err[-4000:]}")
        results.append(json.loads(lines[-1][7:]))
    return results


def server_specs(servers: list[Server]) -> list[dict[str, Any]]:
    return [{"port": s.port, "pid": s.pid, "origin": s.origin} for s in servers]


def single_spec(servers: list[Server], fixture: Fixture, prefix: str, acks: bool) -> dict[str, Any]:
    return {
        "mode": "single",
        "acks": acks,
        "prefix": prefix,
        "servers": server_specs(servers),
        "sessions": fixture.sessions[:CLIENTS],
        "rooms": fixture.rooms[:1],
        "clients_per_room": CLIENTS,
        "path": PATH,
        "seconds": SECONDS,
        "warmup": WARMUP,
        "window": WINDOW,
        "rate_per_room": SINGLE_RATE,
        "drain": 15,
        "connect_concurrency": 50,
    }


def brief(result: dict[str, Any]) -> str:
    sat, paced = result["phases"].get("saturate"), result["phases"]["paced"]
    c = result["connect"]
    parts = [f"connect {c['opened']}/{c['attempted']} in {c['seconds']} s"]
    if sat:
        parts.append(
            f"saturation {sat['deliveries_per_s']:,.0f} deliveries/s "
            f"({sat['messages_per_s']} msg/s, p99 {(sat['latency_ms'] or {}).get('p99')} ms, "
            f"cpu {sat['cpu']})"
        )
    lat = paced["latency_ms"] or {}
    parts.append(
        f"paced {paced['deliveries_per_s']:,.0f}/s p50 {lat.get('p50')} p99 {lat.get('p99')} "
        f"max {lat.get('max')} ms, cpu {paced['cpu']}"
    )
    lost = sum(p["lost"] for p in result["phases"].values())
    parts.append(f"lost {lost} dup {result['duplicated']} errors {result['errors']}")
    return "; ".join(parts)


# --- phases --------------------------------------------------------------------------------


def single_room(env: dict[str, str], fixture: Fixture, run_id: str, db_url: str) -> dict[str, Any]:
    raw_rounds: list[dict[str, Any]] = []
    ours: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for rnd in range(ROUNDS):
        log(f"[single] round {rnd + 1}/{ROUNDS}: raw websockets server, {CLIENTS} clients")
        with running(start_raw(log_dir=BENCH_DIR)) as (raw,):
            result = generate(single_spec([raw], fixture, f"{run_id}r{rnd}", acks=False), "raw")
            raw.check_alive()
        log("  " + brief(result))
        raw_rounds.append(result)
        for variant in VARIANTS:
            log(f"[single] round {rnd + 1}/{ROUNDS}: ours, uvicorn --ws {variant} --loop {LOOP}")
            prefix = f"{run_id}o{rnd}{VARIANTS.index(variant)}"
            server = start_uvicorn(env, log_dir=BENCH_DIR, ws=variant, loop=LOOP, http=HTTP)
            with running(server):
                result = generate(single_spec([server], fixture, prefix, acks=True), "ours")
                server.check_alive()
            result["persisted"] = persisted(db_url, prefix)
            log("  " + brief(result) + f"; persisted {result['persisted']}")
            ours[variant].append(result)
    return {"raw": raw_rounds, "ours": ours}


def multi_process(
    env: dict[str, str], fixture: Fixture, run_id: str, variant: str
) -> dict[str, Any]:
    servers = start_many_uvicorn(2, env, log_dir=BENCH_DIR, ws=variant, loop=LOOP, http=HTTP)
    with running(*servers):
        log(f"[multi] {STORM:,} connections at once to 2 processes")
        storm_rooms = fixture.rooms[1 : 1 + STORM // STORM_PER_ROOM]
        storm = generate(
            {
                "mode": "storm",
                "acks": True,
                "prefix": f"{run_id}s",
                "servers": server_specs(servers),
                "sessions": fixture.sessions[:STORM],
                "rooms": storm_rooms,
                "clients_per_room": STORM_PER_ROOM,
                "path": PATH,
                "connect_concurrency": STORM,
                "connect_timeout": 30,
            },
            "storm",
        )
        log(f"  {storm['connect']}; closed in {storm['close_seconds']} s")
        for s in servers:
            s.check_alive()
        time.sleep(2)  # let the disconnects finish before the next wave
        log(
            f"[multi] {MULTI_ROOMS} rooms x {MULTI_PER_ROOM} clients, {MULTI_RATE} msg/s per room, "
            f"{GENERATORS} generator process(es)"
        )
        rooms = fixture.rooms[1 : 1 + MULTI_ROOMS]
        per_gen = -(-len(rooms) // GENERATORS)
        specs = []
        for g in range(GENERATORS):
            mine = rooms[g * per_gen : (g + 1) * per_gen]
            first = g * per_gen * MULTI_PER_ROOM
            specs.append(
                {
                    "mode": "paced",
                    "acks": True,
                    "prefix": f"{run_id}m{g}",
                    "servers": server_specs(servers),
                    "sessions": fixture.sessions[first : first + len(mine) * MULTI_PER_ROOM],
                    "rooms": mine,
                    "clients_per_room": MULTI_PER_ROOM,
                    "path": PATH,
                    "seconds": SECONDS,
                    "warmup": WARMUP,
                    "rate_per_room": MULTI_RATE,
                    "drain": 15,
                    "connect_concurrency": 100,
                    "return_latencies": GENERATORS > 1,
                }
            )
        results = generate_many(specs, "multi") if GENERATORS > 1 else [generate(specs[0], "multi")]
        for s in servers:
            s.check_alive()
    return {"storm": storm, "paced": results}


# --- summary -------------------------------------------------------------------------------


def pct(values: list[int], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return round(values[k] / 1000, 2)


def p99(result: dict[str, Any], phase: str) -> float:
    lat = result["phases"][phase]["latency_ms"]
    return float(lat["p99"]) if lat else float("inf")


def sat_rate(result: dict[str, Any]) -> float:
    return float(result["phases"]["saturate"]["deliveries_per_s"])


def pick_variant(single: dict[str, Any]) -> str:
    """The first variant (websockets-sansio: uvicorn's default, the other is deprecated)
    unless another was more than 10% faster: rounds on this host differ by more than that."""
    best = {v: max(sat_rate(r) for r in rounds) for v, rounds in single["ours"].items()}
    fastest = max(best, key=lambda v: best[v])
    return fastest if best[fastest] > 1.1 * best[VARIANTS[0]] else VARIANTS[0]


def summarize(
    single: dict[str, Any], multi: dict[str, Any] | None, timings: dict[str, float]
) -> dict[str, Any]:
    raw_best = max(single["raw"], key=sat_rate)
    by_variant = {
        v: {
            "deliveries_per_s": max(sat_rate(r) for r in rounds),
            "p99_ms_at_2500": min(p99(r, "paced") for r in rounds),
            "rounds_deliveries_per_s": [sat_rate(r) for r in rounds],
            "rounds_p99_ms": [p99(r, "paced") for r in rounds],
        }
        for v, rounds in single["ours"].items()
    }
    best_variant = pick_variant(single)
    ours_rounds = single["ours"][best_variant]
    ours_best = max(ours_rounds, key=sat_rate)
    all_ours = [r for rounds in single["ours"].values() for r in rounds]
    lost = sum(p["lost"] for r in all_ours for p in r["phases"].values())
    duplicated = sum(r["duplicated"] for r in all_ours)
    acked = sum(p["acked"] for r in all_ours for p in r["phases"].values())
    stored = sum(r["persisted"] for r in all_ours)
    connect_failures = sum(r["connect"]["failures"] for r in all_ours)
    out: dict[str, Any] = {
        "clients": CLIENTS,
        "throughput_ratio_vs_raw": round(sat_rate(ours_best) / sat_rate(raw_best), 3),
        "p99_ms": min(p99(r, "paced") for r in ours_rounds),
        "p99_ms_multiprocess": None,
        "lost": lost,
        "duplicated": duplicated,
        "connect_failures": connect_failures,
        "connect_seconds_2000": None,
        "raw": {
            "deliveries_per_s": sat_rate(raw_best),
            "messages_per_s": raw_best["phases"]["saturate"]["messages_per_s"],
            "p99_ms_at_2500": min(p99(r, "paced") for r in single["raw"]),
            "saturation_p99_ms": raw_best["phases"]["saturate"]["latency_ms"]["p99"],
            "rounds_deliveries_per_s": [sat_rate(r) for r in single["raw"]],
            "cpu_saturation": raw_best["phases"]["saturate"]["cpu"],
        },
        "ours": {
            "variant": f"--ws {best_variant} --loop {LOOP} --http {HTTP}",
            "fastest_variant": max(
                single["ours"], key=lambda v: max(map(sat_rate, single["ours"][v]))
            ),
            "deliveries_per_s": sat_rate(ours_best),
            "messages_per_s": ours_best["phases"]["saturate"]["messages_per_s"],
            "saturation_p99_ms": ours_best["phases"]["saturate"]["latency_ms"]["p99"],
            "ack_p99_ms_at_2500": min(
                (r["phases"]["paced"]["ack_ms"] or {}).get("p99", float("inf")) for r in ours_rounds
            ),
            "cpu_saturation": ours_best["phases"]["saturate"]["cpu"],
            "acked": acked,
            "persisted": stored,
            "errors": {k: v for r in all_ours for k, v in r["errors"].items()},
            "variants": by_variant,
        },
        "messages": {
            "raw": sum(p["sent"] for r in single["raw"] for p in r["phases"].values()),
            "ours": sum(p["sent"] for r in all_ours for p in r["phases"].values()),
            "multiprocess": 0,
        },
        "window": WINDOW,
        "seconds_per_phase": SECONDS,
        "seconds": timings,
        "database": "postgresql" if USE_PG else "sqlite",
        "server_settings": SERVER_SETTINGS.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
        "host_busy_cores_before_runs": QUIET,
    }
    if multi is not None:
        storm = multi["storm"]
        paced = [r["phases"]["paced"] for r in multi["paced"]]
        if len(paced) == 1:
            lat = paced[0]["latency_ms"] or {}
            cross = paced[0]["latency_cross_process_ms"] or {}
            mp99: float = lat.get("p99", float("inf"))
        else:
            merged = [x for r in multi["paced"] for x in r["latencies_us"]]
            mp99 = pct(merged, 99)
            cross = {"p99": pct([x for r in multi["paced"] for x in r["latencies_cross_us"]], 99)}
        mp_lost = sum(p["lost"] for p in paced)
        mp_dup = sum(r["duplicated"] for r in multi["paced"])
        mp_fail = storm["connect"]["failures"] + sum(
            r["connect"]["failures"] for r in multi["paced"]
        )
        out["p99_ms_multiprocess"] = mp99
        out["lost"] += mp_lost
        out["duplicated"] += mp_dup
        out["connect_failures"] += mp_fail
        out["connect_seconds_2000"] = storm["connect"]["seconds"]
        out["messages"]["multiprocess"] = sum(p["sent"] for p in paced)
        out["multiprocess"] = {
            "clients": sum(r["clients"] for r in multi["paced"]),
            "rooms": sum(r["rooms"] for r in multi["paced"]),
            "deliveries_per_s": round(sum(p["deliveries_per_s"] for p in paced), 1),
            "p99_ms": mp99,
            "p99_cross_process_ms": cross.get("p99"),
            "p99_same_process_ms": [(p["latency_same_process_ms"] or {}).get("p99") for p in paced],
            "ack_p99_ms": [(p["ack_ms"] or {}).get("p99") for p in paced],
            "connect_seconds_3000": [r["connect"]["seconds"] for r in multi["paced"]],
            "lost": mp_lost,
            "duplicated": mp_dup,
            "unacked": sum(p["unacked"] for p in paced),
            "refused": [p["refused"] for p in paced],
            "storm": {
                "connections": storm["connect"]["attempted"],
                "opened": storm["connect"]["opened"],
                "failures": storm["connect"]["failures"],
                "failure_reasons": storm["connect"]["failure_reasons"],
                "seconds": storm["connect"]["seconds"],
            },
            "cpu": [p["cpu"] for p in paced],
        }
    out["targets"] = TARGETS
    out["meets"] = {
        "throughput_ratio_vs_raw": out["throughput_ratio_vs_raw"]
        >= TARGETS["throughput_ratio_vs_raw"],
        "p99_ms": out["p99_ms"] <= TARGETS["p99_ms"],
        "p99_ms_multiprocess": out["p99_ms_multiprocess"] is not None
        and out["p99_ms_multiprocess"] <= TARGETS["p99_ms_multiprocess"],
        "lost": out["lost"] == 0,
        "duplicated": out["duplicated"] == 0,
        "connect_failures": out["connect_failures"] == 0,
        "connect_seconds_2000": out["connect_seconds_2000"] is not None
        and out["connect_seconds_2000"] <= TARGETS["connect_seconds_2000"],
    }
    return out


def main() -> None:
    t_start = time.perf_counter()
    raise_fd_limit()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    run_id = "b" + secrets.token_hex(3)
    secret = secrets.token_urlsafe(48)
    db_url = fresh_database()
    redis_url = f"{REDIS_BASE}/{REDIS_DB}"
    redis_problem = redis_reachable(redis_url)
    timings: dict[str, float] = {}

    users = max(CLIENTS, MULTI_ROOMS * MULTI_PER_ROOM, STORM)
    rooms = 1 + max(MULTI_ROOMS, STORM // STORM_PER_ROOM)
    log(f"setup: {'PostgreSQL' if USE_PG else 'SQLite'} database, {users:,} users, {rooms} rooms")
    t = time.perf_counter()
    env = django_env(database_url=db_url, secret_key=secret)
    fixture = prepare_database(env=env, users=users, rooms=rooms, workdir=BENCH_DIR)
    env.update(SERVER_SETTINGS)
    timings["setup"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    single = single_room(env, fixture, run_id, db_url)
    timings["single_room"] = round(time.perf_counter() - t, 1)

    multi = None
    variant = pick_variant(single)
    if redis_problem is None:
        t = time.perf_counter()
        flush_redis(redis_url)
        multi_env = django_env(
            database_url=db_url, secret_key=secret, redis_url=redis_url, extra=SERVER_SETTINGS
        )
        try:
            multi = multi_process(multi_env, fixture, run_id, variant)
        except (ServerFailed, RuntimeError) as exc:
            log(f"[multi] failed: {exc}")
        timings["multiprocess"] = round(time.perf_counter() - t, 1)
        if multi is not None:
            for r in multi["paced"]:
                log("  " + brief(r))
    else:
        log(f"[multi] skipped: Redis at {redis_url} is not reachable ({redis_problem})")
    timings["total"] = round(time.perf_counter() - t_start, 1)
    summary = summarize(single, multi, timings)
    if redis_problem is not None:
        summary["multiprocess"] = {"skipped": f"Redis not reachable: {redis_problem}"}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
