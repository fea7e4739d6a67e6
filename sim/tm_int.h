/* SPDX-License-Identifier: MIT */
/*
 * tm_int.h - state shared by the model target's two halves:
 * target_model.c (lifetime, waits, control, invariants) and tm_calls.c
 * (the calls). Not an API.
 */
#ifndef DLMFS_TM_INT_H
#define DLMFS_TM_INT_H

#include "dm.h"
#include "invariants.h"
#include "target.h"

#define TM_SETTLE_MAX 1000000	/* events per settle before calling it a livelock */

struct tm_fd {
	bool used;
	int actor;
	int fh;			/* model description */
	int level;		/* DM_PR or DM_EX */
};

struct tm_actor {
	struct dm_ctx ctx;
	bool pending;
	dm_op_id op;
	enum scn_verb verb;	/* of the pending call */
	int level;		/* pending open: its level */
};

struct tm {
	struct target tgt;
	struct tm_opts o;
	const struct scn *s;
	const struct dm_profile *prof;
	struct dm_model *m;
	struct inv_shadow *shadow;
	int nodes;
	struct tm_actor a[SCN_ACTORS_MAX];
	struct tm_fd *fds;
	int nfds, capfds;
	char viol[512];		/* first violation seen inside a call */
};

int tm_fd_new(struct tm *tm, int actor, int fh, int level);
struct tm_fd *tm_fd_get(struct tm *tm, int actor, int h);
int tm_fd_close(struct tm *tm, int h);
void tm_violation(struct tm *tm, enum inv_id id, const char *why);
int tm_level_of(int flags);
/* start a call: TGT_DONE with *r, TGT_BLOCKED, or -errno */
int tm_start(void *t, const struct tgt_call *c, struct tgt_result *r);

#endif
