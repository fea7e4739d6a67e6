#!/usr/bin/env bash
# tests/fuse/run.sh - mount dlmfs-fuse (2 and 3 nodes) in a temp dir and check
# it through the kernel: tests/fuse/fuse_test.c plus daemon-level checks
# (bad options, SIGTERM with a pending open, unmount from outside).
#
# env: BUILD (default build), DLMFS_FUSE (daemon binary),
#      WRAP (e.g. "valgrind -q --leak-check=full --error-exitcode=99"),
#      CC. Exit 77 = skipped (no /dev/fuse or fusermount3), 1 = failures.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=${DLMFS_FUSE:-$BUILD/dlmfs-fuse}
WRAP=${WRAP:-}
CC=${CC:-cc}
WARN="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -O2 -g"

if [ ! -c /dev/fuse ]; then echo "skip: /dev/fuse is missing"; exit 77; fi
if ! command -v fusermount3 >/dev/null; then echo "skip: fusermount3 is missing"; exit 77; fi
if [ ! -x "$BIN" ]; then make -s "$BIN" || exit 1; fi
mkdir -p "$BUILD/tests/fuse"
T="$BUILD/tests/fuse/fuse_test"
if [ ! -x "$T" ] || [ tests/fuse/fuse_test.c -nt "$T" ] || [ tests/fuse/helpers.c -nt "$T" ]; then
	$CC $WARN -Itests/fuse -o "$T" tests/fuse/fuse_test.c tests/fuse/helpers.c || exit 1
fi

TMP=$(mktemp -d /tmp/dlmfs-fuse-test.XXXXXX)
PASS=0 FAIL=0
declare -a PIDS=()

cleanup() {
	local p m
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for m in "$TMP"/*/n*; do
		[ -d "$m" ] && grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

mounted() { grep -q " $1 fuse.dlmfs " /proc/mounts; }

# start NAME NODES [daemon options...]: sets DPID, MPS; waits for the mounts
start() {
	local name=$1 n=$2 i
	shift 2
	MPS=()
	mkdir -p "$TMP/$name"
	for i in $(seq 1 "$n"); do mkdir -p "$TMP/$name/n$i"; MPS+=("$TMP/$name/n$i"); done
	$WRAP "$BIN" -f -o ctl="$TMP/$name/ctl" "$@" "${MPS[@]}" 2>"$TMP/$name.log" &
	DPID=$!
	PIDS+=("$DPID")
	for i in $(seq 1 100); do
		local all=1 m
		for m in "${MPS[@]}"; do mounted "$m" || all=0; done
		[ $all = 1 ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	bad "$name: daemon did not mount (log: $(head -c 400 "$TMP/$name.log"))"
	return 1
}

# stop: SIGTERM, wait (bounded) and require exit 0 and no mounts left
stop() {
	local name=$1 i rc=255
	kill -TERM "$DPID" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DPID" 2>/dev/null; then
		bad "$name: daemon still running 30 s after SIGTERM"
		kill -KILL "$DPID"
	fi
	wait "$DPID"; rc=$?
	check "$name: daemon exits 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
	local m left=0
	for m in "${MPS[@]}"; do mounted "$m" && left=1; done
	check "$name: every node unmounted" [ $left = 0 ]
	if [ "$rc" != 0 ] && [ -s "$TMP/$name.log" ]; then sed 's/^/# log: /' "$TMP/$name.log" | head -40; fi
}

# run the C suite and add its counts
suite() {
	local out
	out=$("$T" "$@" 2>&1)
	echo "$out" | grep -v '^ok - '
	local p f
	p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	if [ -z "$p" ]; then bad "fuse_test $* did not finish"; return; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
}

echo "# command line"
out=$("$BIN" -o bogus /tmp 2>&1); rc=$?
check "unknown option -> exit 2" [ $rc = 2 ]
check "unknown option -> one line" [ "$(echo "$out" | wc -l)" = 1 ]
out=$("$BIN" -o profile=nope /tmp 2>&1); rc=$?
check "bad profile -> exit 2 ($out)" [ $rc = 2 ]
"$BIN" -h >/dev/null; check "-h -> exit 0" [ $? = 0 ]
"$BIN" -V | grep -q dlmfs-fuse; check "-V prints a version" [ $? = 0 ]

echo "# two nodes, check_invariants"
if start two 2 -o check_invariants; then
	suite -c "$TMP/two/ctl" "${MPS[@]}"
	stop two
fi

echo "# three nodes"
if start three 3 -o check_invariants; then
	suite -o three "${MPS[@]}"
	stop three
fi

echo "# strict_signals"
if start strict 2 -o strict_signals; then
	suite -s -o interrupt "${MPS[@]}"
	stop strict
fi

echo "# SIGTERM with a pending open"
if start term 2; then
	mkdir "${MPS[0]}/d" "${MPS[1]}/d"
	exec 3<>"${MPS[0]}/d/lk"
	( exec 4<>"${MPS[1]}/d/lk" ) 2>"$TMP/term.cat" &
	CAT=$!
	sleep 0.3
	check "the n2 open is pending" kill -0 $CAT
	exec 3>&-
	stop term
	for i in $(seq 1 50); do kill -0 $CAT 2>/dev/null || break; sleep 0.1; done
	if kill -0 $CAT 2>/dev/null; then bad "pending opener still blocked after shutdown"; kill -KILL $CAT; else ok "pending opener was answered"; fi
	wait $CAT 2>/dev/null
fi

echo "# unmount from outside ends the daemon"
if start umount 2; then
	fusermount3 -u "${MPS[0]}"
	for i in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then bad "daemon still running after fusermount3 -u"; kill -TERM "$DPID"; fi
	wait "$DPID"; rc=$?
	check "daemon exits 0 after unmount (got $rc)" [ $rc = 0 ]
	left=0; for m in "${MPS[@]}"; do mounted "$m" && left=1; done
	check "the other node is unmounted too" [ $left = 0 ]
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
