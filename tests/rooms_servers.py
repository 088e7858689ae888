"""Real server processes for the rooms benchmark (``bench/rooms.py``), the two-process
test (``tests/test_rooms_multiprocess.py``) and the Redis fault test
(``tests/test_redis_faults.py``): one place that knows how to

* prepare a database (``prepare_database``): ``migrate``, then adult users with a Django
  session each, open rooms, optionally active mentorships between users (0-1, 2-3, ...) and
  a staff member, bulk-written in a subprocess configured by environment (so the caller
  never configures Django for that database); ``postgres_database`` makes sure a PostgreSQL
  database of a given name exists;
* start ``uvicorn config.asgi:application`` (``start_uvicorn``) or the raw ``websockets``
  baseline (``start_raw``) on a loopback port, wait until it answers, and stop it cleanly;
* run a private ``redis-server`` on a free port (``RedisServer``) that a test may kill and
  start again on the same port (never the machine's own Redis).

Servers log to a file; a server that dies or never answers raises ``ServerFailed`` with
the tail of its log. Nothing here imports Django in the calling process.

Run as a script, it is the database preparation step:
``python tests/rooms_servers.py prepare SPEC.json`` (see ``prepare_database``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RAW_SERVER = ROOT / "bench" / "_raw_ws_server.py"
START_TIMEOUT = 90.0  # generous: make test runs two suites side by side on two cores
STOP_TIMEOUT = 15.0
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class ServerFailed(RuntimeError):
    """A server process did not start, or stopped on its own."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raise_fd_limit() -> None:
    """Thousands of sockets: lift the soft descriptor limit to the hard one (children
    inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def django_env(
    *,
    database_url: str,
    secret_key: str,
    redis_url: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a server (or of the preparation step): deployment-like settings
    (DEBUG off, no HTTPS redirect on loopback), this database, Redis only when given."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


# --- Database -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """What ``prepare_database`` made: users (id, pseudonym, session key), room ids,
    mentorship ids (mentorship i pairs users 2i and 2i+1) and the staff member (or None)."""

    users: list[tuple[int, str, str]]
    rooms: list[int]
    mentorships: list[int] = field(default_factory=list)
    staff: tuple[int, str, str] | None = None

    @property
    def sessions(self) -> list[str]:
        return [u[2] for u in self.users]


def prepare_database(
    *,
    env: Mapping[str, str],
    users: int,
    rooms: int,
    workdir: Path,
    migrate: bool = True,
    rate_count: int | None = None,
    rate_seconds: int | None = None,
    mentorships: int = 0,
    staff: bool = False,
    chat_rate: int | None = None,
    timeout: float = 600.0,
) -> Fixture:
    """Migrate the database of ``env`` and add ``users`` adults (half listeners), each with a
    signed-in session, and ``rooms`` open adult rooms for everyone (no lock, no host), in a
    subprocess. ``rate_*`` change the room rate limit row (RoomSettings pk=1);
    ``mentorships`` active pairs of those users, ``chat_rate`` their messages per minute
    (MentorshipSettings); ``staff`` one signed-in staff member with an e-mail address."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = workdir / "rooms-prepare.json"
    out = workdir / "rooms-fixture.json"
    spec.write_text(
        json.dumps(
            {
                "users": users,
                "rooms": rooms,
                "migrate": migrate,
                "rate_count": rate_count,
                "rate_seconds": rate_seconds,
                "mentorships": mentorships,
                "staff": staff,
                "chat_rate": chat_rate,
                "out": str(out),
            }
        )
    )
    proc = subprocess.run(  # noqa: S603 - our own script, our arguments
        [sys.executable, str(Path(__file__).resolve()), "prepare", str(spec)],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise ServerFailed(f"preparing the database failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
    data = json.loads(out.read_text())
    return Fixture(
        users=[tuple(u) for u in data["users"]],
        rooms=data["rooms"],
        mentorships=data.get("mentorships", []),
        staff=tuple(data["staff"]) if data.get("staff") else None,
    )


def _prepare(spec_path: str) -> None:
    """The subprocess side of ``prepare_database`` (Django configured from the env)."""
    sys.path.insert(0, str(ROOT))
    spec = json.loads(Path(spec_path).read_text())
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    if spec["migrate"]:
        call_command("migrate", verbosity=0)

    from peerpath.accounts.models import AccountType, Profile, User
    from peerpath.accounts.services import apply_birth_details
    from peerpath.rooms.models import (
        Room,
        RoomAudience,
        RoomBand,
        RoomCategory,
        RoomCommunity,
        RoomSettings,
    )

    now = timezone.now()
    joined = now - dt.timedelta(days=90)
    template = User()
    apply_birth_details(template, date_of_birth=dt.date(1990, 1, 1), tz_name="UTC")
    password = make_password(None)  # unusable; one value for everyone (hashing costs)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    run = get_random_string(6, VALID_KEY_CHARS)
    with transaction.atomic():
        people = [
            User(
                username=f"bench-{run}-{i}",
                email="",
                password=password,
                date_of_birth=template.date_of_birth,
                timezone="UTC",
                teen_from=template.teen_from,
                adult_from=template.adult_from,
                account_type=AccountType.LISTENER if i % 2 else AccountType.MEMBER,
                listener_since=joined if i % 2 else None,
                date_joined=joined,
                is_active=True,
            )
            for i in range(spec["users"])
        ]
        User.objects.bulk_create(people, batch_size=500)
        if any(u.pk is None for u in people):  # a backend without RETURNING
            by_name = dict(
                User.objects.filter(username__startswith=f"bench-{run}-").values_list(
                    "username", "pk"
                )
            )
            for u in people:
                u.pk = by_name[u.username]
        Profile.objects.bulk_create([Profile(user=u) for u in people], batch_size=500)
        store = SessionStore()
        auth_hash = people[0].get_session_auth_hash() if people else ""
        sessions = [
            Session(
                session_key=get_random_string(32, VALID_KEY_CHARS),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(u.pk),
                        BACKEND_SESSION_KEY: SESSION_BACKEND,
                        HASH_SESSION_KEY: auth_hash,  # the same password for everyone
                    }
                ),
                expire_date=now + dt.timedelta(days=7),
            )
            for u in people
        ]
        Session.objects.bulk_create(sessions, batch_size=500)
        community, _ = RoomCommunity.objects.get_or_create(
            slug="bench-rooms", defaults={"name": "Benchmark rooms"}
        )
        made = [
            Room(
                slug=f"bench-{run}-{i}",
                name=f"Bench room {i}",
                category=RoomCategory.MEMBER_SUPPORT,
                community=community,
                band=RoomBand.ADULT,
                audience=RoomAudience.EVERYONE,
                lock_criteria={},
                sort_order=1000,
            )
            for i in range(spec["rooms"])
        ]
        Room.objects.bulk_create(made, batch_size=500)
        room_ids = list(
            Room.objects.filter(slug__startswith=f"bench-{run}-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        row = RoomSettings.current()
        if spec["rate_count"]:
            row.message_rate_count = spec["rate_count"]
        if spec["rate_seconds"]:
            row.message_rate_seconds = spec["rate_seconds"]
        row.save()
        pairs, staff = _prepare_mentoring(spec, people, run, now, store)
    Path(spec["out"]).write_text(
        json.dumps(
            {
                "users": [
                    [u.pk, u.username, s.session_key] for u, s in zip(people, sessions, strict=True)
                ],
                "rooms": room_ids,
                "mentorships": pairs,
                "staff": staff,
            }
        )
    )


def _prepare_mentoring(
    spec: dict[str, Any], people: list[Any], run: str, now: Any, store: Any
) -> tuple[list[int], list[Any] | None]:
    """Active mentorships (users 2i and 2i+1) and a staff member, for the fault test."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from peerpath.accounts.models import User
    from peerpath.mentorship.models import (
        Mentorship,
        MentorshipSettings,
        MentorshipSource,
        MentorshipStatus,
    )

    pairs = [
        Mentorship.objects.create(
            mentor=people[2 * i],
            mentee=people[2 * i + 1],
            status=MentorshipStatus.ACTIVE,
            source=MentorshipSource.REQUEST,
            started_at=now,
        ).pk
        for i in range(spec.get("mentorships") or 0)
    ]
    if spec.get("chat_rate"):
        MentorshipSettings.objects.update_or_create(
            pk=1, defaults={"messages_per_minute": spec["chat_rate"]}
        )
    staff = None
    if spec.get("staff"):
        template = people[0]
        member = User.objects.create(
            username=f"bench-{run}-staff",
            email=f"staff-{run}@example.org",
            password=template.password,
            date_of_birth=template.date_of_birth,
            timezone="UTC",
            teen_from=template.teen_from,
            adult_from=template.adult_from,
            date_joined=template.date_joined,
            is_active=True,
            is_staff=True,
        )
        key = get_random_string(32, VALID_KEY_CHARS)
        Session.objects.create(
            session_key=key,
            session_data=store.encode(
                {
                    SESSION_KEY: str(member.pk),
                    BACKEND_SESSION_KEY: SESSION_BACKEND,
                    HASH_SESSION_KEY: member.get_session_auth_hash(),
                }
            ),
            expire_date=now + dt.timedelta(days=7),
        )
        staff = [member.pk, member.username, key]
    return pairs, staff


# --- Servers --------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process on 127.0.0.1:port."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise ServerFailed(
                f"{self.name} (port {self.port}) exited with {self.proc.returncode}:\n"
                + self.log_tail()
            )

    def stop(self) -> int | None:
        """SIGINT (uvicorn closes sockets and exits), then SIGKILL after STOP_TIMEOUT."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def uvicorn_command(
    port: int, *, ws: str = "websockets-sansio", loop: str = "uvloop", http: str = "httptools"
) -> list[str]:
    exe = Path(sys.executable).with_name("uvicorn")
    head = [str(exe)] if exe.exists() else [sys.executable, "-m", "uvicorn"]
    return [
        *head,
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "on",  # config.asgi: marks the server process, starts the embedded live relay
        "--ws",
        ws,
        "--loop",
        loop,
        "--http",
        http,
        "--backlog",
        "4096",
        "--timeout-graceful-shutdown",
        "5",
    ]


def _spawn(name: str, args: list[str], env: Mapping[str, str], log: Path, port: int) -> Server:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own command line
            args, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    return Server(name=name, port=port, proc=proc, log=log, args=args)


def wait_ready(server: Server, *, path: str = "/healthz", timeout: float = START_TIMEOUT) -> None:
    """Until GET ``path`` answers 200 (the raw server: until the port accepts)."""
    deadline = time.monotonic() + timeout
    while True:
        server.check_alive()
        try:
            if path:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
                try:
                    conn.request("GET", path, headers={"Host": "127.0.0.1"})
                    status = conn.getresponse().status
                finally:
                    conn.close()
                if status == 200:
                    return
            else:
                socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServerFailed(
                f"{server.name} did not answer on port {server.port} within {timeout:.0f}s:\n"
                + server.log_tail()
            )
        time.sleep(0.1)


def start_uvicorn(
    env: Mapping[str, str],
    *,
    log_dir: Path,
    name: str = "uvicorn",
    port: int | None = None,
    ws: str = "websockets-sansio",
    loop: str = "uvloop",
    http: str = "httptools",
    wait: bool = True,
) -> Server:
    port = port or free_port()
    args = uvicorn_command(port, ws=ws, loop=loop, http=http)
    server = _spawn(name, args, env, log_dir / f"{name}-{port}.log", port)
    if wait:
        wait_ready(server)
    return server


def start_raw(*, log_dir: Path, port: int | None = None) -> Server:
    port = port or free_port()
    args = [sys.executable, str(RAW_SERVER), str(port)]
    server = _spawn("raw", args, os.environ, log_dir / f"raw-{port}.log", port)
    wait_ready(server, path="")
    return server


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[tuple[Server, ...]]:
    """Stop every server on the way out, whatever happened."""
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def start_many_uvicorn(
    count: int, env: Mapping[str, str], *, log_dir: Path, **kwargs: Any
) -> list[Server]:
    """Several servers started together (they import Django in parallel), then awaited."""
    servers = [
        start_uvicorn(env, log_dir=log_dir, name=f"uvicorn{i + 1}", wait=False, **kwargs)
        for i in range(count)
    ]
    try:
        for server in servers:
            wait_ready(server)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


# --- A private Redis, and PostgreSQL ------------------------------------------------------


class RedisServer:
    """``redis-server`` on 127.0.0.1:port, no persistence: ``kill`` is SIGKILL (Redis gone,
    its data with it, as in a crash), ``start`` brings it back on the same port. Only this
    process is ever signalled."""

    def __init__(self, *, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log = log_dir / f"redis-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        import shutil

        exe = shutil.which("redis-server")
        if exe is None:
            raise ServerFailed("redis-server is not installed")
        args = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                args, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while redis_reachable(self.url, timeout=0.5) is not None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise ServerFailed(f"redis-server on {self.port} did not start:\n{self.tail()}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def postgres_database(
    name: str, admin_url: str = "postgres://postgres@127.0.0.1:5432/postgres"
) -> str:
    """The URL of PostgreSQL database ``name``, created when missing (ServerFailed when
    PostgreSQL does not answer). Kept between runs: ``migrate`` on it is then quick."""
    from urllib.parse import urlparse

    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise ServerFailed(f"PostgreSQL at {admin_url} does not answer: {exc}") from exc
    return urlparse(admin_url)._replace(path=f"/{name}").geturl()


def redis_reachable(url: str, timeout: float = 2.0) -> str | None:
    """None when Redis at ``url`` answers PING; otherwise why not."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        _prepare(sys.argv[2])
    else:
        raise SystemExit("usage: rooms_servers.py prepare SPEC.json")
