#!/usr/bin/env bash
# make demo: migrate, seed the demo community once, then run web + worker until Ctrl-C.
set -euo pipefail
PORT=${1:-8000}
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=config.settings.base
export HOST=${HOST:-127.0.0.1} PORT
# Links in e-mails and notifications point at the site as it is served here.
export SITE_URL=${SITE_URL:-http://${HOST}:${PORT}}

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py seed_demo --size small --seed 1 --if-empty
$BIN/python manage.py run_nudges
$BIN/python manage.py refresh_analytics --full
$BIN/python manage.py refresh_pair_stats --full

$BIN/uvicorn config.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
WEB=$!
$BIN/python manage.py run_huey --quiet &
WORKER=$!
stop() { kill "$WEB" "$WORKER" 2>/dev/null || true; wait "$WEB" "$WORKER" 2>/dev/null || true; }
trap 'stop; exit 0' INT TERM
trap stop EXIT

cat <<MSG

  peerpath is running at http://${HOST}:${PORT}/   (Ctrl-C stops web and worker)

  Demo logins, all with password  peerpath-demo :
    demo-member  demo-teen-member  demo-listener  demo-teen-listener
    demo-mentor  demo-teen-mentor  demo-moderator  demo-ambassador  demo-staff (admin: /admin/)

MSG
wait -n "$WEB" "$WORKER"
