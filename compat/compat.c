/* SPDX-License-Identifier: MIT */
/*
 * compat.c - libdlmfs-compat.so, an LD_PRELOAD library that makes a
 * dlmfs-fuse mount look like the kernel's ocfs2_dlmfs to unmodified
 * programs (libo2dlm, o2dlm tools, the conformance actors).
 *
 * On dlmfs-fuse mounts only (compat_mnt.c), the kernel-VFS corners FUSE
 * cannot express:
 *   statfs/fstatfs(64)   f_type FUSE_SUPER_MAGIC -> DLMFS_MAGIC (A3; libo2dlm
 *                        checks it)
 *   open/openat/fopen    O_APPEND is cleared after open, as dlmfs_file_open
 *                        does (O5); F_GETFL no longer shows it
 *   mmap                 ENODEV, private or shared: dlmfs has no ->mmap (A5)
 *   write/pwrite         0 bytes at a position >= 64 -> ENOSPC, the order of
 *                        dlmfs_file_write (V2); FUSE answers 0 itself
 * and, when /sys/module/ocfs2_dlmfs/parameters/capabilities is missing and
 * some dlmfs-fuse is mounted, a read-only open/fopen of it gets a file
 * holding "bast stackglue" (C1), which is what libo2dlm reads.
 * Everything else, and every call on any other file system, goes straight
 * to libc. errno is preserved wherever the result is libc's.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "compat.h"

#define EXPORT __attribute__((visibility("default")))
#define NEEDS_MODE(f) (((f) & O_CREAT) || ((f) & O_TMPFILE) == O_TMPFILE)

/* glibc's fortified entry points (declared only under _FORTIFY_SOURCE) */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat64_2(int dirfd, const char *path, int flags);

/* ---- the real calls ---- */
struct compat_real compat_real;
static int resolved;

#define SYM(field, name) __atomic_store_n((void **)&compat_real.field, \
					  dlsym(RTLD_NEXT, name), __ATOMIC_RELAXED)
#define OR(field, other) do { if (!compat_real.field) \
		compat_real.field = (__typeof__(compat_real.field)) \
				    compat_real.other; } while (0)

void compat_resolve(void)
{
	if (__atomic_load_n(&resolved, __ATOMIC_ACQUIRE))
		return;
	SYM(open, "open");
	SYM(open64, "open64");
	SYM(openat, "openat");
	SYM(openat64, "openat64");
	SYM(open_2, "__open_2");
	SYM(open64_2, "__open64_2");
	SYM(openat_2, "__openat_2");
	SYM(openat64_2, "__openat64_2");
	SYM(fopen, "fopen");
	SYM(fopen64, "fopen64");
	SYM(statfs, "statfs");
	SYM(statfs64, "statfs64");
	SYM(fstatfs, "fstatfs");
	SYM(fstatfs64, "fstatfs64");
	SYM(mmap, "mmap");
	SYM(mmap64, "mmap64");
	SYM(write, "write");
	SYM(pwrite, "pwrite");
	SYM(pwrite64, "pwrite64");
	/* a libc without the 64 or fortified names: the plain ones do */
	OR(open64, open);
	OR(openat64, openat);
	OR(fopen64, fopen);
	OR(statfs64, statfs);
	OR(fstatfs64, fstatfs);
	OR(mmap64, mmap);
	OR(pwrite64, pwrite);
	__atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
}

/* resolve once at load, before the program can start threads */
__attribute__((constructor)) static void compat_init(void)
{
	compat_resolve();
}

/* ---- helpers ---- */
static bool dlmfs_reg(int fd)
{
	bool reg;

	return fd >= 0 && compat_on_dlmfs_fuse(fd, NULL, false, &reg) && reg;
}

/* dlmfs_file_open: file->f_flags &= ~O_APPEND */
static void drop_append(int fd)
{
	int saved = errno, fl;

	if (dlmfs_reg(fd)) {
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_APPEND))
			fcntl(fd, F_SETFL, fl & ~O_APPEND);
	}
	errno = saved;
}

