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
. tests/fuse/lib.sh
build_helper fuse_test tests/fuse/fuse_test.c tests/fuse/helpers.c
T="$BUILD/tests/fuse/fuse_test"

# run the C suite and add its counts
suite() {
	local out p f
	out=$("$T" "$@" 2>&1)
	echo "$out" | grep -v '^ok - '
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

echo "# the root xattrs name another profile and stack"
if start prof 2 -o profile=linux-6-user; then
	suite -o xattr -p linux-6-user "${MPS[@]}"
	stop prof
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
