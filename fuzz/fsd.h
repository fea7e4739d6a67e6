/* SPDX-License-Identifier: MIT */
/*
 * fsd.h - the `fsdiff` harness's live dlmfs-fuse: one daemon with
 * FSD_NODES mountpoints in a temp dir, started once per process before
 * the fork server, and its control socket (fsd_mount.c).
 */
#ifndef DLMFS_FSD_H
#define DLMFS_FSD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FSD_NODES	3
#define FSD_PATH_MAX	128
#define FSD_DIR_MAX	96

struct fsd_mount {
	char dir[FSD_DIR_MAX];
	char ctl[FSD_PATH_MAX];
	char log[FSD_PATH_MAX];
	char mp[FSD_NODES][FSD_PATH_MAX];
	int nodes;
	pid_t pid;		/* the daemon */
	pid_t owner;		/* the process that started it */
};

/* start bin -f with nodes mountpoints in a new dir under base (NULL:
 * /tmp); 0, or -1 and why */
int fsd_mount_start(struct fsd_mount *fm, const char *base, const char *bin,
		    const char *profile, int nodes, char *why, size_t len);
/* SIGTERM the daemon, wait (bounded), unmount leftovers, remove the dir */
void fsd_mount_stop(struct fsd_mount *fm);
/* one control request ("crash 2", "status"); 0 if answered "ok", the
 * answer in buf */
int fsd_ctl(const struct fsd_mount *fm, const char *cmd, char *buf, size_t len);
/* wait up to ms until the daemon holds want[k] open files on node k */
int fsd_wait_files(const struct fsd_mount *fm, const int *want, int ms);

#endif
