// SPDX-License-Identifier: MIT
/*
 * fuse_test.c - checks a running dlmfs-fuse through its mounts.
 *
 * usage: fuse_test [-c CTL] [-s] [-o ONLY] MP1 MP2 [MP3]
 *   -c CTL   control socket (crash/restart checks)
 *   -s       the daemon runs with -o strict_signals
 *   -o NAME  run only the named test
 * Every wait is bounded. Prints "N passed, N failed"; exit 1 on failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static struct th t;

/* the daemon's -o profile=, as its root xattr must name it */
static const char *want_profile = "linux-6";

/* ---- namespace (N1-N6), attributes (A1-A3), xattrs ---- */
static void t_namespace(void)
{
	char p[512], name[300];
	struct statvfs sv;
	struct stat st;
	int fd;

	th_path(&t, p, 0, "ns");
	TH_EQ(&t, th_sys(mkdir(p, 0755)), 0, "mkdir domain");
	TH_EQ(&t, th_sys(mkdir(p, 0755)), -EEXIST, "mkdir existing -> EEXIST");
	th_path(&t, p, 0, "ns/sub");
	TH_EQ(&t, th_sys(mkdir(p, 0755)), -EPERM, "mkdir in a domain -> EPERM (N3)");
	th_path(&t, p, 0, "rootfile");
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_CREAT, 0644)), -EACCES,
	      "create at root -> EACCES (N1)");
	memset(name, 'a', 31);
	name[31] = 0;
	th_path(&t, p, 0, "ns/%s", name);
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_OK(&t, fd >= 0, "31-byte lock name ok");
	th_close(fd);
	strcat(name, "b");
	th_path(&t, p, 0, "ns/%s", name);
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_CREAT, 0644)), -EINVAL,
	      "32-byte lock name -> EINVAL (N4)");
	th_path(&t, p, 0, "ns/$x");
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_CREAT, 0644)), -EINVAL,
	      "'$' lock name -> EINVAL (N4)");
	memset(name, 'n', 256);
	name[256] = 0;
	th_path(&t, p, 0, "ns/%s", name);
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_CREAT, 0644)), -ENAMETOOLONG,
	      "256-byte name -> ENAMETOOLONG");
	th_path(&t, p, 0, "ns/lk");
	fd = th_sys(open(p, O_RDWR | O_CREAT | O_EXCL, 0644));
	TH_OK(&t, fd >= 0, "create lock file");
	th_close(fd);
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_CREAT | O_EXCL, 0644)), -EEXIST,
	      "O_EXCL on existing -> EEXIST");
	TH_EQ(&t, th_sys(stat(p, &st)), 0, "stat lock file");
	TH_EQ(&t, (long)st.st_size, 64, "st_size 64 (A1)");
	TH_EQ(&t, (long)(st.st_mode & 07777), 0644, "mode 0644 (umask 022)");
	TH_OK(&t, S_ISREG(st.st_mode), "regular file");
	{
		char q[512];

		th_path(&t, q, 0, "ns/lk2");
		TH_EQ(&t, th_sys(rename(p, q)), -EPERM, "rename -> EPERM");
		TH_EQ(&t, th_sys(link(p, q)), -EPERM, "link -> EPERM");
		TH_EQ(&t, th_sys(symlink("lk", q)), -EPERM, "symlink -> EPERM");
		TH_EQ(&t, th_sys(mknod(q, S_IFIFO | 0644, 0)), -EPERM,
		      "mknod fifo -> EPERM");
	}
	th_path(&t, p, 1, "ns/lk");
	TH_EQ(&t, th_sys(stat(p, &st)), -ENOENT,
	      "namespace is node-local (N5)");
	th_path(&t, p, 0, "ns/missing");
	TH_EQ(&t, th_sys(open(p, O_RDONLY)), -ENOENT, "open missing -> ENOENT");
	TH_EQ(&t, th_sys(unlink(p)), -ENOENT, "unlink missing -> ENOENT");
	th_path(&t, p, 0, "ns");
	TH_EQ(&t, th_sys(rmdir(p)), -ENOTEMPTY, "rmdir non-empty -> ENOTEMPTY");
	TH_EQ(&t, th_sys(statvfs(t.mp[0], &sv)), 0, "statfs");
	TH_EQ(&t, (long)sv.f_namemax, 255, "f_namemax 255 (A3)");
	TH_OK(&t, th_mounted(t.mp[0], "dlmfs-n1", "fuse.dlmfs"),
	      "mount shows dlmfs-n1 fuse.dlmfs");
	TH_OK(&t, th_mounted(t.mp[1], "dlmfs-n2", "fuse.dlmfs"),
	      "mount shows dlmfs-n2 fuse.dlmfs");
}

