#!/bin/bash
# kernel-vm.sh - run dlmfs-conform against the real kernel's ocfs2_dlmfs: two
# qemu (TCG) VMs of the stock Debian kernel form an o2cb cluster (recipe:
# ../shared/reference/kernel-vm), each mounts /dlm and serves dlmfs-agent on
# its second serial port; the runner on the host reaches them through socat.
#
# Usage: tests/conformance/kernel-vm.sh [dlmfs-conform options] [SCENARIOS...]
#   (default scenarios: conformance/scenarios/*.scn; NODES=1 for one VM)
# Needs: qemu-system-x86 busybox-static cpio kmod socat gcc (Debian), network
# for `apt-get download` of the kernel once. Artifacts in $WORK (/tmp/conform-vm).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=${KERNEL_VM_REF:-$ROOT/../shared/reference/kernel-vm}
WORK=${WORK:-/tmp/conform-vm}
NODES=${NODES:-2}
BUILD=${BUILD:-$ROOT/build}
PORT=${PORT:-42431}
for t in qemu-system-x86_64 socat busybox cpio depmod gcc; do
	command -v $t >/dev/null || { echo "kernel-vm: $t missing (apt-get install qemu-system-x86 busybox-static cpio kmod socat gcc)" >&2; exit 77; }
done
[ -d "$REF" ] || { echo "kernel-vm: no reference recipe at $REF" >&2; exit 77; }
[ -x "$BUILD/dlmfs-conform" ] || { echo "kernel-vm: $BUILD/dlmfs-conform not built" >&2; exit 2; }
mkdir -p "$WORK"

# 1. kernel, modules, busybox initramfs (the reference build), plus the agent
WORK=$WORK "$REF/build.sh" >"$WORK/build.log" 2>&1 ||
	{ echo "kernel-vm: build failed, see $WORK/build.log" >&2; exit 1; }
gcc -static -O2 -std=gnu11 -D_GNU_SOURCE -I"$ROOT/model" -I"$ROOT/sim" \
	-I"$ROOT/conformance" -o "$WORK/root/bin/dlmfs-agent" \
	"$ROOT"/conformance/{agent_main,agent,actor,actor_calls,proto,detect,spawn}.c \
	"$ROOT"/sim/scn.c "$ROOT"/sim/scn_names.c 2>"$WORK/agent.log" ||
	{ echo "kernel-vm: static agent build failed, see $WORK/agent.log" >&2; exit 1; }
cat >"$WORK/root/scenario-agent.sh" <<'EOF'
# sourced by /init for probe_role=agent: join the cluster, mount /dlm, then
# serve dlmfs-agent on ttyS1 until the runner says bye
if [ -n "${probe_ip:-}" ]; then
	if [ "$probe_me" = 1 ]; then export PEER=10.99.0.2; sig 8999; wt 8998
	else export PEER=10.99.0.1; wt 8999; sig 8998; fi
fi
cluster_up
[ -n "${probe_ip:-}" ] && wait_connected 120
mkdir -p /dlm && mount -t ocfs2_dlmfs ocfs2_dlmfs /dlm
echo "PROBE: agent ready at $(up)s: $(dlmfs-agent --hello /dlm)"
stty -F /dev/ttyS1 115200 raw -echo -echoe -echok -echoctl -echoke
dlmfs-agent /dlm </dev/ttyS1 >/dev/ttyS1
echo "PROBE: agent exited ($?) at $(up)s"
EOF
(cd "$WORK/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd-agent.gz"

# 2. the VMs
cd "$WORK"
rm -f hb.img agent*.sock && truncate -s 1M hb.img
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT INT TERM
NODELIST=1:10.99.0.1
[ "$NODES" = 2 ] && NODELIST=1:10.99.0.1,2:10.99.0.2
vm() { # vm N [NET OPTS]
	local net="-nic none" ip=""
	if [ "$NODES" = 2 ]; then
		net="-netdev socket,id=n0,$2 -device virtio-net-pci,netdev=n0,mac=52:54:00:99:01:0$1"
		ip="probe_ip=10.99.0.$1/24"
	else
		NODELIST=1:127.0.0.1
	fi
	timeout "${VM_TIMEOUT:-3600}" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
		-display none -monitor none -no-reboot -serial "file:console-agent$1.log" \
		-chardev "socket,id=ag,path=$WORK/agent$1.sock,server=on,wait=off" \
		-device isa-serial,chardev=ag -kernel vmlinuz -initrd initrd-agent.gz \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 probe_role=agent probe_me=$1 probe_nodes=$NODELIST $ip" \
		-drive file=hb.img,format=raw,if=none,id=hb,cache=writeback,file.locking=off \
		-device virtio-blk-pci,drive=hb,share-rw=on $net </dev/null >"qemu-agent$1.log" 2>&1
}
vm 1 "listen=127.0.0.1:$PORT" & pids+=($!)
if [ "$NODES" = 2 ]; then sleep 1; vm 2 "connect=127.0.0.1:$PORT" & pids+=($!); fi
for n in $(seq 1 "$NODES"); do
	for i in $(seq 1 600); do
		grep -aq "PROBE: agent ready" "console-agent$n.log" 2>/dev/null && break
		sleep 0.5
	done
	grep -a "PROBE: agent ready" "console-agent$n.log" ||
		{ echo "kernel-vm: VM $n never got ready:" >&2; tail -20 "console-agent$n.log" >&2; exit 1; }
done

# 3. the suite (TCG is slow: generous bounds)
args=()
for n in $(seq 1 "$NODES"); do args+=(--node "exec:socat - UNIX-CONNECT:$WORK/agent$n.sock"); done
cd "$ROOT"
have_files=0
for a in "$@"; do case "$a" in *.scn|*/) have_files=1 ;; esac; done
[ $have_files = 1 ] || set -- "$@" conformance/scenarios/*.scn
"$BUILD/dlmfs-conform" --block-ms 1000 --settle-ms 1000 --timeout-ms 20000 "${args[@]}" "$@"
rc=$?
echo "kernel-vm: dlmfs-conform exit $rc; consoles in $WORK/console-agent*.log"
exit $rc
