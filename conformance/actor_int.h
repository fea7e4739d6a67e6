/* SPDX-License-Identifier: MIT */
/*
 * actor_int.h - the actor's request arguments and verb table, shared by
 * actor.c (parsing, the process loop) and actor_calls.c (the syscalls).
 * Not an API.
 */
#ifndef DLMFS_ACTOR_INT_H
#define DLMFS_ACTOR_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "actor.h"

struct actor_args {
	char *path, *path2;	/* absolute: the root, then the request's path */
	char *target;		/* symlink TARGET, verbatim */
	char full[2][PATH_MAX];
	int flags;
	uint32_t mode;
	int fd;
	int64_t len, off;
	char *data;
	size_t dlen;
	int whence;
	bool shared;
	uint32_t type;
	uint32_t uid, gid;
	int timeout;
};

struct actor_verb {
	const char *name;
	/*
	 * p PATH, q second PATH, S a string (symlink target), f FLAGS,
	 * M octal MODE, d FD, l LEN, L signed length, o OFF, x HEX,
	 * w whence, s shared|private, t mknod type, u UID, g GID,
	 * T timeout in ms
	 */
	const char *args;
	int (*fn)(struct actor *a, struct actor_args *g, struct pbuf *out);
};

/* every verb, NULL-name terminated */
extern const struct actor_verb actor_verb_table[];

#endif
