// SPDX-License-Identifier: MIT
/*
 * invariants.c - state invariants over the model's views: compatible
 * grants, holder counts, BLOCKED only with a blocker (live, or one the
 * LVB / BAST shadow of inv_shadow.c saw vanish), poll masks, exact holder
 * counts against the caller's open fds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

static const char *const inv_names[] = {
	[INV_OK] = "OK",
	[INV_COMPAT] = "INV_COMPAT",
	[INV_HOLDERS] = "INV_HOLDERS",
	[INV_LVB] = "INV_LVB",
	[INV_BLOCKED] = "INV_BLOCKED",
	[INV_POLL] = "INV_POLL",
	[INV_STUCK] = "INV_STUCK",
};

const char *inv_name(enum inv_id id)
{
	if ((unsigned)id >= sizeof(inv_names) / sizeof(inv_names[0]))
		return "INV_?";
	return inv_names[id];
}
/* ---- state checks ---- */

static enum inv_id check_compat(const struct dm_model *m, char *why,
				size_t len)
{
	size_t nres = dm_res_count(m), i, j, k;
	struct dm_lk_view lk[2 * DM_MAX_NODES + 8];

	for (i = 0; i < nres; i++) {
		struct dm_res_view rv;
		size_t n;

		if (dm_res_view(m, i, &rv))
			continue;
		n = rv.nlocks < sizeof(lk) / sizeof(lk[0]) ? rv.nlocks :
		    sizeof(lk) / sizeof(lk[0]);
		for (j = 0; j < n; j++)
			if (dm_lk_view(m, i, j, &lk[j]))
				lk[j].granted = DM_IV;
		for (j = 0; j < n; j++) {
			if (lk[j].granted == DM_IV)
				continue;
			for (k = j + 1; k < n; k++) {
				if (lk[k].granted == DM_IV ||
				    dm_mode_compat(lk[j].granted, lk[k].granted))
					continue;
				snprintf(why, len, "%s/%s granted %s to n%d and "
					 "%s to n%d", rv.domain, rv.name,
					 dm_mode_name(lk[j].granted),
					 lk[j].node + 1,
					 dm_mode_name(lk[k].granted),
					 lk[k].node + 1);
				return INV_COMPAT;
			}
		}
	}
	return INV_OK;
}

/* the DLM resource index of domain/name, or -1 */
static long find_res(const struct dm_model *m, const char *domain,
		     const char *name)
{
	size_t nres = dm_res_count(m), i;
	struct dm_res_view rv;

	for (i = 0; i < nres; i++)
		if (!dm_res_view(m, i, &rv) && !strcmp(rv.domain, domain) &&
		    !strcmp(rv.name, name))
			return (long)i;
	return -1;
}

/* is some other lock on v's resource asking for a mode v's node blocks? */
static bool live_blocker(const struct dm_model *m, const struct dm_lock_view *v)
{
	long ri = find_res(m, v->domain, v->name);
	struct dm_res_view rv;
	struct dm_lk_view lk;
	int mine = v->level;
	size_t j;

	if (ri < 0 || dm_res_view(m, (size_t)ri, &rv))
		return false;
	for (j = 0; j < rv.nlocks; j++)
		if (!dm_lk_view(m, (size_t)ri, j, &lk) && lk.node == v->node &&
		    lk.owner == 0 && lk.granted != DM_IV)
			mine = lk.granted;
	for (j = 0; j < rv.nlocks; j++) {
		if (dm_lk_view(m, (size_t)ri, j, &lk))
			continue;
		if (lk.node == v->node && lk.owner == 0)
			continue;
		if (lk.queue != DM_Q_CONVERTING && lk.queue != DM_Q_WAITING)
			continue;
		if (mine != DM_IV && !dm_mode_compat(lk.requested, mine))
			return true;
	}
	return false;
}

static bool bast_queued(const struct dm_model *m, int node, dm_ino ino)
{
	size_t n = dm_event_count(m), i;

	for (i = 0; i < n; i++) {
		const struct dm_event *e = dm_event_at(m, i);

		if (e->kind == DM_EV_BAST && e->node == node && e->ino == ino)
			return true;
	}
	return false;
}

/*
 * BLOCKED is legitimate while a blocker is live, while our own downconvert
 * (or same-level convert the worker issues) is in flight, or - the stale
 * case the kernel leaves after a cancel or a crash - when a blocker may
 * have vanished since the BAST that set it was queued.
 */
