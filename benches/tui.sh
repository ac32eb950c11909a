#!/usr/bin/env bash
# The TUI on a large demo database, driven in tmux: launch → first frame, launch → overdue modal,
# keypress → frame in each pane (also while the data is still loading), peak resident memory.
# Prints a markdown table (see docs/performance.md, "TUI").
#
#   cargo build --release
#   benches/tui.sh                      # 100k contacts in a temporary database
#   benches/tui.sh --db /tmp/crm-100k   # reuse (or create once) a database
#
# Options: --contacts N (100000), --db DIR (temporary), --as LOGIN (bench: the user the demo is
# generated as, whose overdue tasks the modal shows), --runs N launches (5), --keys N per pane (20),
# --pause SECONDS between keys (0.05), --keep (the frame logs, in a directory it names).
# CRM_BIN overrides ./target/release/crm.
#
# The times come from the binary itself: with CRM_FRAME_LOG=<file> the runtime logs every frame,
# key read and data load in milliseconds since the process started (see src/tui/runtime.rs).
# "read → frame" is from the moment crm read the key to the end of the frame that shows it;
# "sent → frame" is from just before `tmux send-keys` to the same frame, so it includes tmux and
# the pty. p99 of 20 samples is their maximum.
set -euo pipefail
export LC_NUMERIC=C
cd "$(dirname "$0")/.."

contacts=100000 db="" user=bench runs=5 keys=20 pause=0.05 keep=
while (($#)); do
    case $1 in
    --contacts) contacts=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --as) user=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --pause) pause=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n "2,/^set -e/p" "$0" | sed "$ d"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bin=$(realpath "${CRM_BIN:-./target/release/crm}")
