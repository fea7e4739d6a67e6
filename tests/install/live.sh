#!/usr/bin/env bash
# tests/install/live.sh - run by tests/install/run.sh inside
# `unshare -m --propagation private`, as root: the staged install is shown
# at its final paths (each directory overlaid by a bind-mounted copy of
# itself plus symlinks to the staged files), then mounted with mount(8).
# One line per check: "ok WHAT" or "FAIL: WHAT".
# env: STAGE W BINDIR MOUNTHELPERDIR PKGLIBDIR
set -u
SYSPATH=/usr/sbin:/usr/bin:/sbin:/bin
ok() { echo "ok $*"; }
bad() { echo "FAIL: $*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

cleanup() {
	local m
	for m in "$W"/n1 "$W"/n2 "$W"/n3; do
		grep -qF " $m " /proc/self/mounts && umount -l "$m"
	done
}
trap cleanup EXIT

# overlay DIR SRC: DIR shows its own entries and, over them, symlinks to
# SRC's (the staged binaries' /proc/self/exe stays in the staged tree)
nov=0
overlay() {
	local dir=$1 src=$2 t o e
	nov=$((nov + 1))
	t=$W/ov$nov
	o=$W/orig$nov
	mkdir -p "$t" "$o"
	mount --bind "$dir" "$o" || return 1
	for e in "$o"/* "$o"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		ln -s "$e" "$t/${e##*/}"
	done
	for e in "$src"/*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		rm -f "$t/${e##*/}"
		ln -s "$e" "$t/${e##*/}"
	done
	mount --bind "$t" "$dir"
}

mounted() { grep -c " $W/n[123] fuse.dlmfs " /proc/self/mounts; }
wait_unmounted() {
	local i
	for i in $(seq 1 50); do
		[ "$(mounted)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

mkdir -p "$W/n1" "$W/n2" "$W/n3"
check "the staged $BINDIR is shown at $BINDIR" overlay "$BINDIR" "$STAGE$BINDIR"
check "the staged mount.fuse.dlmfs is shown in /sbin" overlay /sbin "$STAGE$MOUNTHELPERDIR"
SBIN_OVERLAY=$W/ov2

echo "# mount -t fuse.dlmfs with -o peers: the installed helper (PATH without $BINDIR)"
out=$(PATH=$SYSPATH mount -t fuse.dlmfs -o "peers=$W/n2,ctl=$W/ctl" dlmfs "$W/n1" 2>&1)
check "mount -t fuse.dlmfs -o peers=... dlmfs n1 ($out)" test -z "$out"
check "n1 and n2 are fuse.dlmfs mounts" test "$(mounted)" = 2
check "dlmfs-n1 and dlmfs-n2 in /proc/self/mounts" \
	sh -c "grep -q '^dlmfs-n1 $W/n1 ' /proc/self/mounts && grep -q '^dlmfs-n2 $W/n2 ' /proc/self/mounts"
check "the control socket reports 2 nodes up" \
	test "$("$BINDIR/dlmfs-fuse" --ctl "$W/ctl" status | grep -c '^n[12] up')" = 2
check "a domain on each node" mkdir "$W/n1/dom" "$W/n2/dom"
if exec 3<>"$W/n1/dom/lk"; then
	ok "n1 takes EX (open O_RDWR|O_CREAT)"
	printf hello >&3
	out=$(printf 'B open dom/lk rdonly|nonblock|creat 0644\nbye\n' |
	      timeout 10 "$BINDIR/dlmfs-agent" "$W/n2")
	check "n2's trylock is refused with ETXTBSY (dlmfs-agent: $(echo $out))" \
		grep -q 'B err ETXTBSY' <<<"$out"
	out=$(rm "$W/n1/dom/lk" 2>&1)
	check "unlink of the held lock: EBUSY ($out)" grep -qi 'busy' <<<"$out"
	exec 3>&-
	out=$(timeout 10 head -c 5 "$W/n2/dom/lk" | tr -d '\0')
	check "n2's PR open gets the LVB n1 wrote ('$out')" test "$out" = hello
else
	bad "n1 cannot open dom/lk for EX"
fi
conf=$(timeout 60 "$BINDIR/dlmfs-conform" --fuse-ctl "$W/ctl" --node "$W/n1" --node "$W/n2" \
	--filter 'x3-*' 2>&1)
check "dlmfs-conform x3-* on the mounted cluster: $(tail -1 <<<"$conf")" \
	grep -qE '^scenarios: [1-9][0-9]* run, [1-9][0-9]* passed, 0 failed' <<<"$conf"
if [ "$(dirname "$BINDIR")/lib/dlmfs-lab" = "$PKGLIBDIR" ]; then
	check "its actors preload the installed libdlmfs-compat.so" \
		grep -qF "LD_PRELOAD=$STAGE$PKGLIBDIR/libdlmfs-compat.so" <<<"$conf"
fi
check "umount of n1" umount "$W/n1"
check "unmounting n1 took the whole cluster down" wait_unmounted
check "the control socket is gone" test ! -e "$W/ctl"

echo "# mount -t fuse.dlmfs without the helper: fuse3's /sbin/mount.fuse runs dlmfs from PATH"
umount /sbin
if [ -e /sbin/mount.fuse.dlmfs ]; then
	echo "note: this machine has its own /sbin/mount.fuse.dlmfs; the fallback is not tested"
else
	out=$(PATH=$BINDIR:$SYSPATH mount -t fuse.dlmfs dlmfs "$W/n3" 2>&1)
	check "mount -t fuse.dlmfs dlmfs n3 ($out)" test -z "$out"
	check "n3 is a 1-node cluster" test "$(mounted)" = 1
	check "a domain on n3" mkdir "$W/n3/dom"
	check "umount of n3" umount "$W/n3"
	check "n3 unmounted" wait_unmounted
fi
mount --bind "$SBIN_OVERLAY" /sbin

echo "# an fstab line"
printf 'dlmfs %s fuse.dlmfs peers=%s,profile=linux-6-user,noauto,nofail,_netdev,x-dlmfs.test=1 0 0\n' \
	"$W/n1" "$W/n2" >"$W/fstab"
out=$(PATH=$SYSPATH mount -T "$W/fstab" "$W/n1" 2>&1)
check "mount -T fstab n1 ($out)" test -z "$out"
check "the fstab line made 2 nodes" test "$(mounted)" = 2
check "the fstab options reached dlmfs (profile=linux-6-user)" \
	sh -c "'$BINDIR/dlmfs-agent' --hello '$W/n2' | grep -q 'profile=linux-6-user'"
check "umount of the peer n2" umount "$W/n2"
check "unmounting a peer took the whole cluster down" wait_unmounted
