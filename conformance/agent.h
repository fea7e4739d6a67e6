/* SPDX-License-Identifier: MIT */
/*
 * agent.h - dlmfs-agent: serve the line protocol (PROTOCOL.md) on in/out
 * for the mount at root, one forked actor process per actor name.
 */
#ifndef DLMFS_AGENT_H
#define DLMFS_AGENT_H

#include "detect.h"
#include "proto.h"

/* the `hello` response line for root (newline-terminated) */
void agent_hello(const char *root, struct pbuf *out);
/* run until `bye` or EOF on in; returns the exit status */
int agent_run(const char *root, int in, int out);

#endif
