#!/usr/bin/env bash
# tests/install/run.sh - `make install` into a temp DESTDIR, then:
#  1. the staged tree is exactly what man/man.mk promises (no file missing,
#     none extra; modes; the dlmfs and man page links resolve);
#  2. every man page renders without a warning (groff -ww, man --warnings)
#     and carries the version of the programs;
#  3. tests/install/help.sh on the staged programs and man pages;
#  4. the staged programs work from there: dlmfs-sim runs the staged
#     corpus, dlmfs-conform finds it without arguments, the .pc file
#     builds a program against libdm.a;
#  5. as root with /dev/fuse, in a private mount namespace where the staged
#     files are seen at their final paths: mount -t fuse.dlmfs through the
#     installed mount.fuse.dlmfs (a 2-node cluster with -o peers=), through
#     fuse3's own /sbin/mount.fuse fallback (1 node) and from an fstab line;
#     a domain, a held EX lock (trylock on the peer ETXTBSY, unlink EBUSY),
#     the LVB handed over, dlmfs-conform with the installed compat library,
#     and umount of one node taking the cluster down;
#  6. make uninstall leaves no file behind.
#
# env (from man/man.mk): MAKE BUILD PREFIX BINDIR SBINDIR MOUNTHELPERDIR
# PKGLIBDIR PKGCONFIGDIR INCLUDEDIR SCENARIODIR MAN1DIR MAN7DIR MAN8DIR
# DLMFS_VERSION. Exit 0 all passed, 1 a failure, 77 steps 1-4 and 6 passed
# but the live mount was skipped (no root, /dev/fuse, unshare or
# mount.fuse3: said on a SKIP line).
set -u
cd "$(dirname "$0")/../.."
: "${MAKE:=make}" "${BUILD:=build}"
for v in PREFIX BINDIR MOUNTHELPERDIR PKGLIBDIR PKGCONFIGDIR INCLUDEDIR \
	 SCENARIODIR MAN1DIR MAN7DIR MAN8DIR DLMFS_VERSION; do
	[ -n "${!v:-}" ] || { echo "install-check: $v not set (run it as make install-check)"; exit 1; }
done
PASS=0
FAIL=0
W=$(mktemp -d "${TMPDIR:-/tmp}/dlmfs-install.XXXXXX") || exit 1
STAGE=$W/stage
trap 'rm -rf "$W"' EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}

echo "# make install DESTDIR=$STAGE"
if ! $MAKE --no-print-directory install DESTDIR="$STAGE" BUILD="$BUILD" >"$W/install.log" 2>&1; then
	tail -20 "$W/install.log"
	echo "FAIL: make install"
	exit 1
fi

echo "# the staged tree"
S() { echo "$STAGE$1"; }
nscn=$(ls conformance/scenarios/*.scn | wc -l)
{
	for p in dlmfs-fuse dlmfs-sim dlmfs-conform dlmfs-agent dlmfs; do echo "$BINDIR/$p"; done
	echo "$MOUNTHELPERDIR/mount.fuse.dlmfs"
	echo "$PKGLIBDIR/libdlmfs-compat.so"
	echo "$PKGLIBDIR/libdm.a"
	echo "$INCLUDEDIR/dlmfs-lab/dm.h"
	echo "$INCLUDEDIR/dlmfs-lab/dm_limits.h"
	echo "$PKGCONFIGDIR/dlmfs-lab.pc"
	for f in conformance/scenarios/*.scn conformance/scenarios/README.md; do
		[ -f "$f" ] && echo "$SCENARIODIR/${f##*/}"
	done
	for m in dlmfs-fuse dlmfs-sim dlmfs-conform dlmfs-agent dlmfs; do echo "$MAN1DIR/$m.1"; done
	echo "$MAN7DIR/dlmfs-lab.7"
	echo "$MAN8DIR/mount.fuse.dlmfs.8"
} | sort >"$W/want"
(cd "$STAGE" && find . ! -type d | sed 's|^\.||' | sort) >"$W/got"
if cmp -s "$W/want" "$W/got"; then ok; else
	bad "staged tree differs from the expected list (< missing, > extra):"
	diff "$W/want" "$W/got" | grep '^[<>]' | head -20
