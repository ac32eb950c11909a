#!/usr/bin/env bash
# What visibility costs (docs/performance.md "Visibility"): the median CPU time (user + system,
# steadier than wall time on a busy machine) and wall time of whole `crm` commands on the
# 100k-contact demo database, in team and in private visibility, as the admin (anna), a
# manager (marta, with olek and kenji reporting to her) and a rep (olek).
#
#   cargo build --release
#   benches/visibility.sh [DB] [RUNS]
#
# DB defaults to /tmp/crm-visibility-100k (made with `crm demo --contacts 100000` when
# missing). CRM_BIN picks the binary (to compare two builds on the same database; a database
# this crm upgraded cannot be read by an older one, so give each build its own copy).
set -euo pipefail
crm=${CRM_BIN:-target/release/crm}
db=${1:-/tmp/crm-visibility-100k}
runs=${2:-5}
export CRM_CONFIG="$db.config.toml" CRM_NOW=2026-11-27T09:00:00Z TZ=UTC
run() { CRM_USER=$1 "$crm" --db "$db" "${@:2}"; }
if [ ! -e "$db" ]; then
  run anna demo --contacts 100000 >/dev/null
  run anna user set olek --manager marta >/dev/null
  run anna user set kenji --manager marta >/dev/null
fi
times_file=$(mktemp)
trap 'rm -f "$times_file"' EXIT
# One run: "cpu_ms wall_ms" (a command that fails, such as a card the user does not see, counts too).
measure() {
  local s e cpu
  s=$(date +%s%N)
  CRM_USER="$1" /usr/bin/time -o "$times_file" -f '%U %S' "$crm" --db "$db" "${@:2}" >/dev/null 2>&1 || true
  cpu=$(tail -1 "$times_file")
  e=$(date +%s%N)
  echo "$(echo "$cpu" | awk '{ printf "%.0f", ($1 + $2) * 1000 }') $(((e - s) / 1000000))"
}
median() { sort -n | sed -n "$((($1 + 1) / 2))p"; }
modes=${MODES:-team private}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| visibility | user | command | median CPU ms | median wall ms |\n|---|---|---|---:|---:|\n'
for mode in $modes; do
  if [ "$(run anna visibility -q 2>/dev/null || echo team)" != "$mode" ]; then run anna visibility "$mode" >/dev/null; fi
  for user in anna marta olek; do
    for args in "contact list" "deal list" "task list --all" "search muller" "agenda --all" "report pipeline" "contact show c500"; do
      # shellcheck disable=SC2086
      run "$user" $args >/dev/null 2>&1 || true
      results=()
      for _ in $(seq "$runs"); do
        # shellcheck disable=SC2086
        results+=("$(measure "$user" $args)")
      done
      cpu=$(printf '%s\n' "${results[@]}" | cut -d' ' -f1 | median "$runs")
      wall=$(printf '%s\n' "${results[@]}" | cut -d' ' -f2 | median "$runs")
      printf '| %s | %s | `crm %s` | %s | %s |\n' "$mode" "$user" "$args" "$cpu" "$wall"
    done
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
