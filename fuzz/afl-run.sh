#!/usr/bin/env bash
# fuzz/afl-run.sh FUZZER SECONDS - run afl-fuzz on one harness (make fuzz),
# then print execs/s, corpus size and crashes from its fuzzer_stats.
#
# Inputs: the harness's seeds plus fuzz/regress/FUZZER/ (committed inputs),
# copied into $BUILD/fuzz/in/FUZZER. Output: $BUILD/fuzz/out/FUZZER (the
# previous run is kept as .prev). Extra env is passed to afl-fuzz, e.g.
# AFL_BENCH_UNTIL_CRASH=1, DLMFS_FUZZ_BUGS=no-publish (ops only).
set -u
cd "$(dirname "$0")/.."
name=${1:?usage: afl-run.sh ops|scenario|fsdiff|api SECONDS}
secs=${2:-60}
B=${BUILD:-build}
FZ=$B/fuzz
bin=${FZ_AFL:-$FZ/afl-clang-lto}/fuzz/$name
in=$FZ/in/$name
out=$FZ/out/$name
topt=()

case $name in
ops) dict=fuzz/ops.dict; seeds=("$FZ/seeds/ops"); topt=(-G 256) ;;
fsdiff) dict=fuzz/ops.dict; seeds=("$FZ/seeds/ops"); topt=(-t 10000 -G 256)
	if [ ! -c /dev/fuse ]; then echo "make fuzz: /dev/fuse is missing"; exit 2; fi
	export DLMFS_FUSE=${DLMFS_FUSE:-$B/dlmfs-fuse}
	export DLMFS_FSDIFF_DIR=$FZ/out/fsdiff.mnt
	mkdir -p "$DLMFS_FSDIFF_DIR" ;;
scenario) dict=fuzz/scenario.dict
	seeds=(conformance/scenarios docs/findings) ;;
api) dict=fuzz/ops.dict; seeds=("$FZ/seeds/ops") ;;
*) echo "make fuzz: FUZZER must be ops, scenario, fsdiff or api (got '$name')"; exit 2 ;;
esac
[ -x "$bin" ] || { echo "make fuzz: $bin missing (make fuzz-build)"; exit 2; }
rm -rf "$in" && mkdir -p "$in" "$FZ/out"
for d in "${seeds[@]}" "fuzz/regress/$name"; do
	[ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name 'README*' -exec cp {} "$in"/ \;
done
if [ -d "$out" ]; then rm -rf "$out.prev"; mv "$out" "$out.prev"; fi

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_TRY_AFFINITY=1 AFL_SKIP_CRASHES=1
echo "== afl-fuzz $name for ${secs}s ($(ls "$in" | wc -l) seeds; log $out.log)"
afl-fuzz -i "$in" -o "$out" -x "$dict" -V "$secs" "${topt[@]}" -- "$bin" \
	>"$out.log" 2>&1
rc=$?
if [ "$name" = fsdiff ]; then	# the daemon left with the fork server
	sleep 1
	for m in "$DLMFS_FSDIFF_DIR"/*/n*; do
		grep -q " $m fuse" /proc/mounts && fusermount3 -u -z "$m"
	done
	rm -rf "$DLMFS_FSDIFF_DIR"
fi
stats=$out/default/fuzzer_stats
if [ ! -f "$stats" ]; then
	echo "make fuzz: afl-fuzz failed (exit $rc):"; tail -20 "$out.log"; exit 1
fi
get() { sed -n "s/^$1 *: //p" "$stats"; }
echo "$name: execs/s $(get execs_per_sec) (last minute $(get execs_ps_last_min)), execs $(get execs_done) in $(get run_time) s"
echo "$name: paths (corpus) $(get corpus_count), crashes $(get saved_crashes), hangs $(get saved_hangs), stability $(get stability)"
n=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
if [ "$n" -gt 0 ]; then
	echo "$name: crashes in $out/default/crashes/"
	[ "$name" = ops ] && echo "  readable scenario: $FZ/ops2scn $out/default/crashes/id:000000* -o fuzz/findings/NAME.scn"
	echo "  replay: $FZ/$name $out/default/crashes/"
fi
exit 0
