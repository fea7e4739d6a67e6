#!/bin/bash
# initrd.sh KERNELDIR AGENT - pack the initramfs for the kernel in KERNELDIR
# (fetch.sh's output): busybox-static, the static dlmfs-agent, the modules and
# conformance/kernel/init. Cached by content: KERNELDIR/initrd-HASH.gz.
# Prints its path.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
K=$1
AGENT=$2
BB=$(command -v busybox)
ldd "$BB" >/dev/null 2>&1 && { echo "initrd: $BB is not static (apt-get install busybox-static)" >&2; exit 1; }
hash=$(cat "$BB" "$AGENT" "$HERE/init" "$K/modlist" | sha256sum | cut -c1-12)
out=$K/initrd-$hash.gz
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi
root=$(mktemp -d "$K/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# / of the VMs: the nonroot scenarios' users walk through it
mkdir -p "$root"/{bin,proc,sys,dev,tmp,mods,dlm}
cp "$BB" "$root/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cp "$AGENT" "$root/bin/dlmfs-agent"
cp "$K"/mods/*.ko "$root/mods/"
cp "$K/modlist" "$root/modlist"
cp "$HERE/init" "$root/init"
chmod 755 "$root/init" "$root/bin/dlmfs-agent"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
for f in "$K"/initrd-*.gz; do [ "$f" = "$out" ] || rm -f "$f"; done
echo "initrd: $out ($(du -k "$out" | cut -f1) KB)" >&2
echo "$out"
