#!/usr/bin/env bash
# examples/check.sh - `make examples-check`: mount a 2-node dlmfs-fuse
# cluster, run the libo2dlm example programs across the two nodes (through
# libdlmfs-compat.so, as a person would by hand) and check their exit
# statuses and the lines they print.
#
#   BUILD=build examples/check.sh        VERBOSE=1 also prints every
#   program's output; EXAMPLES_WRAP="valgrind ..." runs each program under it.
#
# Exit 0 all passed, 1 something failed, 77 cannot run here (SKIP: why).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
CC=${CC:-cc}
read -r -a WRAP <<<"${EXAMPLES_WRAP:-}"
VERBOSE=${VERBOSE:-0}
EX=$BUILD/examples
FUSE=$BUILD/dlmfs-fuse
SO=$BUILD/libdlmfs-compat.so
DOM=examples

skip() { echo "SKIP: $*"; exit 77; }

if [ -z "${O2DLM_A:-}" ]; then
	multiarch=$(${CC} -print-multiarch 2>/dev/null)
	for O2DLM_A in "/usr/lib/${multiarch:-x86_64-linux-gnu}/libo2dlm.a" \
		       /usr/lib/libo2dlm.a; do
		[ -f "$O2DLM_A" ] && break
	done
fi
[ -f "$O2DLM_A" ] || skip "no libo2dlm.a (apt-get install ocfs2-tools-dev)"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"
command -v fusermount3 >/dev/null || skip "fusermount3 is missing (apt-get install fuse3)"
for f in "$FUSE" "$SO" "$EX/o2dlm-domain" "$EX/o2dlm-lock" "$EX/o2dlm-lvb" \
	 "$EX/o2dlm-bast"; do
	[ -e "$f" ] || { echo "examples-check: $f is missing (make examples)"; exit 1; }
done
SO=$(realpath "$SO")

TMP=$(mktemp -d /tmp/o2dlm-examples.XXXXXX) || exit 1
DPID=
declare -a BG=()

