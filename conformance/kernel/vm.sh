#!/bin/bash
# vm.sh RUNDIR COMMAND [K] - the qemu VMs of one kernel-check run.
#   start K [LIVE]  boot VM K (daemonized qemu); LIVE: nodes it must connect to
#   ready K         wait until K's /dlm is mounted and its agent serves vmK.sock
#   crash K         the fault hook: SIGKILL K's qemu, then wait until every
#                   other VM's o2net has dropped node K (its heartbeat died)
#   restart K       boot K again (a new incarnation, empty /dlm) and wait ready
#   stop [K]        kill one or all VMs
#   probe ACCEL     can this accelerator boot the kernel? (exit 0/1)
# RUNDIR/config (written by run.sh) sets NODES KDIR INITRD ACCEL PORT DEAD TTL MEM.
# The runner calls `vm.sh RUNDIR crash K` / `restart K` (dlmfs-conform --fault-cmd).
set -uo pipefail
RUN=$1
cmd=$2
K=${3:-}
. "$RUN/config"
say() { echo "vm.sh: $*" >&2; }
now() { date +%s.%N | cut -c1-14; }
pidof_vm() { cat "$RUN/vm$1.qpid" 2>/dev/null; }	# qemu unlinks its -pidfile
alive() { local p; p=$(pidof_vm "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
port() { echo $((PORT + $1 * 10 + $2)); }	# UDP port of the link K->J, at K

start() { # start K LIVE [ACCEL] [ROLE]
	local k=$1 live=$2 accel=${3:-$ACCEL} role=${4:-agent} j boot net=() cpu=()
	boot=$(($(cat "$RUN/vm$k.boots" 2>/dev/null || echo 0) + 1))
	echo $boot >"$RUN/vm$k.boots"
	[ -f "$RUN/console$k.log" ] && mv "$RUN/console$k.log" "$RUN/console$k.boot$((boot - 1)).log"
	stop "$k"
	rm -f "$RUN/vm$k.sock" "$RUN/vm$k.pid"
	if [ "$NODES" -gt 1 ]; then
		for j in $(seq 1 "$NODES"); do
			[ "$j" = "$k" ] && continue
			net+=(-netdev "socket,id=n$j,udp=127.0.0.1:$(port "$j" "$k"),localaddr=127.0.0.1:$(port "$k" "$j")"
			      -device "virtio-net-pci,netdev=n$j,mac=52:54:00:99:0$k:0$j,romfile=")
		done
	fi
	[ "$accel" = kvm ] && cpu=(-cpu host)
	"${QEMU:-qemu-system-x86_64}" -accel "$accel" "${cpu[@]}" -m "$MEM" -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-daemonize -pidfile "$RUN/vm$k.pid" \
		-chardev "file,id=con,path=$RUN/console$k.log" -serial chardev:con \
		-chardev "socket,id=ag,path=$RUN/vm$k.sock,server=on,wait=off" \
		-device isa-serial,chardev=ag \
		-kernel "$KDIR/$(cat "$KDIR/kimage")" -initrd "$INITRD" \
		-append "console=ttyS0 loglevel=6 panic=-1 dk_role=$role dk_me=$k dk_nodes=$NODES dk_live=$live dk_dead=$DEAD dk_ttl=$TTL" \
		-drive "file=$RUN/hb.img,format=raw,if=none,id=hb,cache=writeback,file.locking=off" \
		-device virtio-blk-pci,drive=hb,share-rw=on "${net[@]}" \
		>"$RUN/qemu$k.log" 2>&1 </dev/null || {
		say "qemu for VM $k did not start: $(tr '\n' ' ' <"$RUN/qemu$k.log")"
		return 3
	}
	cp "$RUN/vm$k.pid" "$RUN/vm$k.qpid"
	echo "$(now) start $k boot $boot live=$live" >>"$RUN/events"
}

ready() { # ready K [SECS]
	local k=$1 secs=${2:-180} i=0 c=$RUN/console$1.log
	while [ $i -lt $((secs * 5)) ]; do
		grep -aq "^DK: ready $k " "$c" 2>/dev/null && { echo "$(now) ready $k" >>"$RUN/events"; return 0; }
		if grep -aq "^DK: FAILED" "$c" 2>/dev/null || ! alive "$k"; then
			say "VM $k failed to come up: $(grep -a '^DK: FAILED' "$c" | head -1)"
			tail -15 "$c" >&2 2>/dev/null
			return 1
		fi
		sleep 0.2
		i=$((i + 1))
	done
	say "VM $k not ready after $secs s"
	tail -15 "$c" >&2 2>/dev/null
	return 1
}

stop() { # stop K
	local p i
	p=$(pidof_vm "$1") || return 0
	[ -n "$p" ] || return 0
	kill -9 "$p" 2>/dev/null
	for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	rm -f "$RUN/vm$1.qpid" "$RUN/vm$1.pid"
}

live_nodes() { # the running VMs but $1, comma separated
	local j out=
	for j in $(seq 1 "$NODES"); do
		[ "$j" != "$1" ] && alive "$j" && out=$out${out:+,}$j
	done
	echo "$out"
}

crash() {
	local k=$1 j t0=$SECONDS survivors marks=()
	alive "$k" || { say "VM $k is not running"; return 1; }
	survivors=$(live_nodes "$k" | tr ',' ' ')
	for j in $survivors; do marks[$j]=$(wc -l <"$RUN/console$j.log"); done
	stop "$k"
	echo "$(now) crash $k" >>"$RUN/events"
	# the survivors notice through the heartbeat (DEAD*2 s) and drop the
	# o2net connection; DLM recovery of K's locks starts right after
	for j in $survivors; do
		until tail -n +"$((marks[$j] + 1))" "$RUN/console$j.log" |
			grep -aqE "o2net: No longer connected to node .*\(num $k\)"; do
			[ $((SECONDS - t0)) -gt $((DEAD * 2 + 60)) ] && {
				say "VM $j never noticed the death of node $k"
				return 1
			}
			alive "$j" || { say "VM $j died too"; return 1; }
			sleep 0.2
		done
	done
	echo "$(now) noticed $k" >>"$RUN/events"
	say "node $k crashed; survivors noticed after $((SECONDS - t0)) s"
}

restart() {
	local k=$1 live try
	alive "$k" && stop "$k"
	live=$(live_nodes "$k")
	for try in 1 2; do
		start "$k" "$live" && ready "$k" 120 && { say "node $k restarted"; return 0; }
		stop "$k"
	done
	return 1
}

probe() { # probe ACCEL: boot to the modules and power off, within 30 s
	local i
	start 1 "" "$1" probe 2>/dev/null || return 1
	for i in $(seq 1 150); do
		grep -aq "^DK: probe ok" "$RUN/console1.log" 2>/dev/null && break
		alive 1 || break
		sleep 0.2
	done
	stop 1
	grep -aq "^DK: probe ok" "$RUN/console1.log" 2>/dev/null
}

case $cmd in
start) start "$K" "${4:-}" ;;
ready) ready "$K" "${4:-180}" ;;
crash) crash "$K" ;;
restart) restart "$K" ;;
stop)
	if [ -n "$K" ]; then stop "$K"; else
		for j in $(seq 1 "$NODES"); do stop "$j"; done
	fi ;;
probe) probe "$K" ;;
*) say "unknown command $cmd"; exit 2 ;;
esac
