// SPDX-License-Identifier: MIT
/*
 * dlm.c - the cluster DLM, shaped after o2dlm (fs/ocfs2/dlm): one resource
 * per (lockspace, name) with granted/converting/waiting queues, o2dlm's
 * dlm_shuffle_lists() grant order (the convert queue's head first, then the
 * wait queue's head), NOQUEUE, VALBLK, CANCEL, BASTs with o2dlm's
 * highest_blocked bookkeeping, and node-death recovery.
 *
 * Requests are processed at once, as by the master; only the ASTs and BASTs
 * that tell the nodes about it are queued for the caller to deliver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool compat(const struct dm_model *m, int held, int want)
{
	/* planted bug: let an EX request pass a held PR */
	if ((m->bugs & DM_BUG_GRANT_EX_BESIDE_PR) && held == DM_PR &&
	    want == DM_EX)
		return true;
	return dm_mode_compat(held, want);
}

struct dm_res *dlm_res_find(struct dm_model *m, const char *domain,
			    const char *name, bool create)
{
	struct dm_res *r;
	size_t i;

	for (i = 0; i < m->nres; i++) {
		r = m->res[i];
		if (!strcmp(r->name, name) && !strcmp(r->domain, domain))
			return r;
	}
	if (!create)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->domain = dm_strdup(domain);
	r->name = dm_strdup(name);
	r->lvb_valid = true;	/* new resources start zeroed (V5) */
	r->master = -1;		/* set by the first request */
	m->res = dm_grow(m->res, &m->capres, m->nres + 1, sizeof(*m->res));
	m->res[m->nres++] = r;
	return r;
}

static void res_free(struct dm_res *r)
{
	free(r->domain);
	free(r->name);
	free(r->lk);
	free(r);
}

/* a resource nobody holds is purged, and its LVB with it */
static void res_maybe_purge(struct dm_model *m, struct dm_res *r)
{
	size_t i;

	if (r->nlk)
		return;
	for (i = 0; i < m->nres; i++) {
		if (m->res[i] == r) {
			memmove(&m->res[i], &m->res[i + 1],
				(m->nres - i - 1) * sizeof(*m->res));
			m->nres--;
			break;
		}
	}
	res_free(r);
}

void dlm_free_all(struct dm_model *m)
{
	size_t i;

	for (i = 0; i < m->nres; i++)
		res_free(m->res[i]);
	m->nres = 0;
}

struct dm_lk *dlm_lk_find(struct dm_res *r, int node, uint32_t lid)
{
	size_t i;

	for (i = 0; r && i < r->nlk; i++)
		if (r->lk[i].node == node && r->lk[i].lid == lid)
			return &r->lk[i];
	return NULL;
}

static void lk_remove(struct dm_res *r, struct dm_lk *lk)
{
	size_t i = (size_t)(lk - r->lk);

	memmove(&r->lk[i], &r->lk[i + 1], (r->nlk - i - 1) * sizeof(*lk));
	r->nlk--;
}

static struct dm_lockres *lk_owner(struct dm_model *m, const struct dm_lk *lk)
{
	return dm_find_lockres(m, lk->node, lk->lid);
}

static void publish(struct dm_model *m, struct dm_res *r,
		    const struct dm_lockres *lr)
{
	memcpy(r->lvb, lr->lvb, DM_LVB_LEN);
	r->lvb_valid = true;
	dm_trace_emit(m, DM_T_PUBLISH, lr->node, lr, lr->level, 0, r->lvb,
		      true, -1);
}

static size_t ev_find(struct dm_model *m, enum dm_ev_kind k, int node,
		      uint32_t lid)
{
	size_t i;

	for (i = 0; i < m->nev; i++)
		if (m->ev[i].pub.kind == k && m->ev[i].pub.node == node &&
		    m->ev[i].lid == lid)
			return i;
	return (size_t)-1;
}

/*
 * o2dlm dlm_should_cancel_bast(): an AST that lowers a lock can make its
 * not-yet-sent BAST pointless.
 */