cleanup() {
	local p m
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BG[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	for m in "$TMP/n1" "$TMP/n2"; do
		grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
	done
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PASS=0 FAIL=0 N=0

# show LOG: a program's output, indented, when VERBOSE=1
show() { [ "$VERBOSE" = 1 ] && sed 's/^/#   /' "$1"; return 0; }
ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
# bad WHAT [LOG...]: a failed check, with the programs' output
bad() {
	local f
	FAIL=$((FAIL + 1))
	echo "not ok - $1"
	shift
	for f in "$@"; do
		[ "$VERBOSE" = 1 ] || sed 's/^/#   /' "$f"
	done
}
# expect_rc WHAT WANT GOT [LOG...]
expect_rc() {
	if [ "$3" = "$2" ]; then ok "$1"; else bad "$1 (exit $3, want $2)" "${@:4}"; fi
}
# expect_line WHAT FIXED-STRING LOG: LOG has a line containing it
expect_line() {
	if grep -qF -- "$2" "$3"; then ok "$1"; else bad "$1 (no '$2')" "$3"; fi
}

# run NODE PROG ARGS...: run an example on node NODE (1 or 2) in domain $DOM,
# its output into a fresh log whose name is left in $LOG; returns its status
run() {
	local node=$1 prog=$2
	shift 2
	N=$((N + 1))
	LOG=$TMP/$N-n$node-$prog.log
	timeout 60 env LD_PRELOAD="$SO" "${WRAP[@]}" "$EX/$prog" -m "$TMP/n$node" \
		-d "$DOM" "$@" >"$LOG" 2>&1
	local rc=$?
	show "$LOG"
	return $rc
}
# start NODE PROG ARGS...: the same in the background: $PID and $LOG
start() {
	local node=$1 prog=$2
	shift 2
	N=$((N + 1))
	LOG=$TMP/$N-n$node-$prog.log
	# --foreground: timeout passes our SIGTERM on once, not to its group too
	timeout --foreground 120 env LD_PRELOAD="$SO" "${WRAP[@]}" "$EX/$prog" \
		-m "$TMP/n$node" -d "$DOM" "$@" >"$LOG" 2>&1 &
	PID=$!
	BG+=("$PID")
}
# wait_line LOG FIXED-STRING PID: until LOG has the line (<= 60 s) or PID ends
wait_line() {
	for _ in $(seq 1 600); do
		grep -qF -- "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	grep -qF -- "$2" "$1" && return 0
	bad "no line '$2' from a background example" "$1"
	return 1
}
# finish PID LOG: wait for a background example; returns its status
finish() {
	local rc
	wait "$1"
	rc=$?
	show "$2"
	return $rc
}
# stop PID LOG: SIGTERM (= Ctrl-C: release and leave), then finish
stop() {
	kill -TERM "$1" 2>/dev/null
	finish "$1" "$2"
}
# running PID: still waiting after 1 s (a lock request that must block)
running() { sleep 1; kill -0 "$1" 2>/dev/null; }

mkdir "$TMP/n1" "$TMP/n2"
"$FUSE" -f "$TMP/n1" "$TMP/n2" 2>"$TMP/daemon.log" &
DPID=$!
for _ in $(seq 1 100); do
	grep -q " $TMP/n2 fuse" /proc/mounts && break
	sleep 0.1
done
grep -q " $TMP/n2 fuse" /proc/mounts || {
	echo "not ok - dlmfs-fuse did not mount: $(head -c 400 "$TMP/daemon.log")"
	exit 1
}
echo "# a 2-node dlmfs-fuse in $TMP (n1, n2); domain \"$DOM\""

echo "# o2dlm-domain: o2dlm_initialize / o2dlm_destroy"
N=$((N + 1))
LOG=$TMP/$N-n1-o2dlm-domain.log
timeout 60 "${WRAP[@]}" "$EX/o2dlm-domain" -m "$TMP/n1" -d "$DOM" >"$LOG" 2>&1
rc=$?
show "$LOG"
expect_rc "without libdlmfs-compat.so, libo2dlm refuses a FUSE mount" 1 $rc "$LOG"
expect_line "...saying the f_type is not ocfs2_dlmfs's" \
	"ocfs2_dlmfs file system was not found" "$LOG"

start 1 o2dlm-domain --hold forever
P1=$PID L1=$LOG
wait_line "$L1" "staying in the domain" "$P1"
expect_line "n1 reads the capabilities: bast" "capability bast: yes" "$L1"
expect_line "n1 initializes the domain" "initialize domain \"$DOM\" on $TMP/n1: ok" "$L1"
if [ -d "$TMP/n1/$DOM" ]; then ok "n1's domain is the directory n1/$DOM"; else bad "no directory n1/$DOM" "$L1"; fi
run 2 o2dlm-domain
expect_rc "n2 joins and leaves the domain n1 is in" 0 $? "$LOG"
expect_line "...its domain directory goes away" "removed (this node left the domain)" "$LOG"
stop "$P1" "$L1"
expect_rc "n1 leaves the domain on SIGTERM" 0 $? "$L1"
expect_line "...o2dlm_destroy succeeds" "destroy domain \"$DOM\": ok" "$L1"
if [ ! -e "$TMP/n1/$DOM" ]; then ok "...and n1/$DOM is gone"; else bad "n1/$DOM is still there" "$L1"; fi

echo "# o2dlm-lock: EX and PR, o2dlm_lock with and without O2DLM_TRYLOCK"
start 1 o2dlm-lock --level ex --hold forever
P1=$PID L1=$LOG
wait_line "$L1" "holding \"example-lock\" at EX" "$P1"
expect_line "n1 takes EX" "lock \"example-lock\" at EX: ok" "$L1"
run 2 o2dlm-lock --level ex --trylock
expect_rc "n2's EX trylock exits 3 while n1 holds EX" 3 $? "$LOG"
expect_line "...libo2dlm said O2DLM_ET_TRYLOCK_FAILED (dlmfs: ETXTBSY)" \
	"refused, another node has it (Trylock failed)" "$LOG"
run 2 o2dlm-lock --level pr --trylock
expect_rc "n2's PR trylock exits 3 too" 3 $? "$LOG"
start 2 o2dlm-lock --level ex
P2=$PID L2=$LOG
if running "$P2"; then ok "n2's blocking EX request waits"; else bad "n2's EX did not wait for n1" "$L2"; fi
stop "$P1" "$L1"
expect_rc "n1 unlocks and leaves on SIGTERM" 0 $? "$L1"
expect_line "...o2dlm_unlock succeeds" "unlock \"example-lock\": ok" "$L1"
finish "$P2" "$L2"
expect_rc "n2's waiting EX is then granted" 0 $? "$L2"
expect_line "...it says so" "lock \"example-lock\" at EX: ok" "$L2"
run 2 o2dlm-lock --level ex --trylock
expect_rc "n2's EX trylock succeeds once nobody holds the lock" 0 $? "$LOG"

start 1 o2dlm-lock --level pr --hold forever
P1=$PID L1=$LOG
wait_line "$L1" "holding \"example-lock\" at PR" "$P1"
run 2 o2dlm-lock --level pr --trylock
expect_rc "n2's PR trylock succeeds while n1 holds PR (PR and PR coexist)" 0 $? "$LOG"
run 2 o2dlm-lock --level ex --trylock
expect_rc "n2's EX trylock exits 3 while n1 holds PR" 3 $? "$LOG"
stop "$P1" "$L1"
expect_rc "n1 releases its PR" 0 $? "$L1"

echo "# o2dlm-bast: o2dlm_lock_with_bast, poll(), o2dlm_process_bast"
start 1 o2dlm-bast --level ex --timeout 60
P1=$PID L1=$LOG
wait_line "$L1" "waiting for a BAST" "$P1"
expect_line "n1 takes EX with a BAST callback" \
	"lock \"example-lock\" at EX with a BAST callback: ok" "$L1"
run 2 o2dlm-lock --level ex
expect_rc "n2's EX request is granted" 0 $? "$LOG"
expect_line "...only after n1's BAST callback ran" \
	"BAST: another node wants \"example-lock\"" "$L1"
finish "$P1" "$L1"
expect_rc "n1 exits 0: BAST received, lock handed over" 0 $? "$L1"
expect_line "...after unlocking for n2" \
	"unlock \"example-lock\" for the other node: ok" "$L1"

# long enough for n2's PR to come and go (slower under EXAMPLES_WRAP)
quiet=${EXAMPLES_WRAP:+15}
quiet=${quiet:-3}
start 1 o2dlm-bast --level pr --timeout "$quiet"
P1=$PID L1=$LOG
wait_line "$L1" "waiting for a BAST" "$P1"
run 2 o2dlm-lock --level pr
expect_rc "n2's PR is granted while n1 holds PR" 0 $? "$LOG"
finish "$P1" "$L1"
expect_rc "n1 gets no BAST for a compatible request (exit 4)" 4 $? "$L1"
expect_line "...and says so" "no BAST within $quiet s" "$L1"

start 1 o2dlm-bast --level pr --timeout 60
P1=$PID L1=$LOG
wait_line "$L1" "waiting for a BAST" "$P1"
run 2 o2dlm-lock --level ex
expect_rc "n2's EX is granted after n1 holding PR let go" 0 $? "$LOG"
finish "$P1" "$L1"
expect_rc "n1 holding PR gets a BAST for n2's EX" 0 $? "$L1"

echo "# o2dlm-lvb: o2dlm_write_lvb / o2dlm_read_lvb"
run 1 o2dlm-lvb --lock fresh-lock
expect_rc "n1 reads the LVB of a new lock" 0 $? "$LOG"
expect_line "...64 zero bytes (o2cb)" "read LVB (64 bytes): all zero (never written)" "$LOG"
start 1 o2dlm-lvb --write "hello from n1" --hold forever
P1=$PID L1=$LOG
wait_line "$L1" "holding \"example-lock\" at EX" "$P1"
expect_line "n1 writes the LVB under EX" \
	"write LVB \"hello from n1\" (64 of 64 bytes): ok" "$L1"
start 2 o2dlm-lvb
P2=$PID L2=$LOG
if running "$P2"; then ok "n2's PR (to read) waits for n1's EX"; else bad "n2's PR did not wait" "$L2"; fi
stop "$P1" "$L1"
expect_rc "n1 releases EX on SIGTERM" 0 $? "$L1"
finish "$P2" "$L2"
expect_rc "n2 gets PR and reads" 0 $? "$L2"
expect_line "...the LVB n1 wrote" "read LVB (64 bytes): \"hello from n1\"" "$L2"

echo "# the command lines"
for p in o2dlm-domain o2dlm-lock o2dlm-lvb o2dlm-bast; do
	timeout 30 "${WRAP[@]}" "$EX/$p" --help >"$TMP/help.out" 2>&1
	rc=$?
	show "$TMP/help.out"
	if [ $rc = 0 ] && grep -q -- '--mount PATH.*(default /dlm)' "$TMP/help.out" &&
	   grep -q -- '--help' "$TMP/help.out"; then
		ok "$p --help: exit 0, options with their defaults"
	else
		bad "$p --help (exit $rc)" "$TMP/help.out"
	fi
	timeout 30 "${WRAP[@]}" "$EX/$p" --no-such-option >"$TMP/opt.out" 2>"$TMP/opt.err"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$TMP/opt.out" ] && [ "$(wc -l <"$TMP/opt.err")" = 1 ] &&
	   grep -qF "$p: unknown option '--no-such-option'" "$TMP/opt.err"; then
		ok "$p --no-such-option: exit 2, one line on stderr"
	else
		bad "$p --no-such-option (exit $rc)" "$TMP/opt.out" "$TMP/opt.err"
	fi
done

left=$(find "$TMP/n1" "$TMP/n2" -mindepth 1 -maxdepth 1 -printf '%p ')
if [ -z "$left" ]; then ok "every example left its domain (both nodes are empty)"; else bad "left behind: $left"; fi

fusermount3 -u "$TMP/n1" && fusermount3 -u "$TMP/n2"
wait "$DPID"
expect_rc "dlmfs-fuse exits 0 after the unmount" 0 $? "$TMP/daemon.log"
DPID=
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
