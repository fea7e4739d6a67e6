/* SPDX-License-Identifier: MIT */
/*
 * target_real.h - the executor's target (sim/target.h) on real mounts:
 * one node per --node, either a local path (`/dlm`, a dlmfs-fuse mount)
 * whose actors are processes forked here, or `exec:COMMAND` reaching a
 * dlmfs-agent (PROTOCOL.md). Every call is a real syscall in the actor's
 * own process; "blocks" is a bounded wait.
 */
#ifndef DLMFS_TARGET_REAL_H
#define DLMFS_TARGET_REAL_H

#include <stdbool.h>
#include <stdio.h>

#include "scn.h"
#include "target.h"

#define REAL_BLOCK_MS	200
#define REAL_TIMEOUT_MS	5000
#define REAL_RENAME_MAX	48	/* root names this long are never renamed */

struct real_opts {
	const char *nodes[SCN_NODES_MAX];	/* "PATH" or "exec:COMMAND" */
	int nnodes;
	int block_ms;		/* an `&` call must not return within this */
	int timeout_ms;		/* a call must return within this */
	int settle_ms;		/* pause after a statement that may cause
				 * cluster traffic (multi-node scenarios) */
	const char *profile;	/* NULL: linux-6, or linux-6-user */
	const char *stack;	/* NULL: detected (o2cb if unknown) */
	bool allow_hangs;
	bool epoll;		/* `poll` statements use epoll_wait */
	const char *fuse_ctl;	/* dlmfs-fuse control socket: offers faults */
	const char *fault_cmd;	/* `CMD crash|restart K`: offers faults */
	const char *compat;	/* LD_PRELOAD for actors on dlmfs-fuse nodes
				 * (libdlmfs-compat.so), or NULL */
	const char *compat_why;	/* NULL: why there is none, for the report */
};

/* connect every node; NULL and a reason in err */
struct target *target_real_new(const struct real_opts *o, char *err,
			       size_t len);
void target_real_free(struct target *t);
/* what each node is (kind, fs, caps, stack), one line per node */
void target_real_describe(struct target *t, FILE *f, const char *prefix);
/*
 * The runner tells the target which statement runs next (exec hooks):
 * `wait` waits up to timeout_ms, `hangs` only checks; after the last
 * statement (or a failure) waits only check.
 */
void target_real_stmt(struct target *t, const struct scn_stmt *st);
void target_real_ending(struct target *t);
/* details for a failure message (agent errors, cleanup trouble), or "" */
const char *target_real_note(struct target *t);
/*
 * A skip reason (why, from exec_check_requires) made actionable: model-only
 * requirements say "model only: ...", and on dlmfs-fuse what would run it
 */
void target_real_skip_hint(struct target *t, const struct scn *s, char *why,
			   size_t len);

#endif
