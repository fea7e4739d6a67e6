#!/bin/sh
# test-fault-cmd.sh [BUILD] - dlmfs-conform --fault-cmd without a kernel: two
# tmpfs "nodes" (one local, one through dlmfs-agent), a fault command that logs
# its calls, a scenario that crashes and restarts a node and goes on using it.
# The runner must call `CMD crash 2` / `CMD restart 2`, reconnect the agent of
# the restarted node, and restart a node a scenario left down.
set -u
BUILD=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/n1" "$T/n2"
cat >"$T/fault" <<EOS
#!/bin/sh
echo "\$*" >>"$T/log"
EOS
chmod +x "$T/fault"
cat >"$T/crash-restart.scn" <<'EOS'
# title: crash and restart a node, then use it
# spec: V6
# requires: nodes=2 faults
n2 mkdir d1                              -> 0
B@n2 stat d1                             -> 0
crash n2                                 -> 0
restart n2                               -> 0
C@n2 mkdir d2                            -> 0
EOS
cat >"$T/left-down.scn" <<'EOS'
# title: a node left down is restarted before the next scenario
# spec: V6
# requires: nodes=2 faults
n2 mkdir d3                              -> 0
crash n2                                 -> 0
EOS
cat >"$T/after.scn" <<'EOS'
# title: the restarted node answers
# spec: V6
# requires: nodes=2
n2 mkdir d4                              -> 0
EOS
fail() { echo "test-fault-cmd: FAIL: $*" >&2; exit 1; }
out=$("$BUILD/dlmfs-conform" --fault-cmd "$T/fault" --node "$T/n1" \
	--node "exec:$BUILD/dlmfs-agent $T/n2" \
	"$T/crash-restart.scn" "$T/left-down.scn" "$T/after.scn" 2>&1) ||
	fail "dlmfs-conform failed: $out"
echo "$out" | grep -q "3 passed" || fail "not 3 passed: $out"
[ "$(cat "$T/log")" = "crash 2
restart 2
crash 2
restart 2" ] || fail "fault command calls: $(cat "$T/log")"
# without --fault-cmd the same scenarios are skipped, not failed
out=$("$BUILD/dlmfs-conform" --node "$T/n1" --node "$T/n2" "$T/crash-restart.scn" 2>&1) ||
	fail "dlmfs-conform without --fault-cmd: $out"
echo "$out" | grep -q "needs faults" || fail "no 'needs faults' skip: $out"
# a failing fault command fails the scenario with its status
printf '#!/bin/sh\nexit 3\n' >"$T/fault"
out=$("$BUILD/dlmfs-conform" --fault-cmd "$T/fault" --node "$T/n1" --node "$T/n2" \
	"$T/crash-restart.scn" 2>&1) && fail "a failing fault command passed: $out"
echo "$out" | grep -q "failed (exit 3)" || fail "no exit status in: $out"
echo "test-fault-cmd: ok"
