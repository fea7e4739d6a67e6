/* SPDX-License-Identifier: MIT */
/*
 * wire.h - scenario calls to protocol requests, protocol responses to
 * target results (sim/target.h).
 */
#ifndef DLMFS_WIRE_H
#define DLMFS_WIRE_H

#include "proto.h"
#include "scn.h"
#include "target.h"

/* what a request needs beyond the statement */
struct wire_call {
	const char *actor;	/* protocol actor name */
	const struct scn_stmt *st;
	const char *path, *path2;	/* translated paths (NULL: none) */
	int fd;			/* the actor's descriptor, or -1 */
	int poll_ms;		/* poll/epoll timeout */
	bool epoll;		/* poll via epoll */
};

/* the request line (no newline) into b; 0 or -EINVAL (verb not a call) */
int wire_request(const struct wire_call *c, struct pbuf *b);

/*
 * Parse a response line (modified in place) into r. 0, or -EPROTO with
 * the reason in why ("bad ..." from the agent, unknown kind, bad field),
 * or -EPIPE when the actor died.
 */
int wire_reply(char *line, struct tgt_result *r, char *why, size_t len);

#endif
