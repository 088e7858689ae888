#!/usr/bin/env bash
# make demo: migrate, seed the demo community once, then run web + worker until Ctrl-C.
set -euo pipefail
PORT=${1:-8000}
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=config.settings.base

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py seed_demo --size small --seed 1 --if-empty
$BIN/python manage.py run_nudges
$BIN/python manage.py refresh_analytics --full
$BIN/python manage.py refresh_pair_stats --full

$BIN/uvicorn config.asgi:application --host 127.0.0.1 --port "$PORT" --log-level warning &
WEB=$!
$BIN/python manage.py run_huey --quiet &
WORKER=$!
stop() { kill "$WEB" "$WORKER" 2>/dev/null || true; wait "$WEB" "$WORKER" 2>/dev/null || true; }
trap 'stop; exit 0' INT TERM
trap stop EXIT

cat <<MSG

  peerpath is running at http://127.0.0.1:${PORT}/   (Ctrl-C stops web and worker)

  Demo logins, all with password  peerpath-demo :
    demo-member  demo-teen-member  demo-listener  demo-teen-listener
    demo-mentor  demo-teen-mentor  demo-moderator  demo-ambassador  demo-staff (admin: /admin/)

MSG
wait -n "$WEB" "$WORKER"
