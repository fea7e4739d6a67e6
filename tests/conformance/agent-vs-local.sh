#!/bin/sh
# agent-vs-local.sh - the same scenarios through `--node PATH` (actors forked
# by the runner) and `--node exec:dlmfs-agent PATH` (actors forked by the
# agent, reached over the line protocol) must give identical results.
# Usage: tests/conformance/agent-vs-local.sh [BUILD_DIR]   (default: build)
set -u
build=${1:-${BUILD:-build}}
conform=$build/dlmfs-conform
agent=$build/dlmfs-agent
for b in "$conform" "$agent"; do
	[ -x "$b" ] || { echo "agent-vs-local: $b not built" >&2; exit 2; }
done
base=/dev/shm
[ "$(stat -f -c %T $base 2>/dev/null)" = tmpfs ] && [ -w $base ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/dlmfs-agent-vs-local.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/n1" "$work/n2" || exit 2
opts="--block-ms 100 --settle-ms 20 --timeout-ms 3000"

# results only: the node description lines name the two ways
run() {
	timeout -k 10 300 "$conform" $opts "$@" conformance/scenarios/*.scn 2>&1 |
		grep -v '^  n[0-9]: '
}
run --node "$work/n1" --node "$work/n2" >"$work/local"
run --node "exec:$agent $work/n1" --node "exec:$agent $work/n2" >"$work/agent"
if ! diff -u "$work/local" "$work/agent" >"$work/diff"; then
	echo "agent-vs-local: FAIL: the two ways differ:" >&2
	head -60 "$work/diff" >&2
	exit 1
fi
lines=$(grep -c '^\[ RUN ' "$work/local")
echo "agent-vs-local: ok: $lines scenario results identical ($(grep '^scenarios: ' "$work/local"))"