static void t_xattr(void)
{
	const char *names = "user.dlmfs.capabilities\0user.dlmfs.profile\0"
			    "user.dlmfs.stack";
	const size_t names_len = 24 + 19 + 17;
	char v[128] = "", p[512];
	ssize_t n;

	n = getxattr(t.mp[0], "user.dlmfs.capabilities", v, sizeof(v) - 1);
	TH_EQ(&t, (long)n, 14, "capabilities xattr length");
	TH_STR(&t, v, "bast stackglue", "capabilities xattr value");
	/* the era and stack, so a runner can pick its oracle (C1 is caps) */
	memset(v, 0, sizeof(v));
	n = getxattr(t.mp[0], "user.dlmfs.profile", v, sizeof(v) - 1);
	TH_EQ(&t, (long)n, (long)strlen(want_profile), "profile xattr length");
	TH_STR(&t, v, want_profile, "profile xattr value");
	memset(v, 0, sizeof(v));
	n = getxattr(t.mp[1], "user.dlmfs.stack", v, sizeof(v) - 1);
	TH_STR(&t, v, strstr(want_profile, "-user") ? "user" : "o2cb",
	       "stack xattr value (node 2)");
	TH_EQ(&t, th_sys((int)getxattr(t.mp[0], "user.dlmfs.stack", v, 2)),
	      -ERANGE, "xattr into a short buffer -> ERANGE");
	memset(v, 0, sizeof(v));
	n = listxattr(t.mp[0], v, sizeof(v));
	TH_OK(&t, n == (ssize_t)names_len && !memcmp(v, names, names_len),
	      "listxattr root names all three");
	TH_EQ(&t, (long)listxattr(t.mp[0], NULL, 0), (long)names_len,
	      "listxattr size query");
	th_mkdom(&t, 0, "xa");
	th_close(open(th_path(&t, p, 0, "xa/lk"), O_RDONLY | O_CREAT, 0600));
	TH_EQ(&t, th_sys((int)getxattr(p, "user.x", v, sizeof(v))),
	      -EOPNOTSUPP, "getxattr elsewhere -> EOPNOTSUPP");
	TH_EQ(&t, th_sys((int)getxattr(p, "user.dlmfs.profile", v, sizeof(v))),
	      -EOPNOTSUPP, "profile xattr only on the root");
	TH_EQ(&t, th_sys(setxattr(p, "user.x", "1", 1, 0)), -EOPNOTSUPP,
	      "setxattr -> EOPNOTSUPP");
	TH_EQ(&t, th_sys(setxattr(t.mp[0], "user.dlmfs.profile", "x", 1, 0)),
	      -EOPNOTSUPP, "setxattr of the profile -> EOPNOTSUPP");
	TH_EQ(&t, th_sys((int)getxattr(t.mp[0], "user.other", v, sizeof(v))),
	      -EOPNOTSUPP, "other root xattr -> EOPNOTSUPP");
}

