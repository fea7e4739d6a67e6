// SPDX-License-Identifier: MIT
/*
 * inv_hang.c - why is a call still pending after a drain? (INV_STUCK)
 *
 * Each pending call waits for a lock to drop: its own node's BLOCKED lock
 * (L7) or the other nodes' locks in the way of its DLM request. A lock
 * cannot drop while some actor holds an incompatible fd on it, so a call
 * depends on those actors. A call is hung when one of the actors it depends
 * on is hung (greatest fixed point: cycles stay hung), or when it hits a
 * documented dead end: O3 (user stack BUSY for ever) or T2 (poisoned lock).
 * A cycle made only of "holds an fd" edges is the L8/L7 deadlock; anything
 * else - a call nobody will wake, a worker that never ran, a convert that
 * was never cancelled - is unexplained and fails INV_STUCK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invariants.h"

#define MAX_DEPS 64

enum edge { E_HELD = 1, E_CONVERT = 2 };

struct hnode {
	enum inv_hang term;	/* O3/T2 dead end, UNEXPLAINED, or NONE */
	bool hung;
	size_t ndeps;
	size_t dep[MAX_DEPS];
	unsigned char edge[MAX_DEPS];
	char what[160];		/* "waits EX on d/l (n1 BLOCKED for EX)" */
	const char *dom, *name;	/* the lock waited on (model strings) */
};

const char *inv_hang_name(enum inv_hang h)
{
	switch (h) {
	case INV_HANG_NONE:
		return "none";
	case INV_HANG_O3:
		return "O3";
	case INV_HANG_L8:
		return "L8";
	case INV_HANG_T2:
		return "T2";
	case INV_HANG_ORDER:
		return "lock-order";
	case INV_HANG_TEARDOWN:
		return "teardown";
	case INV_HANG_CANCEL:
		return "cancel-lost";
	default:
		return "unexplained";
	}
}

/* a documented hang that no close can end */
static bool dead_end(enum inv_hang t)
{
	return t == INV_HANG_O3 || t == INV_HANG_T2 || t == INV_HANG_TEARDOWN ||
	       t == INV_HANG_CANCEL;
}

/*
 * BLOCKED with the one cancel already spent (o2cb dropped CANCELGRANT):
 * either the up-convert in flight can never be cancelled, or it landed and
 * nothing will queue the worker again (no BAST, no closing holder).
 */
static bool cancel_lost(const struct dm_lock_view *v)
{
	unsigned f = DM_LF_BLOCKED | DM_LF_IN_CANCEL;

	if ((v->flags & f) != f)
		return false;
	if (v->flags & DM_LF_BUSY)
		return v->requested > v->level;
	return !(v->flags & DM_LF_QUEUED) && !v->ro_holders && !v->ex_holders;
}

/*
 * BLOCKED with no worker queued or running (e.g. after a failing unlink
 * cleared IN_TEARDOWN): only a local close re-queues the worker
 * (__user_dlm_cond_queue_lockres), so every holder counts, compatible with
 * the blocking level or not.
 */
static bool no_worker(const struct dm_lock_view *v)
{
	return (v->flags & DM_LF_BLOCKED) &&
	       !(v->flags & (DM_LF_BUSY | DM_LF_QUEUED));
}

static bool any_deliverable(const struct dm_model *m)
{
	size_t n = dm_event_count(m), i;

	for (i = 0; i < n; i++)
		if (dm_event_deliverable(m, i))
			return true;
	return false;
}

/* the lock of node on domain/name (zombies included), by a full scan */
static bool find_lock(const struct dm_model *m, int node, const char *domain,
		      const char *name, struct dm_lock_view *v)
{
	size_t n = dm_lock_count(m, node), i;
	struct dm_lock_view c;
	bool found = false;

	memset(v, 0, sizeof(*v));

	/*
	 * After unlink + re-create a node has two locks of that name: the
	 * torn-down one (IV, pinned by a waiter) and the live one. The live
	 * one is what the DLM sees.
	 */
	for (i = 0; i < n; i++) {
		if (dm_lock_view_at(m, node, i, &c) || strcmp(c.domain, domain) ||
		    strcmp(c.name, name))
			continue;
		if (!found || (v->level == DM_IV && c.level != DM_IV) ||
		    ((v->flags & DM_LF_TEARDOWN) && !(c.flags & DM_LF_TEARDOWN))) {
			*v = c;
			found = true;
		}
	}
	return found;
}

