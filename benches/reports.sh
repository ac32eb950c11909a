#!/usr/bin/env bash
# Times each `crm report` as a whole process on the 100k-contact demo database.
#
#   cargo build --release
#   benches/reports.sh [DB] [RUNS]
#
# DB defaults to /tmp/crm-reports-100k (created with `crm demo --contacts 100000` when missing);
# every command runs once untimed (warm-up, and the schema upgrade of an older database), then
# RUNS times (default 15), output to /dev/null. Prints the median and the fastest–slowest run.
set -euo pipefail
crm=${CRM_BIN:-target/release/crm}
db=${1:-/tmp/crm-reports-100k}
runs=${2:-15}
export CRM_USER=${CRM_USER:-bench} CRM_CONFIG="$db.config.toml"
if [ ! -e "$db" ]; then
  "$crm" --db "$db" demo --contacts 100000 >/dev/null
fi
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000)); }
printf '| command | median (ms) | fastest–slowest (ms) |\n|---|---:|---:|\n'
for args in "pipeline" "forecast" "activity" "team" "activity --period all" "team --period all" "pipeline --owner me" "activity --owner me"; do
  # shellcheck disable=SC2086
  "$crm" --db "$db" report $args >/dev/null
  times=()
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    times+=("$(ms "$crm" --db "$db" report $args)")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
  printf '| `crm report %s` | %s | %s–%s |\n' "$args" \
    "$(awk "BEGIN{printf \"%.0f\", $median/1000}")" \
    "$(awk "BEGIN{printf \"%.0f\", $(echo "$sorted" | head -1)/1000}")" \
    "$(awk "BEGIN{printf \"%.0f\", $(echo "$sorted" | tail -1)/1000}")"
done
