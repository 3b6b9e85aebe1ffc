#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `ebpfrec query` and `ebpfrec export` from the command line, on fixture captures:
# answers equal `replay --output json`, exit statuses, --assert, the exported .db
# in the stock sqlite3 shell (skipped, and said so, when the shell is missing).
# usage: test_query_cli.sh EBPFREC MAKE_FIXTURE
set -u
EBPFREC=$1
MAKE_FIXTURE=$2
TMP=$(mktemp -d /tmp/ebr-query-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', want '$3'"
	else
		echo "ok: $1"
	fi
}

# expect_status WHAT WANT CMD...
expect_status() {
	local what=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" != "$want" ]; then
		fail "$what: exit $got, want $want; stderr: $(cat "$TMP/err")"
	else
		echo "ok: $what (exit $got)"
	fi
}

"$MAKE_FIXTURE" "$TMP/a.ebc" 5 12 200 alpha custom shuffle || exit 1
"$MAKE_FIXTURE" "$TMP/b.ebc" 6 4 100 beta || exit 1

# --- answers equal replay --output json, per type: count and sum(pid)
"$EBPFREC" replay "$TMP/a.ebc" --output json >"$TMP/replay.jsonl" || fail "replay"
for t in exec fork exit connect widget; do
	want=$(awk -v t="$t" '
		index($0, "\"type\":\"" t "\"") {
			n++
			match($0, /"pid":[0-9]+/)
			s += substr($0, RSTART + 6, RLENGTH - 6)
		}
		END { printf "%d,%d", n, s }' "$TMP/replay.jsonl")
	got=$("$EBPFREC" query "$TMP/a.ebc" "SELECT count(*), sum(pid) FROM $t" -f csv | tail -n 1)
	expect_eq "count,sum(pid) of $t vs replay json" "$got" "$want"
	got=$("$EBPFREC" query "$TMP/a.ebc" "SELECT count(*), sum(pid) FROM events WHERE type = '$t'" -f csv |
		tail -n 1)
	expect_eq "events WHERE type=$t vs replay json" "$got" "$want"
done
want=$(awk 'index($0, "\"type\":\"exit\"") { match($0, /"exit_code":-?[0-9]+/); s += substr($0, RSTART + 12, RLENGTH - 12) }
	END { print s + 0 }' "$TMP/replay.jsonl")
got=$("$EBPFREC" query "$TMP/a.ebc" "SELECT sum(exit_code) FROM exits" -f csv | tail -n 1)
expect_eq "sum(exit_code) vs replay json" "$got" "$want"
want=$(wc -l <"$TMP/replay.jsonl" | tr -d ' ')
got=$("$EBPFREC" query "$TMP/a.ebc" "SELECT count(*) FROM events" -f csv | tail -n 1)
expect_eq "count(*) events vs replay json" "$got" "$want"
got=$("$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM events" -f jsonl | wc -l | tr -d ' ')
expect_eq "jsonl rows" "$got" "$want"

# --- SQL from stdin, -e, -o, several statements
got=$(echo "SELECT 40 + 2 AS x;" | "$EBPFREC" query "$TMP/a.ebc" -f csv)
expect_eq "SQL from stdin" "$got" "$(printf 'x\n42')"
got=$("$EBPFREC" query "$TMP/a.ebc" -e "SELECT 1 AS a; SELECT 2 AS b" -f csv)
expect_eq "two statements" "$got" "$(printf 'a\n1\n\nb\n2')"
"$EBPFREC" query "$TMP/a.ebc" "SELECT 7 AS n" -f json -o "$TMP/o.json"
expect_eq "-o FILE json" "$(cat "$TMP/o.json")" "$(printf '[\n{"n":7}\n]')"

# --- several captures
got=$("$EBPFREC" query "$TMP/a.ebc" "$TMP/b.ebc" "SELECT host, count(*) FROM events GROUP BY host ORDER BY host" -f csv |
	tail -n +2 | tr '\n' ' ')
expect_eq "two captures by host" "$got" "alpha,2400 beta,400 "

# --- errors: SQLite's message and a non-zero status, never a crash
expect_status "syntax error" 1 "$EBPFREC" query "$TMP/a.ebc" "SELEC * FROM events"
grep -q 'near "SELEC": syntax error' "$TMP/err" || fail "syntax error message: $(cat "$TMP/err")"
expect_status "unknown table" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM nope"
grep -q 'no such table: nope' "$TMP/err" || fail "unknown table message"
expect_status "runtime error" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT abs(-9223372036854775807 - 1 + pid - pid) FROM events"
grep -q 'integer overflow' "$TMP/err" || fail "runtime error message"
expect_status "incomplete SQL" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT 1; SELECT * FROM"
expect_status "bad format" 2 "$EBPFREC" query "$TMP/a.ebc" "SELECT 1" -f xml
expect_status "not a capture" 1 "$EBPFREC" query "$TMP/replay.jsonl" "SELECT 1"
expect_status "missing file" 2 "$EBPFREC" query "$TMP/none.ebc" "$TMP/a.ebc" "SELECT 1"
expect_status "--help" 0 "$EBPFREC" query --help

# --- CI assertions
expect_status "assert empty holds" 0 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM exits WHERE signal = 99" --assert empty
expect_status "assert empty fails" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM exits WHERE core_dumped" --assert empty -q
grep -q "assertion 'empty' failed" "$TMP/err" || fail "assert message: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "-q printed rows"
expect_status "assert nonempty" 0 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM execs LIMIT 1" --assert nonempty -q
expect_status "assert true holds" 0 "$EBPFREC" query "$TMP/a.ebc" "SELECT count(*) > 0 FROM exits" --assert true
expect_status "assert true fails" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT count(*) = 0 FROM exits" --assert true
expect_status "assert rows==" 0 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM capture" --assert 'rows==1' -q
expect_status "assert rows>" 1 "$EBPFREC" query "$TMP/a.ebc" "SELECT * FROM capture" --assert 'rows>1' -q
expect_status "assert bad" 2 "$EBPFREC" query "$TMP/a.ebc" "SELECT 1" --assert 'cols>1'

# --- --schema
"$EBPFREC" query "$TMP/a.ebc" --schema -f csv >"$TMP/schema.csv" || fail "--schema"
grep -q '^widget,addr,TEXT,' "$TMP/schema.csv" || fail "--schema lists widget.addr"
grep -q '^processes,upid,INTEGER,' "$TMP/schema.csv" || fail "--schema lists processes.upid"

# --- --stats shows segments read for a narrow window
t0=$("$EBPFREC" query "$TMP/a.ebc" "SELECT first_ts FROM segments WHERE seq = 5" -f csv | tail -n 1)
t1=$("$EBPFREC" query "$TMP/a.ebc" "SELECT last_ts FROM segments WHERE seq = 5" -f csv | tail -n 1)
"$EBPFREC" query "$TMP/a.ebc" "SELECT count(*) FROM events WHERE ts >= $t0 AND ts <= $t1" --stats -f csv \
	>"$TMP/out" 2>"$TMP/err"
expect_eq "window count" "$(tail -n 1 "$TMP/out")" "200"
grep -q "segments read 1 of 12" "$TMP/err" || fail "--stats segments: $(cat "$TMP/err")"

# --- export: sqlite, csv, jsonl
expect_status "export sqlite" 0 "$EBPFREC" export "$TMP/a.ebc" "$TMP/b.ebc" --sqlite "$TMP/ab.db"
expect_status "export refuses to overwrite" 1 "$EBPFREC" export "$TMP/a.ebc" --sqlite "$TMP/ab.db"
expect_status "export csv" 0 "$EBPFREC" export "$TMP/a.ebc" --csv "$TMP/csv"
[ -f "$TMP/csv/exec.csv" ] && [ -f "$TMP/csv/processes.csv" ] || fail "csv files"
got=$(($(wc -l <"$TMP/csv/events.csv") - 1))
expect_eq "events.csv rows" "$got" "2400"
"$EBPFREC" export "$TMP/a.ebc" --jsonl - >"$TMP/all.jsonl" || fail "export --jsonl -"
expect_eq "jsonl stream rows" "$(wc -l <"$TMP/all.jsonl" | tr -d ' ')" "2400"
grep -q '"addr":"10.1.2.3"' "$TMP/all.jsonl" || fail "jsonl stream has type columns"

# --- materialize: same answers, cache reused
Q="SELECT type, count(*), sum(pid), min(time) FROM events GROUP BY type ORDER BY type"
a=$("$EBPFREC" query "$TMP/a.ebc" "$Q" -f csv)
b=$("$EBPFREC" query "$TMP/a.ebc" "$Q" -f csv --materialize --cache-dir "$TMP/cache" --stats 2>"$TMP/err")
expect_eq "--materialize answers" "$b" "$a"
grep -q "materialized into" "$TMP/err" || fail "first --materialize builds: $(cat "$TMP/err")"
"$EBPFREC" query "$TMP/a.ebc" "$Q" -f csv --materialize --cache-dir "$TMP/cache" --stats >/dev/null 2>"$TMP/err"
grep -q "using cache" "$TMP/err" || fail "second --materialize reuses: $(cat "$TMP/err")"

# --- the exported .db in the stock sqlite3 shell gives the same answers
# (text that is not plain ASCII goes through hex(): the shell quotes such CSV fields, we need not)
if command -v sqlite3 >/dev/null 2>&1; then
	for q in \
		"SELECT type, count(*), sum(pid) FROM events GROUP BY type ORDER BY type" \
		"SELECT host, count(*), min(time), max(time) FROM events GROUP BY host ORDER BY host" \
		"SELECT pid, comm, signal_name, core_dumped FROM exits WHERE signal != 0 ORDER BY ts" \
		"SELECT count(*), sum(length(args)) FROM execs WHERE filename LIKE '/usr/%'" \
		"SELECT saddr, dport, errno, count(*) FROM net GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" \
		"SELECT addr, hex(name), tags, hex(blob), big FROM widget ORDER BY ts LIMIT 5" \
		"SELECT upid, pid, parent_upid, hex(exe), hex(cmdline), end_ts FROM processes ORDER BY upid LIMIT 50" \
		"SELECT reason, sum(count) FROM drops GROUP BY 1 ORDER BY 1"; do
		want=$("$EBPFREC" query "$TMP/a.ebc" "$TMP/b.ebc" "$q" -f csv | tail -n +2)
		got=$(sqlite3 -csv "$TMP/ab.db" "$q")
		expect_eq "sqlite3 shell: $q" "$got" "$want"
	done
	got=$(sqlite3 "$TMP/ab.db" "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'process_rows' ORDER BY name)")
	expect_eq "indexes" "$got" "process_rows_pid,process_rows_ts,process_rows_type"
else
	echo "SKIP: the sqlite3 shell is not installed (apt install sqlite3); the exported .db was checked through the SQLite library in test_sql only"
fi

# --- a capture merged with itself: each source keeps its own processes, though their pids are the same
"$EBPFREC" merge "$TMP/b.ebc" "$TMP/b.ebc" -o "$TMP/bb.ebc" 2>/dev/null || fail "merge b.ebc twice"
pq="SELECT count(*), sum(parent_upid IS NOT NULL), sum(end_ts IS NOT NULL), sum(execs) FROM processes"
one=$("$EBPFREC" query "$TMP/b.ebc" "$pq" -f csv | tail -1)
two=$("$EBPFREC" query "$TMP/bb.ebc" "$pq" -f csv | tail -1)
expect_eq "processes of a merged capture: twice one source's" "$two" \
	"$(echo "$one" | awk -F, '{ printf "%d,%d,%d,%d", 2 * $1, 2 * $2, 2 * $3, 2 * $4 }')"

# --- a reader that goes away (| head) ends the query quietly, as it would any command's output
"$EBPFREC" query "$TMP/a.ebc" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT x FROM c" -f csv 2>"$TMP/pipe.err" | head -1 >/dev/null
status=$(printf '%s' "${PIPESTATUS[0]}")
expect_eq "query | head: exit status" "$status" "0"
expect_eq "query | head: nothing on stderr" "$(cat "$TMP/pipe.err")" ""

if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS failure(s)" >&2
	exit 1
fi
echo "all passed"
