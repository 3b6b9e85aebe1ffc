#!/bin/sh
# The HTML report in a real headless Chromium: every chart drawn, no console
# message (errors included), nothing fetched, hostile names inert. Keeps a
# screenshot and the page in ARTIFACTS. Exit 77 (skipped) without Chromium.
# usage: test_report_browser.sh EBPFREC MAKE_CAPTURE ARTIFACTS
set -u
ebpfrec=$1 make_capture=$2 artifacts=$3

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
  echo "SKIP: no chromium on PATH (scripts/install-deps installs it: apt-get install chromium)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ebpfrec-browser-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$artifacts"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Chromium with nothing to talk to: every host name fails to resolve, so a page that
# tried to fetch anything would log a console error
run_browser() { # PAGE EXTRA-ARGS... ; stdout: DOM (when --dump-dom), $tmp/log: stderr
  page=$1; shift
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$(mktemp -d "$tmp/profile-XXXXXX")" \
    --enable-logging=stderr --v=0 "$@" "file://$page" 2>"$tmp/log"
}

check_page() { # NAME CAPTURE-KIND EXPECTED-OK-CHARTS
  name=$1 kind=$2 want_ok=$3
  html="$tmp/$name.html"
  "$make_capture" "$kind" "$tmp/$name.ebc" || { fail "$name: cannot make the capture"; return; }
  "$ebpfrec" report "$tmp/$name.ebc" -o "$html" 2>"$tmp/report.err" || {
    fail "$name: ebpfrec report failed: $(cat "$tmp/report.err")"; return; }
  # self-contained: no element loads anything, no stylesheet imports
  if grep -Eiq '<(script|img|link|iframe)[^>]* (src|href)=|@import|url\(' "$html"; then
    fail "$name: the page references outside resources"
  fi
  run_browser "$html" --dump-dom >"$tmp/$name.dom" || { fail "$name: chromium failed: $(tail -5 "$tmp/log")"; return; }
  if grep -q ':CONSOLE' "$tmp/log"; then
    fail "$name: console output:"; grep ':CONSOLE' "$tmp/log"
  fi
  grep -q 'data-report-status="ok"' "$tmp/$name.dom" || fail "$name: the page did not finish (data-report-status is not ok)"
  # attributes of the chart elements themselves (the script's text mentions them too)
  charts=$(grep -o 'class="chart" data-chart="[^"]*"' "$tmp/$name.dom" | wc -l)
  ok=$(grep -o 'data-chart="[^"]*" data-rendered="ok"' "$tmp/$name.dom" | wc -l)
  emptyc=$(grep -o 'data-chart="[^"]*" data-rendered="empty"' "$tmp/$name.dom" | wc -l)
  [ "$charts" -eq 9 ] || fail "$name: $charts charts in the page, expected 9"
  [ "$ok" -eq "$want_ok" ] || fail "$name: $ok charts drawn with data, expected $want_ok"
  [ $((ok + emptyc)) -eq "$charts" ] || fail "$name: $((charts - ok - emptyc)) charts not rendered"
  echo "$name: $charts charts, $ok with data, $emptyc empty"
}

# every chart has data
check_page demo demo 9
grep -q '<svg' "$tmp/demo.dom" || fail "demo: no SVG in the page"
grep -q 'data-hist="read"' "$tmp/demo.dom" || fail "demo: no latency histogram for read"
grep -q '10.0.0.5:5432' "$tmp/demo.dom" || fail "demo: peer 10.0.0.5:5432 missing"
grep -q '/var/log/nginx/access.log' "$tmp/demo.dom" || fail "demo: file missing"
grep -q '5 attached, 1 failed' "$tmp/demo.dom" || fail "demo: probe status missing"
grep -q 'redact: {&quot;args&quot;:true,&quot;env&quot;:true}\|redact: {"args":true,"env":true}' "$tmp/demo.dom" ||
  fail "demo: the redaction settings are not shown"
# the charts a capture of process events alone cannot fill say so instead
check_page sparse sparse 3
# a capture without events still makes a whole page
check_page empty empty 1
# names are text, never markup or script
check_page hostile hostile 8
if grep -q '<img' "$tmp/hostile.dom"; then fail "hostile: a file name became an element"; fi
grep -q 'pwned' "$tmp/log" && fail "hostile: injected script ran"
grep -q '&lt;/script&gt;&lt;img src=x' "$tmp/hostile.dom" || fail "hostile: the file name is not shown as text"

# the screenshot and page to look at
cp "$tmp/demo.html" "$artifacts/report.html"
run_browser "$artifacts/report.html" --window-size=1400,3300 --hide-scrollbars \
  --screenshot="$artifacts/report-screenshot.png" >/dev/null
if [ -s "$artifacts/report-screenshot.png" ]; then
  echo "screenshot: $artifacts/report-screenshot.png"
  echo "page: $artifacts/report.html"
else
  fail "no screenshot written"
fi
[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "ok"
