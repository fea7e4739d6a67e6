/* SPDX-License-Identifier: MIT */
/*
 * target.h - what the scenario executor runs on. The model target
 * (target_model.c) implements it on dm.h; the conformance suite implements
 * it on real mounts. The executor (exec.c) never knows which.
 *
 * A call is started for an actor and either completes at once (TGT_DONE
 * with a result) or is left blocked (TGT_BLOCKED); `wait` later collects
 * it. Handles returned for open/dup are the target's own small integers,
 * one per descriptor; the executor maps an actor's fd names onto them.
 */
#ifndef DLMFS_TARGET_H
#define DLMFS_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

enum { TGT_DONE = 0, TGT_BLOCKED = 1 };

#define TGT_HANG_MAX 16

struct tgt_result {
	int64_t status;		/* >= 0, or -errno; poll: the mask; getfl: flags */
	int fd;			/* open/dup: the new handle, else -1 */
	unsigned char *data;	/* read bytes, readdir "a b", caps; malloc'd */
	size_t len;
	int64_t field[SCN_F_COUNT];	/* stat/statfs values */
	unsigned fields;		/* bit (1 << key) per filled field */
	/* still blocked: the rules naming the hang ("O3 X4", "L8", "T2"), or "" */
	char hang[TGT_HANG_MAX];
};

static inline void tgt_result_init(struct tgt_result *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static inline void tgt_result_clear(struct tgt_result *r)
{
	free(r->data);
	tgt_result_init(r);
}

/* what the target offers; the executor skips scenarios needing more */
struct tgt_caps {
	int nodes;
	char stack[8];		/* "o2cb" or "user" */
	char profile[SCN_IDENT_MAX];	/* the kernel era it behaves as */
	char caps[64];		/* capability words, "bast stackglue" */
	bool faults, nonroot, rawdlm, manual, hangs;
	bool classify;		/* fills tgt_result.hang (the model) */
};

/* one call: the statement plus what the executor resolved */
struct tgt_call {
	const struct scn *scn;
	const struct scn_stmt *st;
	int actor;		/* scn->actors index */
	int node;		/* 0-based */
	int fd;			/* handle of the FD argument, or -1 */
};

struct target_ops {
	const char *name;
	/* get ready for one scenario (may pick a profile): 0 or -errno + why */
	int (*begin)(void *t, const struct scn *s, char *why, size_t len);
	void (*caps)(void *t, struct tgt_caps *c);
	/* a call verb: TGT_DONE with *r, TGT_BLOCKED, or -errno (cannot run) */
	int (*start)(void *t, const struct tgt_call *c, struct tgt_result *r);
	/* the actor's blocked call: TGT_DONE with *r, or TGT_BLOCKED (+r->hang) */
	int (*wait)(void *t, int actor, struct tgt_result *r);
	/* let queued work happen (model: deliver everything queued) */
	void (*settle)(void *t);
	int (*signal)(void *t, int actor);
	/* node dies: its actors' calls and descriptors vanish */
	int (*crash)(void *t, int node);
	int (*restart)(void *t, int node);
	/* manual schedule: one queued event of kind ev (enum scn_ev) */
	int (*deliver)(void *t, int node, int ev, const char *path, char *why,
		       size_t len);
	/* cleanup close of a handle left open */
	int (*close)(void *t, int actor, int fd);
	/* invariants after a statement: 0, or -EPROTO + why; may be NULL */
	int (*check)(void *t, char *why, size_t len);
	void (*end)(void *t);
};

struct target {
	const struct target_ops *ops;
	void *priv;
};

/* ---- the model target (target_model.c) ---- */
struct trace;
struct dm_model;

struct tm_opts {
	const char *profile;	/* force this profile; NULL: the scenario's */
	struct trace *trace;	/* NULL: no trace */
	unsigned bugs;		/* DM_BUG_* planted in every model */
	bool no_invariants;
};

struct target *target_model_new(const struct tm_opts *o);
void target_model_free(struct target *t);
/* the model of the running scenario (between begin and end), for tests */
struct dm_model *target_model_dm(struct target *t);

#endif
