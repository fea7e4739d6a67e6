/* SPDX-License-Identifier: MIT */
/*
 * conf_helpers.h - a scratch directory on tmpfs (or /tmp) for the
 * conformance tests, removed with everything in it. Header-only: each
 * tests/conformance/test_*.c is built as one file.
 */
#ifndef DLMFS_CONF_HELPERS_H
#define DLMFS_CONF_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline int ch_rm_one(const char *path, const struct stat *st, int flag,
			    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* a fresh directory in dir (PATH_MAX bytes); 0 or -1 */
static inline int ch_mkdtemp(char *dir, size_t len, const char *tag)
{
	struct stat st;
	const char *base = !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) &&
			   !access("/dev/shm", W_OK) ? "/dev/shm" : "/tmp";

	snprintf(dir, len, "%s/dlmfs-%s-XXXXXX", base, tag);
	return mkdtemp(dir) ? 0 : -1;
}

static inline void ch_rmtree(const char *dir)
{
	nftw(dir, ch_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