static void maybe_cancel_bast(struct dm_model *m, struct dm_lk *lk)
{
	size_t i;
	bool cancel;

	if (lk->bast_level == DM_IV)
		return;
	i = ev_find(m, DM_EV_BAST, lk->node, lk->lid);
	if (i == (size_t)-1)
		return;	/* already sent */
	if (lk->granted == DM_EX)
		cancel = false;
	else if (lk->granted == DM_NL)
		cancel = true;
	else
		cancel = lk->bast_level != DM_EX;
	if (!cancel)
		return;
	dm_ev_remove(m, i);
	lk->bast_level = DM_IV;
}

static void queue_ast(struct dm_model *m, struct dm_res *r, struct dm_lk *lk,
		      bool fetch, int status)
{
	struct dm_lockres *lr = lk_owner(m, lk);
	struct dm_ev *e;

	e = dm_ev_push(m, DM_EV_AST, lk->node, lk->lid,
		       lr && lr->inode ? lr->inode->ino : 0);
	e->pub.mode = lk->granted;
	e->pub.status = status;
	if (fetch) {
		e->fetch = true;
		e->lvb_valid = r->lvb_valid;
		memcpy(e->lvb, r->lvb, DM_LVB_LEN);
	}
	if (!status) {
		dm_trace_emit(m, DM_T_GRANT, lk->node, lr, lk->granted, 0,
			      NULL, false, -1);
		maybe_cancel_bast(m, lk);
	}
}

static void queue_unlock_ast(struct dm_model *m, int node, uint32_t lid,
			     dm_ino ino, int status)
{
	struct dm_ev *e = dm_ev_push(m, DM_EV_UNLOCK_AST, node, lid, ino);

	e->pub.status = status;
}

/* o2dlm: a BAST is queued only if none is pending; the level only rises */
static void bast(struct dm_model *m, struct dm_lk *lk, int level, int peer)
{
	struct dm_lockres *lr;
	struct dm_ev *e;

	if (lk->bast_level == DM_IV) {
		lr = lk_owner(m, lk);
		e = dm_ev_push(m, DM_EV_BAST, lk->node, lk->lid,
			       lr && lr->inode ? lr->inode->ino : 0);
		e->pub.mode = level;
		dm_trace_emit(m, DM_T_BAST_QUEUED, lk->node, lr, level, 0,
			      NULL, false, peer);
	}
	if (lk->bast_level < level)
		lk->bast_level = level;
}

static struct dm_lk *queue_head(struct dm_res *r, enum dm_queue q)
{
	struct dm_lk *best = NULL;
	size_t i;

	for (i = 0; i < r->nlk; i++)
		if (r->lk[i].queue == q &&
		    (!best || r->lk[i].qseq < best->qseq))
			best = &r->lk[i];
	return best;
}

/* may target be granted `want`? BASTs every lock in its way */
static bool can_grant(struct dm_model *m, struct dm_res *r,
		      struct dm_lk *target, int want, bool send_basts)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < r->nlk; i++) {
		struct dm_lk *lk = &r->lk[i];

		if (lk == target || lk->queue == DM_Q_WAITING)
			continue;
		if (!compat(m, lk->granted, want)) {
			ok = false;
			if (send_basts)
				bast(m, lk, want, target->node);
		}
	}
	return ok;
}

/*
 * __dlmconvert_master(): an up-convert is granted in place when every other
 * granted lock allows it and no queued conversion conflicts with it, either
 * by its granted or by its wanted mode (existing conversions go first).
 */
static bool can_upconvert(struct dm_model *m, struct dm_res *r,
			  struct dm_lk *target, int want)
{
	size_t i;

	for (i = 0; i < r->nlk; i++) {
		struct dm_lk *lk = &r->lk[i];

		if (lk == target || lk->queue == DM_Q_WAITING)
			continue;
		if (!compat(m, lk->granted, want))
			return false;
		if (lk->queue == DM_Q_CONVERTING &&
		    !compat(m, lk->requested, want))
			return false;
	}
	return true;
}