fi
for p in dlmfs-fuse dlmfs-sim dlmfs-conform dlmfs-agent; do
	check "$BINDIR/$p is an executable file" test -f "$(S "$BINDIR/$p")" -a -x "$(S "$BINDIR/$p")"
done
check "$BINDIR/dlmfs -> dlmfs-fuse" test "$(readlink "$(S "$BINDIR/dlmfs")")" = dlmfs-fuse
check "mount.fuse.dlmfs is executable" test -x "$(S "$MOUNTHELPERDIR/mount.fuse.dlmfs")"
check "mount.fuse.dlmfs is valid sh" sh -n "$(S "$MOUNTHELPERDIR/mount.fuse.dlmfs")"
check "mount.fuse.dlmfs puts $BINDIR first in PATH" \
	grep -qF "PATH=\"$BINDIR\${PATH" "$(S "$MOUNTHELPERDIR/mount.fuse.dlmfs")"
check "$SCENARIODIR holds the $nscn scenarios" \
	test "$(ls "$(S "$SCENARIODIR")"/*.scn | wc -l)" = "$nscn"
check "scenario files are 0644" test -z "$(find "$(S "$SCENARIODIR")" -type f ! -perm 0644)"
check "man8/mount.fuse.dlmfs.8 resolves" test -f "$(S "$MAN8DIR/mount.fuse.dlmfs.8")"
check "man1/dlmfs.1 resolves" test -f "$(S "$MAN1DIR/dlmfs.1")"
check "libdlmfs-compat.so is a shared object" \
	sh -c "od -An -c -N4 '$(S "$PKGLIBDIR/libdlmfs-compat.so")' | grep -q 'E   L   F'"
check "dlmfs-fuse --o2dlm-env names the staged libdlmfs-compat.so" \
	test "$("$(S "$BINDIR/dlmfs-fuse")" --o2dlm-env)" = "export LD_PRELOAD=$(realpath "$(S "$PKGLIBDIR/libdlmfs-compat.so")")"

echo "# man pages render without warnings"
for m in "$(S "$MAN1DIR")"/*.1 "$(S "$MAN7DIR")"/*.7; do
	[ -L "$m" ] && continue
	n=${m##*/}
	out=$(groff -man -ww -z -Tutf8 "$m" 2>&1)
	check "groff -ww $n: ${out:-clean}" test -z "$out"
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$m" 2>&1 >/dev/null)
		check "man --warnings -l $n: ${out:-clean}" test -z "$out"
		check "man -l $n renders text" sh -c "MANWIDTH=80 man -l '$m' 2>/dev/null | grep -q '^NAME'"
	fi
	check "$n: .TH says dlmfs-lab $DLMFS_VERSION" grep -q "^\.TH .*\"dlmfs-lab $DLMFS_VERSION\"" "$m"
done

echo "# --help against the installed man pages"
if tests/install/help.sh "$(S "$BINDIR")" "$(S "$(dirname "$MAN1DIR")")" >"$W/help.log" 2>&1; then
	ok
	tail -1 "$W/help.log"
else
	grep -E '^FAIL|passed' "$W/help.log"
	bad "tests/install/help.sh on the staged tree"
fi

