// SPDX-License-Identifier: MIT
/*
 * ops_run.c - run one `ops` input on the model through the explorer's
 * step executor (x_exec): each decoded op becomes an explorer record, so
 * every step is followed by every invariant (inv_check with the LVB
 * shadow fed from the model's trace, inv_check_poll, inv_check_holders)
 * and a recorded run replays, shrinks and prints as a scenario exactly
 * like an explorer reproducer.
 */
#include <errno.h>
#include <string.h>

#include "fz_ops.h"

/* every model up front: no first-use allocation in the fuzz loop */
int fz_ops_init(struct fz_ops *f, unsigned bugs)
{
	struct fz_hdr h = { 0, 1, 1, 1, 1 };

	memset(f, 0, sizeof(*f));
	f->bugs = bugs;
	for (h.prof = 0; h.prof < FZ_NPROFS; h.prof++)
		for (h.nodes = 1; h.nodes <= FZ_MAX_NODES; h.nodes++)
			if (!fz_ops_state(f, &h, bugs))
				return -ENOMEM;
	return 0;
}

void fz_ops_fini(struct fz_ops *f)
{
	int p, n;

	for (p = 0; p < FZ_NPROFS; p++)
		for (n = 0; n < FZ_MAX_NODES; n++)
			if (f->ready[p][n])
				x_fini(&f->x[p][n]);
}

struct x_state *fz_ops_state(struct fz_ops *f, const struct fz_hdr *h,
			     unsigned bugs)
{
	struct explore_opts *o = &f->o[h->prof][h->nodes - 1];
	struct x_state *x = &f->x[h->prof][h->nodes - 1];

	if (!f->ready[h->prof][h->nodes - 1]) {
		explore_opts_default(o);
		o->prof = dm_profile_find(fz_prof_names[h->prof]);
		o->nodes = h->nodes;
		o->actors = h->actors;
		o->quiet = true;
		o->minimize = false;
		o->out = NULL;
		if (!o->prof || x_init(x, o))
			return NULL;
		f->ready[h->prof][h->nodes - 1] = true;
	}
	o->actors = h->actors;
	o->domains = h->doms;
	o->locks = h->locks;
	o->bugs = bugs;
	x_reset(x);
	return x;
}

/* the deliverable event to run next: the k-th, or (k < 0) wake-ups first */
static bool pick_event(struct x_state *x, int k, size_t *which)
{
	size_t n = dm_event_count(x->m), i, nd = 0, first = n;

	for (i = 0; i < n; i++) {
		if (!dm_event_deliverable(x->m, i))
			continue;
		if (k < 0 && dm_event_at(x->m, i)->kind == DM_EV_WAKE) {
			*which = i;
			return true;
		}
		if (first == n)
			first = i;
		nd++;
	}
	if (!nd)
		return false;
	if (k < 0) {
		*which = first;
		return true;
	}
	k %= (int)nd;
	for (i = 0; i < n; i++)
		if (dm_event_deliverable(x->m, i) && !k--)
			break;
	*which = i;
	return true;
}

/* run one record as step nrec; false if the state did not allow it */
static bool step(struct fz_ops *f, struct x_state *x, const struct x_rec *r)
{
	if (f->nrec >= FZ_MAX_RECS) {
		f->truncated = true;
		return false;
	}
	f->recs[f->nrec] = *r;
	if (!x_exec(x, r, (uint32_t)f->nrec))
		return false;
	if (x->viol && f->fail == (size_t)-1)
		f->fail = f->nrec;
	f->nrec++;
	return true;
}

static bool deliver(struct fz_ops *f, struct x_state *x, int k)
{
	struct x_rec r;
	size_t i;

	if (!pick_event(x, k, &i))
		return false;
	x_gen_deliver(x, i, &r);
	return step(f, x, &r);
}