/* o2dlm dlm_shuffle_lists(): only the head of each queue is considered */
static void shuffle(struct dm_model *m, struct dm_res *r)
{
	struct dm_lk *t;

	for (;;) {
		t = queue_head(r, DM_Q_CONVERTING);
		if (t && can_grant(m, r, t, t->requested, true)) {
			t->granted = t->requested;
			t->requested = DM_IV;
			t->queue = DM_Q_GRANTED;
			queue_ast(m, r, t, t->granted > DM_NL, 0);
			continue;
		}
		t = queue_head(r, DM_Q_WAITING);
		if (t && can_grant(m, r, t, t->requested, true)) {
			t->granted = t->requested;
			t->requested = DM_IV;
			t->queue = DM_Q_GRANTED;
			queue_ast(m, r, t, t->granted > DM_NL, 0);
			continue;
		}
		break;
	}
}

static int refuse(struct dm_model *m, struct dm_res *r, struct dm_lk *lk,
		  struct dm_lockres *lr)
{
	dm_trace_emit(m, DM_T_REFUSED, lr->node, lr, lk->requested, -EAGAIN,
		      NULL, false, -1);
	if (m->prof->stack == DM_STACK_O2CB) {
		/* dlmlock_master/__dlmconvert_master: DLM_NOTQUEUED, no BAST */
		if (lk->granted == DM_IV)
			lk_remove(r, lk);
		else
			lk->requested = DM_IV;
		res_maybe_purge(m, r);
		return -EAGAIN;
	}
	/* fs/dlm: dlm_lock() returns 0, the AST carries -EAGAIN (O3) */
	lk->requested = DM_IV;
	queue_ast(m, r, lk, false, -EAGAIN);
	if (lk->granted == DM_IV)
		lk_remove(r, lk);
	res_maybe_purge(m, r);
	return 0;
}

int dlm_lock(struct dm_model *m, struct dm_lockres *lr, int mode,
	     unsigned flags)
{
	struct dm_res *r = dlm_res_find(m, lr->domain, lr->name, true);
	struct dm_lk *lk = dlm_lk_find(r, lr->node, lr->lid);

	/* lock mastery: nobody else knows the resource, the asker masters it */
	if (r->master < 0)
		r->master = lr->node;
	dm_trace_emit(m, DM_T_REQUEST, lr->node, lr, mode, 0, NULL, false,
		      -1);
	if (!(flags & DLMF_CONVERT)) {
		if (lk)
			return -EINVAL;
		r->lk = dm_grow(r->lk, &r->caplk, r->nlk + 1, sizeof(*r->lk));
		lk = &r->lk[r->nlk++];
		memset(lk, 0, sizeof(*lk));
		lk->node = lr->node;
		lk->owner = lr->raw ? 1 : 0;
		lk->lid = lr->lid;
		lk->granted = DM_IV;
		lk->requested = mode;
		lk->queue = DM_Q_WAITING;
		lk->qseq = ++m->qseq;
		lk->bast_level = DM_IV;
		/* dlm_can_grant_new_lock(): granted and converting only */
		if (can_grant(m, r, lk, mode, false)) {
			lk->granted = mode;
			lk->requested = DM_IV;
			lk->queue = DM_Q_GRANTED;
			queue_ast(m, r, lk, (flags & DLMF_VALBLK) && mode > DM_NL,
				  0);
			/* dlm_kick_thread(): a waiter it jumped now BASTs it */
			shuffle(m, r);
			return 0;
		}
		if (flags & DLMF_NOQUEUE)
			return refuse(m, r, lk, lr);
		shuffle(m, r);
		return 0;
	}
	if (!lk || lk->queue != DM_Q_GRANTED)
		return -EBUSY;	/* o2dlm: DLM_DENIED, already converting */
	if (mode <= lk->granted) {
		/* in-place down-convert; from EX with VALBLK it publishes */
		if ((flags & DLMF_VALBLK) && lk->granted == DM_EX &&
		    !(m->bugs & DM_BUG_NO_PUBLISH))
			publish(m, r, lr);
		lk->granted = mode;
		queue_ast(m, r, lk, false, 0);
		shuffle(m, r);
		return 0;
	}
	lk->requested = mode;
	if (can_upconvert(m, r, lk, mode)) {
		lk->granted = mode;
		lk->requested = DM_IV;
		queue_ast(m, r, lk, (flags & DLMF_VALBLK) != 0, 0);
		shuffle(m, r);
		return 0;
	}
	if (flags & DLMF_NOQUEUE)
		return refuse(m, r, lk, lr);
	lk->queue = DM_Q_CONVERTING;
	lk->qseq = ++m->qseq;
	shuffle(m, r);
	return 0;
}

