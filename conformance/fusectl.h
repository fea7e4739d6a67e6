/* SPDX-License-Identifier: MIT */
/*
 * fusectl.h - a client of dlmfs-fuse's control socket (-o ctl=PATH, see
 * fs/ctl.c): one request line per connection, answered "ok\n" + payload
 * or "error: why\n". It gives a dlmfs-fuse target `faults` (crash nK,
 * restart nK) and tells which profile the daemon emulates.
 */
#ifndef DLMFS_FUSECTL_H
#define DLMFS_FUSECTL_H

#include <stddef.h>

/* send request, answer (without "ok\n") in out: 0, or -errno + why in out */
int fusectl_ask(const char *path, const char *request, char *out, size_t len,
		int timeout_ms);
/*
 * "status": the profile the daemon emulates ("profile linux-6 nodes 3"),
 * and which of its nodes (0-based, or -1) is mounted at mount (absolute).
 * 0, or -errno with the reason in profile.
 */
int fusectl_status(const char *path, char *profile, size_t plen,
		   const char *mount, int *node, int timeout_ms);

#endif
