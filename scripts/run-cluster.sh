#!/bin/sh
# run-cluster.sh BUILD [NODES] - `make run`: mount an N-node dlmfs-fuse cluster
# (default 2) in a temporary directory, run dlmfs-conform against it with the
# model beside it (--oracle model), print the report, unmount, and exit with
# the suite's status. WRAP="valgrind ..." runs the daemon under a checker
# whose exit status (after the unmount) also counts.
set -u
build=${1:-build}
nodes=${2:-2}
tmp=$(mktemp -d /tmp/dlmfs-run.XXXXXX) || exit 1
# nonroot scenarios switch an actor to another uid: it must reach the mounts
chmod 755 "$tmp"
daemon=""
cleanup() {
	for d in "$tmp"/n*; do
		[ -d "$d" ] && fusermount3 -u -z "$d" 2>/dev/null
	done
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	echo "make run: needs /dev/fuse and fusermount3 (package fuse3)" >&2
	exit 1
fi
mps=""
i=1
while [ "$i" -le "$nodes" ]; do
	mkdir "$tmp/n$i"
	mps="$mps $tmp/n$i"
	i=$((i + 1))
done
# shellcheck disable=SC2086
${WRAP:-} "$build/dlmfs-fuse" -f -o allow_other,strict_signals,ctl="$tmp/ctl" $mps \
	2>"$tmp/daemon.log" &
daemon=$!
i=0
while [ "$i" -lt 300 ] && ! mountpoint -q "$tmp/n$nodes"; do
	sleep 0.1
	i=$((i + 1))
done
if ! mountpoint -q "$tmp/n$nodes"; then
	echo "make run: dlmfs-fuse did not mount:" >&2
	cat "$tmp/daemon.log" >&2
	exit 1
fi
echo "== dlmfs-fuse: $nodes nodes under $tmp"
set --
for d in $mps; do
	set -- "$@" --node "$d"
done
"$build/dlmfs-conform" --fuse-ctl "$tmp/ctl" --oracle model --allow-hangs "$@" \
	conformance/scenarios/*.scn
rc=$?
# unmount: the daemon fails its waiters, exits, and (under WRAP) reports leaks
for d in $mps; do
	fusermount3 -u "$d" 2>/dev/null || fusermount3 -u -z "$d"
done
wait "$daemon"
drc=$?
daemon=""
if [ "$drc" != 0 ]; then
	echo "make run: dlmfs-fuse exited $drc after unmount:" >&2
	tail -n 40 "$tmp/daemon.log" >&2
	[ "$rc" = 0 ] && rc=1
fi
exit $rc