[[ -x $bin ]] || { echo "no $bin: run cargo build --release first" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is required (apt-get install tmux)" >&2; exit 1; }

work=$(mktemp -d /tmp/crm-tui-bench.XXXXXX)
sock=crm-tui-bench-$$
cleanup() {
    local path
    path=$(tmux -L "$sock" display-message -p '#{socket_path}' 2>/dev/null || true)
    tmux -L "$sock" kill-server 2>/dev/null || true
    [[ -n $path ]] && rm -f "$path"
    if [[ -n $keep ]]; then echo "frame logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
db=${db:-$work/db}

if [[ ! -e $db ]]; then
    echo "generating $contacts demo contacts in $db (as $user)…" >&2
    "$bin" --db "$db" --as "$user" demo --contacts "$contacts" >/dev/null 2>&1
fi

# start SESSION LOG: crm in a new 120×40 tmux session, logging frames to LOG.
start() {
    rm -f "$2"
    # A session of its own keeps the server alive while crm restarts.
    tmux -L "$sock" has-session -t keep 2>/dev/null || tmux -L "$sock" new-session -d -s keep -x 120 -y 40 'sleep 3600'
    tmux -L "$sock" new-session -d -s "$1" -x 120 -y 40 \
        "CRM_FRAME_LOG='$2' CRM_CONFIG='$work/none.toml' '$bin' --db '$db' --as '$user'; sleep 3600"
}

# wait_log LOG REGEX: until a line of LOG matches (60 s at most).
wait_log() {
    local deadline=$((SECONDS + 60))
    until grep -qE "$2" "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || { echo "timed out waiting for /$2/ in $1:" >&2; cat "$1" >&2; exit 1; }
        sleep 0.005
    done
}

# press SESSION LABEL KEY: sends one key and notes when (wall clock, ms) under LABEL.
press() {
    local t=$EPOCHREALTIME
    tmux -L "$sock" send-keys -t "$1" "$3"
    echo "$2 $t" >>"$work/sent.$1"
}

# quit SESSION LOG: dismiss whatever is open, quit, wait for the exit line, close the session.
quit() {
    press "$1" quit C-c
    wait_log "$2" ' exit '
    tmux -L "$sock" kill-session -t "$1"
}

# first LOG REGEX: the time of the first line of LOG matching REGEX.
first() { awk -v re="$2" '$0 ~ re { print $1; exit }' "$1"; }

# latencies SESSION LOG: one line per key sent, "label read_to_frame_ms sent_to_frame_ms".
latencies() {
    local epoch
    epoch=$(awk '$2 == "start" { sub("epoch_ms=", "", $3); print $3; exit }' "$2")
    awk -v epoch="$epoch" '
        FNR == NR { label[++sent] = $1; at[sent] = $2 * 1000; next }
        $2 == "key" { key[++n] = $1; open[n] = 1 }
        $2 == "frame" { for (i in open) { frame[i] = $1; delete open[i] } }
        END {
            if (n != sent) printf "warning: %d keys sent, %d read\n", sent, n > "/dev/stderr"
            for (i = 1; i <= n && i <= sent; i++)
                if (i in frame) printf "%s %.3f %.3f\n", label[i], frame[i] - key[i], epoch + frame[i] - at[i]
        }' "$work/sent.$1" "$2"
}

# stats: "p50 / p99" of the numbers on stdin (nearest rank).
stats() {
    sort -g | awk '{ v[++n] = $1 } END {
        if (!n) { print "–"; exit }
        p50 = v[int((n * 50 + 99) / 100)]; p99 = v[int((n * 99 + 99) / 100)]
        printf "%.1f / %.1f", p50, p99 }'
}
median() { sort -g | awk '{ v[++n] = $1 } END { printf "%.0f", v[int((n + 1) / 2)] }'; }
max() { sort -g | awk '{ v = $1 } END { printf "%.0f", v }'; }

# 1. Launches: first frame, contacts listed, overdue modal.
for i in $(seq "$runs"); do
    log=$work/launch$i.log
    start "launch$i" "$log"
    wait_log "$log" 'frame .*overdue=1'
    wait_log "$log" 'data pipeline'
    quit "launch$i" "$log"
    echo "$(first "$log" ' frame ') $(first "$log" ' data contacts ') $(first "$log" 'frame .*overdue=1')" \
        >>"$work/launches"
    awk '$2 == "exit" { sub("peak_rss_kb=", "", $3); print $3 }' "$log" >>"$work/rss"
    awk '$2 == "data" && $3 == "contacts" { sub("update_ms=", "", $5); print $5 }' "$log" >>"$work/contacts_update"
done

# 2. Keys while the data is loading: down every 20 ms from the first frame until everything is in.
log=$work/load.log
start load "$log"
wait_log "$log" ' frame '
for _ in $(seq 200); do
    press load load Down
    grep -q 'data pipeline' "$log" && break
    sleep 0.02
done
sleep 0.2
quit load "$log"
latencies load "$log" >"$work/lat.load"
awk '$2 == "exit" { sub("peak_rss_kb=", "", $3); print $3 }' "$log" >>"$work/rss"

# 3. Keys in each pane, once everything is loaded.
log=$work/keys.log
start keys "$log"
wait_log "$log" 'frame .*overdue=1'
wait_log "$log" 'data pipeline'
step() { press keys "$1" "$2"; sleep "$pause"; }
step setup Escape
step setup 1
for _ in $(seq "$keys"); do step contacts-down Down; done
for _ in $(seq "$keys"); do step contacts-up Up; done
step setup 2
for _ in $(seq $((keys / 10))); do
    for _ in 1 2 3 4 5; do step pipeline-right Right; done
    for _ in 1 2 3 4 5; do step pipeline-left Left; done
done
for _ in $(seq "$keys"); do step pipeline-down Down; done
step setup 3
for _ in $(seq "$keys"); do step reminders-down Down; done
sleep 0.2
quit keys "$log"
latencies keys "$log" >"$work/lat.keys"
awk '$2 == "exit" { sub("peak_rss_kb=", "", $3); print $3 }' "$log" >>"$work/rss"

# The table.
ms() { awk -v c="$1" '{ print $c }' "$work/launches"; }
row() { # LABEL TARGET LABEL-REGEX FILE
    local r s n
    r=$(awk -v l="$3" '$1 ~ l { print $2 }' "$4" | stats)
    s=$(awk -v l="$3" '$1 ~ l { print $3 }' "$4" | stats)
    n=$(awk -v l="$3" '$1 ~ l' "$4" | wc -l)
    echo "| $1 | $2 | $r | $s | $n |"
}
echo
echo "crm TUI on $db (user $user), tmux 120×40, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
echo
echo "| launch ($runs runs) | target | median (ms) | slowest (ms) |"
echo "|---|---:|---:|---:|"
echo "| launch → first frame | < 100 ms | $(ms 1 | median) | $(ms 1 | max) |"
echo "| launch → contacts listed | | $(ms 2 | median) | $(ms 2 | max) |"
echo "| launch → overdue modal | | $(ms 3 | median) | $(ms 3 | max) |"
echo "| UI thread busy taking in the contacts (sort) | | $(median <"$work/contacts_update") | $(max <"$work/contacts_update") |"
echo
echo "| keypress → frame | target | read → frame p50 / p99 (ms) | sent → frame p50 / p99 (ms) | keys |"
echo "|---|---:|---:|---:|---:|"
row "Contacts: down" "< 16 ms" '^contacts-down$' "$work/lat.keys"
row "Contacts: up" "< 16 ms" '^contacts-up$' "$work/lat.keys"
row "Pipeline: left/right" "< 16 ms" '^pipeline-(left|right)$' "$work/lat.keys"
row "Pipeline: down" "< 16 ms" '^pipeline-down$' "$work/lat.keys"
row "Reminders: down" "< 16 ms" '^reminders-down$' "$work/lat.keys"
row "down while loading (launch → all data in)" "< 16 ms" '^load$' "$work/lat.load"
echo
echo "| memory | target | peak RSS (MB) |"
echo "|---|---:|---:|"
echo "| whole session, worst of $((runs + 2)) runs | < 200 MB | $(awk '{ printf "%.0f\n", $1 / 1024 }' "$work/rss" | max) |"
