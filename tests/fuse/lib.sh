# tests/fuse/lib.sh - shared by run.sh, stress.sh, bench.sh: skip rules,
# helper builds, daemon start/stop with bounded waits, cleanup on any exit.
# Sourced from the repository root.
BUILD=${BUILD:-build}
BIN=${DLMFS_FUSE:-$BUILD/dlmfs-fuse}
WRAP=${WRAP:-}
CC=${CC:-cc}
WARN="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -O2 -g"

if [ ! -c /dev/fuse ]; then echo "skip: /dev/fuse is missing"; exit 77; fi
if ! command -v fusermount3 >/dev/null; then echo "skip: fusermount3 is missing"; exit 77; fi
if [ ! -x "$BIN" ]; then make -s "$BIN" || exit 1; fi
mkdir -p "$BUILD/tests/fuse"

# build NAME SOURCES... [-- LIBS]: a helper into $BUILD/tests/fuse/NAME
build_helper() {
	local name=$1 out="$BUILD/tests/fuse/$1" src=() libs=() f new=0
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do src+=("$1"); shift; done
	[ $# -gt 0 ] && shift && libs=("$@")
	for f in "${src[@]}"; do [ "$f" -nt "$out" ] && new=1; done
	if [ ! -x "$out" ] || [ $new = 1 ]; then
		$CC $WARN -Itests/fuse -o "$out" "${src[@]}" "${libs[@]}" || exit 1
	fi
}

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

mounted() { grep -q " $1 fuse" /proc/mounts; }

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
	for i in $(seq 1 200); do
		local all=1 m
		for m in "${MPS[@]}"; do mounted "$m" || all=0; done
		[ $all = 1 ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	bad "$name: daemon did not mount (log: $(head -c 400 "$TMP/$name.log"))"
	return 1
}

# stop NAME: SIGTERM, wait (bounded), require exit 0 and no mounts left
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
	if [ "$rc" != 0 ] || grep -q "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]" "$TMP/$name.log"; then
		sed 's/^/# log: /' "$TMP/$name.log" | head -60
	fi
}

ctl() { "$BIN" --ctl "$TMP/$1/ctl" "${@:2}"; }
