"""Benchmark: the pages under load, served exactly as ``make serve`` serves them, against
``/healthz`` (the server's floor: routing, middleware, one ``SELECT 1``) in the same run.

PostgreSQL + Redis: a fresh database ``peerpath_bench_http`` seeded with the small demo
community (``seed_demo --size small``, ~2,000 people, rooms, mentorships, events) and Redis db
``BENCH_HTTP_REDIS_DB`` (9, flushed first). ``scripts/serve.sh`` runs with DEBUG off,
``WEB_CONCURRENCY`` = CPU count and ``TRUSTED_PROXIES=127.0.0.1`` (the load generator plays
the TLS proxy: ``X-Forwarded-Proto: https``; otherwise every page redirects to https), after
its own ``check --deploy``, ``collectstatic`` and ``migrate``.

200 people are signed in (a Django session each; adult members, adult listeners, mentors,
teen members and teen listeners in turn) plus 200 staff sessions for ``/staff/``. Then, for
each of ``/healthz``, ``/``, ``/rooms/``, ``/mentors/``, ``/path/`` and ``/staff/``:
``BENCH_HTTP_CONNECTIONS`` (200) keep-alive connections for ``BENCH_HTTP_SECONDS`` (30) s,
each request carrying one of the sessions (``bench/_http.lua``), after a short warm-up.
The load generator is ``wrk`` (C, epoll; installed from Debian when missing); its CPU time is
printed beside each result so one can see it left the cores to the server.

Per page: requests/s, p50, p99, errors (non-2xx answers, time-outs at
``BENCH_HTTP_TIMEOUT`` (10) s, socket errors). Targets: every page's p99 <= 1 s, 0 errors,
and requests/s >= 0.25 x ``/healthz``'s.

    .venv/bin/python bench/http_load.py                           # or: make bench-http
    BENCH_HTTP_SECONDS=10 .venv/bin/python bench/http_load.py     # quick
    BENCH_HTTP_REUSE=1 ...     # keep an already seeded bench database (skip ~50 s of seeding)
    BENCH_HTTP_PAGES=/,/rooms/ ...                           # a subset
    BENCH_HTTP_COMPARE=1 ...   # also: the same load on /healthz and BENCH_HTTP_COMPARE_PAGE
                               # (/rooms/) under uvicorn --workers (make serve), gunicorn with
                               # uvicorn workers, and granian, each with the same workers

The machine's load average before the run (and before each measurement) is printed: other
work on the host is measured too. Server logs: ``var/bench/http-*.log``. The last line
printed is JSON.
"""

from __future__ import annotations

import os
import sys

# This file is named like the standard library's ``http`` package: never let the bench folder
# (Python puts a script's folder first on the path) shadow it.
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _HERE]

import json  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager, suppress  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.rooms_servers import free_port, raise_fd_limit, redis_reachable  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
LUA = Path(__file__).resolve().parent / "_http.lua"
PREPARE = Path(__file__).resolve().parent / "_http_prepare.py"
SERVE = ROOT / "scripts" / "serve.sh"
BIN = Path(sys.executable).parent

CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "200"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "30"))
WARMUP = float(os.environ.get("BENCH_HTTP_WARMUP", "3"))
TIMEOUT = float(os.environ.get("BENCH_HTTP_TIMEOUT", "10"))
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", str(os.cpu_count() or 1)))
THREADS = int(os.environ.get("BENCH_HTTP_THREADS", "2"))
REUSE = os.environ.get("BENCH_HTTP_REUSE", "0") == "1"
COMPARE = os.environ.get("BENCH_HTTP_COMPARE", "0") == "1"
COMPARE_PAGE = os.environ.get("BENCH_HTTP_COMPARE_PAGE", "/rooms/")
COMPARE_SECONDS = float(os.environ.get("BENCH_HTTP_COMPARE_SECONDS", "15"))
BASELINE = "/healthz"
PAGES = [
    p.strip()
    for p in os.environ.get("BENCH_HTTP_PAGES", "/,/rooms/,/mentors/,/path/,/staff/").split(",")
    if p.strip()
]
STAFF_PAGES = {"/staff/"}
PG_NAME = "peerpath_bench_http"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/" + os.environ.get("BENCH_HTTP_REDIS_DB", "9")
TARGETS = {"p99_ms": 1000.0, "errors": 0, "ratio_vs_healthz": 0.25}


