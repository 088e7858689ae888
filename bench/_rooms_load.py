"""The load generator of ``bench/rooms.py``: one asyncio process (uvloop), many
``websockets`` clients, the same code against the raw baseline and against ours.

    .venv/bin/python bench/_rooms_load.py SPEC.json     # prints "RESULT {json}" last

Clients are ``websockets.asyncio.client`` connections. Their connection class hands every
complete text frame straight to a callback from the protocol's event processing (no
``recv()`` queue and no task wake-up per frame): at ~20k frames/s that is the difference
between measuring the server and measuring the generator. Frames are parsed with
``json.loads`` once. Nothing offers permessage-deflate (neither server compresses).

Modes (``spec["mode"]``):

* ``single``: connect every client (``rooms`` x ``clients_per_room``), settle, then
  ``saturate`` (closed loop: ``window`` messages in flight; a slot frees when the sender
  receives its own message back) and ``paced`` (open loop: ``rate_per_room`` messages/s in
  each room). Senders rotate over every client of the room (so over many users).
* ``paced``: connect, settle, paced only (the multi-room, multi-process phase).
* ``storm``: open every connection at once (at most ``connect_concurrency`` handshakes in
  flight) and time until each has its ``hello``; then close them.

A message is identified by its ``client_id`` (``<prefix><seq>``; the generator keeps the
send time by sequence number). Loss: for every acknowledged message (raw server: echoed to
its sender), every client of the room that had its ``hello`` before the send and was still
open must receive it within ``drain`` seconds; duplicates: one client receiving a
``client_id`` twice. Latency: receive time minus send time (``perf_counter_ns``), over every
delivery of the messages sent in the measured window.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import json
import os
import random
import resource
import sys
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.frames import Frame, Opcode
from websockets.typing import Origin

now_ns = time.perf_counter_ns  # CLOCK_MONOTONIC: one clock for every process on the host
_MESSAGE = b'"type":"message"'
_CLIENT_ID = b'"client_id":"'
BODY = "Thanks for sharing that, it sounds like a lot to carry this week. Message #"


# --- Clients ---------------------------------------------------------------------------------


class LoadConnection(ClientConnection):
    """Complete text frames go to ``sink.on_text`` as they are parsed."""

    sink: Client | None = None
    early: list[bytes] | None = None

    def process_event(self, event: Any) -> None:
        if type(event) is Frame and event.opcode is Opcode.TEXT and event.fin:
            sink = self.sink
            if sink is not None:
                sink.on_text(bytes(event.data))
            else:  # arrived with the handshake response, before attach()
                if self.early is None:
                    self.early = []
                self.early.append(bytes(event.data))
            return
        super().process_event(event)

    def attach(self, sink: Client) -> None:
        self.sink = sink
        for data in self.early or ():
            sink.on_text(data)
        self.early = None

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.sink is not None:
            self.sink.on_closed()


class Client:
    __slots__ = (
        "closed_ns",
        "cookie",
        "gen",
        "hello",
        "index",
        "origin",
        "room",
        "seen",
        "server",
        "url",
        "ws",
    )

    def __init__(
        self, gen: Generator, index: int, room: int, server: int, url: str, origin: str, key: str
    ) -> None:
        self.gen = gen
        self.index = index
        self.room = room  # index into gen.rooms
        self.server = server
        self.url = url
        self.origin = origin
        self.cookie = f"sessionid={key}"
        self.ws: LoadConnection | None = None
        self.hello = 0  # ns of the hello frame
        self.closed_ns = 0
        self.seen: set[int] = set()

    def on_text(self, data: bytes) -> None:
        self.gen.on_frame(self, data)

    def on_closed(self) -> None:
        if not self.closed_ns:
            self.closed_ns = now_ns()
            if self.gen.closing:
                return
            self.gen.unexpected_closes += 1

    async def open(self, timeout: float) -> None:
        ws = await connect(
            self.url,
            origin=Origin(self.origin),
            additional_headers={"Cookie": self.cookie},
            compression=self.gen.spec.get("compression"),  # None: nothing offered
            proxy=None,
            ping_interval=None,
            open_timeout=timeout,
            close_timeout=5,
            create_connection=LoadConnection,
        )
        if not isinstance(ws, LoadConnection):  # pragma: no cover - create_connection
            raise TypeError(type(ws))
        self.ws = ws
        ws.attach(self)
        deadline = time.monotonic() + timeout
        while not self.hello:
            if self.closed_ns:
                raise ConnectionError(f"closed before hello ({ws.close_code})")
            if time.monotonic() > deadline:
                raise TimeoutError("no hello")
            await asyncio.sleep(0.01)


# --- Accounting ------------------------------------------------------------------------------


class Sent:
    __slots__ = (
        "acked",
        "echoed",
        "phase",
        "refused",
        "room",
        "sender",
        "sent_ns",
        "seq",
        "token",
    )

    def __init__(self, phase: Phase, seq: int, room: int, sender: Client, sent_ns: int) -> None:
        self.phase = phase
        self.seq = seq
        self.room = room
        self.sender = sender
        self.sent_ns = sent_ns
        self.acked = 0
        self.echoed = 0
        self.refused = 0
        self.token = False


class Phase:
    """The messages of one measured phase and what happened to them."""

    def __init__(self, name: str, w0: int, w1: int) -> None:
        self.name = name
        self.w0 = w0  # deliveries received in [w0, w1) count for throughput;
        self.w1 = w1  # messages sent in [w0, w1) count for latency
        self.sent: list[Sent] = []
        self.in_window = 0
        self.per_second = [0] * (1 + (w1 - w0) // 1_000_000_000)
        self.acked_in_window = 0
        self.latency_us = array("q")
        self.latency_cross_us = array("q")
        self.received = 0
        self.timeouts = 0
        self.cpu: dict[str, float] = {}


class Generator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.acks = bool(spec["acks"])
        self.prefix = f"{spec['prefix']}-"
        self.bprefix = self.prefix.encode()
        self.plen = len(self.prefix)
        self.seq = 0
        self.by_seq: dict[int, Sent] = {}
        self.rooms: list[list[Client]] = []
        self.clients: list[Client] = []
        self.closing = False
        self.unexpected_closes = 0
        self.frames = Counter[str]()
        self.errors = Counter[str]()
        self.duplicated = 0
        self.foreign = 0
        self.last_frame = 0
        self.tokens: asyncio.Semaphore | None = None
        servers = spec["servers"]
        keys = spec["sessions"]
        per_room = int(spec["clients_per_room"])
        path = spec["path"]
        for r, room_id in enumerate(spec["rooms"]):
            members = []
            for j in range(per_room):
                i = r * per_room + j
                server = servers[i % len(servers)]
                client = Client(
                    self,
                    i,
                    r,
                    i % len(servers),
                    f"ws://127.0.0.1:{server['port']}{path.format(room=room_id)}",
                    server.get("origin") or f"http://127.0.0.1:{server['port']}",
                    keys[i % len(keys)],
                )
                members.append(client)
                self.clients.append(client)
            self.rooms.append(members)

    # --- frames (the hot path) --------------------------------------------------------------

    def on_frame(self, client: Client, data: bytes) -> None:
        t = now_ns()
        self.last_frame = t
        if _MESSAGE in data:
            # A message frame: its client_id is found without parsing the JSON (a quote
            # inside a string value is escaped, so these byte patterns are keys).
            i = data.find(_CLIENT_ID)
            j = data.find(b'"', i + len(_CLIENT_ID)) if i >= 0 else -1
            cid = data[i + len(_CLIENT_ID) : j] if j >= 0 else b""
            self._message(client, cid, t)
            return
        frame = json.loads(data)
        kind = frame.get("type")
        if kind == "message":  # not compact JSON: the slow way
            self._message(client, str(frame.get("client_id") or "").encode(), t)
        elif kind == "ack":
            sent = self._mine(frame.get("client_id"))
            if sent is not None and not sent.acked:
                self._acked(sent, t)
        elif kind == "hello":
            client.hello = t
        elif kind == "error":
            status = str(frame.get("status", "?"))
            self.errors[f"{status} {frame.get('code', '')}".strip()] += 1
            sent = self._mine(frame.get("client_id"))
            if sent is not None:
                sent.refused = int(status) if status.isdigit() else -1
                self._release(sent)
            if self.errors.total() <= 5:
                print(f"error frame: {frame}", file=sys.stderr, flush=True)
        else:
            self.frames[str(kind)] += 1

    def _message(self, client: Client, cid: bytes, t: int) -> None:
        tail = cid[self.plen :]
        if not cid.startswith(self.bprefix) or not tail.isdigit():
            self.foreign += 1
            return
        seq = int(tail)
        seen = client.seen
        if seq in seen:
            self.duplicated += 1
            return
        seen.add(seq)
        sent = self.by_seq.get(seq)
        if sent is None:
            self.foreign += 1
            return
        phase = sent.phase
        phase.received += 1
        if phase.w0 <= t < phase.w1:
            phase.in_window += 1
            phase.per_second[(t - phase.w0) // 1_000_000_000] += 1
        if phase.w0 <= sent.sent_ns < phase.w1:
            if client.server == sent.sender.server:
                phase.latency_us.append((t - sent.sent_ns) // 1000)
            else:
                phase.latency_cross_us.append((t - sent.sent_ns) // 1000)
        if sent.sender is client:
            sent.echoed = t
            if not self.acks:
                self._acked(sent, t)
            self._release(sent)

    def _mine(self, cid: object) -> Sent | None:
        if isinstance(cid, str) and cid.startswith(self.prefix):
            return self.by_seq.get(int(cid[self.plen :]))
        return None

    def _acked(self, sent: Sent, t: int) -> None:
        sent.acked = t
        phase = sent.phase
        if phase.w0 <= t < phase.w1:
            phase.acked_in_window += 1

    def _release(self, sent: Sent) -> None:
        if sent.token:
            sent.token = False
            if self.tokens is not None:
                self.tokens.release()

    # --- sending ----------------------------------------------------------------------------

    async def send(self, phase: Phase, room: int, sender: Client) -> Sent:
        self.seq += 1
        seq = self.seq
        t = now_ns()
        sent = Sent(phase, seq, room, sender, t)
        self.by_seq[seq] = sent
        phase.sent.append(sent)
        frame = (
            '{"type":"send","body":"' + BODY + str(seq) + f'","client_id":"{self.prefix}{seq}"}}'
        )
        ws = sender.ws
        if ws is None or sender.closed_ns:
            sent.refused = -1
            return sent
        try:
            await ws.send(frame)
        except Exception:
            sent.refused = -1
        return sent

    # --- connections ------------------------------------------------------------------------

    async def connect_all(self, clients: list[Client]) -> dict[str, Any]:
        limit = asyncio.Semaphore(int(self.spec.get("connect_concurrency", 100)))
        timeout = float(self.spec.get("connect_timeout", 30))
        failures = Counter[str]()

        async def one(client: Client) -> None:
            async with limit:
                try:
                    await client.open(timeout)
                except Exception as exc:
                    failures[f"{exc.__class__.__name__}: {str(exc)[:80]}"] += 1

        t0 = now_ns()
        await asyncio.gather(*(one(c) for c in clients))
        opened = [c.hello for c in clients if c.hello]
        last = max(opened) if opened else t0
        return {
            "attempted": len(clients),
            "opened": len(opened),
            "failures": sum(failures.values()),
            "failure_reasons": dict(failures.most_common(5)),
            "seconds": round((last - t0) / 1e9, 3),
        }

    async def settle(self, quiet: float = 0.5, limit: float = 20.0) -> float:
        """Until no frame arrived for ``quiet`` seconds (joins and presence are done)."""
        t0 = now_ns()
        while True:
            await asyncio.sleep(0.1)
            t = now_ns()
            if t - self.last_frame > quiet * 1e9 or t - t0 > limit * 1e9:
                return (t - t0) / 1e9

    async def close_all(self) -> float:
        self.closing = True
        t0 = now_ns()

        async def one(client: Client) -> None:
            if client.ws is not None:
                with contextlib.suppress(Exception):
                    await client.ws.close()

        await asyncio.gather(*(one(c) for c in self.clients))
        return (now_ns() - t0) / 1e9

    # --- phases -----------------------------------------------------------------------------

    async def saturate(self, seconds: float, warmup: float, window: int) -> Phase:
        start = now_ns()
        phase = Phase("saturate", start + int(warmup * 1e9), start + int((warmup + seconds) * 1e9))
        self.tokens = asyncio.Semaphore(window)
        cursors = [0] * len(self.rooms)
        meter = asyncio.create_task(self._meter(phase))
        watchdog = asyncio.create_task(self._watchdog(phase))
        r = 0
        while now_ns() < phase.w1:
            await self.tokens.acquire()
            members = self.rooms[r]
            sender = members[cursors[r] % len(members)]
            cursors[r] += 1
            sent = await self.send(phase, r, sender)
            if sent.refused:
                self.tokens.release()
            else:
                sent.token = True
            r = (r + 1) % len(self.rooms)
        watchdog.cancel()
        await meter
        self.tokens = None
        await self.drain(phase)
        return phase

    async def paced(self, seconds: float, warmup: float, rate_per_room: float) -> Phase:
        start = now_ns()
        phase = Phase("paced", start + int(warmup * 1e9), start + int((warmup + seconds) * 1e9))
        period = int(1e9 / rate_per_room)
        rng = random.Random(len(self.rooms))
        heap = [(start + rng.randrange(period), r) for r in range(len(self.rooms))]
        heapq.heapify(heap)
        cursors = [0] * len(self.rooms)
        meter = asyncio.create_task(self._meter(phase))
        late_us = array("q")
        while heap:
            due, r = heapq.heappop(heap)
            if due >= phase.w1:
                continue
            delay = due - now_ns()
            if delay > 0:
                await asyncio.sleep(delay / 1e9)
            else:
                late_us.append(-delay // 1000)
            members = self.rooms[r]
            sender = members[cursors[r] % len(members)]
            cursors[r] += 1
            await self.send(phase, r, sender)
            heapq.heappush(heap, (due + period, r))
        await meter
        await self.drain(phase)
        late = sorted(late_us)
        phase.cpu["schedule_late_p99_ms"] = _pct(late, 99) / 1000 if late else 0.0
        return phase

    async def drain(self, phase: Phase) -> None:
        """Until every acknowledged message reached every client of its room (or timeout)."""
        deadline = now_ns() + int(float(self.spec.get("drain", 10)) * 1e9)
        expected: tuple[int, int] | None = None  # (closes seen, deliveries expected)
        while now_ns() < deadline:
            await asyncio.sleep(0.05)
            if expected is None or expected[0] != self.unexpected_closes:
                if any(not s.refused and not (s.acked and s.echoed) for s in phase.sent):
                    continue
                expected = (self.unexpected_closes, self._expected(phase))
            if phase.received >= expected[1]:
                return

    def _expected(self, phase: Phase) -> int:
        total = 0
        for s in phase.sent:
            if s.acked and not s.refused:
                total += sum(1 for c in self.rooms[s.room] if self._should_get(c, s))
        return total

    @staticmethod
    def _should_get(client: Client, sent: Sent) -> bool:
        return bool(client.hello) and client.hello <= sent.sent_ns and not client.closed_ns

    async def _watchdog(self, phase: Phase) -> None:
        """A message whose echo never comes gives its slot back after 10 s."""
        while True:
            await asyncio.sleep(1)
            limit = now_ns() - 10_000_000_000
            for s in phase.sent:
                if s.token and s.sent_ns < limit:
                    phase.timeouts += 1
                    self._release(s)

    async def _meter(self, phase: Phase) -> None:
        """CPU of this process and of the servers over the measured window."""
        pids = {str(s["pid"]): int(s["pid"]) for s in self.spec["servers"] if s.get("pid")}
        await asyncio.sleep(max(0.0, (phase.w0 - now_ns()) / 1e9))
        gc.disable()  # no collector pauses in the measurement (the same for both servers)
        a_self, a_srv, a_host = _self_cpu(), {k: _proc_cpu(p) for k, p in pids.items()}, _host()
        await asyncio.sleep(max(0.0, (phase.w1 - now_ns()) / 1e9))
        b_self, b_srv, b_host = _self_cpu(), {k: _proc_cpu(p) for k, p in pids.items()}, _host()
        gc.enable()
        span = (phase.w1 - phase.w0) / 1e9
        phase.cpu["generator"] = round((b_self - a_self) / span, 3)
        for k in pids:
            phase.cpu[f"server_{k}"] = round((b_srv[k] - a_srv[k]) / span, 3)
        # Every core's busy time (ours, the kernel's network work, anything else running).
        phase.cpu["host_busy"] = round((b_host[0] - a_host[0]) / span, 3)
        phase.cpu["host_cores"] = b_host[1]

    # --- results ----------------------------------------------------------------------------

    def report(self, phase: Phase) -> dict[str, Any]:
        span = (phase.w1 - phase.w0) / 1e9
        acked = [s for s in phase.sent if s.acked and not s.refused]
        expected = lost = 0
        for s in acked:
            for c in self.rooms[s.room]:
                if self._should_get(c, s):
                    expected += 1
                    if s.seq not in c.seen:
                        lost += 1
        lat = sorted(phase.latency_us)
        cross = sorted(phase.latency_cross_us)
        both = sorted(lat + cross) if cross else lat
        ack_us = sorted((s.acked - s.sent_ns) // 1000 for s in acked if s.acked)
        slowest = sorted(acked, key=lambda s: s.sent_ns - s.acked)[:8]  # to spot a pattern
        refused = Counter(s.refused for s in phase.sent if s.refused)
        return {
            "phase": phase.name,
            "window_seconds": round(span, 2),
            "sent": len(phase.sent),
            "acked": len(acked),
            "unacked": sum(1 for s in phase.sent if not s.acked and not s.refused),
            "refused": {str(k): v for k, v in refused.items()},
            "timeouts": phase.timeouts,
            "deliveries_in_window": phase.in_window,
            "deliveries_per_s": round(phase.in_window / span, 1),
            "deliveries_each_second": phase.per_second[: int(span)],
            "messages_per_s": round(phase.acked_in_window / span, 2),
            "expected_deliveries": expected,
            "received_deliveries": phase.received,
            "lost": lost,
            "latency_ms": _summary(both),
            "latency_same_process_ms": _summary(lat) if cross else None,
            "latency_cross_process_ms": _summary(cross) if cross else None,
            "ack_ms": _summary(ack_us),
            "slowest_acks": [
                {
                    "sent_at_s": round((s.sent_ns - phase.w0) / 1e9, 2),
                    "ack_ms": round((s.acked - s.sent_ns) / 1e6, 1),
                    "room": s.room,
                    "server": s.sender.server,
                }
                for s in slowest
            ],
            "latency_samples": len(both),
            "cpu": phase.cpu,
        }


def _pct(values: list[int], p: float) -> int:
    if not values:
        return 0
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def _summary(values_us: list[int]) -> dict[str, float] | None:
    if not values_us:
        return None
    return {
        "p50": round(_pct(values_us, 50) / 1000, 2),
        "p90": round(_pct(values_us, 90) / 1000, 2),
        "p99": round(_pct(values_us, 99) / 1000, 2),
        "max": round(values_us[-1] / 1000, 2),
    }


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _host() -> tuple[float, int]:
    """(busy CPU seconds of the whole machine, cores) from /proc/stat."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0.0, os.cpu_count() or 1
    ticks = [int(x) for x in lines[0].split()[1:9]]  # user … steal (guest is in user)
    busy = sum(ticks) - ticks[3] - ticks[4]  # minus idle and iowait
    cores = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return busy / _TICK, cores


