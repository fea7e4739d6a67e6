#!/usr/bin/env bash
# fuzz/replay.sh - make fuzz-replay: every corpus through the gcc-built
# replayers (seeds generated from conformance/scenarios, the committed
# regressions in fuzz/regress/HARNESS/), then ops2scn on every ops input:
# the scenario it writes must pass `dlmfs-sim run` (the converter says
# what the model did). fsdiff needs /dev/fuse and fusermount3, else it is
# skipped with a message. Exit 1 on any finding.
set -u
cd "$(dirname "$0")/.."
B=${BUILD:-build}
FZ=$B/fuzz
rc=0
dirs() { for d in "$@"; do [ -d "$d" ] && echo "$d"; done; }

echo "== fuzz-replay ops"
"$FZ/ops" -k $(dirs "$FZ/seeds/ops" fuzz/regress/ops) || rc=1
echo "== fuzz-replay scenario"
"$FZ/scenario" -k $(dirs conformance/scenarios docs/findings \
	fuzz/regress/scenario) || rc=1
echo "== fuzz-replay api"
"$FZ/api" -k $(dirs "$FZ/seeds/ops" fuzz/regress/api) || rc=1
echo "== fuzz-replay fsdiff"
if [ ! -c /dev/fuse ]; then
	echo "skip: /dev/fuse is missing"
elif [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then
	echo "skip: /dev/fuse is not readable and writable for $(id -un)"
elif ! command -v fusermount3 >/dev/null; then
	echo "skip: fusermount3 is missing"
else
	DLMFS_FUSE=${DLMFS_FUSE:-$B/dlmfs-fuse} "$FZ/fsdiff" -k \
		$(dirs "$FZ/seeds/ops" fuzz/regress/fsdiff) || rc=1
fi
echo "== fuzz-replay ops2scn -> dlmfs-sim run"
tmp=$(mktemp -d /tmp/dlmfs-ops2scn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in $(find $(dirs "$FZ/seeds/ops" fuzz/regress/ops) -maxdepth 1 -type f ! -name 'README*'); do
	n=$((n + 1))
	"$FZ/ops2scn" "$f" -o "$tmp/$n.scn" 2>/dev/null
	case $? in 0|3) ;; *) echo "ops2scn failed on $f"; rc=1 ;; esac
done
if ls "$tmp"/*.scn >/dev/null 2>&1; then
	"$B/dlmfs-sim" run "$tmp"/*.scn | grep -v '^PASS' || true
	"$B/dlmfs-sim" run "$tmp"/*.scn >/dev/null || rc=1
fi
[ $rc = 0 ] && echo "fuzz-replay: ok" || echo "fuzz-replay: FAILED"
exit $rc
