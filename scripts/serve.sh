#!/usr/bin/env bash
# make serve: peerpath for real. DEBUG off, settings from the environment, static files
# collected into a hashed manifest, migrations applied, then WEB_CONCURRENCY uvicorn worker
# processes behind one port and one Huey consumer, until SIGINT/SIGTERM stops them all.
#
#   SECRET_KEY        required (50+ characters)
#   ALLOWED_HOSTS     default: HOST and localhost
#   HOST, PORT        default 127.0.0.1:8000
#   WEB_CONCURRENCY   worker processes (default: CPU count; 1 without REDIS_URL, because the
#                     in-process channel layer does not cross processes)
#   TRUSTED_PROXIES   addresses whose X-Forwarded-For/-Proto are believed (default: none)
#   DATABASE_URL, REDIS_URL, EMAIL_URL, SITE_URL   as documented in the README
#   SERVE_SKIP_SETUP  1 = skip check/collectstatic/migrate (the smoke test runs them once)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

export DEBUG=0
export DJANGO_SETTINGS_MODULE=config.settings.base
export HOST=${HOST:-127.0.0.1}
export PORT=${PORT:-8000}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$HOST,localhost}
TRUSTED_PROXIES=${TRUSTED_PROXIES:-}

if [ -z "${SECRET_KEY:-}" ]; then
  echo "make serve: SECRET_KEY is not set. Generate one with:" >&2
  echo "  export SECRET_KEY=\$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(64))')" >&2
  exit 2
fi

WORKERS=${WEB_CONCURRENCY:-$(nproc 2>/dev/null || echo 1)}
if [ -z "${REDIS_URL:-}" ] && [ "$WORKERS" -gt 1 ]; then
  echo "make serve: REDIS_URL is not set, so one worker process (live chat, rooms and the" >&2
  echo "notification bell cross processes only through Redis)." >&2
  WORKERS=1
fi

if [ "${SERVE_SKIP_SETUP:-0}" != 1 ]; then
  $BIN/python manage.py check --deploy
  $BIN/python manage.py collectstatic --noinput -v0
  $BIN/python manage.py migrate --noinput -v0
fi

if [ -n "$TRUSTED_PROXIES" ]; then
  PROXY_ARGS=(--proxy-headers --forwarded-allow-ips "$TRUSTED_PROXIES")
else
  PROXY_ARGS=(--no-proxy-headers)
fi

$BIN/uvicorn config.asgi:application --host "$HOST" --port "$PORT" --workers "$WORKERS" \
  "${PROXY_ARGS[@]}" --no-server-header --no-access-log --log-level warning \
  --timeout-graceful-shutdown 10 &
WEB=$!
$BIN/python manage.py run_huey --quiet &
WORKER=$!

stop() {
  kill -TERM "$WEB" "$WORKER" 2>/dev/null || true
  wait "$WEB" "$WORKER" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

echo "peerpath (DEBUG off) on http://${HOST}:${PORT}/ with ${WORKERS} worker process(es) and a Huey consumer"
# Either process ending ends the service (the supervisor restarts the whole unit).
wait -n "$WEB" "$WORKER"
