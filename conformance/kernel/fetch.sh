#!/bin/bash
# fetch.sh CACHE [PACKAGE] - Debian's kernel image package, downloaded once with
# `apt-get download` (never installed) into CACHE/deb, and the few files the VMs
# need extracted into CACHE/kernels/PACKAGE: vmlinuz, the ocfs2/configfs/virtio
# modules (mods/*.ko) and their insmod order (modlist). Prints that directory.
# PACKAGE defaults to the versioned package behind linux-image-amd64.
# Exit 77 (skip) when no kernel can be had: no apt lists and not root, no network.
set -euo pipefail
CACHE=$1
PKG=${2:-}
say() { echo "kernel fetch: $*" >&2; }
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
if [ -z "$PKG" ]; then
	PKG=$(resolve || true)
	if [ -z "$PKG" ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >&2 || true
		PKG=$(resolve || true)
	fi
	if [ -z "$PKG" ]; then
		# offline: the newest kernel already in the cache
		PKG=$(ls -t "$CACHE/kernels" 2>/dev/null | head -1 || true)
		[ -n "$PKG" ] && [ -f "$CACHE/kernels/$PKG/ready" ] || {
			say "cannot tell which package linux-image-amd64 is (apt-get update as root?)"
			exit 77
		}
	fi
fi
case $PKG in linux-image-*) ;; *) say "KERNEL=$PKG is not a linux-image-* package"; exit 2 ;; esac
K=$CACHE/kernels/$PKG
if [ -f "$K/ready" ]; then
	echo "$K"
	exit 0
fi
mkdir -p "$CACHE/deb"
deb=$(ls "$CACHE/deb/${PKG}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
	say "apt-get download $PKG"
	t0=$SECONDS
	# as root, apt's _apt user could not write into the cache: no sandbox
	opt=()
	[ "$(id -u)" = 0 ] && opt=(-o APT::Sandbox::User=root)
	(cd "$CACHE/deb" && apt-get download -q "${opt[@]}" "$PKG" >&2) || {
		[ "$(id -u)" = 0 ] && apt-get update -qq >&2 &&
			(cd "$CACHE/deb" && apt-get download -q "${opt[@]}" "$PKG" >&2)
	} || { say "apt-get download $PKG failed"; exit 77; }
	deb=$(ls "$CACHE/deb/${PKG}"_*.deb | head -1)
	say "downloaded $(basename "$deb") ($(du -m "$deb" | cut -f1) MB) in $((SECONDS - t0)) s"
fi
rm -rf "$K.tmp" && mkdir -p "$K.tmp/x"
# only what the VMs need: the whole module tree is ~400 MB
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$K.tmp/x" --wildcards \
	'./boot/vmlinuz-*' './lib/modules/*/modules.order' './lib/modules/*/modules.builtin*' \
	'./lib/modules/*/kernel/fs/ocfs2/*' './lib/modules/*/kernel/fs/configfs/*' \
	'./lib/modules/*/kernel/drivers/virtio/*' './lib/modules/*/kernel/drivers/block/virtio_blk.ko*' \
	'./lib/modules/*/kernel/drivers/net/virtio_net.ko*' './lib/modules/*/kernel/drivers/net/net_failover.ko*' \
	'./lib/modules/*/kernel/net/core/failover.ko*' 2>/dev/null || true
KVER=$(ls "$K.tmp/x/lib/modules" | head -1)
[ -n "$KVER" ] && [ -f "$K.tmp/x/boot/vmlinuz-$KVER" ] || { say "$deb has no vmlinuz/modules"; exit 1; }
depmod -b "$K.tmp/x" "$KVER"
MD=$K.tmp/x/lib/modules/$KVER
mkdir -p "$K.tmp/mods"
declare -A seen
order=()
add() { # a module (path relative to MD) after its dependencies
	local rel=$1 d
	[ -n "${seen[$rel]:-}" ] && return
	seen[$rel]=1
	for d in $(grep "^$rel:" "$MD/modules.dep" | cut -d: -f2); do add "$d"; done
	order+=("$rel")
}
for m in ocfs2_dlmfs ocfs2_stack_o2cb virtio_pci virtio_blk virtio_net; do
	rel=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$MD/modules.dep" | cut -d: -f1 || true)
	if [ -z "$rel" ]; then
		# built in is fine; missing is not
		grep -qE "/$m\.ko" "$MD/modules.builtin" 2>/dev/null && continue
		say "$PKG has no module $m"
		exit 1
	fi
	add "$rel"
done
: >"$K.tmp/modlist"
for rel in "${order[@]}"; do
	b=$(basename "$rel")
	case $b in
	*.ko) cp "$MD/$rel" "$K.tmp/mods/$b" ;;
	*.ko.xz) xz -dc "$MD/$rel" >"$K.tmp/mods/${b%.xz}" ;;
	*.ko.gz) gzip -dc "$MD/$rel" >"$K.tmp/mods/${b%.gz}" ;;
	*) say "cannot unpack module $b"; exit 1 ;;
	esac
	echo "${b%%.ko*}" >>"$K.tmp/modlist"
done
cp "$K.tmp/x/boot/vmlinuz-$KVER" "$K.tmp/vmlinuz"
# The bzImage decompresses itself in ~6 s under TCG. qemu boots the
# uncompressed ELF directly when it has a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY):
# vmlinux, else vmlinuz (file "kimage" names the one to boot).
echo vmlinuz >"$K.tmp/kimage"
for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
	for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$K.tmp/vmlinuz" | cut -d: -f1 | head -5); do
		# trailing bytes after the stream make the decompressor complain
		tail -c +$((off + 1)) "$K.tmp/vmlinuz" | ${magic#*:} -dc >"$K.tmp/vmlinux" 2>/dev/null || true
		notes=$(readelf -n "$K.tmp/vmlinux" 2>/dev/null || true)
		if [ "$(head -c 4 "$K.tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			[[ $notes == *0x00000012* ]]; then
			echo vmlinux >"$K.tmp/kimage"
			break 2
		fi
	done
done
[ "$(cat "$K.tmp/kimage")" = vmlinux ] || rm -f "$K.tmp/vmlinux"
echo "$KVER" >"$K.tmp/kver"
dpkg-deb -f "$deb" Version >"$K.tmp/pkgver"
rm -rf "$K.tmp/x" "$K"
mv "$K.tmp" "$K"
touch "$K/ready"
say "$PKG: kernel $KVER (boots $(cat "$K/kimage")), modules $(tr '\n' ' ' <"$K/modlist")"
echo "$K"
