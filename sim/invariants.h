/* SPDX-License-Identifier: MIT */
/*
 * invariants.h - cluster invariants checked after every simulator step.
 *
 * The checker reads the model through its views plus an independent shadow
 * of every LVB (fed from trace records and from the caller's own writes and
 * reads), so a model that forgets to publish an LVB is caught.
 */
#ifndef DLMFS_INVARIANTS_H
#define DLMFS_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include "dm.h"

enum inv_id {
	INV_OK = 0,
	INV_COMPAT,	/* two nodes granted incompatible levels */
	INV_HOLDERS,	/* local holders exceed the node's granted level */
	INV_LVB,	/* an LVB read or fetch differs from the last published value */
	INV_BLOCKED,	/* BLOCKED without a queued incompatible request elsewhere */
	INV_POLL,	/* poll mask differs from BLOCKED */
	INV_STUCK,	/* drained, all closed, yet something pending (not O3/L8/T2) */
};
const char *inv_name(enum inv_id id);

struct inv_shadow;
struct inv_shadow *inv_shadow_new(void);
void inv_shadow_free(struct inv_shadow *s);
void inv_shadow_reset(struct inv_shadow *s);
/* feed every model trace record (chain it from your dm_trace_fn) */
void inv_shadow_trace(struct inv_shadow *s, const struct dm_model *m,
		      const struct dm_trace *t);
/* the caller wrote n bytes through fh (before the call returned n) */
void inv_shadow_write(struct inv_shadow *s, const struct dm_model *m, int fh,
		      const void *buf, size_t n);
/* the caller read got bytes at offset off through fh; checked against the shadow */
enum inv_id inv_shadow_read(struct inv_shadow *s, const struct dm_model *m,
			    int fh, int64_t off, const void *buf, ssize_t got,
			    char *why, size_t whylen);

/* all state invariants; INV_OK or the first violated, with a reason */
enum inv_id inv_check(const struct dm_model *m, struct inv_shadow *s,
		      char *why, size_t whylen);

/*
 * Additions for callers that know their open file handles (the explorer).
 * An inv_fd is one open description and the level it was opened at.
 */
struct inv_fd {
	int fh;
	int level;		/* DM_PR or DM_EX */
};

/* INV_POLL: dm_poll of every fh equals POLLIN|POLLRDNORM iff its lock is BLOCKED */
enum inv_id inv_check_poll(const struct dm_model *m, const int *fhs, size_t n,
			   char *why, size_t len);
/*
 * INV_HOLDERS, exact: each lock's PR/EX holder counts equal its open fds.
 * With a shadow, locks are enumerated from it (every lock that ever talked
 * to the DLM); without, by a full view scan.
 */
enum inv_id inv_check_holders(const struct dm_model *m, struct inv_shadow *s,
			      const struct inv_fd *fds, size_t n, char *why,
			      size_t len);

/*
 * inv_check + inv_check_holders + inv_check_poll in one visit of each lock:
 * what a simulator runs after every step (the first violation found).
 */
enum inv_id inv_check_step(const struct dm_model *m, struct inv_shadow *s,
			   const struct inv_fd *fds, size_t n, char *why,
			   size_t len);

/* ---- hang analysis (INV_STUCK) ---- */
enum inv_hang {
	INV_HANG_NONE = 0,	/* not pending, or can still progress */
	INV_HANG_O3,		/* refused NOQUEUE left BUSY for ever (user stack) */
	INV_HANG_L8,		/* waits on BLOCKED held by hung actors (L7/L8 cycle) */
	INV_HANG_T2,		/* grant blocked by a poisoned lock (< 5.19) */
	INV_HANG_TEARDOWN,	/* [derived, found by explore] a waiter for BLOCKED
				 * to clear sleeps for ever once its lock is torn
				 * down: teardown never clears BLOCKED and the
				 * worker ignores torn-down locks */
	INV_HANG_ORDER,		/* actors took locks in opposite orders (ABBA):
				 * the application's deadlock, not the model's */
	INV_HANG_CANCEL,	/* [found by explore] o2cb dropped a CANCELGRANT, so
				 * USER_LOCK_IN_CANCEL stays set and the worker never
				 * cancels this up-convert again: a conversion
				 * deadlock no close can break */
	INV_HANG_UNEXPLAINED,	/* pending, nothing can wake it, no documented rule */
};
const char *inv_hang_name(enum inv_hang h);

/* one process of the caller: its pending call (if any) and its open fds */
struct inv_actor {
	const char *name;
	int node;
	bool pending;
	dm_op_id op;
	const struct inv_fd *fds;
	size_t nfds;
};

/*
 * Classify every actor's pending call (out[i] for actor i). A call is hung
 * when everything it waits for is hung too: a hang of a documented rule, or
 * a cycle of actors holding the fds that keep each other's locks BLOCKED.
 */
void inv_classify_hangs(const struct dm_model *m, const struct inv_actor *a,
			size_t n, enum inv_hang *out);
/* one line naming actor i's hang and its wait chain */
void inv_describe_hang(const struct dm_model *m, const struct inv_actor *a,
		       size_t n, const enum inv_hang *cls, size_t i, char *buf,
		       size_t len);
/*
 * INV_STUCK, for a drained model (no deliverable event left): every pending
 * call is a documented hang (O3, T2, L8) or still waits on an fd an actor
 * holds; nothing else may stay pending, and no event may be stranded.
 */
enum inv_id inv_check_stuck(const struct dm_model *m,
			    const struct inv_actor *a, size_t n, char *why,
			    size_t len);

#endif