/*
 * IN_TEARDOWN makes user_dlm_unblock_lock() return before it would cancel:
 * an up-convert in flight can then never be withdrawn, and the unlink that
 * set TEARDOWN waits for it for ever.
 */
static bool worker_disabled(const struct dm_lock_view *v)
{
	unsigned f = DM_LF_TEARDOWN | DM_LF_BUSY | DM_LF_BLOCKED;

	return (v->flags & f) == f && v->requested > v->level;
}

/* the DLM view of node's dlmfs lock on domain/name */
static bool find_lk(const struct dm_model *m, int node, const char *domain,
		    const char *name, long *res, struct dm_lk_view *lk)
{
	size_t nres = dm_res_count(m), i, j;
	struct dm_res_view rv;

	for (i = 0; i < nres; i++) {
		if (dm_res_view(m, i, &rv) || strcmp(rv.domain, domain) ||
		    strcmp(rv.name, name))
			continue;
		for (j = 0; j < rv.nlocks; j++)
			if (!dm_lk_view(m, i, j, lk) && lk->node == node &&
			    lk->owner == 0) {
				*res = (long)i;
				return true;
			}
	}
	return false;
}

static void add_dep(struct hnode *h, size_t j, enum edge e)
{
	size_t k;

	for (k = 0; k < h->ndeps; k++)
		if (h->dep[k] == j) {
			h->edge[k] |= (unsigned char)e;
			return;
		}
	if (h->ndeps < MAX_DEPS) {
		h->dep[h->ndeps] = j;
		h->edge[h->ndeps++] = (unsigned char)e;
	}
}

/* actors holding an fd on (node, ino) that keeps it above `keep` */
static size_t add_holders(const struct dm_model *m, const struct inv_actor *a,
			  size_t n, int node, dm_ino ino, int want,
			  struct hnode *h)
{
	size_t i, k, c = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < a[i].nfds; k++) {
			int fh = a[i].fds[k].fh;

			if (dm_fh_node(m, fh) != node || dm_fh_ino(m, fh) != ino ||
			    dm_mode_compat(a[i].fds[k].level, want))
				continue;
			add_dep(h, i, E_HELD);
			c++;
		}
	return c;
}

/* actors whose pending call waits on (node, ino) */
static size_t add_waiters(const struct dm_model *m, const struct inv_actor *a,
			  size_t n, int node, dm_ino ino, struct hnode *h)
{
	size_t i, c = 0;
	struct dm_wait w;

	for (i = 0; i < n; i++) {
		if (!a[i].pending || dm_op_wait(m, a[i].op, &w) ||
		    w.node != node || w.ino != ino)
			continue;
		add_dep(h, i, E_CONVERT);
		c++;
	}
	return c;
}

/*
 * The request of lock v (ours, in flight) waits for the nodes whose granted
 * locks conflict with `want`: depend on whatever keeps each of them up.
 */
