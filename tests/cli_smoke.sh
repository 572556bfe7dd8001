#!/usr/bin/env bash
# End-to-end checks of the kefu binary: the commands a newcomer and `make run` use, on SQLite
# and (when KEFU_TEST_PG_URL is set, as under `make test`) on PostgreSQL.
# Usage: tests/cli_smoke.sh PATH/TO/kefu
set -uo pipefail
KEFU=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
passes=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- COMMAND...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out code
  out=$("$@" 2>&1)
  code=$?
  if [[ $code -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $code (want $want), output did not match /$pattern/:"
    echo "$out" | head -20
    failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
}

check version 0 '^kefu [0-9]+\.[0-9]+' -- "$KEFU" version
check help 0 'migrate' -- "$KEFU" --help
check no-command 106 'subcommand' -- "$KEFU"
check config 0 'db.url = "sqlite:var/kefu.db"' -- "$KEFU" config
check config-env 0 'log.level = "debug"   # env KEFU_LOG_LEVEL' -- env KEFU_LOG_LEVEL=debug "$KEFU" config
check bad-url 2 'unknown database URL' -- "$KEFU" --db mysql://x migrate
check bad-set 2 'unknown setting' -- "$KEFU" --set no.such=1 config
check bad-env 2 'KEFU_NODE_ID' -- env KEFU_NODE_ID=5000 "$KEFU" migrate

db="sqlite:$work/demo.db"
check migrate 0 'applied [1-9][0-9]* migration' -- "$KEFU" --db "$db" migrate
check migrate-again 0 'applied 0 migration' -- "$KEFU" --db "$db" migrate
check seed 0 'demo seeded: .* 150 customers' -- "$KEFU" --db "$db" demo seed --customers 150 --quiet
check seed-again 0 'already present' -- "$KEFU" --db "$db" demo seed --quiet
check show 0 'customers +150' -- "$KEFU" --db "$db" demo show
check show-masked 0 '[0-9]{3}\*{4}[0-9]{4}' -- "$KEFU" --db "$db" demo show
# The keyed-hash secret was created once, private to its owner.
check key-file 0 '^-rw-------' -- ls -l var/kefu.key

if [[ -n "${KEFU_TEST_PG_URL:-}" ]]; then
  check pg-migrate 0 'postgresql: applied' -- "$KEFU" --db "$KEFU_TEST_PG_URL" migrate
  check pg-seed 0 'demo seeded: .* 120 customers' -- "$KEFU" --db "$KEFU_TEST_PG_URL" demo seed --customers 120 --quiet
  check pg-show 0 'customers +120' -- "$KEFU" --db "$KEFU_TEST_PG_URL" demo show
elif [[ "${CI:-}" == "true" ]]; then
  echo "FAIL: CI=true but KEFU_TEST_PG_URL is not set"
  failures=$((failures + 1))
fi

echo "cli_smoke: $passes passed, $failures failed"
[[ $failures -eq 0 ]]
