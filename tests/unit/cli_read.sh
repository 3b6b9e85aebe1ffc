#!/bin/sh
# The reading commands end to end, with their error paths: top, export --chrome-trace,
# report, replay (paced, several files, filters), info, and the refusals of
# slice, merge, redact and repair. Exact statuses, and what each prints for a
# real recording of every family (tests/fuzz/seeds/reader/all-families: 463
# events) and the golden captures.
# Usage: cli_read.sh EBPFREC DATA_DIR SEEDS_DIR
set -eu
E=$1
D=$2
A=$3/all-families
P=$D/v1.0-process.ebc
Y=$D/v1.0-synthetic.ebc
T=$(mktemp -d "${TMPDIR:-/tmp}/ebpfrec-read-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS TEXT ARGS...: ebpfrec ARGS exits with STATUS and prints TEXT (stdout or stderr; "" for any)
expect() {
  want=$1 text=$2
  shift 2
  n=$((n + 1))
  set +e
  "$E" "$@" >"$T/out" 2>"$T/err"
  s=$?
  set -e
  [ "$s" = "$want" ] || fail "ebpfrec $*: status $s, not $want: $(head -3 "$T/err")"
  [ -z "$text" ] || grep -qF -- "$text" "$T/out" "$T/err" || fail "ebpfrec $*: no '$text' in: $(head -5 "$T/out" "$T/err")"
}

# top: the tables, and every way of narrowing them
expect 0 "463 events over 0.002 s" top "$A"
grep -q '^     20117  sh                        277           66      426.81 us$' "$T/out" || fail "top: the sh row"
grep -q '^  execve                          2          0      393.98 us    196.99 us    320.38 us$' "$T/out" ||
  fail "top: the execve row"
expect 0 "@usecs[execve]:" top "$A" -n 2 --hist 1
expect 0 "@nsecs[execve]:" top "$A" --hist-only --nsecs --hist 1
grep -q 'processes by events' "$T/out" && fail "top --hist-only printed tables"
expect 0 "100 events over" top "$A" --type syscall,read -n 1 --hist 0
expect 0 "(none: no tcp_close or udp events)" top "$A" --from 1ms --to 2ms
expect 0 "" top "$P"
expect 2 "'nosuch' is neither an event type nor a family" top "$A" --type nosuch
expect 2 "--from 2ms is not before --to 1ms" top "$A" --from 2ms --to 1ms
expect 2 "invalid --from 'x'" top "$A" --from x
expect 2 "invalid value '0' for -n" top "$A" -n 0
expect 2 "usage: ebpfrec top" top
expect 1 "cannot open /nonexistent" top /nonexistent

# export --chrome-trace
expect 2 "usage: ebpfrec export" export "$A"
expect 0 "463 events in: 130 slices, 333 instants, 0 connections" export "$A" --chrome-trace "$T/t.json"
grep -q '"traceEvents"' "$T/t.json" || fail "trace-export: no traceEvents"
expect 0 '"displayTimeUnit":"ns"' export "$A" --chrome-trace - --no-counters -q --type process
[ -s "$T/err" ] && fail "trace-export -q wrote to stderr: $(cat "$T/err")"
expect 0 "22 counter samples" export "$A" --chrome-trace "$T/t2.json" --bucket 100us --from 1ms --to 2ms
expect 1 "exists; use --force to replace it" export "$A" --chrome-trace "$T/t.json"
expect 0 "" export "$A" --chrome-trace "$T/t.json" --force -q
ln -s "$T/elsewhere" "$T/link.json"
expect 1 "is not a regular file (a symbolic link)" export "$A" --chrome-trace "$T/link.json" --force
[ -e "$T/elsewhere" ] && fail "export --chrome-trace wrote through a symbolic link"
ls "$T" | grep -q tmp- && fail "export --chrome-trace left a temporary file"
expect 2 "invalid --bucket 'xx'" export "$A" --chrome-trace "$T/t3.json" --bucket xx
expect 2 "is neither an event type nor a family" export "$A" --chrome-trace "$T/t3.json" --type bogus

# report
expect 2 "say where to write: -o REPORT.html" report "$A"
expect 0 "wrote $T/r.html" report "$A" -o "$T/r.html" -n 3 --hist 2 --from 0.5ms
grep -q '<html' "$T/r.html" || fail "report: not HTML"
expect 0 "<!DOCTYPE html>" report "$A" -o - --type network
expect 2 "invalid value '0' for -n: 1 to 1000" report "$A" -o "$T/r2.html" -n 0
expect 2 "'bogus' is neither an event type nor a family" report "$A" -o "$T/r2.html" --type bogus

# replay: paced, several captures in wall-clock order, and refusals
expect 0 "filename=/root/.cargo/bin/sh" replay "$P" --pace -n 3
[ "$(wc -l <"$T/out")" = 3 ] || fail "replay --pace -n 3"
expect 0 "2026-11-26T23:16:50.659280150Z" replay "$P" --speed 1000 --time wall -n 2
expect 0 "2367187288336 cpu0" replay "$P" "$A" --time boot
[ "$(wc -l <"$T/out")" = 483 ] || fail "replay of two captures: $(wc -l <"$T/out") events, not 20 + 463"
expect 0 "" replay "$P" "$A" --speed 100000 --rebase -n 5
[ "$(wc -l <"$T/out")" = 5 ] || fail "replay --speed --rebase -n 5"
expect 0 "nr=read" replay "$A" --namespace 4026531836 -n 1
expect 0 "" replay "$A" --from 1s
[ -s "$T/out" ] && fail "replay --from past the end printed events"
expect 2 "invalid value '0' for --speed" replay "$P" --speed 0
expect 2 "invalid value 'never' for --time" replay "$P" --time never
expect 2 "--rebase needs --pace or --speed" replay "$P" --rebase
expect 2 "expected a value after '>'" replay "$A" -f 'pid >'
expect 2 "--pid: 'abc' is not a process id" replay "$A" --pid abc
expect 2 "unknown severity 'nope'" replay "$A" --min-severity nope
expect 2 "unknown container 'x'; known containers: none" replay "$A" --container x
expect 1 "not an ebpfrec capture, or its header is damaged" replay /etc/hostname

# info
expect 0 "events:     463 in 1 segments" info "$A"
expect 0 "host:       host-a,host-b" info "$Y"
expect 2 "usage: ebpfrec info" info
expect 2 "usage: ebpfrec info" info "$A" "$P"
expect 1 "not an ebpfrec capture" info /etc/passwd

# the sharing commands: their refusals (cli_sharing.sh runs their successes)
expect 2 "give the output capture with -o OUT" redact "$A"
expect 2 "--mode is hash or remove, not 'bogus'" redact "$A" -o "$T/a.ebc" --mode bogus
expect 2 "nothing to redact" redact "$A" -o "$T/a.ebc"
expect 0 "replaced 67 arguments" redact "$A" -o "$T/a.ebc" --args --mode remove
expect 1 "already exists (use --force to replace it)" redact "$A" -o "$T/a.ebc" --args
expect 2 "give the output capture with -o OUT" merge "$A" "$P"
expect 0 "483 events from 2 sources" merge "$A" "$P" -o "$T/m.ebc"
expect 0 "sources:" info "$T/m.ebc"
expect 1 "cannot open /nonexistent" merge "$A" /nonexistent -o "$T/m2.ebc"
expect 2 "give the output capture with -o OUT" slice "$A"
expect 2 "unknown field 'bad'" slice "$A" -o "$T/s.ebc" -f 'bad ==='
expect 2 "the window is empty: --from must be before --to" slice "$A" -o "$T/s.ebc" --from 5ms --to 1ms
expect 2 "unknown event type 'nosuch'" slice "$A" -o "$T/s.ebc" --type nosuch
expect 2 "usage: ebpfrec repair" repair
expect 0 "complete (its index is valid and every segment verifies)" repair "$A" --dry-run
expect 1 "is the input capture; write to another file" repair "$A" -o "$A"
expect 1 "No such file or directory" repair "$T/nonexistent"
echo "cli_read: $n commands as expected"
