/* SPDX-License-Identifier: MIT */
/*
 * compat_mnt.c - which files are on a dlmfs-fuse mount, and the fake
 * capabilities file.
 *
 * A file is on dlmfs-fuse when its statfs says FUSE_SUPER_MAGIC and the
 * /proc/self/mountinfo line of its mount (matched by mount id from statx,
 * else by st_dev) has fstype "fuse.dlmfs". The answer is cached per
 * (st_dev, mount id) in a fixed lock-free table: no malloc, no lock, so it
 * is safe in any thread, after fork and in signal handlers. Internal
 * syscalls are raw, never through the interposed names, and errno is
 * restored on every path.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "compat.h"

/* ---- the cache ---- */
#define CACHE_SLOTS	64

enum { SLOT_EMPTY, SLOT_BUSY, SLOT_OTHER, SLOT_DLMFS };

struct slot {
	uint64_t dev;
	uint64_t mnt;
	uint32_t state;		/* written last (release), read first */
};

static struct slot cache[CACHE_SLOTS];

/* SLOT_OTHER, SLOT_DLMFS, or SLOT_EMPTY when not cached */
static uint32_t cache_get(uint64_t dev, uint64_t mnt)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		uint32_t s = __atomic_load_n(&cache[i].state, __ATOMIC_ACQUIRE);

		if (s == SLOT_EMPTY)
			return SLOT_EMPTY;
		if (s != SLOT_BUSY && cache[i].dev == dev && cache[i].mnt == mnt)
			return s;
	}
	return SLOT_EMPTY;
}

/* a racing writer stores the same answer; a full table caches nothing */
static void cache_put(uint64_t dev, uint64_t mnt, uint32_t kind)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		uint32_t s = SLOT_EMPTY;

		if (!__atomic_compare_exchange_n(&cache[i].state, &s, SLOT_BUSY,
						 false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		cache[i].dev = dev;
		cache[i].mnt = mnt;
		__atomic_store_n(&cache[i].state, kind, __ATOMIC_RELEASE);
		return;
	}
}

/* ---- /proc/self/mountinfo, parsed as a stream (no line buffer) ---- */
struct mi_query {
	bool by_id;		/* match mount id, else major:minor */
	uint64_t id;
	unsigned maj, min;
	bool any;		/* any fuse.dlmfs mount at all */
	bool found;		/* the mount was seen */
	bool dlmfs;		/* ...and is fuse.dlmfs (any: one was seen) */
};

struct mi_entry {
	int field;		/* index of the token being read */
	bool dash;		/* the " - " separator was seen */
	bool have_type;
	uint64_t id;
	unsigned maj, min;
	char fstype[24];
	char tok[24];
	size_t n;		/* bytes in tok (truncated past its size) */
};

static uint64_t parse_u64(const char *s, const char **end)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	*end = s;
	return v;
}

static void mi_token(struct mi_entry *e)
{
	const char *p;
	size_t n = e->n < sizeof(e->tok) ? e->n : sizeof(e->tok) - 1;

	e->tok[n] = '\0';
	if (e->field == 0) {
		e->id = parse_u64(e->tok, &p);
	} else if (e->field == 2) {
		e->maj = (unsigned)parse_u64(e->tok, &p);
		e->min = *p == ':' ? (unsigned)parse_u64(p + 1, &p) : 0;
	} else if (e->field >= 6 && !e->dash && !strcmp(e->tok, "-")) {
		e->dash = true;
	} else if (e->dash && !e->have_type) {
		e->have_type = true;
		/* a longer fstype is not ours: keep it unequal */
		memcpy(e->fstype, e->tok, n + 1);
		if (e->n >= sizeof(e->tok))
			e->fstype[0] = '\0';
	}
	e->field++;
	e->n = 0;
}

static void mi_line(struct mi_entry *e, struct mi_query *q)
{
	bool dlmfs = e->have_type && !strcmp(e->fstype, COMPAT_FSTYPE);

	if (q->any) {
		q->dlmfs |= dlmfs;
	} else if (q->by_id ? e->id == q->id :
		   e->maj == q->maj && e->min == q->min) {
		/* bind mounts share st_dev: any fuse.dlmfs line decides */
		q->found = true;
		q->dlmfs |= dlmfs;
	}
	memset(e, 0, sizeof(*e));
}

