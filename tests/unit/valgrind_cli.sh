#!/bin/sh
# The reading commands under valgrind: no invalid read or write, no use of
# uninitialised memory, no definite or indirect leak, on real captures (a
# recording of every family, the golden process capture), a capture cut
# before its index (the recovery scan) and one with flipped bytes.
# Usage: valgrind_cli.sh EBPFREC DATA_DIR SEEDS_DIR
set -eu
E=$1
D=$2
S=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/ebpfrec-vg-XXXXXX")
trap 'rm -rf "$T"' EXIT
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
vg() {
  echo >>"$T/runs" # vg runs in $(...): a subshell cannot count in a variable
  # status 99: valgrind found an error; anything else is the command's own
  set +e
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --log-file="$T/vg.log" "$E" "$@" >/dev/null 2>"$T/err"
  s=$?
  set -e
  if [ $s = 99 ] || [ -s "$T/vg.log" ]; then
    echo "FAIL: valgrind: ebpfrec $*"
    cat "$T/vg.log"
    exit 1
  fi
  echo "$s"
}
cp "$S/all-families" "$T/all.ebc"
head -c $(( $(wc -c <"$S/all-families") - 100 )) "$S/all-families" >"$T/cut.ebc"
# bytes flipped in the segment data and metadata, at fixed places
cp "$S/all-families" "$T/flip.ebc"
printf '\377\377\377\377' | dd of="$T/flip.ebc" bs=1 seek=3000 conv=notrunc 2>/dev/null
printf '\377\377\377\377' | dd of="$T/flip.ebc" bs=1 seek=9000 conv=notrunc 2>/dev/null
for f in "$T/all.ebc" "$D/v1.0-process.ebc" "$T/cut.ebc" "$T/flip.ebc"; do
  [ "$(vg info "$f")" -le 1 ] || { echo "FAIL: info $f: $(cat "$T/err")"; exit 1; }
  [ "$(vg replay "$f")" = 0 ] || { echo "FAIL: replay $f: $(cat "$T/err")"; exit 1; }
  [ "$(vg replay "$f" --output json -f 'type in (exec, open, syscall) and pid > 1')" = 0 ] ||
    { echo "FAIL: replay -f $f"; exit 1; }
  [ "$(vg top "$f")" = 0 ] || { echo "FAIL: top $f: $(cat "$T/err")"; exit 1; }
  rm -f "$T/out.ebc"
  [ "$(vg repair "$f" -o "$T/out.ebc")" = 0 ] || { echo "FAIL: repair $f: $(cat "$T/err")"; exit 1; }
done
f=$T/all.ebc
rm -f "$T/s.ebc" "$T/r.ebc" "$T/m.ebc"
[ "$(vg slice "$f" -o "$T/s.ebc" --from 500us --type open,read,exec)" = 0 ] || { echo "FAIL: slice"; exit 1; }
[ "$(vg redact "$f" -o "$T/r.ebc" --args --addresses --paths '/usr/*')" = 0 ] || { echo "FAIL: redact"; exit 1; }
[ "$(vg merge "$f" "$D/v1.0-process.ebc" -o "$T/m.ebc")" = 0 ] || { echo "FAIL: merge"; exit 1; }
[ "$(vg replay "$T/m.ebc" --time wall)" = 0 ] || { echo "FAIL: replay merged"; exit 1; }
[ "$(vg export "$f" --chrome-trace "$T/t.json")" = 0 ] || { echo "FAIL: export --chrome-trace"; exit 1; }
[ "$(vg query "$f" "SELECT comm, count(*) FROM events GROUP BY 1")" = 0 ] || { echo "FAIL: query: $(cat "$T/err")"; exit 1; }
[ "$(vg export "$f" --sqlite "$T/o.db")" = 0 ] || { echo "FAIL: export --sqlite: $(cat "$T/err")"; exit 1; }
rm -f "$T/c.ebc"
[ "$(vg slice "$f" -o "$T/c.ebc" --compact)" = 0 ] || { echo "FAIL: slice --compact"; exit 1; }
[ "$(vg replay "$T/c.ebc")" = 0 ] || { echo "FAIL: replay of a compact capture"; exit 1; }
[ "$(vg report "$f" -o "$T/r.html")" = 0 ] || { echo "FAIL: report"; exit 1; }
echo "valgrind: $(wc -l <"$T/runs") commands, no errors, no leaks"
