#!/usr/bin/env bash
# tests/fuse/stress.sh - 3 nodes x 8 processes of random lock traffic with
# kill -9 of random workers, the daemon checking invariants after every
# settle (-o check_invariants aborts it on a violation). Afterwards every
# node must be quiet (no open files, no waiters) and SIGTERM must exit 0.
#
# env: STRESS_SECONDS (default 30), STRESS_SEED (default 1), STRESS_PROCS
#      (default 8), STRESS_NODES (default 3), plus lib.sh's BUILD/WRAP/CC.
set -u
cd "$(dirname "$0")/../.."
. tests/fuse/lib.sh
build_helper stress tests/fuse/stress.c
SECS=${STRESS_SECONDS:-30}
SEED=${STRESS_SEED:-1}
PROCS=${STRESS_PROCS:-8}
NODES=${STRESS_NODES:-3}

if start stress "$NODES" -o check_invariants; then
	timeout $((${SECS%.*} + 60)) "$BUILD/tests/fuse/stress" -t "$SECS" -s "$SEED" -p "$PROCS" "${MPS[@]}" > "$TMP/stress.out" 2>&1
	rc=$?
	grep -v '^ok - ' "$TMP/stress.out"
	PASS=$((PASS + $(grep -c '^ok - ' "$TMP/stress.out")))
	FAIL=$((FAIL + $(grep -c '^not ok - ' "$TMP/stress.out")))
	check "stress program finished (rc $rc)" [ $rc -le 1 ]
	check "daemon alive: no invariant violation" kill -0 "$DPID"
	sleep 0.5	# asynchronous RELEASEs of the last closes
	st=$(ctl stress status)
	echo "$st" | sed 's/^/# /' | head -20
	check "every node quiet afterwards (no files, no waiters)" \
		[ "$(echo "$st" | grep -c ' files 0 waiters 0 ')" = "$NODES" ]
	if [ "$FAIL" != 0 ] && command -v gdb >/dev/null; then
		timeout 30 gdb -batch -p "$DPID" -ex "thread apply all bt 12" 2>&1 | grep -E '^#|^Thread' | sed 's/^/# gdb: /' | head -80
	fi
	stop stress
fi
# the checker must be able to fail: plant "EX granted beside PR" in the model
if start planted 2 -o check_invariants,plant_bugs=2; then
	mkdir "${MPS[0]}/d" "${MPS[1]}/d"
	: > "${MPS[0]}/d/lk"		# n1 caches EX
	exec 6<>"${MPS[1]}/d/lk"; exec 6>&-	# n2 EX: n1 drops to NL
	exec 5<"${MPS[0]}/d/lk"		# n1 PR holder (n2 drops to PR)
	timeout 5 bash -c ': > "$1"' _ "${MPS[1]}/d/lk" 2>/dev/null &	# n2 EX: the bug grants it
	for i in $(seq 1 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	exec 5<&-
	wait "$DPID"; rc=$?
	check "planted bug: the daemon aborts (rc $rc = 134)" [ $rc = 134 ]
	check "planted bug: the violation is named" grep -q "INVARIANT VIOLATED" "$TMP/planted.log"
	for m in "${MPS[@]}"; do fusermount3 -u -z "$m" 2>/dev/null; done
	wait
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
