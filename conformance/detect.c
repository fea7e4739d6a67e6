/* SPDX-License-Identifier: MIT */
/*
 * detect.c - identify a mount: statfs magic (0x76a9f425 = kernel dlmfs,
 * FUSE_SUPER_MAGIC + mountinfo fstype "fuse.dlmfs" = dlmfs-fuse), the
 * capabilities (sysfs parameter for the kernel, an xattr for dlmfs-fuse)
 * and the cluster stack.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "detect.h"
#include "dm_limits.h"

const char *detect_kind_name(enum detect_kind k)
{
	switch (k) {
	case DETECT_KERNEL:
		return "kernel-dlmfs";
	case DETECT_FUSE:
		return "dlmfs-fuse";
	default:
		return "other";
	}
}

/* first line of a small file, without its newline; length or -errno */
static int read_line_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (int)strlen(buf);
}

static int read_xattr(const char *path, const char *name, char *buf,
		      size_t len)
{
	ssize_t n = getxattr(path, name, buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (int)strlen(buf);
}

int detect_caps(const char *path, uint32_t magic, char *buf, size_t len)
{
	if (magic == DM_MAGIC)
		return read_line_file(DETECT_SYSFS_CAPS, buf, len);
	return read_xattr(path, DETECT_XATTR_CAPS, buf, len);
}

/* undo mountinfo's octal escapes (\040 for a blank) in place */
static void unescape_mountinfo(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool mount_covers(const char *mnt, const char *path, size_t *best)
{
	size_t n = strlen(mnt);

	if (strcmp(mnt, "/") && (strncmp(mnt, path, n) ||
				 (path[n] && path[n] != '/')))
		return false;
	if (*best != (size_t)-1 && n < *best)
		return false;
	*best = n;
	return true;
}

/*
 * fstype of the mount holding path (longest mount point prefix), and
 * whether its super options let other users in (FUSE: allow_other)
 */
static void mount_fstype(const char *path, char *out, size_t len,
			 bool *others)
{
	char real[PATH_MAX], *line = NULL;
	size_t cap = 0, best = (size_t)-1;
	FILE *f;

	out[0] = '\0';
	if (!realpath(path, real))
		return;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *mnt, *sep, *fstype, *opts, *save = NULL;

		/* id parent major:minor root mountpoint ... - fstype src opts */
		strtok_r(line, " ", &save);
		strtok_r(NULL, " ", &save);
		strtok_r(NULL, " ", &save);
		strtok_r(NULL, " ", &save);
		mnt = strtok_r(NULL, " ", &save);
		sep = strstr(save ? save : "", " - ");
		if (!mnt || !sep)
			continue;
		fstype = strtok_r(sep + 3, " ", &save);
		strtok_r(NULL, " ", &save);	/* source */
		opts = strtok_r(NULL, " \n", &save);
		if (!fstype)
			continue;
		unescape_mountinfo(mnt);
		if (mount_covers(mnt, real, &best)) {
			snprintf(out, len, "%s", fstype);
			*others = strncmp(fstype, "fuse", 4) ||
				  (opts && strstr(opts, "allow_other"));
		}
	}
	free(line);
	fclose(f);
}

int detect_path(const char *path, struct detect_info *info)
{
	struct statfs sf;
	char stack[32];

	memset(info, 0, sizeof(*info));
	if (statfs(path, &sf))
		return -errno;
	info->magic = (uint32_t)sf.f_type;
	info->others = true;
	mount_fstype(path, info->fstype, sizeof(info->fstype), &info->others);
	/* DM_MAGIC on fuse.dlmfs: this process runs with libdlmfs-compat.so */
	if (!strcmp(info->fstype, "fuse.dlmfs") &&
	    (info->magic == DETECT_FUSE_MAGIC || info->magic == DM_MAGIC))
		info->kind = DETECT_FUSE;
	else if (info->magic == DM_MAGIC)
		info->kind = DETECT_KERNEL;
	info->has_caps = detect_caps(path, info->magic, info->caps,
				     sizeof(info->caps)) >= 0;
	if (info->kind == DETECT_KERNEL) {
		/* "o2cb", or "pcmk"/"cman" for the user stack */
		if (read_line_file(DETECT_SYSFS_STACK, stack, sizeof(stack)) > 0)
			snprintf(info->stack, sizeof(info->stack), "%s",
				 strcmp(stack, "o2cb") ? "user" : "o2cb");
	} else if (info->kind == DETECT_FUSE) {
		if (read_xattr(path, DETECT_XATTR_STACK, stack,
			       sizeof(stack)) > 0 &&
		    (!strcmp(stack, "o2cb") || !strcmp(stack, "user")))
			memcpy(info->stack, stack, strlen(stack) + 1);
		read_xattr(path, DETECT_XATTR_PROFILE, info->profile,
			   sizeof(info->profile));
	}
	return 0;
}