/* ---- read/write/seek/misc on one fd (V1, V2, A4, A5, O5) ---- */
static void t_io(void)
{
	char p[512], buf[128];
	unsigned char big[70];
	void *map;
	int fd, fd2;

	th_mkdom(&t, 0, "io");
	th_path(&t, p, 0, "io/lk");
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_OK(&t, fd >= 0, "open EX");
	memset(big, 'x', sizeof(big));
	TH_EQ(&t, (long)write(fd, big, 70), 64, "write 70 -> 64 (V2)");
	TH_EQ(&t, th_sys((int)write(fd, "a", 1)), -ENOSPC, "write at 64 -> ENOSPC");
	TH_EQ(&t, (long)lseek(fd, 0, SEEK_SET), 0, "lseek 0");
	TH_EQ(&t, (long)write(fd, "abc", 3), 3, "write abc");
	TH_EQ(&t, (long)write(fd, "de", 2), 2, "write de");
	TH_EQ(&t, (long)pread(fd, buf, 3, 0), 3, "pread 3");
	TH_OK(&t, !memcmp(buf, "dec", 3), "abc then de -> dec (V2)");
	TH_EQ(&t, (long)pwrite(fd, "zz", 2, 10), 2, "pwrite at 10 -> 2");
	TH_EQ(&t, (long)pread(fd, buf, 2, 0), 2, "pread 2");
	TH_OK(&t, !memcmp(buf, "zz", 2), "pwrite lands at byte 0");
	TH_EQ(&t, (long)pread(fd, buf, 4, 60), 4, "pread(4, 60) -> 4 (A4)");
	TH_EQ(&t, (long)lseek(fd, 0, SEEK_END), 64, "SEEK_END -> 64");
	TH_EQ(&t, (long)lseek(fd, 100, SEEK_SET), 100, "seek to 100");
	TH_EQ(&t, (long)read(fd, buf, 10), 0, "read at 100 -> 0");
	TH_EQ(&t, th_sys(fsync(fd)), -EINVAL, "fsync -> EINVAL (A5)");
	map = mmap(NULL, 64, PROT_READ, MAP_SHARED, fd, 0);
	TH_OK(&t, map == MAP_FAILED && errno == ENODEV,
	      "shared mmap -> ENODEV (A5)");
	if (map != MAP_FAILED)
		munmap(map, 64);
	map = mmap(NULL, 64, PROT_READ, MAP_PRIVATE, fd, 0);
	th_note(&t, "private mmap: %s (kernel dlmfs: ENODEV; FUSE direct_io allows it)",
		map == MAP_FAILED ? strerror(errno) : "succeeds");
	if (map != MAP_FAILED)
		munmap(map, 64);
	TH_EQ(&t, th_sys(ftruncate(fd, 0)), 0, "ftruncate succeeds (A2)");
	TH_EQ(&t, (long)pread(fd, buf, 64, 0), 64, "size still 64 after truncate");
	fd2 = th_sys(open(p, O_RDONLY));
	TH_OK(&t, fd2 >= 0, "second local open (L1)");
	TH_EQ(&t, th_sys((int)write(fd2, "q", 1)), -EBADF, "write on PR fd -> EBADF");
	th_close(fd2);
	fd2 = th_sys(open(p, O_WRONLY));
	TH_EQ(&t, th_sys((int)read(fd2, buf, 1)), -EBADF, "read on O_WRONLY -> EBADF");
	th_close(fd2);
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_DIRECT)), -EINVAL, "O_DIRECT -> EINVAL (O5)");
	fd2 = th_sys(open(p, O_RDWR | O_TRUNC));
	TH_EQ(&t, (long)pread(fd2, buf, 2, 0), 2, "O_TRUNC open");
	TH_OK(&t, !memcmp(buf, "zz", 2), "O_TRUNC keeps the LVB (O5)");
	th_close(fd2);
	TH_EQ(&t, th_sys(unlink(p)), -EBUSY, "unlink with an open fd -> EBUSY (T1)");
	th_close(fd);
	TH_EQ(&t, th_sys(unlink(p)), 0, "unlink after close");
}

/* ---- two nodes ---- */
static void t_trylock(void)
{
	char p[512], q[512];
	int fd;

	th_mkdom(&t, 0, "try");
	th_mkdom(&t, 1, "try");
	th_path(&t, p, 0, "try/lk");
	th_path(&t, q, 1, "try/lk");
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_OK(&t, fd >= 0, "n1 EX");
	TH_EQ(&t, th_sys(open(q, O_RDONLY | O_NONBLOCK | O_CREAT, 0644)),
	      -ETXTBSY, "n2 PR trylock -> ETXTBSY (O2)");
	TH_EQ(&t, th_sys(open(q, O_RDWR | O_NONBLOCK)), -ETXTBSY,
	      "refused O_CREAT trylock still created the file");
	th_close(fd);
	TH_EQ(&t, th_sys(open(q, O_RDONLY | O_NONBLOCK)), -ETXTBSY,
	      "n1 caching EX: trylock still fails (X3)");
}