static void expand_request(const struct dm_model *m, const struct inv_actor *a,
			   size_t n, const struct dm_lock_view *v, int want,
			   uint32_t blockers, struct hnode *h)
{
	const struct dm_profile *p = dm_get_profile(m);
	int b;

	for (b = 0; b < dm_nodes(m); b++) {
		struct dm_lock_view bv;
		struct dm_lk_view lk;
		long ri;

		if (!(blockers & (1u << b)) || b == v->node)
			continue;
		if (!find_lock(m, b, v->domain, v->name, &bv)) {
			h->term = INV_HANG_UNEXPLAINED;
			return;
		}
		if (!bv.ino) {
			h->term = INV_HANG_T2;	/* poisoned, never unlocks */
			return;
		}
		if (cancel_lost(&bv)) {
			h->term = INV_HANG_CANCEL;
			return;
		}
		if (worker_disabled(&bv)) {
			h->term = INV_HANG_TEARDOWN;
			return;
		}
		/*
		 * b drops only to what its own blocking level allows (L5): a
		 * stale EX blocker (its requester crashed or cancelled) makes
		 * even PR holders keep b up for a PR waiter.
		 */
		if (add_holders(m, a, n, b, bv.ino, no_worker(&bv) ? DM_EX :
				(bv.flags & DM_LF_BLOCKED) && bv.blocking > want ?
				bv.blocking : want, h))
			continue;
		if (!(bv.flags & DM_LF_BUSY)) {
			h->term = INV_HANG_UNEXPLAINED;	/* no BAST / no worker */
			return;
		}
		/* b is itself waiting (e.g. ahead of us in the queue): its
		 * waiters are what we wait for */
		if (find_lk(m, b, v->domain, v->name, &ri, &lk) &&
		    lk.queue == DM_Q_GRANTED) {
			/* BUSY with nothing in flight: only O3 does that */
			h->term = p->stack == DM_STACK_USER ?
				  INV_HANG_O3 : INV_HANG_UNEXPLAINED;
			return;
		}
		if (!add_waiters(m, a, n, b, bv.ino, h)) {
			h->term = INV_HANG_UNEXPLAINED;
			return;
		}
	}
}

/*
 * Why actor i's call waits (h->term, h->dep). With text, also what it
 * waits for, in words (h->what): only a description needs that, and
 * formatting it for every classification is what a fuzzer pays for.
 */
static void analyse(const struct dm_model *m, const struct inv_actor *a,
		    size_t n, size_t i, bool events, bool text,
		    struct hnode *h)
{
	struct dm_lock_view v;
	struct dm_wait w;
	int fh;

	/* h is zeroed (build's calloc) */
	if (!a[i].pending || dm_op_status(m, a[i].op, &fh) != DM_PENDING ||
	    dm_op_wait(m, a[i].op, &w))
		return;
	if (dm_lock_view(m, w.node, w.ino, &v)) {
		h->term = events ? INV_HANG_NONE : INV_HANG_UNEXPLAINED;
		if (text)
			snprintf(h->what, sizeof(h->what), "waits on ino %llu",
				 (unsigned long long)w.ino);
		return;
	}
	h->dom = v.domain;
	h->name = v.name;
	if (text) {
		char bl[40] = "";
		size_t o = 0;
		int b;

		for (b = 0; b < dm_nodes(m) && w.kind == DM_WAIT_REQUEST; b++)
			if (w.blockers & (1u << b))
				o += (size_t)snprintf(bl + o, sizeof(bl) - o,
						      "%sn%d", o ? "," : " blocked by ",
						      b + 1);
		snprintf(h->what, sizeof(h->what),
			 "waits %s on %s/%s (n%d at %s%s%s)%s",
			 dm_mode_name(w.level), v.domain, v.name, w.node + 1,
			 dm_mode_name(v.level),
			 v.flags & DM_LF_BLOCKED ? ", BLOCKED for " : "",
			 v.flags & DM_LF_BLOCKED ? dm_mode_name(v.blocking) : "",
			 bl);
	}
	if (events) {
		h->term = INV_HANG_NONE;	/* not drained: may still move */
		return;
	}
	switch (w.kind) {
	case DM_WAIT_STUCK:
		h->term = INV_HANG_O3;
		return;
	case DM_WAIT_ZOMBIE:
		h->term = INV_HANG_T2;
		return;
	case DM_WAIT_BLOCKED:
		if (!(v.flags & DM_LF_BLOCKED)) {
			h->term = INV_HANG_UNEXPLAINED;
			return;
		}
		if (cancel_lost(&v)) {
			h->term = INV_HANG_CANCEL;
			return;
		}
		if ((v.flags & DM_LF_TEARDOWN) && !(v.flags & DM_LF_BUSY)) {
			h->term = INV_HANG_TEARDOWN;
			return;
		}
		/*
		 * The downconvert waits for incompatible local holders (L5);
		 * with no worker queued, for any local close - the waiter's
		 * own fds included (an up-convert by the only holder: L8).
		 */
		if (add_holders(m, a, n, v.node, v.ino,
				no_worker(&v) || v.blocking == DM_EX ?
				DM_EX : DM_PR, h))
			return;
		if (v.flags & DM_LF_BUSY) {
			uint32_t mask = 0;
			long ri;
			struct dm_lk_view lk, o;
			struct dm_res_view rv;
			size_t j;

			if (!find_lk(m, v.node, v.domain, v.name, &ri, &lk) ||
			    lk.queue == DM_Q_GRANTED || dm_res_view(m, (size_t)ri, &rv)) {
				h->term = INV_HANG_UNEXPLAINED;
				return;
			}
			for (j = 0; j < rv.nlocks; j++)
				if (!dm_lk_view(m, (size_t)ri, j, &o) &&
				    o.node != v.node && o.granted != DM_IV &&
				    !dm_mode_compat(o.granted, lk.requested))
					mask |= 1u << o.node;
			expand_request(m, a, n, &v, lk.requested, mask, h);
			if (!h->term && !h->ndeps)
				h->term = INV_HANG_UNEXPLAINED;
			return;
		}
		h->term = INV_HANG_UNEXPLAINED;	/* the worker should have run */
		return;
	case DM_WAIT_REQUEST:
		if (cancel_lost(&v)) {
			h->term = INV_HANG_CANCEL;
			return;
		}
		if (worker_disabled(&v)) {
			h->term = INV_HANG_TEARDOWN;
			return;
		}
		/* an unlink waits for the lock's own request in flight (T1) */
		expand_request(m, a, n, &v, v.requested != DM_IV ?
			       v.requested : w.level, w.blockers, h);
		if (!h->term && !h->ndeps)
			h->term = INV_HANG_UNEXPLAINED;
		return;
	default:
		h->term = INV_HANG_UNEXPLAINED;	/* no wake-up queued */
		return;
	}
}

