#!/usr/bin/env bash
# The second pytest pass: PostgreSQL + Redis, when both answer on 127.0.0.1.
# Never a silent pass: prints SKIPPED when they are absent, and the suite asserts it really
# ran on PostgreSQL (PEERPATH_EXPECT_BACKEND) when it runs.
set -euo pipefail
PG_HOST=${PG_HOST:-127.0.0.1}; PG_PORT=${PG_PORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}; REDIS_PORT=${REDIS_PORT:-6379}

reachable() {
  .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if ! reachable "$PG_HOST" "$PG_PORT" || ! reachable "$REDIS_HOST" "$REDIS_PORT"; then
  echo "SKIPPED postgres/redis suite: not reachable ($PG_HOST:$PG_PORT, $REDIS_HOST:$REDIS_PORT)"
  exit 0
fi

PG_USER=${PG_USER:-postgres}
export DATABASE_URL="postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/peerpath"
export REDIS_URL="redis://${REDIS_HOST}:${REDIS_PORT}/14"
export PEERPATH_EXPECT_BACKEND=postgresql
echo "Running the suite on PostgreSQL ($PG_HOST:$PG_PORT) and Redis ($REDIS_HOST:$REDIS_PORT)"
exec .venv/bin/pytest -m "not e2e" -p no:cacheprovider --create-db
