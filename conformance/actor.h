/* SPDX-License-Identifier: MIT */
/*
 * actor.h - the executor of single syscalls. One actor is one process; it
 * reads protocol requests ("A open dom/lk rdwr|creat 0644"), performs each
 * relative to its node's root and answers with one tagged response line
 * ("A fd 3"). dlmfs-agent's actor processes and the runner's local
 * --node PATH actors both run actor_serve, so they give the same results
 * by construction. PROTOCOL.md documents every verb.
 */
#ifndef DLMFS_ACTOR_H
#define DLMFS_ACTOR_H

#include <stddef.h>

#include "proto.h"

struct actor {
	const char *root;	/* the node's mount, absolute; also the cwd */
};

/*
 * Perform the request in line (modified in place) and put the response,
 * newline-terminated, in out. Returns 0, or 1 when the request was a
 * protocol error (the response is then "TAG bad REASON").
 */
int actor_exec(struct actor *a, char *line, struct pbuf *out);

/*
 * The actor process's loop: chdir(root), umask 022, a SIGINT handler
 * without SA_RESTART (the scenario's `signal`), then one request per line
 * from rfd answered on wfd until EOF. Returns the exit status.
 */
int actor_serve(int rfd, int wfd, const char *root);

/* the i-th verb the executor knows, NULL past the end */
const char *actor_verb_at(size_t i);

#endif
