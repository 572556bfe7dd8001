#!/usr/bin/env bash
# End-to-end check of `kefu simulate` and `kefu staff` (#5): usage sim_cli_test.sh KEFU SOURCE_DIR
set -euo pipefail
kefu=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A scenario → CSV + self-contained HTML.
"$kefu" simulate --scenario "$src/examples/scenarios/retail_bank.toml" --out "$tmp/day" \
  --replications 2 --quiet > "$tmp/out.txt"
grep -q "服务水平 service level" "$tmp/out.txt" || fail "no service level printed"
head -1 "$tmp/day/intervals.csv" | grep -q '^interval_start,offered,answered,abandoned,staffed_agents' \
  || fail "intervals.csv header"
[ "$(wc -l < "$tmp/day/intervals.csv")" -ge 24 ] || fail "intervals.csv rows"
grep -q '<svg' "$tmp/day/report.html" || fail "no chart in report.html"
if grep -Eq '<script|src="https?:|href="https?:' "$tmp/day/report.html"; then
  fail "report.html is not self-contained"
fi
"$kefu" simulate --scenario "$src/examples/scenarios/mmn.json" --replications 2 --quiet \
  > /dev/null || fail "mmn.json"

# A bad scenario names the file and the key, exit code 2.
printf 'start = "2026-01-05T08:00"\nhours = 1\n[[queues]]\nname = "q"\nhandle = { type = "exponential", mean_s = -5 }\ncalls_per_hour = 10\n[[agent_groups]]\nname = "g"\nqueues = ["q"]\nagents = 2\n' > "$tmp/bad.toml"
set +e
"$kefu" simulate --scenario "$tmp/bad.toml" 2> "$tmp/err.txt"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad scenario exit code $rc"
grep -q "bad.toml: queues\[0\].handle.mean_s" "$tmp/err.txt" || fail "error message: $(cat "$tmp/err.txt")"

# Staffing, with the Anonymous Bank shift grid when the evaluation data is there.
shifts=()
if [ -f "$src/../shared/data/anonymous-bank/shifts.csv" ]; then
  shifts=(--shifts "$src/../shared/data/anonymous-bank/shifts.csv")
fi
printf 'interval,volume\n08:00,60\n08:30,80\n09:00,120\n09:30,100\n10:00,70\n10:30,50\n' > "$tmp/f.csv"
"$kefu" staff --forecast "$tmp/f.csv" --aht 180 --target 0.8 --threshold 20 --patience 300 \
  --shrinkage 0.3 --replications 5 --quiet "${shifts[@]}" > "$tmp/staff.txt"
grep -q "时段" "$tmp/staff.txt" || fail "no Chinese labels"
grep -q "09:00" "$tmp/staff.txt" || fail "no interval rows"
if [ ${#shifts[@]} -gt 0 ]; then
  grep -q "shift cover" "$tmp/staff.txt" || fail "no shift cover"
fi
echo "sim cli: ok"
