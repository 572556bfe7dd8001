#!/usr/bin/env bash
# Browser test of the web shell: starts a throwaway `kefu serve` on port 0 with a fresh SQLite
# database and three users, runs tests/browser/*.test.mjs with `node --test` against it
# (playwright-core driving /usr/bin/chromium), and always stops the server.
#
#   tests/browser/run.sh build/release/bin/kefu
#
# Needs web/dist (npm run build in web/) and web/node_modules (npm ci in web/).
# Screenshots go to $KEFU_SCREENSHOT_DIR (default /tmp); KEFU_KEEP_TMP=1 keeps the temp dir.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 KEFU_BINARY" >&2
  exit 2
fi
KEFU=$(realpath "$1")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHROMIUM=${KEFU_CHROMIUM:-/usr/bin/chromium}

fail() {
  echo "tests/browser: $*" >&2
  exit 1
}
[ -x "$KEFU" ] || fail "kefu binary not found: $1"
[ -f "$REPO/web/dist/index.html" ] || fail "web/dist is missing: run 'npm run build' in web/"
[ -d "$REPO/web/node_modules/playwright-core" ] || fail "playwright-core is missing: run 'npm ci' in web/"
[ -x "$CHROMIUM" ] || fail "Chromium not found at $CHROMIUM (Debian package: chromium)"
command -v node >/dev/null || fail "node not found (Debian package: nodejs)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kefu-browser.XXXXXX")
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$TMP/server.log" ]; then
    echo "--- kefu serve log (last 40 lines) ---" >&2
    tail -n 40 "$TMP/server.log" >&2
  fi
  if [ "${KEFU_KEEP_TMP:-0}" = 1 ]; then
    echo "tests/browser: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DB="sqlite:$TMP/kefu.db"
# Test-only passwords for a throwaway database (minimum length 10).
AGENT_PASSWORD='Agent-Pass-2024!'
LOCKED_PASSWORD='Locked-Pass-2024!'
SUPERVISOR_PASSWORD='Super-Pass-2024!'

"$KEFU" --db "$DB" migrate >"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; fail "migrate failed"; }
add_user() { # NAME ROLE DISPLAY_NAME PASSWORD
  printf '%s\n' "$4" | "$KEFU" --db "$DB" user add "$1" --role "$2" --name "$3" --password-stdin \
    >>"$TMP/setup.log" 2>&1 || { cat "$TMP/setup.log" >&2; fail "user add $1 failed"; }
}
add_user agent1 agent 王小明 "$AGENT_PASSWORD"
add_user locked1 agent 赵锁定 "$LOCKED_PASSWORD"
add_user sup1 supervisor 李班长 "$SUPERVISOR_PASSWORD"
# The bank's data feed, for the service history a test puts behind a customer.
INGEST_TOKEN=$("$KEFU" --db "$DB" token create browser-feed --scope ingest.write 2>>"$TMP/setup.log" |
  grep -o 'kf_[A-Za-z0-9_-]*') || { cat "$TMP/setup.log" >&2; fail "token create failed"; }

"$KEFU" --db "$DB" \
  --set server.listen=127.0.0.1:0 \
  --set "server.web_root=$REPO/web/dist" \
  --set "server.port_file=$TMP/port" \
  serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

# Wait for the port file (written once the server listens), at most 30 s.
for _ in $(seq 1 300); do
  [ -s "$TMP/port" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "kefu serve exited before listening"
  sleep 0.1
done
[ -s "$TMP/port" ] || fail "kefu serve did not write $TMP/port within 30 s"
PORT=$(tr -d '[:space:]' <"$TMP/port")
[[ "$PORT" =~ ^[0-9]+$ ]] || fail "bad port file content: '$PORT'"

cd "$REPO"
# TMPDIR: Chromium's throwaway profile (--user-data-dir) is created under our temp dir.
env TMPDIR="$TMP" \
  KEFU_URL="http://127.0.0.1:$PORT" \
  KEFU_AGENT_PASSWORD="$AGENT_PASSWORD" \
  KEFU_LOCKED_PASSWORD="$LOCKED_PASSWORD" \
  KEFU_SUPERVISOR_PASSWORD="$SUPERVISOR_PASSWORD" \
  KEFU_INGEST_TOKEN="$INGEST_TOKEN" \
  KEFU_CHROMIUM="$CHROMIUM" \
  KEFU_SCREENSHOT_DIR="${KEFU_SCREENSHOT_DIR:-/tmp}" \
  node --test tests/browser/*.test.mjs
