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

#endif