int dlm_unlock(struct dm_model *m, struct dm_lockres *lr, unsigned flags)
{
	struct dm_res *r = dlm_res_find(m, lr->domain, lr->name, false);
	struct dm_lk *lk = dlm_lk_find(r, lr->node, lr->lid);
	dm_ino ino = lr->inode ? lr->inode->ino : 0;

	if (!lk)
		return -EINVAL;
	if (flags & DLMF_CANCEL) {
		dm_trace_emit(m, DM_T_CANCEL, lr->node, lr, lk->requested, 0,
			      NULL, false, -1);
		if (lk->queue == DM_Q_GRANTED)
			return -EBUSY;	/* DLM_CANCELGRANT: o2cb drops it */
		if (lk->queue == DM_Q_CONVERTING) {
			lk->queue = DM_Q_GRANTED;
			lk->requested = DM_IV;
		} else {
			lk_remove(r, lk);
		}
		queue_unlock_ast(m, lr->node, lr->lid, ino, 0);
		shuffle(m, r);
		res_maybe_purge(m, r);
		return 0;
	}
	if (lk->queue != DM_Q_GRANTED)
		return -EBUSY;
	dm_trace_emit(m, DM_T_UNLOCK, lr->node, lr, lk->granted, 0, NULL,
		      false, -1);
	if ((flags & DLMF_VALBLK) && lk->granted == DM_EX)
		publish(m, r, lr);
	{
		size_t i = ev_find(m, DM_EV_BAST, lr->node, lr->lid);

		if (i != (size_t)-1)
			dm_ev_remove(m, i);
	}
	lk_remove(r, lk);
	queue_unlock_ast(m, lr->node, lr->lid, ino, 0);
	shuffle(m, r);
	res_maybe_purge(m, r);
	return 0;
}

/* the BAST leaves the DLM: report the highest blocked level, reset it */
void dlm_bast_flushed(struct dm_model *m, const struct dm_ev *e)
{
	struct dm_lockres *lr = dm_find_lockres(m, e->pub.node, e->lid);
	struct dm_res *r;
	struct dm_lk *lk;
	int level = e->pub.mode;

	if (!lr)
		return;
	r = dlm_res_find(m, lr->domain, lr->name, false);
	lk = dlm_lk_find(r, lr->node, lr->lid);
	if (lk) {
		if (lk->bast_level > level)
			level = lk->bast_level;
		lk->bast_level = DM_IV;
	}
	ul_bast(m, lr, level);
}

static void trace_recover(struct dm_model *m, struct dm_res *r, int node,
			  int mode, int peer)
{
	struct dm_trace t = { .kind = DM_T_RECOVER, .node = node,
			      .domain = r->domain, .name = r->name,
			      .mode = mode, .lvb_valid = r->lvb_valid,
			      .lvb = r->lvb, .peer = peer };

	if (m->trace_fn)
		m->trace_fn(m->trace_arg, m, &t);
}

/*
 * o2dlm keeps a resource's LVB only on its master (dlm_update_lvb); the
 * others have their lksb copy. When the master dies, the recovery master
 * (the model: the lowest live node) rebuilds res->lvb from the PR/EX locks
 * the *other* survivors send (dlm_remaster_locks skips its own node;
 * dlm_process_recovery_data), an EX holder's copy first; with none, it has
 * its own never-filled res->lvb: zeros, though nobody held EX (V6; seen on
 * 6.1, conformance/scenarios/v6-o2cb-dead-master-loses-lvb.scn).
 */
