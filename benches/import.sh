#!/usr/bin/env bash
# Importing contacts from CSV as a whole process: `crm import csv` into a new database, next to
# `sqlite3` importing the same file into a table with `.import` in the same run. Prints a
# markdown table (see docs/performance.md, "Import").
#
#   cargo build --release
#   benches/import.sh                          # 100k contacts, redb and sled
#   benches/import.sh --rows 10000 --runs 5    # quicker
#
# Options: --rows N contacts in the generated file (100000), --runs N runs per command (3; the best
# and median wall time and the median CPU time are reported), --engines "redb sled", --dir DIR for the file and the databases
# (/tmp). CRM_BIN overrides ./target/release/crm.
#
# The file is generated (deterministic): `First Name,Last Name,Company,Email,Phone,Job Title,
# City,Lead Source` with 2,000 distinct companies and no duplicate people, so crm creates and links companies,
# checks every row for duplicates, maps the headers and turns "Lead Source" into a custom field.
# sqlite3 gets a new database each run and imports the same file into a new table (every
# column as text, no index), both with output to /dev/null.
set -euo pipefail
export LC_NUMERIC=C LC_ALL=C.UTF-8
cd "$(dirname "$0")/.."

rows=100000 runs=3 engines="redb sled" dir=/tmp
while (($#)); do
    case $1 in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    -h | --help) sed -n "2,/^set -e/p" "$0" | sed "$ d"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
crm=${CRM_BIN:-./target/release/crm}
[[ -x $crm ]] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install -y sqlite3)" >&2; exit 1; }

work=$(mktemp -d "$dir/crm-import-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
file=$work/contacts.csv
awk -v n="$rows" 'BEGIN {
    split("Anna Jan Eva Kenji Leila Olek Marta Chloé Björn Zoë Ahmed Priya Lucas Sofia Mateo Yuki", first, " ")
    split("Müller Koch Ruiz Sato Haddad Shevchenko Nowak Lefèvre Svensson García Khan Patel Rossi Silva Tanaka Dubois", last, " ")
    split("Berlin Madrid Paris Tokyo Kyiv Warsaw Malmö Lisbon Rome Osaka Lyon Porto", city, " ")
    split("Buyer Director Founder CTO Manager Engineer", title, " ")
    split("Website Referral Fair Cold call", src, " ")
    print "First Name,Last Name,Company,Email,Phone,Job Title,City,Lead Source"
    # 2,000 companies; within each, every name is different (50 people per company at 100k)
    for (i = 0; i < n; i++) {
        c = i % 2000; k = int(i / 2000)
        f = first[k % 16 + 1]; l = last[int(k / 16) % 16 + 1]
        printf "%s,%s,Company %d Ltd,%s.%s.%d@example%d.com,+49 30 %07d,%s,%s,%s\n", f, l, c, tolower(f), tolower(l), i, c, i, title[i % 6 + 1], city[i % 12 + 1], src[i % 4 + 1]
    }
}' > "$file"
size=$(du -h "$file" | cut -f1)

# best and median wall time of N runs of a command, and the median CPU time (user + system), in
# seconds: on a shared machine the wall time moves with the load, the CPU time much less.
measure() {
    local walls=() cpus=() t
    for ((r = 0; r < runs; r++)); do
        "$@" prepare
        t=$({ TIMEFORMAT='%R %U %S'; time "$@" run >/dev/null 2>&1; } 2>&1)
        read -r wall user sys <<<"$t"
        walls+=("$wall")
        cpus+=("$(echo "$user + $sys" | bc)")
    done
    local w c
    w=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f %.2f", a[1], a[int((NR + 1) / 2)] }')
    c=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }')
    echo "$w $c"
}

ratio() { # a b: a / b as "N.N×", or "–" when b rounds to zero
    if [[ $(echo "$2 > 0" | bc) == 1 ]]; then echo "$(echo "scale=1; $1 / $2" | bc)×"; else echo "–"; fi
}

crm_run() { # engine phase
    local db=$work/db-$1
    case $2 in
    prepare) rm -rf "$db" "$file.import-report.csv" ;;
    run) CRM_DB=$db CRM_ENGINE=$1 CRM_CONFIG=$work/none.toml "$crm" import csv "$file" ;;
    esac
}
sqlite_run() { # phase
    case $1 in
    prepare) rm -f "$work/sqlite.db" ;;
    run) sqlite3 "$work/sqlite.db" ".import --csv $file contacts" ;;
    esac
}

echo "Importing $rows contacts from a $size CSV file ($runs runs; wall best / median and CPU median, seconds;"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)):"
echo
echo "| command | wall best | wall median | CPU median | vs sqlite3 (wall median) | vs sqlite3 (CPU) |"
echo "|---|---|---|---|---|---|"
read -r sb sm sc < <(measure sqlite_run)
echo "| \`sqlite3 db \".import --csv FILE contacts\"\` | $sb | $sm | $sc | 1.0× | 1.0× |"
for e in $engines; do
    read -r b m c < <(measure crm_run "$e")
    echo "| \`crm import csv FILE\` ($e) | $b | $m | $c | $(ratio "$m" "$sm") | $(ratio "$c" "$sc") |"
done
echo
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
n=$(CRM_DB=$work/db-${engines%% *} CRM_CONFIG=$work/none.toml "$crm" contact list -q | wc -l)
echo
echo "(the crm database holds $n contacts after the import)"
