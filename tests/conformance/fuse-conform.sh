#!/usr/bin/env bash
# tests/conformance/fuse-conform.sh [BUILD] - the scenario corpus against
# dlmfs-fuse clusters, actors preloaded with libdlmfs-compat.so, the model as
# oracle:
#   linux-6       2 nodes  every scenario (--allow-hangs)
#   linux-6       3 nodes  the scenarios that name a third node
#   linux-6-user  3 nodes  the scenarios pinned to the user stack
#   linux-5.4     2 nodes  the scenarios pinned to linux-5.4
#   linux-3.x     2 nodes  the scenarios pinned to linux-3.x
# Every daemon runs -o allow_other,strict_signals,ctl=...,profile=...; every
# mount is undone on any exit. A scenario must pass in some run, unless some
# run skipped it as "model only" (rawdlm, manual schedule).
# Exit 0 ok, 1 a failure or a dlmfs-fuse skip, 77 cannot run here (no
# /dev/fuse, no fusermount3, not root: the nonroot scenarios switch uid).
# env: RUN_TIMEOUT (s, per dlmfs-conform run, default 600), CONFORM_ARGS,
#      FULL=1 (every scenario on the 3-node and linux-6-user clusters too:
#      about 4 more minutes).
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-${BUILD:-build}}
FUSE=$BUILD/dlmfs-fuse CONFORM=$BUILD/dlmfs-conform
COMPAT=$BUILD/libdlmfs-compat.so
RUN_TIMEOUT=${RUN_TIMEOUT:-600}

if [ ! -c /dev/fuse ]; then echo "skip: /dev/fuse is missing"; exit 77; fi
if ! command -v fusermount3 >/dev/null; then echo "skip: fusermount3 is missing"; exit 77; fi
if [ "$(id -u)" != 0 ]; then echo "skip: not root (nonroot scenarios switch uid)"; exit 77; fi
for f in "$FUSE" "$CONFORM" "$COMPAT"; do
	[ -e "$f" ] || { echo "fuse-conform: $f is missing (make all $COMPAT)"; exit 1; }
done