echo "# the staged programs find their files"
out=$("$(S "$BINDIR/dlmfs-sim")" run "$(S "$SCENARIODIR")"/*.scn 2>&1 | tail -1)
check "staged dlmfs-sim runs the staged corpus: $out" test "$out" = "$nscn passed, 0 failed, 0 skipped"
out=$("$(S "$BINDIR/dlmfs-conform")" 2>&1 | tail -1)
check "staged dlmfs-conform without arguments runs the corpus: $out" \
	test "$out" = "scenarios: $nscn run, $nscn passed, 0 failed, 0 skipped"
check "dlmfs-conform --help names the staged corpus" \
	sh -c "'$(S "$BINDIR/dlmfs-conform")' --help | grep -qF '$STAGE$SCENARIODIR'"
check "dlmfs-conform --help names $PKGLIBDIR" \
	sh -c "'$(S "$BINDIR/dlmfs-conform")' --help | grep -qF '$PKGLIBDIR'"
if command -v pkg-config >/dev/null; then
	cat >"$W/pc.c" <<'EOF'
#include <dm.h>
#include <stdio.h>

int main(void)
{
	struct dm_model *m = dm_new(dm_profile_find(DM_PROFILE_DEFAULT), 2);

	if (!m)
		return 1;
	dm_free(m);
	puts("libdm ok");
	return 0;
}
EOF
	flags=$(PKG_CONFIG_SYSROOT_DIR="$STAGE" PKG_CONFIG_LIBDIR="$(S "$PKGCONFIGDIR")" \
		pkg-config --cflags --libs dlmfs-lab 2>&1)
	check "pkg-config dlmfs-lab: $flags" test -n "$flags"
	check "a program builds with the .pc flags and runs" sh -c \
		"${CC:-cc} -std=gnu11 -Wall -Werror -o '$W/pc' '$W/pc.c' $flags >'$W/pc.log' 2>&1 && '$W/pc' | grep -q 'libdm ok'"
	[ -s "$W/pc.log" ] && head -5 "$W/pc.log"
fi

# ---- 5. the live mount ----
skip=
[ "$(id -u)" = 0 ] || skip="not root"
[ -z "$skip" ] && { [ -c /dev/fuse ] || skip="no /dev/fuse"; }
[ -z "$skip" ] && { command -v unshare >/dev/null || skip="no unshare(1)"; }
[ -z "$skip" ] && { [ -x /sbin/mount.fuse3 ] || [ -x /usr/sbin/mount.fuse3 ] || skip="no mount.fuse3 (fuse3 package)"; }
[ -z "$skip" ] && { unshare -m --propagation private true 2>/dev/null || skip="unshare -m is not permitted here"; }
for d in "$BINDIR" /sbin; do
	[ -z "$skip" ] && { [ -d "$d" ] || skip="$d does not exist on this machine (staged files are shown over it)"; }
done

if [ -z "$skip" ]; then
	echo "# mount -t fuse.dlmfs from the staged tree (private mount namespace)"
	export STAGE W BINDIR MOUNTHELPERDIR PKGLIBDIR
	timeout -k 5 120 unshare -m --propagation private bash tests/install/live.sh >"$W/live.log" 2>&1
	rc=$?
	grep -E '^(ok|FAIL)' "$W/live.log" | sed 's/^ok /  ok: /'
	np=$(grep -c '^ok ' "$W/live.log")
	nf=$(grep -c '^FAIL' "$W/live.log")
	PASS=$((PASS + np))
	FAIL=$((FAIL + nf))
	if [ $rc != 0 ] && [ "$nf" = 0 ]; then
		bad "live mount test ended with exit $rc:"
		tail -15 "$W/live.log"
	fi
	# nothing of ours may be left mounted outside the namespace
	check "no fuse.dlmfs mount left in $W" sh -c "! grep -qF '$W' /proc/self/mounts"
fi

echo "# make uninstall"
if $MAKE --no-print-directory uninstall DESTDIR="$STAGE" BUILD="$BUILD" >"$W/uninstall.log" 2>&1; then
	left=$(cd "$STAGE" && find . ! -type d | head -5)
	check "make uninstall removes every file${left:+ (left: $left)}" test -z "$left"
else
	tail -5 "$W/uninstall.log"
	bad "make uninstall"
fi

echo "install-check: $PASS passed, $FAIL failed"
[ $FAIL = 0 ] || exit 1
if [ -n "$skip" ]; then
	echo "SKIP: mount -t fuse.dlmfs: $skip"
	exit 77
fi
exit 0
