#!/usr/bin/env bash
# fuzz/planted-bug.sh [BUG] [SECONDS] - prove the ops fuzzer finds a planted
# model bug and that its crash becomes a regression scenario:
#
#  1. build the AFL++ ops harness and the tools (make fuzz-build fuzz-tools);
#  2. keep only the seeds that pass with the bug planted, so the fuzzer has
#     to find it by mutation;
#  3. fuzz with DLMFS_FUZZ_BUGS=BUG (read only by the harness) until the
#     first crash, at most SECONDS (default 60);
#  4. ops2scn the crash: shrunk, expectations from the clean model;
#  5. `dlmfs-sim run` passes it, `dlmfs-sim run --bug BUG` fails it.
#
# BUG: no-publish (default), grant-ex-beside-pr, poll-ignores-blocked,
# holder-leak. Exit 0 when all of that holds. Output in $BUILD/fuzz/planted/.
set -u
cd "$(dirname "$0")/.."
bug=${1:-no-publish}
secs=${2:-60}
B=${BUILD:-build}
FZ=$B/fuzz
W=$FZ/planted/$bug
fail() { echo "planted-bug: FAIL: $*"; exit 1; }

make -s --no-print-directory fuzz-build fuzz-tools "$B/dlmfs-sim" || fail "build"
bin=
for cc in afl-clang-lto afl-clang-fast; do
	[ -x "$FZ/$cc/fuzz/ops" ] && { bin=$FZ/$cc/fuzz/ops; break; }
done
[ -n "$bin" ] || fail "no AFL++ ops binary under $FZ"
rm -rf "$W" && mkdir -p "$W/in"
kept=0
for f in "$FZ"/seeds/ops/*; do
	if DLMFS_FUZZ_BUGS=$bug "$FZ/ops" -k "$f" >/dev/null 2>&1; then
		cp "$f" "$W/in/"; kept=$((kept + 1))
	fi
done
echo "== $kept seeds pass with '$bug' planted; fuzzing $bin for at most ${secs}s"
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
AFL_TRY_AFFINITY=1 AFL_BENCH_UNTIL_CRASH=1 DLMFS_FUZZ_BUGS=$bug \
	afl-fuzz -i "$W/in" -o "$W/out" -x fuzz/ops.dict -G 256 -V "$secs" -- "$bin" \
	>"$W/afl.log" 2>&1
crash=$(find "$W/out/default/crashes" -name 'id:*' 2>/dev/null | sort | head -1)
[ -n "$crash" ] || fail "no crash within ${secs}s (log $W/afl.log)"
ms=$(basename "$crash" | sed -n 's/.*,time:\([0-9]*\),.*/\1/p')
eps=$(sed -n 's/^execs_per_sec *: //p' "$W/out/default/fuzzer_stats")
echo "== first crash after ${ms} ms of fuzzing ($eps execs/s): $crash"
"$FZ/ops" -k "$crash" 2>&1 | grep -v 'inputs replayed' | sed 's/^/   /'

scn=$W/$bug.scn
"$FZ/ops2scn" --bug "$bug" "$crash" -o "$scn" || fail "ops2scn"
echo "== ops2scn wrote $scn:"
sed 's/^/   /' "$scn"
echo "== dlmfs-sim run (real model): must pass"
"$B/dlmfs-sim" run "$scn" || fail "the scenario fails on the real model"
echo "== dlmfs-sim run --bug $bug: must fail"
"$B/dlmfs-sim" run --bug "$bug" "$scn" && fail "the scenario passes with the bug"
echo "planted-bug: ok: '$bug' found in ${ms} ms; $scn passes on the real model and fails with the bug"
