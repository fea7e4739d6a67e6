#!/bin/sh
# deps.sh - the Debian packages `make kernel-check` needs on the host, installed
# like scripts/deps.sh does (as root or through sudo, apt-get only). Exit 0 when
# everything is there, 77 with one line saying why it cannot be (the caller
# reports a skip), never downloads anything but Debian packages.
set -u
want="qemu-system-x86 busybox-static cpio kmod socat xz-utils gcc libc6-dev"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
	echo "kernel deps: missing Debian packages:$missing (run as root, or apt-get install$missing)" >&2
	exit 77
fi
log=${TMPDIR:-/tmp}/dlmfs-kernel-deps.log
echo "kernel deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
	$sudo apt-get update -qq >>"$log" 2>&1
	$sudo apt-get install -y -qq --no-install-recommends $missing >>"$log" 2>&1 || {
		echo "kernel deps: apt-get install$missing failed (see $log)" >&2
		exit 77
	}
fi
exit 0
