/* SPDX-License-Identifier: MIT */
/*
 * dm_limits.h - every dlmfs limit, named once (spec §0).
 */
#ifndef DLMFS_DM_LIMITS_H
#define DLMFS_DM_LIMITS_H

#define DM_LVB_LEN		64		/* DLM_LVB_LEN, st_size of a lock file */
#define DM_DOMAIN_NAME_MAX	64		/* GROUP_NAME_MAX: len must be < this */
#define DM_LOCK_NAME_MAX	32		/* USER_DLM_LOCK_ID_MAX_LEN: len < this */
#define DM_NAME_MAX		255		/* VFS NAME_MAX, statfs f_namelen */
#define DM_MAGIC		0x76a9f425u	/* DLMFS_MAGIC, statfs f_type */
#define DM_CAPABILITIES		"bast stackglue"
#define DM_PAGE_SIZE		4096		/* st_blksize, f_bsize */
#define DM_MAX_NODES		8		/* nodes n1..n8 */
#define DM_FS_NAME		"ocfs2_dlmfs"

#endif
