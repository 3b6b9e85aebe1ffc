#!/bin/sh
# The slice, merge, redact and repair commands end to end, on the golden
# captures: exit statuses, what they print, and that `info` and `replay`
# read what they write. Usage: cli_sharing.sh EBPFREC DATA_DIR
set -eu
E=$1
D=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/ebpfrec-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
status() { set +e; "$@" >"$T/out" 2>"$T/err"; s=$?; set -e; echo $s; }

P=$D/v1.0-process.ebc
S=$D/v1.0-synthetic.ebc

# slice: the same events replay shows for the window and types
[ "$(status "$E" slice "$P" -o "$T/s.ebc" --type exec,exit --from 1ms)" = 0 ] || fail "slice: $(cat "$T/err")"
"$E" replay "$T/s.ebc" --time boot >"$T/a"
"$E" replay "$P" --type exec,exit --time boot | awk -v t0=2367188288336 '$1 >= t0' >"$T/b"
[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" || fail "slice: events differ from replay"
"$E" info "$T/s.ebc" | grep -q '^derived:    {"op":"slice","source":"3e00b6d1-78d6-4660-8379-3430ed4aab20"' ||
  fail "slice: info does not say where it came from"
# with a filter: what replay -f shows; a filter that matches nothing reads no segment
[ "$(status "$E" slice "$P" -o "$T/f.ebc" -f 'type = exec and ret < 0' --from 100us)" = 0 ] ||
  fail "slice -f: $(cat "$T/err")"
"$E" replay "$T/f.ebc" --time boot >"$T/a"
"$E" replay "$P" -f 'type = exec and ret < 0' --from 100us --time boot >"$T/b"
[ -s "$T/a" ] && cmp -s "$T/a" "$T/b" || fail "slice -f: events differ from replay -f"
"$E" info "$T/f.ebc" | grep -q '"filter":"type = exec and ret < 0"' || fail "slice -f: filter not recorded"
[ "$(status "$E" slice "$P" -o "$T/n.ebc" -f 'type = exec and type = fork')" = 0 ] &&
  grep -q 'wrote .*: 0 events; read 0 of 1 segments' "$T/err" || fail "slice: empty filter"
[ "$(status "$E" slice "$P" -o "$T/x.ebc" -f 'nosuchfield = 1')" = 2 ] || fail "slice: bad filter accepted"
[ "$(status "$E" slice "$P" -o "$T/s.ebc")" = 1 ] || fail "slice over an existing file"
grep -q "already exists" "$T/err" || fail "slice: no reason given"
[ "$(status "$E" slice "$P" -o "$T/x.ebc" --from 2s --to 1s)" = 2 ] || fail "slice: empty window accepted"
[ "$(status "$E" slice "$P" -o "$T/x.ebc" --type nosuch)" = 2 ] || fail "slice: unknown type accepted"
[ "$(status "$E" slice "$P")" = 2 ] || fail "slice without -o"
[ "$(status "$E" slice "$P" -o "$P" --force)" = 1 ] || fail "slice over its input"

# merge: the sources are listed, the counts add up
[ "$(status "$E" merge "$P" "$S" -o "$T/m.ebc")" = 0 ] || fail "merge: $(cat "$T/err")"
"$E" info "$T/m.ebc" >"$T/info"
grep -q '^sources:    3 merged captures' "$T/info" || fail "merge: sources not shown"
grep -q '^events:     42 in' "$T/info" || fail "merge: counts do not add up"
[ "$(status "$E" merge -o "$T/m2.ebc")" = 2 ] || fail "merge without inputs"

# redact: the paths are gone from what replay shows, the rest is there
[ "$(status "$E" redact "$P" -o "$T/r.ebc" --paths '/bin/*' --args --env)" = 0 ] || fail "redact: $(cat "$T/err")"
grep -q -- "--env: ebpfrec records no environment variables" "$T/err" || fail "redact: --env not explained"
"$E" replay "$T/r.ebc" >"$T/r.txt"
! grep -q '/bin/true\|/bin/echo\|golden' "$T/r.txt" || fail "redact: a redacted value is left"
[ "$(grep -c ' exec ' "$T/r.txt")" = 13 ] || fail "redact: events lost"
"$E" info "$T/r.ebc" | grep -q '"op":"redact"' || fail "redact: info does not say so"
[ "$(status "$E" redact "$P" -o "$T/r2.ebc")" = 2 ] || fail "redact with nothing to redact"

# repair: a cut copy is repaired into a capture that opens through its index
head -c 3000 "$S" >"$T/cut.ebc"
"$E" info "$T/cut.ebc" | grep -q '^status:     RECOVERED' || fail "the cut file is not incomplete"
[ "$(status "$E" repair "$T/cut.ebc" -o "$T/fixed.ebc")" = 0 ] || fail "repair: $(cat "$T/err")"
grep -q '^result:     wrote' "$T/out" || fail "repair: no report"
"$E" info "$T/fixed.ebc" | grep -q '^status:     complete' || fail "repair: result is not complete"
[ "$(status "$E" repair "$T/cut.ebc")" = 0 ] || fail "repair in place"
"$E" info "$T/cut.ebc" | grep -q '^status:     complete' || fail "repair in place: not complete"
[ "$(status "$E" repair "$T/cut.ebc")" = 0 ] && grep -q 'nothing to repair' "$T/out" ||
  fail "repair of a complete capture"
[ "$(status "$E" repair)" = 2 ] || fail "repair without a file"
echo "cli_sharing: 1 passed, 0 failed"
