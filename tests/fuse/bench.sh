#!/usr/bin/env bash
# tests/fuse/bench.sh - dlmfs-fuse (2 nodes) against nullfs, a do-nothing
# libfuse low-level fs, in one run: cached PR/EX open+close cycles and EX
# ping-pong between the nodes. Prints numbers; never fails on time.
# env: BENCH_CYCLES (20000), BENCH_REPEATS (5), BENCH_SECONDS (3).
set -u
cd "$(dirname "$0")/../.."
. tests/fuse/lib.sh
build_helper bench tests/fuse/bench.c
build_helper nullfs tests/fuse/nullfs.c -- $(pkg-config --cflags --libs fuse3)

mkdir -p "$TMP/null/n0"
"$BUILD/tests/fuse/nullfs" "$TMP/null/n0" 2>"$TMP/null.log" &
NPID=$!
PIDS+=("$NPID")
for i in $(seq 1 50); do mounted "$TMP/null/n0" && break; sleep 0.1; done
mounted "$TMP/null/n0" || { echo "nullfs did not mount"; exit 1; }
if start bench 2; then
	"$BUILD/tests/fuse/bench" -n "${BENCH_CYCLES:-20000}" -r "${BENCH_REPEATS:-5}" \
		-t "${BENCH_SECONDS:-3}" "$TMP/null/n0" "${MPS[@]}"
	rc=$?
	stop bench >/dev/null
	[ $rc = 0 ] || exit 1
fi
kill -TERM "$NPID"; wait "$NPID" 2>/dev/null
exit 0