static void t_block_poll_lvb(void)
{
	char p[512], q[512], lvb[65];
	struct th_kid k;
	int fd, rev;

	th_mkdom(&t, 0, "blk");
	th_mkdom(&t, 1, "blk");
	th_path(&t, p, 0, "blk/lk");
	th_path(&t, q, 1, "blk/lk");
	th_close(th_sys(open(q, O_RDONLY | O_CREAT | O_NONBLOCK, 0644)));
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_OK(&t, fd >= 0, "n1 EX holder");
	TH_EQ(&t, (long)write(fd, "v1", 2), 2, "n1 writes v1");
	TH_EQ(&t, th_poll(fd, 0), 0, "no POLLIN before a waiter (P1)");
	th_kid_open(&k, q, O_RDONLY);
	TH_EQ(&t, th_kid_result(&k, 300, NULL), 1, "n2 blocking PR open blocks");
	rev = th_poll(fd, 2000);
	TH_OK(&t, rev & POLLIN, "n1 fd reports POLLIN while n2 waits (P1)");
	TH_OK(&t, th_poll(fd, 0) & POLLIN, "POLLIN is level-triggered");
	TH_EQ(&t, (long)pwrite(fd, "v2", 2, 0), 2, "n1 writes v2");
	th_close(fd);
	TH_EQ(&t, th_kid_result(&k, 3000, lvb), 0, "n2 granted after n1 closes");
	TH_OK(&t, !strncmp(lvb, "v2", 2), "n2 reads v2: LVB handed off (V3)");
	th_kid_done(&k);
	/* n1 now caches PR (blocker wanted PR): its own PR trylock works */
	fd = th_sys(open(p, O_RDONLY | O_NONBLOCK));
	TH_OK(&t, fd >= 0, "n1 PR trylock after downconvert to PR");
	th_close(fd);
	TH_EQ(&t, th_sys(open(p, O_RDWR | O_NONBLOCK)), -ETXTBSY,
	      "n1 EX trylock refused (n2 caches PR)");
}

static void t_cached_downconvert(void)
{
	char p[512], q[512], lvb[65];
	struct th_kid k;
	double t0;
	int fd;

	th_mkdom(&t, 0, "dc");
	th_mkdom(&t, 1, "dc");
	th_path(&t, p, 0, "dc/lk");
	th_path(&t, q, 1, "dc/lk");
	th_close(th_sys(open(q, O_RDONLY | O_CREAT | O_NONBLOCK, 0644)));
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_EQ(&t, (long)write(fd, "c1", 2), 2, "n1 writes c1");
	th_close(fd);
	t0 = th_now();
	th_kid_open(&k, q, O_RDWR);
	TH_EQ(&t, th_kid_result(&k, 2000, lvb), 0,
	      "n2 EX open: n1 (no holders) downconverts at once (X2)");
	th_note(&t, "cached-EX handoff took %.1f ms", (th_now() - t0) * 1e3);
	TH_OK(&t, !strncmp(lvb, "c1", 2), "n2 reads c1");
	th_kid_done(&k);
}

static void t_close_unlink(void)
{
	char p[512];
	int i, fd, bad = 0, r;

	th_mkdom(&t, 0, "cu");
	th_path(&t, p, 0, "cu/lk");
	for (i = 0; i < 200; i++) {
		fd = open(p, O_RDWR | O_CREAT, 0644);
		if (fd < 0) {
			bad++;
			continue;
		}
		close(fd);
		r = th_sys(unlink(p));
		if (r) {
			if (!bad)
				th_note(&t, "iteration %d: unlink %s", i,
					strerror(-r));
			bad++;
		}
	}
	TH_EQ(&t, bad, 0, "close+unlink x200: never EBUSY");
	fd = open(p, O_RDWR | O_CREAT, 0644);
	r = dup(fd);
	close(fd);
	TH_EQ(&t, th_sys(unlink(p)), -EBUSY, "dup'd fd still open -> EBUSY");
	close(r);
	TH_EQ(&t, th_sys(unlink(p)), 0, "last dup closed -> unlink 0");
}