# --- main ------------------------------------------------------------------------------------


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    gen = Generator(spec)
    mode = spec["mode"]
    out: dict[str, Any] = {"mode": mode, "clients": len(gen.clients), "rooms": len(gen.rooms)}
    if mode == "storm":
        out["connect"] = await gen.connect_all(gen.clients)
        out["close_seconds"] = round(await gen.close_all(), 3)
        out["errors"] = dict(gen.errors)
        return out
    out["connect"] = await gen.connect_all(gen.clients)
    out["settle_seconds"] = round(await gen.settle(), 2)
    gc.collect()
    gc.freeze()
    seconds = float(spec["seconds"])
    warmup = float(spec.get("warmup", 2))
    phases = []
    if mode == "single":
        phases.append(await gen.saturate(seconds, warmup, int(spec["window"])))
        await gen.settle()
    phases.append(await gen.paced(seconds, warmup, float(spec["rate_per_room"])))
    out["phases"] = {p.name: gen.report(p) for p in phases}
    if spec.get("return_latencies"):  # several generators: the caller merges percentiles
        out["latencies_us"] = list(phases[-1].latency_us) + list(phases[-1].latency_cross_us)
        out["latencies_cross_us"] = list(phases[-1].latency_cross_us)
    out["duplicated"] = gen.duplicated
    out["unexpected_closes"] = gen.unexpected_closes
    out["foreign_frames"] = gen.foreign
    out["other_frames"] = dict(gen.frames)
    out["errors"] = dict(gen.errors)
    out["close_seconds"] = round(await gen.close_all(), 3)
    return out


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