static int after_open(int fd, const char *path, int flags)
{
	int caps;

	if (fd >= 0) {
		if ((flags & O_APPEND) && !(flags & O_PATH))
			drop_append(fd);
		return fd;
	}
	if (errno != ENOENT || !compat_is_caps_path(path) ||
	    (flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_CREAT | O_DIRECTORY | O_PATH)))
		return fd;
	caps = compat_caps_fd(flags & O_CLOEXEC);
	return caps >= 0 ? caps : fd;
}

/* ---- open ---- */
static mode_t mode_arg(int flags, va_list ap)
{
	return NEEDS_MODE(flags) ? va_arg(ap, mode_t) : 0;
}

static int no_call(void)
{
	errno = ENOSYS;
	return -1;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	compat_resolve();
	if (!compat_real.open)
		return no_call();
	return after_open(compat_real.open(path, flags, mode), path, flags);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	compat_resolve();
	if (!compat_real.open64)
		return no_call();
	return after_open(compat_real.open64(path, flags, mode), path, flags);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	compat_resolve();
	if (!compat_real.openat)
		return no_call();
	return after_open(compat_real.openat(dirfd, path, flags, mode), path,
			  flags);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	compat_resolve();
	if (!compat_real.openat64)
		return no_call();
	return after_open(compat_real.openat64(dirfd, path, flags, mode),
			  path, flags);
}

/* the fortified names check their flags themselves: call them as they are */
EXPORT int __open_2(const char *path, int flags)
{
	compat_resolve();
	if (compat_real.open_2)
		return after_open(compat_real.open_2(path, flags), path, flags);
	return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	compat_resolve();
	if (compat_real.open64_2)
		return after_open(compat_real.open64_2(path, flags), path,
				  flags);
	return open64(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	compat_resolve();
	if (compat_real.openat_2)
		return after_open(compat_real.openat_2(dirfd, path, flags),
				  path, flags);
	return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	compat_resolve();
	if (compat_real.openat64_2)
		return after_open(compat_real.openat64_2(dirfd, path, flags),
				  path, flags);
	return openat64(dirfd, path, flags);
}

/* ---- fopen ---- */
/* c in the mode letters (not in a ",ccs=..." suffix) */
static bool mode_has(const char *mode, char c)
{
	size_t n = strcspn(mode, ",");
	const char *p = memchr(mode, c, n);

	return p != NULL;
}

static FILE *after_fopen(FILE *f, const char *path, const char *mode)
{
	int saved = errno, fd;

	if (f) {
		if (mode_has(mode, 'a'))
			drop_append(fileno(f));
		return f;
	}
	if (saved != ENOENT || !compat_is_caps_path(path) || mode[0] != 'r' ||
	    mode_has(mode, '+'))
		return NULL;
	fd = compat_caps_fd(mode_has(mode, 'e'));
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f) {
		close(fd);
		errno = saved;
	}
	return f;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	compat_resolve();
	if (!compat_real.fopen) {
		errno = ENOSYS;
		return NULL;
	}
	return after_fopen(compat_real.fopen(path, mode), path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	compat_resolve();
	if (!compat_real.fopen64) {
		errno = ENOSYS;
		return NULL;
	}
	return after_fopen(compat_real.fopen64(path, mode), path, mode);
}

/* ---- statfs ---- */
/* rc and buf are libc's answer; only f_type changes, errno never does */
#define FIX_TYPE(rc, buf, dirfd, path) do {				\
	bool reg_;							\
	if (!(rc) && (uint32_t)(buf)->f_type == COMPAT_FUSE_MAGIC &&	\
	    compat_on_dlmfs_fuse((dirfd), (path), true, &reg_))		\
		(buf)->f_type = COMPAT_DLMFS_MAGIC;			\
} while (0)

EXPORT int statfs(const char *path, struct statfs *buf)
{
	int rc;

	compat_resolve();
	if (!compat_real.statfs)
		return no_call();
	rc = compat_real.statfs(path, buf);
	FIX_TYPE(rc, buf, AT_FDCWD, path);
	return rc;
}

EXPORT int statfs64(const char *path, struct statfs64 *buf)
{
	int rc;

	compat_resolve();
	if (!compat_real.statfs64)
		return no_call();
	rc = compat_real.statfs64(path, buf);
	FIX_TYPE(rc, buf, AT_FDCWD, path);
	return rc;
}

