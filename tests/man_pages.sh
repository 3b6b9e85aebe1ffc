#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Every command in ebpfrec's command table has a man page, every page a
# command; each has EXAMPLES and EXIT STATUS; and, where man(1) is installed,
# each renders without a single warning. Every long option a command's
# --help offers is described on its page, and ebpfrec(1) names every page:
# both are written by hand and must not drift apart.
# usage: man_pages.sh EBPFREC MANDIR
set -u
ebpfrec=$1
mandir=$2
fail=0

# the command table, as `ebpfrec --help` prints it: "commands:" up to a blank line
commands=$("$ebpfrec" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
if [ -z "$commands" ]; then
	echo "no commands found in \`$ebpfrec --help\`"
	exit 1
fi

pages="$mandir/ebpfrec.1"
for c in $commands; do
	page="$mandir/ebpfrec-$c.1"
	if [ ! -f "$page" ]; then
		echo "missing man page for \`ebpfrec $c\`: $page"
		fail=1
		continue
	fi
	pages="$pages $page"
done

for page in "$mandir"/ebpfrec-*.1; do
	name=$(basename "$page" .1)
	name=${name#ebpfrec-}
	if ! echo "$commands" | grep -qx "$name"; then
		echo "$page: no command '$name' in the command table"
		fail=1
	fi
done

for page in $pages; do
	[ -f "$page" ] || { echo "missing $page"; fail=1; continue; }
	for section in 'NAME' 'SYNOPSIS' 'DESCRIPTION' 'EXAMPLES' 'EXIT STATUS'; do
		if ! grep -Eq "^\.SH \"?$section\"?\$" "$page"; then
			echo "$page: no $section section"
			fail=1
		fi
	done
done

for c in $commands; do
	page="$mandir/ebpfrec-$c.1"
	[ -f "$page" ] || continue
	for o in $("$ebpfrec" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g') # roff spells a hyphen \-
		if ! grep -q -- "$esc" "$page" && ! grep -q -- "$o" "$page"; then
			echo "$page: $o is in \`ebpfrec $c --help\` but not on the page"
			fail=1
		fi
	done
	if ! grep -q "ebpfrec\\\\-$c" "$mandir/ebpfrec.1"; then
		echo "$mandir/ebpfrec.1: does not name ebpfrec-$c(1)"
		fail=1
	fi
done

if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
	for page in $pages; do
		[ -f "$page" ] || continue
		out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null)
		if [ -n "$out" ]; then
			echo "$page: warnings from man:"
			echo "$out"
			fail=1
		fi
	done
else
	echo "man or groff not installed: rendering not checked"
fi

[ "$fail" = 0 ] && echo "man pages: $(echo $pages | wc -w) pages for $(echo $commands | wc -w) commands, all present and clean"
exit $fail