TMP=$(mktemp -d /tmp/fuse-conform.XXXXXX)
chmod 755 "$TMP"	# the nonroot scenarios' users walk into the mounts
DPID=
stop_cluster() {
	local i m
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	for m in "$TMP"/*/n*; do
		grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
	done
	return 0
}
cleanup() { stop_cluster; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# start_cluster NAME NODES PROFILE: sets DPID and NODES_ARGS
start_cluster() {
	local name=$1 n=$2 prof=$3 i m all
	local dir=$TMP/$name
	NODES_ARGS=() MPS=()
	mkdir -p "$dir"
	for i in $(seq 1 "$n"); do
		mkdir -p "$dir/n$i"; MPS+=("$dir/n$i"); NODES_ARGS+=(--node "$dir/n$i")
	done
	"$FUSE" -f -o allow_other,strict_signals,ctl="$dir/ctl",profile="$prof" \
		"${MPS[@]}" 2>"$dir.log" &
	DPID=$!
	for i in $(seq 1 100); do
		all=1
		for m in "${MPS[@]}"; do grep -q " $m fuse" /proc/mounts || all=0; done
		[ $all = 1 ] && [ -S "$dir/ctl" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "fuse-conform: $name: dlmfs-fuse did not mount: $(head -c 400 "$dir.log")"
	return 1
}

# the scenario files whose header matches an extended regex (FULL=1: all)
pinned() {
	if [ "${FULL:-0}" = 1 ] && [ "${2:-}" = full ]; then
		ls conformance/scenarios/*.scn
	else
		grep -lE "$1" conformance/scenarios/*.scn
	fi
}

FAILED_RUNS=0
# run NAME NODES PROFILE FILES...: one cluster, one dlmfs-conform run
run() {
	local name=$1 n=$2 prof=$3 t0 rc out=$TMP/$1.out
	shift 3
	t0=$(date +%s%N)
	echo "== $name: dlmfs-fuse -o profile=$prof, $n nodes, $# scenario(s)"
	if ! start_cluster "$name" "$n" "$prof"; then
		FAILED_RUNS=$((FAILED_RUNS + 1)); stop_cluster; return
	fi
	timeout -k 10 "$RUN_TIMEOUT" "$CONFORM" --oracle model --allow-hangs \
		--fuse-ctl "$TMP/$name/ctl" --compat "$COMPAT" --profile "$prof" \
		${CONFORM_ARGS:-} "${NODES_ARGS[@]}" "$@" >"$out" 2>&1
	rc=$?
	stop_cluster
	sed -n '1,/Running/p' "$out" | grep -v '^\[=' | sed 's/^/   /'
	grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ test' "$out" | sed 's/^/   /'
	t0=$(( ($(date +%s%N) - t0) / 100000000 ))
	echo "   exit $rc, $((t0 / 10)).$((t0 % 10)) s"
	if [ $rc != 0 ] && [ $rc != 1 ]; then
		echo "   dlmfs-conform did not finish (exit $rc):"; tail -20 "$out" | sed 's/^/   | /'
		FAILED_RUNS=$((FAILED_RUNS + 1))
	fi
	# one line per scenario: NAME PASS|FAIL|SKIP [first reason line]
	awk -v run="$name" '
		/^\[ RUN      \] / { cur = $4; why = ""; next }
		cur != "" && /^\[       OK \] / && $4 == cur { print cur, run, "PASS"; cur = ""; next }
		cur != "" && /^\[  FAILED  \] / && $4 == cur { print cur, run, "FAIL"; cur = ""; next }
		cur != "" && /^\[  SKIPPED \] / && $4 == cur { print cur, run, "SKIP", why; cur = ""; next }
		cur != "" && why == "" && !/^\[/ { why = $0 }
	' "$out" >>"$TMP/verdicts"
}

T0=$(date +%s)
: >"$TMP/verdicts"
ALL=(conformance/scenarios/*.scn)
run linux-6-2n 2 linux-6 "${ALL[@]}"
mapfile -t F < <(pinned '^# requires:.*nodes=[3-8]|^[A-Za-z_0-9]*@?n[3-8][[:space:]]' full)
[ ${#F[@]} -gt 0 ] && run linux-6-3n 3 linux-6 "${F[@]}"
mapfile -t F < <(pinned '^# requires:.*(stack=user|profile=[^ ]*linux-6-user)' full)
[ ${#F[@]} -gt 0 ] && run linux-6-user 3 linux-6-user "${F[@]}"
for p in linux-5.4 linux-3.x; do
	mapfile -t F < <(pinned "^# requires:.*profile=[^ ]*$p")
	[ ${#F[@]} -gt 0 ] && run "$p" 2 "$p" "${F[@]}"
done

# a scenario passes somewhere, or every run skipped it as model only
echo "== every scenario over all runs"
awk '
	{ n[$1]++ }
	$3 == "PASS" { pass[$1] = 1 }
	$3 == "FAIL" { fail[$1] = fail[$1] " " $2 }
	$3 == "SKIP" {
		why = $0; sub(/^[^ ]+ [^ ]+ SKIP ?/, "", why)
		if (why ~ /^model only:/) model[$1] = why
		else other[$1] = $2 ": " why
	}
	END {
		for (s in n) {
			if (s in fail) { printf "   FAILED  %s (in%s)\n", s, fail[s] | "sort"; f++ }
			else if (s in pass) p++
			else if (!(s in model)) { printf "   SKIPPED %s for a dlmfs-fuse reason (%s)\n", s, other[s] | "sort"; f++ }
			else { printf "   skipped %s: %s\n", s, model[s] | "sort"; k++ }
		}
		close("sort")
		printf "fuse-conform: %d passed, %d failed, %d skipped\n", p, f, k
		exit f > 0
	}
' "$TMP/verdicts"
agg=$?
echo "   $(( $(date +%s) - T0 )) s in all"
[ "$agg" = 0 ] && [ "$FAILED_RUNS" = 0 ]
