/* SPDX-License-Identifier: MIT */
/*
 * detect.h - what a mounted path is: the kernel's ocfs2_dlmfs, dlmfs-fuse,
 * or something else; its capabilities and cluster stack.
 */
#ifndef DLMFS_DETECT_H
#define DLMFS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DETECT_FUSE_MAGIC	0x65735546u	/* FUSE_SUPER_MAGIC */
#define DETECT_SYSFS_CAPS	"/sys/module/ocfs2_dlmfs/parameters/capabilities"
#define DETECT_SYSFS_STACK	"/sys/fs/ocfs2/cluster_stack"
#define DETECT_XATTR_CAPS	"user.dlmfs.capabilities"
#define DETECT_XATTR_STACK	"user.dlmfs.stack"
#define DETECT_XATTR_PROFILE	"user.dlmfs.profile"

enum detect_kind { DETECT_OTHER, DETECT_KERNEL, DETECT_FUSE };

struct detect_info {
	enum detect_kind kind;
	uint32_t magic;		/* statfs f_type */
	char fstype[64];	/* /proc/self/mountinfo fstype, "" if not found */
	bool has_caps;
	char caps[64];		/* capability words, no newline */
	char stack[8];		/* "o2cb", "user", or "" if unknown */
	char profile[32];	/* advertised profile (dlmfs-fuse), or "" */
	bool others;		/* other uids may use it (FUSE: allow_other) */
};

/* 0 and *info, or -errno (statfs failed) */
int detect_path(const char *path, struct detect_info *info);
const char *detect_kind_name(enum detect_kind k);
/* read the capabilities of the fs at path; length or -errno */
int detect_caps(const char *path, uint32_t magic, char *buf, size_t len);

#endif
