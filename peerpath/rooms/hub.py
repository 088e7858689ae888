"""The rooms' process hub: room sockets of this process, relayed between processes through
Redis pub/sub (the mechanism, its envelope and its outage handling: ``peerpath.core.hub``)."""

from __future__ import annotations

from peerpath.core.hub import ALL, MODS, Envelope, Hub

__all__ = ["ALL", "MODS", "Envelope", "hub"]

hub = Hub("rooms")