static void remaster(struct dm_model *m, struct dm_res *r, int dead)
{
	const unsigned char *from = NULL;
	int rm = -1, best = DM_IV, lvl;
	size_t j;

	for (j = 0; j < (size_t)m->nnodes && rm < 0; j++)
		if ((int)j != dead && m->node[j].alive)
			rm = (int)j;
	for (j = 0; j < r->nlk; j++) {
		struct dm_lk *lk = &r->lk[j];
		struct dm_lockres *o;

		if (lk->node == dead || lk->node == rm)
			continue;
		/*
		 * What the survivor sends: the lksb its last AST filled,
		 * at the lower of that AST's mode and the DLM's (a down-
		 * convert counts from its request, an up-convert from its
		 * AST).
		 */
		o = lk_owner(m, lk);
		lvl = o && o->level < lk->granted ? o->level : lk->granted;
		if (!o || lvl < DM_PR || lvl <= best)
			continue;
		from = o->lvb;
		best = lvl;
	}
	if (from)
		memcpy(r->lvb, from, DM_LVB_LEN);
	else
		memset(r->lvb, 0, DM_LVB_LEN);
	r->lvb_valid = true;
	r->master = rm;
	trace_recover(m, r, dead, DM_NL, rm);
}

/*
 * Recovery after a node death (o2dlm dlm_revalidate_lvb / fs/dlm
 * VALNOTVALID): a dead EX holder may have changed the LVB unseen, so it is
 * zeroed (o2cb) or marked invalid (user stack). On o2cb a dead master
 * first takes res->lvb with it (remaster).
 */
void dlm_node_died(struct dm_model *m, int node)
{
	size_t i, j;

	for (i = 0; i < m->nres; i++) {
		struct dm_res *r = m->res[i];
		bool lost = false;

		if (m->prof->stack == DM_STACK_O2CB && r->master == node)
			remaster(m, r, node);
		for (j = 0; j < r->nlk; j++) {
			if (r->lk[j].node != node)
				continue;
			if (r->lk[j].granted == DM_EX ||
			    r->lk[j].granted == DM_PW)
				lost = true;
			lk_remove(r, &r->lk[j--]);
		}
		if (lost) {
			if (m->prof->stack == DM_STACK_O2CB) {
				memset(r->lvb, 0, DM_LVB_LEN);
				r->lvb_valid = true;
			} else {
				r->lvb_valid = false;
			}
			trace_recover(m, r, node, DM_EX, -1);
		}
		shuffle(m, r);
		if (!r->nlk) {
			res_maybe_purge(m, r);
			i--;
		}
	}
}

/*
 * A node leaving a domain hands what it masters, LVB included, to a node
 * still using it (dlm_migrate_all_locks at dlm_unregister_domain).
 */
void dlm_domain_left(struct dm_model *m, int node, const char *domain)
{
	size_t i, j;

	for (i = 0; i < m->nres; i++) {
		struct dm_res *r = m->res[i];
		int to = -1;

		if (r->master != node || strcmp(r->domain, domain))
			continue;
		for (j = 0; j < r->nlk; j++)
			if (r->lk[j].node != node &&
			    (to < 0 || r->lk[j].node < to))
				to = r->lk[j].node;
		if (to >= 0)
			r->master = to;
	}
}

/* nodes whose locks stand in the way of lr's pending request */
uint32_t dlm_blockers(struct dm_model *m, const struct dm_lockres *lr,
		      bool *zombie)
{
	struct dm_res *r = dlm_res_find(m, lr->domain, lr->name, false);
	struct dm_lk *me = dlm_lk_find(r, lr->node, lr->lid);
	int want = lr->requested;
	uint32_t mask = 0;
	size_t i;

	*zombie = false;
	if (want == DM_IV)
		want = lr->blocking;
	if (!r || want == DM_IV)
		return 0;
	/* dlm_shuffle_lists() serves only queue heads: we wait for ours too */
	if (me && me->queue != DM_Q_GRANTED) {
		struct dm_lk *head = queue_head(r, me->queue);

		if (head && head != me)
			mask |= 1u << head->node;
	}
	for (i = 0; i < r->nlk; i++) {
		struct dm_lk *lk = &r->lk[i];
		struct dm_lockres *o;

		if (lk == me || lk->queue == DM_Q_WAITING ||
		    dm_mode_compat(lk->granted, want))
			continue;
		mask |= 1u << lk->node;
		o = lk_owner(m, lk);
		/* poisoned: its worker ignores BASTs for ever (T2) */
		if (o && (o->zombie ||
			  (!m->prof->teardown_fixed &&
			   (o->flags & DM_LF_TEARDOWN) &&
			   !(o->flags & DM_LF_BUSY))))
			*zombie = true;
	}
	return mask;
}