def log(message: str) -> None:
    print(message, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- set-up ------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian (installed when missing, like the Makefile installs Chromium)."""
    found = shutil.which("wrk")
    if found:
        return found
    log("Installing Debian's wrk for the HTTP benchmark")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed")
    return found


def database_seeded() -> bool:
    import psycopg

    try:
        with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://", 1)) as conn:
            row = conn.execute(
                "SELECT count(*) FROM accounts_user WHERE username = 'demo-member'"
            ).fetchone()
            return bool(row and row[0])
    except psycopg.Error:
        return False


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def server_env(secret_key: str, port: int) -> dict[str, str]:
    """``make serve``'s environment for this bench (scripts/serve.sh adds DEBUG=0 etc.)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BENCH_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        SECRET_KEY=secret_key,
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(WORKERS),
        TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def django_env(secret_key: str) -> dict[str, str]:
    """The same settings for a manage.py-like subprocess (what serve.sh exports)."""
    env = server_env(secret_key, 0)
    env.update(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="config.settings.base",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def prepare(secret_key: str, seed: bool) -> dict[str, Any]:
    out = BENCH_DIR / "http-sessions.json"
    args = [sys.executable, str(PREPARE), str(out), str(CONNECTIONS)]
    if seed:
        args.append("--seed")
    proc = subprocess.run(  # noqa: S603 - our own script
        args, cwd=ROOT, env=django_env(secret_key), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"preparing the bench database failed:\n{proc.stdout}\n{proc.stderr}")
    data: dict[str, Any] = json.loads(out.read_text())
    return data


# --- servers -----------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, args: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.log = BENCH_DIR / f"http-{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group: the server, its workers, Huey
            )

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Until /healthz answers 200 several times in a row (every worker up)."""
        import http.client

        deadline = time.monotonic() + timeout
        good = 0
        while good < 3 * WORKERS:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{self.name} did not answer:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", BASELINE, headers={"Host": "127.0.0.1"})
                status = conn.getresponse().status
                conn.close()
                good = good + 1 if status == 200 else 0
            except OSError:
                good = 0
            time.sleep(0.2)
        time.sleep(1.0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        # Anything of this process group still alive (a worker that missed the signal).
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def serve_sh(secret_key: str, *, skip_setup: bool) -> Server:
    port = free_port()
    env = server_env(secret_key, port)
    if skip_setup:
        env["SERVE_SKIP_SETUP"] = "1"
    return Server("uvicorn", ["bash", str(SERVE)], env, port)


def alternative(name: str, secret_key: str) -> Server:
    """The same application, workers and proxy trust under another server (no Huey: the
    pages measured do not need it)."""
    port = free_port()
    env = django_env(secret_key)
    if name == "gunicorn":
        args = [
            str(BIN / "gunicorn"),
            "config.asgi:application",
            "-k",
            "uvicorn_worker.UvicornWorker",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
        ]
    elif name == "granian":
        # Granian believes proxy headers through its ASGI wrapper (bench/_http_granian.py).
        env["PYTHONPATH"] = str(ROOT)
        args = [
            str(BIN / "granian"),
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--ws",
            "--loop",
            "uvloop",
            "--log-level",
            "warning",
            "--no-access-log",
            "bench._http_granian:application",
        ]
    else:
        raise SystemExit(f"unknown server {name}")
    return Server(name, args, env, port)


# --- load ----------------------------------------------------------------------------------------


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, cookies: Path, seconds: float, connections: int = CONNECTIONS) -> dict[str, Any]:
    before = children_cpu()
    proc = subprocess.run(  # noqa: S603 - our own command line
        [
            ensure_wrk(),
            "-t",
            str(THREADS),
            "-c",
            str(connections),
            "-d",
            f"{seconds:.0f}s",
            "--timeout",
            f"{TIMEOUT:.0f}s",
            "-s",
            str(LUA),
            url,
            "--",
            str(cookies),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    cpu = children_cpu() - before
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw: dict[str, Any] = json.loads(lines[-1])
    duration = raw["duration_us"] / 1e6
    errors = raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "rps": round(raw["requests"] / duration, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": errors,
        "error_kinds": {
            k: raw[k] for k in ("non2xx", "connect", "read", "write", "timeout") if raw[k]
        },
        "statuses": raw["statuses"].strip(),
        "requests": raw["requests"],
        "kb_per_response": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1),
        "wrk_cpu_cores": round(cpu / duration, 2),
    }


def measure(
    server: Server, paths: list[str], files: dict[str, Path], seconds: float
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for path in paths:
        url = f"http://127.0.0.1:{server.port}{path}"
        cookies = files["staff" if path in STAFF_PAGES else "people"]
        if WARMUP > 0:
            wrk(url, cookies, WARMUP, connections=min(CONNECTIONS, 50))
        load = loadavg()
        result = wrk(url, cookies, seconds)
        result["load_before"] = load
        results[path] = result
        log(
            f"  {server.name:8} {path:10} {result['rps']:8.1f} req/s"
            f"  p50 {result['p50_ms']:7.1f} ms"
            f"  p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}"
            f"{' ' + str(result['error_kinds']) if result['errors'] else ''}"
            f"{' statuses ' + result['statuses'] if result['statuses'] else ''}"
            f"  {result['kb_per_response']} KB  wrk {result['wrk_cpu_cores']} cores"
            f"  (load before {load[0]})"
        )
    return results


def summary(results: dict[str, dict[str, Any]], server: str) -> dict[str, Any]:
    baseline = results[BASELINE]["rps"]
    pages = {p: r for p, r in results.items() if p != BASELINE}
    worst_ratio = min(r["rps"] for r in pages.values()) / baseline if baseline else 0.0
    worst_p99 = max(r["p99_ms"] for r in pages.values())
    errors = sum(r["errors"] for r in results.values())
    return {
        "server": server,
        "pages": {
            p: {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "errors", "kb_per_response")}
            for p, r in pages.items()
        },
        "baseline_rps": baseline,
        "baseline_p99_ms": results[BASELINE]["p99_ms"],
        "worst_ratio": round(worst_ratio, 3),
        "worst_p99_ms": worst_p99,
        "errors": errors,
        "meets_targets": worst_p99 <= TARGETS["p99_ms"]
        and errors == TARGETS["errors"]
        and worst_ratio >= TARGETS["ratio_vs_healthz"],
    }


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    raise_fd_limit()
    ensure_wrk()
    if why := redis_reachable(REDIS_URL):
        raise SystemExit(f"Redis is needed at {REDIS_URL}: {why}")
    secret_key = secrets.token_urlsafe(64)
    started = time.monotonic()
    seed = not (REUSE and database_seeded())
    if seed:
        log(f"Fresh database {PG_NAME}: migrate and seed_demo --size small ...")
        fresh_database()
    flush_redis()
    data = prepare(secret_key, seed)
    files = {}
    for kind in ("people", "staff"):
        files[kind] = BENCH_DIR / f"http-{kind}.cookies"
        files[kind].write_text("\n".join(data[kind]) + "\n")
    log(
        f"Signed in: {len(data['people'])} people {data['kinds']}, {len(data['staff'])} staff "
        f"sessions ({data['staff_members']} staff members);"
        f" set-up {time.monotonic() - started:.0f} s"
    )

    load_start = loadavg()
    log(
        f"make serve (uvicorn, {WORKERS} workers): {CONNECTIONS} connections, {SECONDS:.0f} s "
        f"per page; load average before: {load_start}"
    )
    with serving(serve_sh(secret_key, skip_setup=False)) as server:
        results = measure(server, [BASELINE, *PAGES], files, SECONDS)
    out = summary(results, f"uvicorn --workers {WORKERS} (scripts/serve.sh)")
    out["load_average_before"] = load_start
    out["connections"] = CONNECTIONS
    out["seconds"] = SECONDS
    out["cpus"] = os.cpu_count()
    out["details"] = results
    out["targets"] = TARGETS

    if COMPARE:
        paths = [BASELINE, COMPARE_PAGE]
        servers: dict[str, Any] = {}
        log(f"Servers compared on {paths}, {COMPARE_SECONDS:.0f} s each, {WORKERS} workers:")
        for name in ("uvicorn", "gunicorn", "granian"):
            candidate = (
                serve_sh(secret_key, skip_setup=True)
                if name == "uvicorn"
                else alternative(name, secret_key)
            )
            with serving(candidate) as server:
                got = measure(server, paths, files, COMPARE_SECONDS)
            servers[name] = {
                p: {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "errors", "load_before")}
                for p, r in got.items()
            }
        out["servers"] = servers

    log(
        f"worst page/healthz ratio {out['worst_ratio']} (target >= {TARGETS['ratio_vs_healthz']}),"
        f" worst p99 {out['worst_p99_ms']} ms (target <= {TARGETS['p99_ms']:.0f}),"
        f" errors {out['errors']}; load average after: {loadavg()}"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
