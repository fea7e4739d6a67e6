#!/bin/sh
# tmpfs-fails.sh - dlmfs-conform against two tmpfs directories (not a dlmfs)
# must fail cleanly: non-zero exit, failures counted, a file:line reason for
# every failure, nothing left behind, and a bounded runtime (never a hang).
# Usage: tests/conformance/tmpfs-fails.sh [BUILD_DIR]   (default: build)
set -u
build=${1:-${BUILD:-build}}
conform=$build/dlmfs-conform
limit=${CONF_TMPFS_LIMIT:-300}		# seconds; the corpus takes ~40 s
[ -x "$conform" ] || { echo "tmpfs-fails: $conform not built" >&2; exit 2; }

base=/dev/shm
[ "$(stat -f -c %T $base 2>/dev/null)" = tmpfs ] && [ -w $base ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/dlmfs-tmpfs-fails.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/n1" "$work/n2" || exit 2
fstype=$(stat -f -c %T "$work/n1")

start=$(date +%s)
timeout -k 10 "$limit" "$conform" --node "$work/n1" --node "$work/n2" \
	conformance/scenarios/*.scn >"$work/out" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))

fail() { echo "tmpfs-fails: FAIL: $*" >&2; tail -40 "$work/out" >&2; exit 1; }
[ $rc -eq 124 ] || [ $rc -eq 137 ] && fail "still running after ${limit}s (a hang)"
[ $rc -ne 0 ] || fail "exit status 0 on $fstype, which is not a dlmfs"
[ $rc -eq 1 ] || fail "exit status $rc (want 1: scenarios failed)"
summary=$(grep '^scenarios: ' "$work/out" | tail -1)
[ -n "$summary" ] || fail "no summary line"
failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
[ "${failed:-0}" -gt 0 ] || fail "no failed scenario counted: $summary"
reasons=$(grep -c '^\[  ERROR   \] --- conformance/scenarios/.*\.scn:[0-9]*: ' "$work/out")
[ "$reasons" -eq "$failed" ] ||
	fail "$failed failures but $reasons 'file:line:' reasons"
left=$(find "$work/n1" "$work/n2" -mindepth 1 | head -5)
[ -z "$left" ] || fail "scenarios left files behind: $left"
echo "tmpfs-fails: ok: $fstype, exit $rc, $summary, ${secs}s (limit ${limit}s)"
