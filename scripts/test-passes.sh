#!/usr/bin/env bash
# make test's two pytest passes (SQLite + in-memory layer, PostgreSQL + Redis) side by side:
# each is one CPU-bound process, so on a 2-core machine running them together halves the
# wall time. Each pass logs to var/test-logs/; a passing pass prints its summary, a failing
# one its whole log. Exits non-zero when either fails.
set -uo pipefail
cd "$(dirname "$0")/.."
LOGS=var/test-logs
mkdir -p "$LOGS"

env -u DATABASE_URL -u REDIS_URL .venv/bin/pytest -m "not e2e" -p no:cacheprovider \
  >"$LOGS/sqlite.log" 2>&1 &
SQLITE=$!
bash scripts/test-services.sh >"$LOGS/services.log" 2>&1 &
SERVICES=$!

wait "$SQLITE"; sqlite_rc=$?
wait "$SERVICES"; services_rc=$?

report() {  # name rc
  local log="$LOGS/$1.log"
  echo "================ pytest: $1 (exit $2) ================"
  if [ "$2" -eq 0 ]; then
    grep -E "^(SKIPPED|Running|XFAIL)|passed|failed|error" "$log" | tail -n 40
  else
    cat "$log"
  fi
}
report sqlite "$sqlite_rc"
report services "$services_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$services_rc" -eq 0 ]