static enum inv_id check_blocked(const struct dm_model *m, struct inv_shadow *s,
				 struct sh_res *r, const struct dm_lock_view *v,
				 char *why, size_t len)
{
	struct sh_loc *l;

	if (s && !r)
		r = inv_sh_get(s, v->domain, v->name, false);
	l = r ? &r->loc[v->node] : NULL;

	if (!(v->flags & DM_LF_BLOCKED)) {
		if (l && l->armed && !bast_queued(m, v->node, v->ino))
			l->armed = false;
		return INV_OK;
	}
	if (live_blocker(m, v))
		return INV_OK;
	if ((v->flags & DM_LF_BUSY) && v->requested != DM_IV &&
	    v->requested <= v->level)
		return INV_OK;
	/* our own unlock is in flight or done: the lock is going away (T1) */
	if ((v->flags & DM_LF_TEARDOWN) &&
	    ((v->flags & DM_LF_BUSY) || v->level == DM_IV))
		return INV_OK;
	if (!s)
		return INV_OK;	/* no history: cannot judge the stale case */
	/*
	 * Unlocked in the DLM during teardown: the flag is dead. (After an
	 * o2cb CANCELGRANT, IN_CANCEL stays set and the teardown unlock AST
	 * is taken for a cancel: the level stays, BLOCKED too - kernel-like.)
	 */
	if ((v->flags & DM_LF_TEARDOWN) && l && !l->present)
		return INV_OK;
	if (l && l->armed && inv_sh_others_vanish(s, r, l) != l->mark)
		return INV_OK;
	snprintf(why, len, "n%d %s/%s BLOCKED (for %s, level %s) but no node "
		 "asks for an incompatible mode and no blocker %s", v->node + 1,
		 v->domain, v->name, dm_mode_name(v->blocking),
		 dm_mode_name(v->level),
		 l && l->armed ? "vanished since its BAST" : "ever sent a BAST");
	return INV_BLOCKED;
}

/*
 * Visit every lock file's lock. With a shadow, only the locks that ever
 * appeared in a trace record: a lock that never talked to the DLM has no
 * level, holders or flags to check, and the model's full view scan costs
 * O(inodes) per lock.
 */
typedef enum inv_id (*lock_fn)(const struct dm_model *m, struct inv_shadow *s,
			       struct sh_res *r, const struct dm_lock_view *v,
			       void *arg, char *why, size_t len);

static enum inv_id for_each_lock(const struct dm_model *m, struct inv_shadow *s,
				 lock_fn fn, void *arg, char *why, size_t len)
{
	int node, nodes = dm_nodes(m);
	struct dm_lock_view v;
	enum inv_id id;
	size_t i, n;

	if (!s) {
		for (node = 0; node < nodes; node++) {
			n = dm_lock_count(m, node);
			for (i = 0; i < n; i++) {
				if (dm_lock_view_at(m, node, i, &v) || !v.ino)
					continue;
				id = fn(m, s, NULL, &v, arg, why, len);
				if (id)
					return id;
			}
		}
		return INV_OK;
	}
	for (i = 0; i < s->used; i++) {
		struct sh_res *r = &s->tab[s->live[i]];

		for (node = 0; node < nodes && node < DM_MAX_NODES; node++) {
			struct sh_loc *l = &r->loc[node];

			if (!l->ino)
				continue;
			if (dm_lock_view(m, node, l->ino, &v))
				continue;	/* unlinked, or its node died */
			id = fn(m, s, r, &v, arg, why, len);
			if (id)
				return id;
		}
	}
	return INV_OK;
}

static enum inv_id lock_holders(const struct dm_model *m, struct inv_shadow *s,
				struct sh_res *r, const struct dm_lock_view *v,
				void *arg, char *why, size_t len)
{
	(void)m;
	(void)s;
	(void)r;
	(void)arg;
	if ((v->ro_holders && v->level < DM_PR) ||
	    (v->ex_holders && v->level != DM_EX)) {
		snprintf(why, len, "n%d %s/%s at %s with %u PR and %u EX "
			 "holders", v->node + 1, v->domain, v->name,
			 dm_mode_name(v->level), v->ro_holders, v->ex_holders);
		return INV_HOLDERS;
	}
	return INV_OK;
}

static enum inv_id lock_blocked(const struct dm_model *m, struct inv_shadow *s,
				struct sh_res *r, const struct dm_lock_view *v,
				void *arg, char *why, size_t len)
{
	(void)arg;
	return check_blocked(m, s, r, v, why, len);
}

enum inv_id inv_check(const struct dm_model *m, struct inv_shadow *s,
		      char *why, size_t whylen)
{
	enum inv_id id;

	id = check_compat(m, why, whylen);
	if (!id)
		id = for_each_lock(m, s, lock_holders, NULL, why, whylen);
	if (id)
		return id;
	if (s && s->bad != INV_OK) {
		snprintf(why, whylen, "%s", s->why);
		return s->bad;
	}
	return for_each_lock(m, s, lock_blocked, NULL, why, whylen);
}

