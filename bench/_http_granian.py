"""The ASGI application for granian in ``bench/http_load.py``'s server comparison: peerpath's, with
granian's proxy-header wrapper trusting 127.0.0.1 (uvicorn's ``--forwarded-allow-ips``)."""

from __future__ import annotations

from granian.utils.proxies import wrap_asgi_with_proxy_headers

from config.asgi import application as peerpath

application = wrap_asgi_with_proxy_headers(peerpath, trusted_hosts="127.0.0.1")
