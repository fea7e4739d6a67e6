#!/usr/bin/env bash
# tests/readme/walkthrough.sh [BUILD] - replay the README's 2-node console
# session literally and compare its output, line by line, with the README.
# Lines of the ```console block starting with "# " are commands (run as
# root, one after the other, with a short pause so the background job's
# line lands where the README shows it); every other line is output.
# Exit 0 = identical, 1 = the README drifted, 77 = skipped (said why).
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the walkthrough runs as root"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"
command -v fusermount3 >/dev/null || skip "fusermount3 is missing"
command -v python3 >/dev/null || skip "python3 is missing (apt-get install python3)"
[ -x "$BUILD/dlmfs-fuse" ] || { echo "walkthrough: $BUILD/dlmfs-fuse is not built" >&2; exit 1; }

TMP=$(mktemp -d /tmp/dlmfs-readme.XXXXXX)
cleanup() {
	for m in "$TMP"/cluster/n*; do
		grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# the first console block after the "2-node cluster" heading
awk '/^## A 2-node cluster/ { sec = 1 }
     sec && /^```console/ { inb = 1; next }
     inb && /^```/ { exit }
     inb { print }' README.md | sed "s#/tmp/cluster#$TMP/cluster#g; s#build/dlmfs-fuse#$BUILD/dlmfs-fuse#g" \
	>"$TMP/block"
[ -s "$TMP/block" ] || { echo "walkthrough: no console block in README.md" >&2; exit 1; }

{
	echo 'set -u'
	sed -n 's/^# //p' "$TMP/block" | while IFS= read -r cmd; do
		printf '%s\nsleep 0.5\n' "$cmd"
	done
	echo 'wait'
} >"$TMP/script"
grep -v '^# ' "$TMP/block" >"$TMP/want"

# a fresh bash so `exec 3<>` and the background job behave as typed
timeout 60 bash "$TMP/script" >"$TMP/got" 2>&1
rc=$?
if ! diff -u "$TMP/want" "$TMP/got"; then
	echo "walkthrough: README.md's console session no longer matches (exit $rc; - README, + got)"
	exit 1
fi
echo "walkthrough: README.md's 2-node session reproduced ($(wc -l <"$TMP/want") output lines)"
