/* SPDX-License-Identifier: MIT */
/*
 * inv_int.h - the LVB / BAST shadow's table, shared by the shadow
 * (inv_shadow.c, fed from the trace) and the state checks that read it
 * (invariants.c: the stale-BLOCKED judgement, the lock enumeration).
 */
#ifndef DLMFS_INV_INT_H
#define DLMFS_INV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "invariants.h"

#define SH_KEY_MAX (DM_DOMAIN_NAME_MAX + DM_LOCK_NAME_MAX + 2)

struct sh_loc {
	signed char level;	/* DLM-side level as the shadow derives it */
	bool present;		/* the node has a lock on the resource */
	bool valid;		/* local copy valid (user stack VALNOTVALID) */
	bool armed;		/* a BAST was queued since BLOCKED last cleared */
	bool dc_from_ex;	/* our EX downconvert's AST is still due */
	dm_ino ino;		/* the lock file behind it (0: none seen) */
	uint32_t vanish_own;	/* vanish events caused by this node */
	uint32_t mark;		/* others' vanish count when armed */
	unsigned char lvb[DM_LVB_LEN];
	bool snap_set;		/* a grant is on its way: what it carries */
	bool snap_valid;
	unsigned char snap[DM_LVB_LEN];
};

struct sh_res {
	bool used;
	uint64_t hash;
	char key[SH_KEY_MAX];	/* "domain/name" */
	bool pub_valid;
	unsigned char pub[DM_LVB_LEN];
	uint32_t vanish_total;
	uint32_t zombies;	/* nodes holding a poisoned lock (T2) */
	uint32_t raw;		/* nodes with a raw DLM user's lock (M3) */
	signed char raw_level[DM_MAX_NODES];	/* its granted mode */
	uint32_t raw_snap_set;	/* as snap_set, for raw locks */
	uint32_t raw_snap_valid;
	unsigned char raw_snap[DM_MAX_NODES][DM_LVB_LEN];
	struct sh_loc loc[DM_MAX_NODES];
};

struct inv_shadow {
	struct sh_res *tab;	/* open addressing, cap a power of two */
	size_t cap, used;
	size_t *live;		/* the used slots, oldest first (cap / 2) */
	uint32_t crashes;	/* every crash may remove any blocker */
	enum inv_id bad;	/* first violation seen in a trace record */
	char why[256];
};

/* find or create the resource domain/name; NULL if names are unusable */
struct sh_res *inv_sh_get(struct inv_shadow *s, const char *domain,
			  const char *name, bool create);

/* blockers that vanished since: others' cancels and unlocks, any crash */
static inline uint32_t inv_sh_others_vanish(const struct inv_shadow *s,
					    const struct sh_res *r,
					    const struct sh_loc *l)
{
	return r->vanish_total - l->vanish_own + s->crashes;
}

#endif
