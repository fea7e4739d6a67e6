#!/bin/bash
# run.sh - `make kernel-check`: the scenario corpus against the real kernel's
# ocfs2_dlmfs. Boots NODES qemu VMs of Debian's kernel (o2cb through configfs,
# a shared heartbeat disk, UDP links on loopback), each serving dlmfs-agent on a
# serial port, and runs dlmfs-conform once over all of them with the model as
# oracle. Node death (`requires: faults`) is vm.sh crash/restart, called by the
# runner (--fault-cmd). Writes docs/kernel-results.md.
#
# Environment: BUILD (build), KERNEL_CACHE (BUILD/kernel-cache), NODES (2),
# KERNEL (package, default: what linux-image-amd64 points to), ACCEL (kvm|tcg,
# default: probed), KERNEL_RESULTS (docs/kernel-results.md, "" for none),
# CONFORM_OPTS (timing options), KERNEL_BUDGET (seconds for the whole run,
# default 1200: the suite is cut short so that the run ends in time), KEEP_VMS=1
# (boot, print the --node options, leave the VMs running; no suite),
# KERNEL_XFAIL (scenario names, blank or comma separated: known and reported
# disagreements that do not fail the run; default below, "" for none), QEMU
# (qemu-system-x86_64).
# Arguments: extra dlmfs-conform options and scenarios (default: the corpus and
# conformance/kernel/evidence, kernel facts the model does not predict yet).
# Exit: 0 passed, 1 a scenario failed, a scenario was skipped for a reason
# other than "not applicable here" (a harness gap), or the cluster never came
# up, 77 skipped (no qemu/packages/kernel: the reason is printed), 2 usage.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
KC=${KERNEL_CACHE:-$BUILD/kernel-cache}
NODES=${NODES:-2}
DEAD=${DEAD:-5}
MEM=${MEM:-256}
RESULTS=${KERNEL_RESULTS-docs/kernel-results.md}
CONFORM_OPTS=${CONFORM_OPTS:---block-ms 150 --settle-ms 150 --timeout-ms 15000}
T0=$SECONDS
BUDGET=${KERNEL_BUDGET:-1200}
# reported disagreements, each with its evidence (docs/kernel-results.md)
XFAIL_DEFAULT=$(grep -v '^#' "$HERE/xfail" | cut -f1 | tr '\n' ' ')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
left() { echo $((BUDGET - (SECONDS - T0))); }
say() { echo "kernel-check: $*" >&2; }
skip() { echo "kernel-check: SKIP: $*"; exit 77; }
case $NODES in 1 | 2 | 3 | 4) ;; *) say "NODES=$NODES: 1 to 4"; exit 2 ;; esac
mkdir -p "$KC"
KC=$(cd "$KC" && pwd)

# 1. host packages, the kernel, the initramfs
scripts/deps.sh kernel || skip "host packages missing (see above)"
for t in "${QEMU:-qemu-system-x86_64}" socat busybox cpio depmod; do
	command -v $t >/dev/null || skip "$t not found"
done
AGENT=$BUILD/kernel/dlmfs-agent-static
if ! [ -x "$BUILD/dlmfs-conform" ] || ! [ -x "$AGENT" ]; then
	# run by hand: build them (kernel.mk has the static agent's rule)
	mk=(make --no-print-directory BUILD="$BUILD")
	grep -q 'conformance/kernel/kernel.mk' Makefile || mk+=(-f Makefile -f "$HERE/kernel.mk")
	"${mk[@]}" "$BUILD/dlmfs-conform" "$AGENT" >&2 || { say "cannot build $AGENT"; exit 2; }
fi
KDIR=$("$HERE/fetch.sh" "$KC" "${KERNEL:-}")
rc=$?
[ $rc = 77 ] && skip "no kernel package (see above)"
[ $rc = 0 ] || exit 1
INITRD=$("$HERE/initrd.sh" "$KDIR" "$AGENT") || exit 1
KPKG=$(basename "$KDIR")
FETCH_S=$((SECONDS - T0))
say "kernel $KPKG $(cat "$KDIR/pkgver") ready after $FETCH_S s (load $LOAD0)"

