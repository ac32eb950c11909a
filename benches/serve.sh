#!/usr/bin/env bash
# The team server under load: 20 concurrent reps on loopback against a copy of a 100k-contact
# demo database, each with their own token and keep-alive connection, doing the realistic mix
# of `crm bench --serve` (per 10 requests: 3 searches, 3 contact lists, 2 activities logged,
# 2 deals moved). Prints throughput, p50/p90/p99/max per operation and errors, with the load
# average before and after each run (see docs/performance.md, "Team server").
#
#   cargo build --release
#   benches/serve.sh                          # 100k contacts, generated once in /tmp/crm-serve-bench-100k
#   benches/serve.sh --db /tmp/crm-tui-bench/db --runs 3
#   benches/serve.sh --db /tmp/crm-tui-bench/db --rate 10      # each rep 10 requests a second
#
# Options: --db DIR (the database to copy; generated with `crm demo` when missing),
# --contacts N (100000, for a generated one), --clients N (20), --requests N per client (500),
# --runs N (3), --rate R (requests a second per client on a fixed schedule, latency counted from
# when each was due; 0, the default: each client sends the next as soon as the last is answered,
# which measures the server saturated). CRM_BIN overrides ./target/release/crm (copy the binary somewhere private on a
# shared machine: others rebuild target/ under you).
#
# The database given is never written: every run serves a fresh copy (in $TMPDIR), adds the
# bench01… users and their tokens to the copy, and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

db=/tmp/crm-serve-bench-100k contacts=100000 clients=20 requests=500 runs=3 rate=0
while (($#)); do
    case $1 in
    --db) db=$2; shift 2 ;;
    --contacts) contacts=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    -h | --help) sed -n "2,/^set -e/p" "$0" | sed "$ d"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bin=$(realpath "${CRM_BIN:-./target/release/crm}")
[[ -x $bin ]] || { echo "no $bin: run cargo build --release first" >&2; exit 1; }

if [[ ! -e $db ]]; then
    echo "generating $contacts demo contacts in $db…" >&2
    CRM_CONFIG=/dev/null/none "$bin" --db "$db" --as bench demo --contacts "$contacts" >/dev/null
fi

for ((run = 1; run <= runs; run++)); do
    echo "== run $run of $runs ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
    env -u CRM_SERVER -u CRM_TOKEN CRM_CONFIG=/dev/null/none \
        "$bin" --db "$db" bench --serve --clients "$clients" --requests "$requests" --rate "$rate"
done