static void call(struct fz_ops *f, struct x_state *x, const struct fz_op *op)
{
	static const uint8_t verb[] = {
		[FZ_OPEN] = XV_OPEN, [FZ_CLOSE] = XV_CLOSE,
		[FZ_READ] = XV_READ, [FZ_PREAD] = XV_PREAD,
		[FZ_WRITE] = XV_WRITE, [FZ_PWRITE] = XV_PWRITE,
		[FZ_LSEEK] = XV_LSEEK, [FZ_POLL] = XV_POLL,
		[FZ_UNLINK] = XV_UNLINK, [FZ_MKDIR] = XV_MKDIR,
		[FZ_RMDIR] = XV_RMDIR, [FZ_STAT] = XV_STAT,
	};
	const struct fz_hdr *h = &f->hdr;
	const uint8_t *a = op->arg;
	struct x_actor *act;
	struct x_rec r;

	memset(&r, 0, sizeof(r));
	r.type = XR_CALL;
	r.verb = verb[op->code];
	r.actor = (uint8_t)fz_actor(op, h->actors);
	act = &x->act[r.actor];
	switch (op->code) {
	case FZ_OPEN:
		r.oflags = (uint8_t)(((a[0] & 0x40) ? XO_EX : 0) |
				     ((a[0] & 0x80) ? XO_NB : 0));
		/* fall through */
	case FZ_UNLINK:
	case FZ_MKDIR:
	case FZ_RMDIR:
	case FZ_STAT:
		r.dom = (uint8_t)fz_dom(a[1], h->doms);
		r.lk = (uint8_t)fz_lock(a[1], h->locks);
		if (op->code == FZ_MKDIR || op->code == FZ_RMDIR ||
		    (op->code == FZ_STAT && (a[1] & 0x08)))
			r.lk = X_NONE;
		break;
	default:
		if (!act->nfd)
			return;
		r.fdref = act->fd[fz_slot(op) % act->nfd].ref;
		break;
	}
	switch (op->code) {
	case FZ_READ:
	case FZ_PREAD:
		r.len = (uint8_t)(a[1] % (X_DATA_MAX + 1));
		r.off = (int8_t)a[2];
		break;
	case FZ_WRITE:
		r.len = (uint8_t)(a[1] % (X_DATA_MAX + 1));
		r.dseed = a[2];
		break;
	case FZ_PWRITE:
		r.len = (uint8_t)(a[1] % (X_DATA_MAX + 1));
		r.off = (int8_t)a[2];
		r.dseed = a[3];
		break;
	case FZ_LSEEK:
		r.off = (int8_t)a[1];
		r.whence = (uint8_t)(a[2] % 3);
		break;
	default:
		break;
	}
	step(f, x, &r);
}

static void node_op(struct fz_ops *f, struct x_state *x, int type, uint8_t k)
{
	struct x_rec r;

	memset(&r, 0, sizeof(r));
	r.type = (uint8_t)type;
	r.node = (uint8_t)(k % f->hdr.nodes);
	step(f, x, &r);
}

/* close every fd, deliver everything (wake-ups first), judge what is left */
static void drain(struct fz_ops *f, struct x_state *x)
{
	struct x_rec r;
	int iter, i;

	for (iter = 0; iter < FZ_DRAIN_MAX && !x->viol && !f->truncated;
	     iter++) {
		bool did = false;

		for (i = 0; i < x->nact && !did; i++) {
			struct x_actor *a = &x->act[i];

			if (a->pending || !a->nfd ||
			    !dm_node_alive(x->m, a->node))
				continue;
			memset(&r, 0, sizeof(r));
			r.type = XR_CALL;
			r.verb = XV_CLOSE;
			r.actor = (uint8_t)i;
			r.fdref = a->fd[0].ref;
			did = step(f, x, &r);
		}
		if (!did && !deliver(f, x, -1))
			break;
	}
	if (x->viol || f->truncated)
		return;
	memset(&r, 0, sizeof(r));
	r.type = XR_CHECK;
	step(f, x, &r);
}

struct x_state *fz_ops_run(struct fz_ops *f, const uint8_t *buf, size_t len)
{
	struct fz_in in;
	struct fz_op op;
	struct x_state *x;
	struct x_rec r;
	int nops = 0, i;

	fz_in_init(&in, buf, len);
	fz_hdr_decode(&in, &f->hdr, FZ_MAX_NODES);
	x = fz_ops_state(f, &f->hdr, f->bugs);
	if (!x)
		return NULL;
	f->nrec = 0;
	f->truncated = false;
	f->fail = (size_t)-1;
	while (!x->viol && nops++ < FZ_MAX_OPS && fz_op_next(&in, &op)) {
		switch (op.code) {
		case FZ_DELIVER:
			deliver(f, x, op.arg[0]);
			break;
		case FZ_SETTLE:
			for (i = 0; i < FZ_SETTLE_MAX && !x->viol; i++)
				if (!deliver(f, x, -1))
					break;
			break;
		case FZ_CRASH:
			node_op(f, x, XR_CRASH, op.arg[0]);
			break;
		case FZ_RESTART:
			node_op(f, x, XR_RESTART, op.arg[0]);
			break;
		case FZ_CHECK:
			/* deliveries as steps of their own (ddmin drops
			 * them one by one), then the explorer's check */
			for (i = 0; i < FZ_DRAIN_MAX && !x->viol; i++)
				if (!deliver(f, x, -1))
					break;
			memset(&r, 0, sizeof(r));
			r.type = XR_CHECK;
			step(f, x, &r);
			break;
		default:
			call(f, x, &op);
			break;
		}
	}
	if (!x->viol)
		drain(f, x);
	return x;
}