/* 0, or -1 when mountinfo cannot be read */
static int mi_scan(struct mi_query *q)
{
	struct mi_entry e;
	char buf[2048];
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/mountinfo",
			  O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&e, 0, sizeof(e));
	for (;;) {
		long n = syscall(SYS_read, (int)fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++) {
			char c = buf[i];

			if (c == ' ' || c == '\n') {
				mi_token(&e);
				if (c == '\n')
					mi_line(&e, q);
			} else if (e.n++ < sizeof(e.tok)) {
				e.tok[e.n - 1] = c;
			}
		}
	}
	syscall(SYS_close, (int)fd);
	return 0;
}

/* ---- is it dlmfs-fuse ---- */
struct fid {
	uint64_t dev;
	uint64_t mnt;		/* mount id, 0 when statx cannot say */
	bool has_mnt;
	bool reg;
};

static int file_id(int dirfd, const char *path, struct fid *id)
{
	struct statx sx;
	struct stat st;
	int flags = path ? 0 : AT_EMPTY_PATH;

	memset(id, 0, sizeof(*id));
	if (!syscall(SYS_statx, dirfd, path ? path : "", flags,
		     STATX_TYPE | STATX_MNT_ID, &sx)) {
		id->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		id->has_mnt = sx.stx_mask & STATX_MNT_ID;
		id->mnt = id->has_mnt ? sx.stx_mnt_id : 0;
		id->reg = S_ISREG(sx.stx_mode);
		return 0;
	}
	if (fstatat(dirfd, path ? path : "", &st, flags))
		return -1;
	id->dev = st.st_dev;
	id->reg = S_ISREG(st.st_mode);
	return 0;
}

static bool fuse_magic(int dirfd, const char *path)
{
	struct statfs sf;
	int rc;

	compat_resolve();
	if (!path)
		rc = compat_real.fstatfs(dirfd, &sf);
	else if (path[0] == '/' || dirfd == AT_FDCWD)
		rc = compat_real.statfs(path, &sf);
	else
		return true;	/* let the mountinfo lookup decide */
	return !rc && (uint32_t)sf.f_type == COMPAT_FUSE_MAGIC;
}

bool compat_on_dlmfs_fuse(int dirfd, const char *path, bool magic_known,
			  bool *reg)
{
	int saved = errno;
	struct mi_query q;
	struct fid id;
	uint32_t kind;
	bool yes = false;

	*reg = false;
	if (file_id(dirfd, path, &id))
		goto out;
	*reg = id.reg;
	kind = cache_get(id.dev, id.mnt);
	if (kind != SLOT_EMPTY) {
		yes = kind == SLOT_DLMFS;
		goto out;
	}
	if (!magic_known && !fuse_magic(dirfd, path)) {
		cache_put(id.dev, id.mnt, SLOT_OTHER);
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.by_id = id.has_mnt;
	q.id = id.mnt;
	q.maj = major(id.dev);
	q.min = minor(id.dev);
	if (mi_scan(&q))
		goto out;	/* no /proc: unsure, uncached */
	yes = q.found && q.dlmfs;
	if (q.found)
		cache_put(id.dev, id.mnt, yes ? SLOT_DLMFS : SLOT_OTHER);
out:
	errno = saved;
	return yes;
}

/* ---- the capabilities file ---- */
bool compat_is_caps_path(const char *path)
{
	return path && !strcmp(path, COMPAT_CAPS_PATH);
}

static int fill(int fd)
{
	static const char caps[] = COMPAT_CAPS;
	size_t off = 0;

	while (off < sizeof(caps) - 1) {
		long n = syscall(SYS_write, fd, caps + off,
				 sizeof(caps) - 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int compat_caps_fd(bool cloexec)
{
	int saved = errno, p[2];
	struct mi_query q;
	long fd;

	memset(&q, 0, sizeof(q));
	q.any = true;
	if (mi_scan(&q) || !q.dlmfs)
		goto none;
	/* a memfd reads (and seeks) like the sysfs file; else a pipe */
	fd = syscall(SYS_memfd_create, "ocfs2_dlmfs-capabilities",
		     cloexec ? MFD_CLOEXEC : 0);
	if (fd >= 0) {
		if (!fill((int)fd) &&
		    syscall(SYS_lseek, (int)fd, 0L, SEEK_SET) == 0) {
			errno = saved;
			return (int)fd;
		}
		syscall(SYS_close, (int)fd);
		goto none;
	}
	if (syscall(SYS_pipe2, p, cloexec ? O_CLOEXEC : 0))
		goto none;
	if (fill(p[1])) {
		syscall(SYS_close, p[0]);
		p[0] = -1;
	}
	syscall(SYS_close, p[1]);
	if (p[0] >= 0) {
		errno = saved;
		return p[0];
	}
none:
	errno = saved;
	return -1;
}
