#!/bin/sh
# deps.sh [build|check|fuse|fuzz|coverage|kernel|all] - install the Debian packages a
# target needs, as root or through sudo; one clear line and exit 1 otherwise.
set -u
need_build="gcc make pkg-config libcmocka-dev valgrind clang libfuse3-dev fuse3 ocfs2-tools-dev comerr-dev python3"
need_fuse="libfuse3-dev fuse3"
need_fuzz="afl++"
need_coverage="lcov"
# make kernel-check: qemu VMs from an initramfs with a static agent
need_kernel="qemu-system-x86 busybox-static cpio kmod socat xz-utils gcc libc6-dev"
case "${1:-build}" in
build|check) want="$need_build" ;;
fuse) want="$need_build $need_fuse" ;;
fuzz) want="$need_build $need_fuzz" ;;
coverage) want="$need_build $need_coverage" ;;
kernel) want="$need_kernel" ;;
all) want="$need_build $need_fuse $need_fuzz $need_coverage" ;;
*) echo "deps.sh: unknown set '$1' (build|check|fuse|fuzz|coverage|kernel|all)" >&2; exit 2 ;;
esac
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
	echo "deps.sh: missing Debian packages:$missing (run as root or with sudo: apt-get install$missing)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends $missing >/tmp/dlmfs-deps.log 2>&1; then
	$sudo apt-get update -qq >>/tmp/dlmfs-deps.log 2>&1
	$sudo apt-get install -y -qq --no-install-recommends $missing >>/tmp/dlmfs-deps.log 2>&1 || {
		echo "deps.sh: apt-get install$missing failed (see /tmp/dlmfs-deps.log)" >&2
		exit 1
	}
fi
exit 0