static bool same_lock(const struct hnode *x, const struct hnode *y)
{
	if (!x->dom || !y->dom)
		return x->dom == y->dom;
	return !strcmp(x->dom, y->dom) && !strcmp(x->name, y->name);
}

/*
 * Follow hung deps from i: the dead end's name; for a cycle of fd holders,
 * L8 when it stays on one lock (L7/L8: waiting on a lock one holds
 * oneself), lock-order when it spans locks (ABBA).
 */
static enum inv_hang name_of(const struct hnode *h, size_t n, size_t i)
{
	size_t path[256], len = 0, cur = i, k, p;
	bool held_only = true;

	while (len < 256 && cur < n) {
		const struct hnode *c = &h[cur];
		size_t next = n;

		if (dead_end(c->term))
			return c->term;
		for (p = 0; p < len && path[p] != cur; p++)
			;
		if (p < len) {
			/*
			 * The cycle path[p..len) names the hang, whatever led
			 * into it: on one lock it is L7/L8 (waiting, directly or
			 * through the DLM's queue order, on a lock one's own
			 * side holds); across locks the actors deadlock by order.
			 */
			for (k = p + 1; k < len; k++)
				if (!same_lock(&h[path[k]], &h[path[p]]))
					return INV_HANG_ORDER;
			return INV_HANG_L8;
		}
		path[len++] = cur;
		/* prefer an fd holder: it names the cycle a person can break */
		for (k = 0; k < c->ndeps && next == n; k++)
			if (h[c->dep[k]].hung && c->edge[k] == E_HELD)
				next = c->dep[k];
		for (k = 0; k < c->ndeps && next == n; k++)
			if (h[c->dep[k]].hung) {
				next = c->dep[k];
				held_only = false;
			}
		if (next == n)
			break;
		cur = next;
	}
	return held_only ? INV_HANG_L8 : INV_HANG_UNEXPLAINED;
}