static void t_kill_holder(void)
{
	char p[512], q[512];
	struct th_kid h, w;

	th_mkdom(&t, 0, "kill");
	th_mkdom(&t, 1, "kill");
	th_path(&t, p, 0, "kill/lk");
	th_path(&t, q, 1, "kill/lk");
	th_kid_open(&h, p, O_RDWR | O_CREAT);
	TH_EQ(&t, th_kid_result(&h, 2000, NULL), 0, "n1 holder process has EX");
	th_kid_open(&w, q, O_RDWR | O_CREAT);
	TH_EQ(&t, th_kid_result(&w, 300, NULL), 1, "n2 waiter blocks");
	kill(h.pid, SIGKILL);
	TH_EQ(&t, th_kid_result(&w, 3000, NULL), 0,
	      "kill -9 of the holder lets n2 in");
	th_kid_done(&h);
	th_kid_done(&w);
}

static void t_interrupt(void)
{
	char p[512], q[512];
	struct th_kid k;
	int fd;

	th_mkdom(&t, 0, "intr");
	th_mkdom(&t, 1, "intr");
	th_path(&t, p, 0, "intr/lk");
	th_path(&t, q, 1, "intr/lk");
	th_close(th_sys(open(q, O_RDONLY | O_CREAT | O_NONBLOCK, 0644)));
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	th_kid_open(&k, q, O_RDONLY);
	TH_EQ(&t, th_kid_result(&k, 300, NULL), 1, "n2 open blocks");
	kill(k.pid, SIGINT);
	if (!t.strict) {
		TH_EQ(&t, th_kid_result(&k, 2000, NULL), -EINTR,
		      "SIGINT ends the wait with EINTR (FUSE interrupt)");
	} else {
		TH_EQ(&t, th_kid_result(&k, 500, NULL), 1,
		      "strict_signals: SIGINT does not end the wait (O4)");
		th_close(fd);
		fd = -1;
		TH_EQ(&t, th_kid_result(&k, 3000, NULL), -EINTR,
		      "strict_signals: EINTR when the grant arrives (O4)");
		fd = th_sys(open(q, O_RDONLY | O_NONBLOCK));
		TH_OK(&t, fd >= 0, "strict_signals: level stays cached (O4)");
	}
	th_kid_done(&k);
	th_close(fd);
}

/* ---- three nodes: two PR holders, an EX waiter ---- */
static void t_three(void)
{
	char p[3][512];
	struct th_kid a, b, c;
	int i;

	for (i = 0; i < 3; i++) {
		th_mkdom(&t, i, "three");
		th_path(&t, p[i], i, "three/lk");
	}
	th_kid_open(&a, p[0], O_RDONLY | O_CREAT);
	th_kid_open(&b, p[1], O_RDONLY | O_CREAT);
	TH_EQ(&t, th_kid_result(&a, 2000, NULL), 0, "n1 PR");
	TH_EQ(&t, th_kid_result(&b, 2000, NULL), 0, "n2 PR beside it (X1)");
	th_kid_open(&c, p[2], O_RDWR | O_CREAT);
	TH_EQ(&t, th_kid_result(&c, 300, NULL), 1, "n3 EX waits");
	th_kid_done(&a);
	TH_EQ(&t, th_kid_result(&c, 300, NULL), 1, "n3 still waits for n2");
	th_kid_done(&b);
	TH_EQ(&t, th_kid_result(&c, 3000, NULL), 0, "n3 EX granted");
	th_kid_done(&c);
}