enum inv_id inv_check_poll(const struct dm_model *m, const int *fhs, size_t n,
			   char *why, size_t len)
{
	const struct dm_profile *p = dm_get_profile(m);
	size_t i;

	/* before the "bast" capability poll was the VFS default (P3) */
	if (!p->caps || !strstr(p->caps, "bast"))
		return INV_OK;
	for (i = 0; i < n; i++) {
		struct dm_lock_view v;
		int node = dm_fh_node(m, fhs[i]), want, got;

		if (node < 0 || dm_lock_view(m, node, dm_fh_ino(m, fhs[i]), &v))
			continue;
		want = (v.flags & DM_LF_BLOCKED) ? DM_POLLIN | DM_POLLRDNORM : 0;
		/* dm_poll only reads, but takes a mutable model (FUSE side) */
		got = dm_poll((struct dm_model *)m, fhs[i]);
		if (got != want) {
			snprintf(why, len, "poll on n%d %s/%s fh %d = %#x, lock "
				 "%sBLOCKED", node + 1, v.domain, v.name, fhs[i],
				 (unsigned)got, want ? "" : "not ");
			return INV_POLL;
		}
	}
	return INV_OK;
}

struct fds_arg {
	const struct inv_fd *fds;
	const int *node;	/* node and ino of each fd, looked up once */
	const dm_ino *ino;
	size_t n;
};

static enum inv_id lock_fds(const struct dm_model *m, struct inv_shadow *s,
			    struct sh_res *r, const struct dm_lock_view *v,
			    void *arg, char *why, size_t len)
{
	const struct fds_arg *fa = arg;
	unsigned ro = 0, ex = 0;
	size_t i;

	(void)s;
	(void)r;
	(void)m;
	for (i = 0; i < fa->n; i++) {
		if (fa->node[i] != v->node || fa->ino[i] != v->ino)
			continue;
		if (fa->fds[i].level == DM_EX)
			ex++;
		else
			ro++;
	}
	if (ro == v->ro_holders && ex == v->ex_holders)
		return INV_OK;
	snprintf(why, len, "n%d %s/%s counts %u PR + %u EX holders, %u PR + "
		 "%u EX fds are open", v->node + 1, v->domain, v->name,
		 v->ro_holders, v->ex_holders, ro, ex);
	return INV_HOLDERS;
}

/* look each fd's node and ino up once; -1 and a reason if one has no lock */
static int fds_prepare(const struct dm_model *m, const struct inv_fd *fds,
		       size_t n, int *node, dm_ino *ino, char *why, size_t len)
{
	struct dm_lock_view v;
	size_t i;

	for (i = 0; i < n; i++) {
		node[i] = dm_fh_node(m, fds[i].fh);
		ino[i] = dm_fh_ino(m, fds[i].fh);
		if (node[i] < 0 || dm_lock_view(m, node[i], ino[i], &v)) {
			snprintf(why, len, "open fh %d has no lock", fds[i].fh);
			return -1;
		}
	}
	return 0;
}

#define FDS_MAX 1024

enum inv_id inv_check_holders(const struct dm_model *m, struct inv_shadow *s,
			      const struct inv_fd *fds, size_t n, char *why,
			      size_t len)
{
	int node[FDS_MAX];
	dm_ino ino[FDS_MAX];
	struct fds_arg fa = { fds, node, ino, n };

	if (n > FDS_MAX) {
		snprintf(why, len, "%zu fds: more than %d to check", n, FDS_MAX);
		return INV_HOLDERS;
	}
	if (fds_prepare(m, fds, n, node, ino, why, len))
		return INV_HOLDERS;
	return for_each_lock(m, s, lock_fds, &fa, why, len);
}

/* every per-lock check in one visit of each lock */
static enum inv_id lock_all(const struct dm_model *m, struct inv_shadow *s,
			    struct sh_res *r, const struct dm_lock_view *v,
			    void *arg, char *why, size_t len)
{
	enum inv_id id = lock_holders(m, s, r, v, NULL, why, len);

	if (!id)
		id = lock_blocked(m, s, r, v, NULL, why, len);
	if (!id)
		id = lock_fds(m, s, r, v, arg, why, len);
	return id;
}

enum inv_id inv_check_step(const struct dm_model *m, struct inv_shadow *s,
			   const struct inv_fd *fds, size_t n, char *why,
			   size_t len)
{
	int node[FDS_MAX], fhs[FDS_MAX];
	dm_ino ino[FDS_MAX];
	struct fds_arg fa = { fds, node, ino, n };
	enum inv_id id;
	size_t i;

	if (n > FDS_MAX) {
		snprintf(why, len, "%zu fds: more than %d to check", n, FDS_MAX);
		return INV_HOLDERS;
	}
	id = check_compat(m, why, len);
	if (id)
		return id;
	if (s && s->bad != INV_OK) {
		snprintf(why, len, "%s", s->why);
		return s->bad;
	}
	if (fds_prepare(m, fds, n, node, ino, why, len))
		return INV_HOLDERS;
	id = for_each_lock(m, s, lock_all, &fa, why, len);
	if (id)
		return id;
	for (i = 0; i < n; i++)
		fhs[i] = fds[i].fh;
	return inv_check_poll(m, fhs, n, why, len);
}