static struct hnode *build(const struct dm_model *m, const struct inv_actor *a,
			   size_t n, bool text)
{
	struct hnode *h = calloc(n ? n : 1, sizeof(*h));
	bool events = any_deliverable(m), changed = true;
	size_t i, k;

	if (!h)
		return NULL;
	for (i = 0; i < n; i++) {
		analyse(m, a, n, i, events, text, &h[i]);
		h[i].hung = dead_end(h[i].term) ||
			    (h[i].term == INV_HANG_NONE && h[i].ndeps);
	}
	while (changed) {
		changed = false;
		for (i = 0; i < n; i++) {
			bool any = false;

			if (!h[i].hung || h[i].term != INV_HANG_NONE)
				continue;
			for (k = 0; k < h[i].ndeps && !any; k++)
				any = h[h[i].dep[k]].hung;
			if (!any) {
				h[i].hung = false;
				changed = true;
			}
		}
	}
	return h;
}

void inv_classify_hangs(const struct dm_model *m, const struct inv_actor *a,
			size_t n, enum inv_hang *out)
{
	struct hnode *h = build(m, a, n, false);
	size_t i;

	for (i = 0; i < n; i++) {
		if (!h)
			out[i] = INV_HANG_NONE;
		else if (h[i].term == INV_HANG_UNEXPLAINED)
			out[i] = INV_HANG_UNEXPLAINED;
		else if (h[i].hung)
			out[i] = h[i].term ? h[i].term : name_of(h, n, i);
		else
			out[i] = INV_HANG_NONE;
	}
	free(h);
}

static const char *actor_str(char *buf, size_t len, const struct inv_actor *a)
{
	snprintf(buf, len, "%s@n%d", a->name ? a->name : "?", a->node + 1);
	return buf;
}

void inv_describe_hang(const struct dm_model *m, const struct inv_actor *a,
		       size_t n, const enum inv_hang *cls, size_t i, char *buf,
		       size_t len)
{
	struct hnode *h = build(m, a, n, true);
	bool seen[256] = { false };
	size_t cur = i, o = 0, k, steps;
	char an[48];

	if (!h || i >= n) {
		snprintf(buf, len, "?");
		free(h);
		return;
	}
	o += (size_t)snprintf(buf, len, "hang %s:", inv_hang_name(cls[i]));
	for (steps = 0; steps < 8 && cur < 256 && o < len; steps++) {
		const struct hnode *c = &h[cur];
		size_t next = n;

		o += (size_t)snprintf(buf + o, len - o, "%s %s %s",
				      steps ? ";" : "",
				      actor_str(an, sizeof(an), &a[cur]),
				      c->what);
		if (dead_end(c->term))
			break;
		seen[cur] = true;
		for (k = 0; k < c->ndeps && next == n; k++)
			if (h[c->dep[k]].hung && c->edge[k] == E_HELD)
				next = c->dep[k];
		for (k = 0; k < c->ndeps && next == n; k++)
			if (h[c->dep[k]].hung)
				next = c->dep[k];
		if (next == n || o >= len)
			break;
		for (k = 0; k < c->ndeps; k++)
			if (c->dep[k] == next)
				break;
		o += (size_t)snprintf(buf + o, len - o, " %s %s%s",
				      c->edge[k] & E_HELD ? "held by" :
				      "behind the convert of",
				      actor_str(an, sizeof(an), &a[next]),
				      next == cur ? " itself" : "");
		if (seen[next])
			break;
		cur = next;
	}
	free(h);
}

enum inv_id inv_check_stuck(const struct dm_model *m,
			    const struct inv_actor *a, size_t n, char *why,
			    size_t len)
{
	size_t ne = dm_event_count(m), i;
	enum inv_hang *cls;

	if (ne) {
		snprintf(why, len, "%zu events queued after the drain (%s)", ne,
			 any_deliverable(m) ? "not drained" : "none deliverable");
		return INV_STUCK;
	}
	cls = calloc(n ? n : 1, sizeof(*cls));
	if (!cls)
		return INV_OK;
	inv_classify_hangs(m, a, n, cls);
	for (i = 0; i < n; i++) {
		if (cls[i] != INV_HANG_UNEXPLAINED)
			continue;
		inv_describe_hang(m, a, n, cls, i, why, len);
		free(cls);
		return INV_STUCK;
	}
	free(cls);
	return INV_OK;
}