/* ---- node death through the control socket ---- */
static void t_crash(void)
{
	char p[512], q[512], lvb[65], out[4096];
	struct th_kid h, w;
	struct stat st;
	int fd;

	th_mkdom(&t, 0, "crash");
	th_mkdom(&t, 1, "crash");
	th_path(&t, p, 0, "crash/lk");
	th_path(&t, q, 1, "crash/lk");
	fd = th_sys(open(p, O_RDWR | O_CREAT, 0644));
	TH_EQ(&t, (long)write(fd, "before", 6), 6, "n1 EX holds 'before'");
	th_kid_open(&w, q, O_RDONLY | O_CREAT);
	TH_EQ(&t, th_kid_result(&w, 300, NULL), 1, "n2 waits");
	TH_EQ(&t, th_ctl(&t, "crash 1", out, sizeof(out)), 0, "ctl crash 1");
	TH_EQ(&t, th_kid_result(&w, 3000, lvb), 0, "n2 granted after n1 died");
	TH_OK(&t, !memcmp(lvb, "\0\0\0\0\0\0", 6),
	      "dead EX holder's LVB is zeroed (V6, o2cb)");
	th_kid_done(&w);
	TH_EQ(&t, th_sys(stat(p, &st)), -EIO, "dead node: stat -> EIO");
	TH_EQ(&t, th_sys((int)read(fd, lvb, 1)), -EIO, "dead node's fd: read -> EIO");
	TH_EQ(&t, th_sys(mkdir(t.mp[0], 0755)) != 0, 1, "dead node: calls fail");
	th_kid_open(&h, p, O_RDONLY);
	TH_EQ(&t, th_kid_result(&h, 2000, NULL), -EIO, "dead node: open -> EIO");
	th_kid_done(&h);
	TH_EQ(&t, th_ctl(&t, "crash 1", out, sizeof(out)), 1,
	      "ctl crash of a dead node -> error");
	TH_EQ(&t, th_ctl(&t, "restart 1", out, sizeof(out)), 0, "ctl restart 1");
	th_close(fd);
	TH_EQ(&t, th_sys(stat(p, &st)), -ENOENT, "restarted node: empty namespace");
	TH_EQ(&t, th_sys(mkdir(th_path(&t, p, 0, "crash"), 0755)), 0,
	      "restarted node: mkdir works");
	th_path(&t, p, 0, "crash/lk");
	th_kid_open(&h, p, O_RDONLY | O_CREAT);
	TH_EQ(&t, th_kid_result(&h, 2000, NULL), 0, "restarted node: PR open");
	th_kid_done(&h);
	TH_EQ(&t, th_ctl(&t, "status", out, sizeof(out)), 0, "ctl status");
	TH_EQ(&t, th_ctl(&t, "caps", out, sizeof(out)), 0, "ctl caps");
	TH_STR(&t, out, "bast stackglue\n", "ctl caps text");
}

static const struct {
	const char *name;
	void (*fn)(void);
	int nodes;
	bool ctl;
} tests[] = {
	{ "namespace", t_namespace, 2, false },
	{ "xattr", t_xattr, 2, false },
	{ "io", t_io, 1, false },
	{ "trylock", t_trylock, 2, false },
	{ "block_poll_lvb", t_block_poll_lvb, 2, false },
	{ "cached_downconvert", t_cached_downconvert, 2, false },
	{ "close_unlink", t_close_unlink, 1, false },
	{ "kill_holder", t_kill_holder, 2, false },
	{ "interrupt", t_interrupt, 2, false },
	{ "three", t_three, 3, false },
	{ "crash", t_crash, 2, true },
};

int main(int argc, char **argv)
{
	const char *only = NULL;
	size_t i;
	int c;

	th_init(&t);
	while ((c = getopt(argc, argv, "c:so:p:")) != -1) {
		if (c == 'p')
			want_profile = optarg;
		else if (c == 'c')
			t.ctl = optarg;
		else if (c == 's')
			t.strict = true;
		else if (c == 'o')
			only = optarg;
		else
			return 2;
	}
	for (; optind < argc && t.nmp < 8; optind++)
		t.mp[t.nmp++] = argv[optind];
	if (t.nmp < 1) {
		fprintf(stderr, "usage: fuse_test [-c CTL] [-s] [-o TEST] [-p PROFILE] MP...\n");
		return 2;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only && strcmp(only, tests[i].name))
			continue;
		if (tests[i].nodes > t.nmp || (tests[i].ctl && !t.ctl)) {
			printf("# skip %s (needs %d nodes%s)\n", tests[i].name,
			       tests[i].nodes, tests[i].ctl ? " and -c" : "");
			continue;
		}
		printf("# %s\n", tests[i].name);
		fflush(stdout);
		tests[i].fn();
	}
	printf("%d passed, %d failed\n", t.pass, t.fail);
	return t.fail ? 1 : 0;
}