EXPORT int fstatfs(int fd, struct statfs *buf)
{
	int rc;

	compat_resolve();
	if (!compat_real.fstatfs)
		return no_call();
	rc = compat_real.fstatfs(fd, buf);
	FIX_TYPE(rc, buf, fd, NULL);
	return rc;
}

EXPORT int fstatfs64(int fd, struct statfs64 *buf)
{
	int rc;

	compat_resolve();
	if (!compat_real.fstatfs64)
		return no_call();
	rc = compat_real.fstatfs64(fd, buf);
	FIX_TYPE(rc, buf, fd, NULL);
	return rc;
}

/* ---- mmap ---- */
static bool dlmfs_map(int fd, int flags)
{
	return !(flags & MAP_ANONYMOUS) && dlmfs_reg(fd);
}

/*
 * MAP_FIXED would replace what is mapped at addr before we could refuse:
 * answer as do_mmap would, without mapping (EINVAL, EACCES, then ENODEV)
 */
static void *refuse_fixed(void *addr, size_t len, int prot, int flags,
			  int fd, long long off)
{
	long page = getpagesize();
	int fl = fcntl(fd, F_GETFL), acc = fl & O_ACCMODE;

	if (!len || (off & (page - 1)) || ((uintptr_t)addr & (page - 1)))
		errno = EINVAL;
	else if (fl < 0)
		errno = EBADF;
	else if (acc == O_WRONLY || ((flags & MAP_TYPE) != MAP_PRIVATE &&
				     (prot & PROT_WRITE) && acc != O_RDWR))
		errno = EACCES;
	else
		errno = ENODEV;
	return MAP_FAILED;
}

#ifdef MAP_FIXED_NOREPLACE
#define FIXED (MAP_FIXED | MAP_FIXED_NOREPLACE)
#else
#define FIXED MAP_FIXED
#endif

/* libc's checks ran and passed: dlmfs has no ->mmap */
static void *undo(void *p, size_t len)
{
	if (p == MAP_FAILED)
		return p;
	munmap(p, len);
	errno = ENODEV;
	return MAP_FAILED;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	compat_resolve();
	if (!compat_real.mmap) {
		errno = ENOSYS;
		return MAP_FAILED;
	}
	if (!dlmfs_map(fd, flags))
		return compat_real.mmap(addr, len, prot, flags, fd, off);
	if (flags & FIXED)
		return refuse_fixed(addr, len, prot, flags, fd, off);
	return undo(compat_real.mmap(addr, len, prot, flags, fd, off), len);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off64_t off)
{
	compat_resolve();
	if (!compat_real.mmap64) {
		errno = ENOSYS;
		return MAP_FAILED;
	}
	if (!dlmfs_map(fd, flags))
		return compat_real.mmap64(addr, len, prot, flags, fd, off);
	if (flags & FIXED)
		return refuse_fixed(addr, len, prot, flags, fd, off);
	return undo(compat_real.mmap64(addr, len, prot, flags, fd, off), len);
}

/* ---- write ---- */
/*
 * A 0-byte write that FUSE answered with 0: dlmfs_file_write checks the
 * position (>= i_size: ENOSPC) before the count. pos < 0: the fd's own.
 */
static bool zero_past_end(int fd, long long pos)
{
	int saved = errno;
	bool yes;

	if (pos < 0)
		pos = (long long)lseek64(fd, 0, SEEK_CUR);
	yes = pos >= COMPAT_LVB_LEN && dlmfs_reg(fd);
	errno = saved;
	return yes;
}

EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	ssize_t n;

	compat_resolve();
	if (!compat_real.write)
		return no_call();
	n = compat_real.write(fd, buf, count);
	if (n == 0 && count == 0 && zero_past_end(fd, -1)) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	ssize_t n;

	compat_resolve();
	if (!compat_real.pwrite)
		return no_call();
	n = compat_real.pwrite(fd, buf, count, off);
	if (n == 0 && count == 0 && off >= 0 && zero_past_end(fd, off)) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off)
{
	ssize_t n;

	compat_resolve();
	if (!compat_real.pwrite64)
		return no_call();
	n = compat_real.pwrite64(fd, buf, count, off);
	if (n == 0 && count == 0 && off >= 0 && zero_past_end(fd, off)) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}
