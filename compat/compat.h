/* SPDX-License-Identifier: MIT */
/*
 * compat.h - libdlmfs-compat.so's halves: compat.c (the interposed libc
 * calls) and compat_mnt.c (is this fd or path on a dlmfs-fuse mount; the
 * capabilities file). Not an API: the library exports only libc's names.
 */
#ifndef DLMFS_COMPAT_H
#define DLMFS_COMPAT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

#define COMPAT_FUSE_MAGIC	0x65735546u	/* FUSE_SUPER_MAGIC */
#define COMPAT_DLMFS_MAGIC	0x76a9f425u	/* DLMFS_MAGIC */
#define COMPAT_FSTYPE		"fuse.dlmfs"
#define COMPAT_LVB_LEN		64		/* i_size of a lock file */
#define COMPAT_CAPS_PATH	"/sys/module/ocfs2_dlmfs/parameters/capabilities"
#define COMPAT_CAPS		"bast stackglue"	/* §14 C1: no newline */

/* the next definitions of libc's calls (RTLD_NEXT), resolved at load */
struct compat_real {
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*open_2)(const char *, int);
	int (*open64_2)(const char *, int);
	int (*openat_2)(int, const char *, int);
	int (*openat64_2)(int, const char *, int);
	FILE *(*fopen)(const char *, const char *);
	FILE *(*fopen64)(const char *, const char *);
	int (*statfs)(const char *, void *);
	int (*statfs64)(const char *, void *);
	int (*fstatfs)(int, void *);
	int (*fstatfs64)(int, void *);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	void *(*mmap64)(void *, size_t, int, int, int, off64_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off64_t);
};

extern struct compat_real compat_real;
/* fill compat_real (idempotent, thread-safe) */
void compat_resolve(void);

/*
 * Is the file at (dirfd, path) or fd (path NULL) on a dlmfs-fuse mount
 * (FUSE_SUPER_MAGIC, mountinfo fstype fuse.dlmfs)? *reg: a regular file.
 * magic_known: the caller's statfs already said FUSE. errno is preserved.
 */
bool compat_on_dlmfs_fuse(int dirfd, const char *path, bool magic_known,
			  bool *reg);
/* a read-only fd holding COMPAT_CAPS, if some dlmfs-fuse is mounted; -1 */
int compat_caps_fd(bool cloexec);
/* path names the capabilities file (absolute, as libo2dlm spells it) */
bool compat_is_caps_path(const char *path);

#pragma GCC visibility pop

#endif