# 2. the run directory (unix socket paths must stay short)
RUN=$KC/run
[ ${#RUN} -le 90 ] || RUN=/tmp/dlmfs-kernel-$(id -u)
[ -f "$RUN/config" ] && "$HERE/vm.sh" "$RUN" stop 2>/dev/null
rm -rf "$RUN"
mkdir -p "$RUN"
config() { # config ACCEL PORT
	cat >"$RUN/config" <<EOC
NODES=$NODES
KDIR=$KDIR
INITRD=$INITRD
ACCEL=$1
PORT=$2
DEAD=$DEAD
TTL=${VM_TTL:-3600}
MEM=$MEM
EOC
}
trap '"$HERE/vm.sh" "$RUN" stop 2>/dev/null' EXIT
trap 'exit 130' INT TERM

# 3. KVM when it boots this kernel, else TCG (remembered per host)
if [ -z "${ACCEL:-}" ]; then
	ACCEL=tcg
	host=$(uname -n)-$(uname -r)
	if [ -f "$KC/accel" ] && [ "$(cut -d' ' -f2 "$KC/accel")" = "$host" ]; then
		ACCEL=$(cut -d' ' -f1 "$KC/accel")
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		config kvm 0
		truncate -s 1M "$RUN/hb.img"
		"$HERE/vm.sh" "$RUN" probe kvm && ACCEL=kvm
		echo "$ACCEL $host" >"$KC/accel"
		say "KVM probe: $([ $ACCEL = kvm ] && echo works || echo "no ($(head -c 200 "$RUN/qemu1.log" | tr '\n' ' '))"), using $ACCEL"
		rm -f "$RUN"/*
	fi
fi

# 4. boot the cluster, at most 3 tries
live=$(seq -s, 1 "$NODES")
booted=0 qemu_err=""
for try in 1 2 3; do
	[ "$(left)" -gt 300 ] || { say "no time left for boot try $try"; break; }
	tb=$SECONDS
	config "$ACCEL" $((20000 + (RANDOM % 400) * 100))
	rm -f "$RUN"/hb.img "$RUN"/console* "$RUN"/vm*
	truncate -s 1M "$RUN/hb.img"
	ok=1
	for k in $(seq 1 "$NODES"); do
		"$HERE/vm.sh" "$RUN" start "$k" "$live" || {
			ok=0
			qemu_err="${QEMU:-qemu-system-x86_64} failed: $(head -c 300 "$RUN/qemu$k.log" | tr '\n' ' ')"
			break
		}
	done
	if [ $ok = 1 ]; then
		qemu_err=""
		for k in $(seq 1 "$NODES"); do
			"$HERE/vm.sh" "$RUN" ready "$k" 150 || { ok=0; break; }
		done
	fi
	if [ $ok = 1 ]; then
		booted=1
		break
	fi
	say "boot try $try failed"
	mkdir -p "$RUN/failed-boot-$try" && cp "$RUN"/console*.log "$RUN/failed-boot-$try/" 2>/dev/null
	"$HERE/vm.sh" "$RUN" stop
done
[ $booted = 1 ] || {
	[ -n "$qemu_err" ] && skip "qemu cannot start a VM: $qemu_err"
	say "the $NODES-node cluster never came up (consoles in $RUN/failed-boot-*)"
	exit 1
}
BOOT_S=$((SECONDS - tb))
say "$NODES VM(s) ready in $BOOT_S s ($ACCEL, try $try)"

# 5. the suite, once, every scenario in it
args=(--oracle model --profile linux-6 --allow-hangs)
shown="$CONFORM_OPTS ${args[*]}"
if "$BUILD/dlmfs-conform" -h 2>&1 | grep -q -- '--fault-cmd'; then
	args+=(--fault-cmd "$HERE/vm.sh $RUN")
	shown="$shown --fault-cmd 'conformance/kernel/vm.sh RUN'"
else
	say "this dlmfs-conform has no --fault-cmd: node-death scenarios are skipped"
fi
for k in $(seq 1 "$NODES"); do args+=(--node "exec:socat - UNIX-CONNECT:$RUN/vm$k.sock"); done
if [ -n "${KEEP_VMS:-}" ]; then
	trap - EXIT
	echo "VMs running (TTL ${VM_TTL:-3600} s); run for example:"
	echo "  $BUILD/dlmfs-conform $CONFORM_OPTS $(printf '%q ' "${args[@]}")conformance/scenarios/*.scn"
	echo "stop them with: $HERE/vm.sh $RUN stop"
	exit 0
fi
have_files=0
for a in "$@"; do case $a in *.scn | */) have_files=1 ;; esac; done
[ $have_files = 1 ] || set -- "$@" conformance/scenarios/*.scn conformance/kernel/evidence/*.scn
ts=$SECONDS
# per-scenario wall time appended to cmocka's result lines
limit=$(($(left) - 30))
timeout "$limit" "$BUILD/dlmfs-conform" $CONFORM_OPTS "${args[@]}" "$@" 2>&1 |
	tee "$RUN/conform.raw" |
	while IFS= read -r line; do
		case $line in
		"[ RUN      ] "*) start=$EPOCHREALTIME ;;
		"[       OK ] "* | "[  FAILED  ] "* | "[  SKIPPED ] "*)
			if [ -n "${start:-}" ]; then
				t=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b - a}')
				echo "${line#\[*\] } $t" >>"$RUN/times"
				case $line in "[  FAILED  ] "*) echo "${line#\[*\] }" >>"$RUN/failed" ;; esac
				line="$line ($t s)"
				start=
			fi ;;
		esac
		echo "$line"
	done
rc=${PIPESTATUS[0]}
SUITE_S=$((SECONDS - ts))
[ $rc = 124 ] && say "the suite did not finish in $limit s (KERNEL_BUDGET=$BUDGET)"
# known disagreements (reported, waiting for a model or scenario fix)
xfail=$(echo "${KERNEL_XFAIL-$XFAIL_DEFAULT}" | tr ', ' '\n\n' | sed '/^$/d')
verdict=$rc
if [ $rc = 1 ] && [ -n "$xfail" ] && [ -s "$RUN/failed" ]; then
	unexpected=$(grep -vxF "$xfail" "$RUN/failed")
	if [ -z "$unexpected" ]; then
		say "only known disagreements failed (KERNEL_XFAIL): $(tr '\n' ' ' <"$RUN/failed")"
		verdict=0
	fi
fi
for s in $xfail; do
	grep -q "^$s " "$RUN/times" 2>/dev/null && ! grep -qxF "$s" "$RUN/failed" 2>/dev/null &&
		say "KERNEL_XFAIL: $s passed: drop it from the list"
done
# every scenario that applies to this cluster must have run
awk -f "$HERE/skips.awk" "$RUN/conform.raw" >"$RUN/skips"
if grep -q "	GAP	" "$RUN/skips"; then
	say "scenarios skipped for lack of harness support:"
	grep "	GAP	" "$RUN/skips" | sed 's/	GAP	/: /; s/^/  /' >&2
	verdict=1
fi
"$HERE/vm.sh" "$RUN" stop
say "dlmfs-conform exit $rc after $SUITE_S s; consoles in $RUN/console*.log"

# 6. the report
if [ -n "$RESULTS" ]; then
	KPKG=$KPKG KVER="$(cat "$KDIR/kver")" PKGVER="$(cat "$KDIR/pkgver")" NODES=$NODES \
		ACCEL=$ACCEL BOOT_S=$BOOT_S SUITE_S=$SUITE_S TOTAL_S=$((SECONDS - T0)) RC=$rc \
		VERDICT=$verdict LOAD0="$LOAD0" LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)" \
		FETCH_S=$FETCH_S \
		XFAIL="$(echo $xfail)" \
		OPTS="$shown --node 'exec:socat - UNIX-CONNECT:RUN/vmK.sock' (K = 1..$NODES)" DEAD=$DEAD \
		"$HERE/report.sh" "$RUN/conform.raw" "$RUN/times" "$RUN/events" "$RUN/skips" >"$RESULTS.tmp" &&
		mv "$RESULTS.tmp" "$RESULTS" && say "wrote $RESULTS"
	awk '/^## / { on = /^## (Agreement by rule|Why scenarios were skipped)/ } on' "$RESULTS"
	grep '^| result \|^| known\|^| node death' "$RESULTS"
fi
say "total $((SECONDS - T0)) s"
[ $verdict = 0 ] && exit 0
exit 1
