#!/usr/bin/env bash
# Fuzzy search on large demo databases: per-keystroke latency and index memory (in-process,
# `crm bench --search`), then `crm search` as a whole process next to `fzf --filter` over a text
# file of the same records, in the same run. Prints markdown tables (see docs/performance.md,
# "Search").
#
#   cargo build --release
#   benches/search.sh                              # 100k and 1M contacts, databases in /tmp
#   benches/search.sh --sizes 100000 --runs 3      # quicker
#   benches/search.sh --keep                       # keep the databases and text files for next time
#
# Options: --sizes "N …" contacts per database ("100000 1000000"), --dir DIR where the databases
# and text files go (/tmp; 1M contacts take ~2.3 GB and ~2 minutes to generate), --rounds N runs
# of `crm bench --search` per size (2), --runs N whole-process runs per command (5; best and
# median are reported), --queries "q …" for the whole-process table ("muller garcia berlin
# supply"), --keep (otherwise databases this script made are removed at the end; ones that
# already existed are reused and kept). CRM_BIN overrides ./target/release/crm.
#
# The whole-process comparison runs on the largest size. The text file holds one CSV line per
# record crm searches (every contact, company, deal and task, live ones, as `crm … list --format
# csv` prints them, without the header lines), so both tools look at the same records; fzf reads
# it ready-made, while `crm search` opens the database and decodes every record, matching them as
# it reads (it keeps no index). fzf runs as `fzf --filter Q < FILE | head -20`, crm as `crm search Q --limit 20`,
# both with their output to /dev/null. Peak RSS: crm reports its own (`CRM_REPORT_PEAK_RSS`),
# fzf's comes from /usr/bin/time when it is installed.
set -euo pipefail
export LC_NUMERIC=C LC_ALL=C.UTF-8
cd "$(dirname "$0")/.."

sizes="100000 1000000" dir=/tmp rounds=2 runs=5 queries="muller garcia berlin supply" keep=
while (($#)); do
    case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n "2,/^set -e/p" "$0" | sed "$ d"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bin=$(realpath "${CRM_BIN:-./target/release/crm}")
[[ -x $bin ]] || { echo "no $bin: run cargo build --release first" >&2; exit 1; }
have_fzf=$(command -v fzf || true)
[[ -n $have_fzf ]] || echo "fzf not found (apt-get install fzf): the comparison is left out" >&2
gnu_time=
[[ -x /usr/bin/time ]] && gnu_time=/usr/bin/time

made=()
cleanup() {
    if [[ -z $keep ]]; then
        for p in "${made[@]}"; do rm -rf "$p"; done
    elif ((${#made[@]})); then
        echo "kept: ${made[*]}" >&2
    fi
}
trap cleanup EXIT

# ms START END: milliseconds between two $EPOCHREALTIME readings.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# stats "V …": "best / median" of numbers.
stats() {
    tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%d / %d", v[1], v[int((NR + 1) / 2)] }'
}

largest=0
for n in $sizes; do ((n > largest)) && largest=$n; done

echo "crm: $bin; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -n $have_fzf ]] && echo "fzf $(fzf --version | cut -d' ' -f1)"
echo

rows=() heaps=() slow=()
for n in $sizes; do
    db=$dir/crm-search-$n
    if [[ ! -e $db ]]; then
        df -h "$dir" | tail -1 | awk '{ print "free in '"$dir"': " $4 }' >&2
        echo "generating $n demo contacts in $db…" >&2
        "$bin" --db "$db" demo --contacts "$n" >/dev/null 2>&1
        made+=("$db")
    fi
    for ((r = 1; r <= rounds; r++)); do
        out=$("$bin" bench --search --dir "$db")
        rows+=("$(grep '^| [0-9]' <<<"$out" | tail -1 | sed "s/^| /| $n | $r | /")")
        slow+=("$n contacts, run $r: $(sed -n 's/^slowest keystrokes (ms): //p' <<<"$out")")
    done
    heaps+=("$n contacts: $(sed -n 's/^index heap, used\/allocated (MB): //p' <<<"$out")")
done

echo "### Per keystroke (in-process, \`crm bench --search\`)"
echo
echo "| contacts | run | records | index build (ms) | index memory (MB) | keystrokes | p50 (ms) | p99 (ms) | max (ms) | first letter p50 (ms) | CPU p50 (ms) | CPU p99 (ms) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "What the index holds, used / allocated (MB):"
echo
printf -- '- %s\n' "${heaps[@]}"
echo
echo "Slowest keystrokes (query typed so far, ms):"
echo
printf -- '- %s\n' "${slow[@]}"
echo

[[ -n $have_fzf ]] || exit 0

db=$dir/crm-search-$largest
file=$dir/crm-search-$largest.csv
if [[ ! -s $file ]]; then
    echo "writing the records of $db to $file…" >&2
    {
        for kind in contact company deal; do "$bin" --db "$db" "$kind" list --format csv | tail -n +2; done
        "$bin" --db "$db" task list --all --format csv | tail -n +2
    } >"$file"
    made+=("$file")
fi
lines=$(wc -l <"$file")
size=$(du -mL "$file" | cut -f1)

echo "### \`crm search\` vs \`fzf --filter\`, whole process, $largest contacts"
echo
echo "Text file: $lines lines, $size MB (every contact, company, deal and task, as CSV)."
echo
echo "| query | crm search best / median (ms) | crm peak RSS (MB) | fzf --filter best / median (ms) | fzf peak RSS (MB) | fzf matches | crm ÷ fzf (best) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for q in $queries; do
    crm_t="" fzf_t="" crm_rss=0 fzf_rss=0
    for ((r = 1; r <= runs; r++)); do
        t0=$EPOCHREALTIME
        err=$(CRM_REPORT_PEAK_RSS=1 "$bin" --db "$db" search "$q" --limit 20 2>&1 >/dev/null || true)
        t1=$EPOCHREALTIME
        crm_t+=" $(ms "$t0" "$t1")"
        kb=$(sed -n 's/^crm: peak rss \([0-9]*\) kB$/\1/p' <<<"$err")
        ((${kb:-0} > crm_rss)) && crm_rss=$kb

        t0=$EPOCHREALTIME
        # (fzf may die of SIGPIPE once head has its 20 lines.)
        fzf --filter "$q" <"$file" | head -20 >/dev/null || true
        t1=$EPOCHREALTIME
        fzf_t+=" $(ms "$t0" "$t1")"
    done
    if [[ -n $gnu_time ]]; then
        fzf_rss=$($gnu_time -f %M fzf --filter "$q" <"$file" 2>&1 >/dev/null | tail -1 || true)
    fi
    matches=$( (fzf --filter "$q" <"$file" || true) | wc -l)
    crm_best=$(stats "$crm_t" | cut -d' ' -f1) fzf_best=$(stats "$fzf_t" | cut -d' ' -f1)
    printf '| %s | %s | %d | %s | %s | %d | %.2f |\n' "$q" "$(stats "$crm_t")" $((crm_rss / 1024)) "$(stats "$fzf_t")" \
        "$([[ -n $gnu_time ]] && echo $((fzf_rss / 1024)) || echo -)" "$matches" "$(awk -v a="$crm_best" -v b="$fzf_best" 'BEGIN { print a / b }')"
done
