#!/usr/bin/env bash
# Server benchmarks on loopback: wrk against an authenticated small GET (/api/v1/auth/me) and a
# small POST (/api/v1/broadcasts, which writes an audit row), then 10,000 idle WebSockets.
#   bench/server/run.sh [build/release/bin/kefu] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
KEFU=$(realpath "${1:-build/release/bin/kefu}")
WS_N=${2:-10000}
TMP=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
DB="sqlite:$TMP/kefu.db"
"$KEFU" --db "$DB" migrate >/dev/null
printf 'bench-password-1\n' | "$KEFU" --db "$DB" user add bench --role supervisor --password-stdin >/dev/null
"$KEFU" --db "$DB" --set server.listen=127.0.0.1:0 --set server.port_file="$TMP/port" \
  --set api.rate_limit_rps=0 --set log.level=warn serve >"$TMP/log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -f "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
LOGIN=$(curl -s -D "$TMP/headers" -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"bench-password-1"}' "http://127.0.0.1:$PORT/api/v1/auth/login")
export COOKIE=$(grep -i '^set-cookie:' "$TMP/headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
export CSRF=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$LOGIN")
echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "== GET /api/v1/auth/me (authenticated), wrk -t1 -c32 -d10s"
wrk -t1 -c32 -d10s --latency -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/api/v1/auth/me" \
  | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
echo "== POST /api/v1/broadcasts (authenticated, CSRF, audit row), wrk -t1 -c32 -d10s"
wrk -t1 -c32 -d10s --latency -s bench/server/post.lua "http://127.0.0.1:$PORT/api/v1/broadcasts" \
  | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
echo "== $WS_N idle WebSockets"
python3 bench/server/ws_idle.py --port "$PORT" --pid "$PID" --cookie "$COOKIE" -n "$WS_N" --hold 5
