#!/usr/bin/env bash
# tests/compat/o2dlm-smoke.sh [BUILD] - ocfs2-tools' libo2dlm.a, unmodified,
# on a two-node dlmfs-fuse: refused without libdlmfs-compat.so, working with
# it (tests/compat/o2dlm_smoke.c). Exit 0 ok, 1 failure, 77 cannot run here
# (no libo2dlm.a from ocfs2-tools-dev, no libcom_err.so.2, no /dev/fuse or
# fusermount3, or an ocfs2_dlmfs module whose capabilities file answers).
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-${BUILD:-build}}
CC=${CC:-cc}
LIBDIR=$(${CC} -print-multiarch 2>/dev/null)
A=/usr/lib/${LIBDIR:-x86_64-linux-gnu}/libo2dlm.a
[ -f "$A" ] || A=/usr/lib/libo2dlm.a
if [ ! -f "$A" ]; then echo "skip: no libo2dlm.a (apt-get install ocfs2-tools-dev)"; exit 77; fi
if ! ${CC} -print-file-name=libcom_err.so.2 | grep -q /; then echo "skip: no libcom_err.so.2"; exit 77; fi
if [ ! -c /dev/fuse ]; then echo "skip: /dev/fuse is missing"; exit 77; fi
if ! command -v fusermount3 >/dev/null; then echo "skip: fusermount3 is missing"; exit 77; fi
if [ -e /sys/module/ocfs2_dlmfs/parameters/capabilities ]; then
	echo "skip: ocfs2_dlmfs is loaded here (its capabilities file answers)"; exit 77
fi
SO=$BUILD/libdlmfs-compat.so FUSE=$BUILD/dlmfs-fuse T=$BUILD/tests/compat/o2dlm_smoke
for f in "$SO" "$FUSE"; do [ -e "$f" ] || { echo "o2dlm-smoke: $f is missing"; exit 1; }; done
mkdir -p "$(dirname "$T")"
${CC} -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -O2 -g -Itests/compat -o "$T" tests/compat/o2dlm_smoke.c \
	"$A" -l:libcom_err.so.2 -ldl -lpthread || exit 1

TMP=$(mktemp -d /tmp/o2dlm-smoke.XXXXXX) DPID=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	for m in "$TMP"/n1 "$TMP"/n2; do
		grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir "$TMP/n1" "$TMP/n2"
"$FUSE" -f "$TMP/n1" "$TMP/n2" 2>"$TMP/log" &
DPID=$!
for i in $(seq 1 100); do
	grep -q " $TMP/n2 fuse" /proc/mounts && break
	sleep 0.1
done
rc=0
echo "# without libdlmfs-compat.so"
timeout 30 "$T" --refused "$TMP/n1" || rc=1
echo "# with LD_PRELOAD=$SO"
timeout 60 env LD_PRELOAD="$(realpath "$SO")" "$T" "$TMP/n1" "$TMP/n2" || rc=1
exit $rc
