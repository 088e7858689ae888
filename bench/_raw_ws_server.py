"""The physical baseline for ``bench/rooms.py``: a minimal ``websockets`` broadcast server.

It speaks just enough of the rooms protocol for the load generator: ``hello`` on connect,
``pong`` for ``ping``, and for every ``send`` frame (parsed once) one ``message`` frame of
the same shape as ours, encoded once and pushed to every socket of the room with
``websockets.broadcast`` (no persistence, no ack, no authentication, no checks). A room is
the URL path. Run as its own process:

    .venv/bin/python bench/_raw_ws_server.py PORT

It prints ``READY`` once it listens and stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import sys
from collections import defaultdict
from itertools import count

from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOMS: defaultdict[str, set[ServerConnection]] = defaultdict(set)
IDS = count(1)


async def handler(ws: ServerConnection) -> None:
    room_key = ws.request.path if ws.request is not None else "/"
    room = ROOMS[room_key]
    room.add(ws)
    try:
        await ws.send(json.dumps({"type": "hello", "room": room_key}, separators=(",", ":")))
        async for data in ws:
            try:
                frame = json.loads(data)
            except ValueError:
                continue
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == "send":
                payload = {
                    "type": "message",
                    "id": next(IDS),
                    "room": room_key,
                    "sender": "raw",
                    "sender_id": 0,
                    "body": frame.get("body", ""),
                    "client_id": frame.get("client_id", ""),
                    "created_at": dt.datetime.now(dt.UTC).isoformat(),
                }
                broadcast(room, json.dumps(payload, separators=(",", ":")))
            elif kind == "ping":
                await ws.send('{"type":"pong"}')
    finally:
        room.discard(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,  # the load generator never offers it; stated for clarity
        ping_interval=None,
        max_queue=None,
        backlog=4096,
    ):
        print("READY", flush=True)
        await stop


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        asyncio.run(main(int(sys.argv[1])))
    else:
        uvloop.run(main(int(sys.argv[1])))
