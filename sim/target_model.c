/* SPDX-License-Identifier: MIT */
/*
 * target_model.c - the executor's target on the in-process model (dm.h).
 *
 * Each actor is a process with its own credentials; each handle is one
 * descriptor onto a model file description (dup shares one). A call the
 * model parks (DM_PENDING) is a blocked actor; `wait` asks dm_op_status.
 * After every statement the invariants (sim/invariants.h) run against an
 * independent LVB shadow fed by trace records, writes and reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tm_int.h"
#include "trace.h"

static void tm_trace(void *arg, const struct dm_model *m,
		     const struct dm_trace *t)
{
	struct tm *tm = arg;

	if (tm->shadow)
		inv_shadow_trace(tm->shadow, m, t);
	if (tm->o.trace)
		trace_event(tm->o.trace, m, t);
}

void tm_violation(struct tm *tm, enum inv_id id, const char *why)
{
	if (!tm->viol[0])
		snprintf(tm->viol, sizeof(tm->viol), "invariant %s: %s",
			 inv_name(id), why);
}

/* ---- scenario lifetime ---- */
static const struct dm_profile *pick_profile(struct tm *tm,
					     const struct scn *s, char *why,
					     size_t len)
{
	const struct dm_profile *p, *first = NULL;
	const char *stack = s->req.stack;

	if (tm->o.profile) {
		p = dm_profile_find(tm->o.profile);
		if (!p)
			snprintf(why, len, "unknown profile '%s'", tm->o.profile);
		return p;
	}
	if (!s->req.nprofiles)
		return dm_profile_find(!strcmp(stack, "user") ? "linux-6-user" :
				       DM_PROFILE_DEFAULT);
	/* the first listed profile that fits the stack, else the first known */
	for (int i = 0; i < s->req.nprofiles; i++) {
		p = dm_profile_find(s->req.profiles[i]);
		if (!p)
			continue;
		if (!stack[0] || (p->stack == DM_STACK_USER) == !strcmp(stack, "user"))
			return p;
		first = first ? first : p;
	}
	if (!first)
		snprintf(why, len, "no known profile among '%s'%s",
			 s->req.profiles[0], s->req.nprofiles > 1 ? "..." : "");
	return first;
}

static void tm_end(void *t)
{
	struct tm *tm = t;

	dm_free(tm->m);
	tm->m = NULL;
	inv_shadow_free(tm->shadow);
	tm->shadow = NULL;
	tm->nfds = 0;
	tm->s = NULL;
}

static int tm_begin(void *t, const struct scn *s, char *why, size_t len)
{
	struct tm *tm = t;
	int nodes = s->req.nodes > s->nodes_used ? s->req.nodes : s->nodes_used;

	if (tm->m)
		tm_end(tm);
	tm->prof = pick_profile(tm, s, why, len);
	if (!tm->prof)
		return -EINVAL;
	tm->s = s;
	tm->nodes = nodes < 1 ? 1 : nodes;
	tm->m = dm_new(tm->prof, tm->nodes);
	if (!tm->m) {
		snprintf(why, len, "cannot create a %d-node model", tm->nodes);
		return -ENOMEM;
	}
	dm_set_bugs(tm->m, tm->o.bugs);
	if (!tm->o.no_invariants) {
		tm->shadow = inv_shadow_new();
		if (!tm->shadow) {
			snprintf(why, len, "out of memory");
			tm_end(tm);
			return -ENOMEM;
		}
	}
	dm_set_trace(tm->m, tm_trace, tm);
	for (int i = 0; i < SCN_ACTORS_MAX; i++) {
		memset(&tm->a[i], 0, sizeof(tm->a[i]));
		tm->a[i].ctx = DM_CTX_ROOT;
	}
	tm->nfds = 0;
	tm->viol[0] = 0;
	return 0;
}

static void tm_caps(void *t, struct tgt_caps *c)
{
	struct tm *tm = t;

	memset(c, 0, sizeof(*c));
	c->nodes = tm->nodes;
	snprintf(c->stack, sizeof(c->stack), "%s",
		 tm->prof->stack == DM_STACK_USER ? "user" : "o2cb");
	snprintf(c->profile, sizeof(c->profile), "%s", tm->prof->name);
	snprintf(c->caps, sizeof(c->caps), "%s",
		 tm->prof->caps ? tm->prof->caps : "");
	c->faults = c->nonroot = c->rawdlm = c->manual = c->hangs = true;
	c->classify = true;
}

/* ---- descriptors ---- */
int tm_fd_new(struct tm *tm, int actor, int fh, int level)
{
	int i;

	for (i = 0; i < tm->nfds; i++)
		if (!tm->fds[i].used)
			break;
	if (i == tm->nfds) {
		if (tm->nfds == tm->capfds) {
			int cap = tm->capfds ? tm->capfds * 2 : 16;
			struct tm_fd *n = realloc(tm->fds, (size_t)cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			tm->fds = n;
			tm->capfds = cap;
		}
		tm->nfds++;
	}
	tm->fds[i] = (struct tm_fd){ true, actor, fh, level };
	return i;
}

struct tm_fd *tm_fd_get(struct tm *tm, int actor, int h)
{
	if (h < 0 || h >= tm->nfds || !tm->fds[h].used ||
	    tm->fds[h].actor != actor)
		return NULL;
	return &tm->fds[h];
}

/* the last descriptor onto a description releases it */
int tm_fd_close(struct tm *tm, int h)
{
	int fh = tm->fds[h].fh;

	tm->fds[h].used = false;
	for (int i = 0; i < tm->nfds; i++)
		if (tm->fds[i].used && tm->fds[i].fh == fh)
			return 0;
	return dm_release(tm->m, fh);
}

static int tm_close(void *t, int actor, int h)
{
	struct tm *tm = t;

	if (!tm->m || !tm_fd_get(tm, actor, h))
		return -EBADF;
	return tm_fd_close(tm, h);
}

int tm_level_of(int flags)
{
	return (flags & O_ACCMODE) == O_RDONLY ? DM_PR : DM_EX;
}



/* ---- blocked calls ---- */

/*
 * The actors as the hang detector sees them: their pending op and the
 * descriptions they hold (dup'd handles count once), plus a finished but
 * uncollected open's description, since the model already counts it.
 */
static struct inv_fd *inv_view(struct tm *tm, struct inv_actor *ia)
{
	int n = tm->s->nactors, k = 0, fh;
	struct inv_fd *fds = calloc((size_t)tm->nfds + (size_t)n + 1,
				    sizeof(*fds));

	if (!fds)
		return NULL;
	for (int i = 0; i < n; i++) {
		struct tm_actor *a = &tm->a[i];

		ia[i] = (struct inv_actor){ tm->s->actors[i].name,
			tm->s->actors[i].node, a->pending, a->op, fds + k, 0 };
		for (int j = 0; j < tm->nfds; j++) {
			struct tm_fd *f = &tm->fds[j];
			bool dup = false;

			if (!f->used || f->actor != i)
				continue;
			for (int d = 0; d < j; d++)
				dup |= tm->fds[d].used && tm->fds[d].fh == f->fh;
			if (!dup)
				fds[k++] = (struct inv_fd){ f->fh, f->level };
		}
		if (a->pending && a->verb == SCN_V_OPEN &&
		    dm_op_status(tm->m, a->op, &fh) == 0 && fh > 0) {
			fds[k++] = (struct inv_fd){ fh, a->level };
			ia[i].pending = false;
		}
		ia[i].nfds = (size_t)(fds + k - ia[i].fds);
	}
	return fds;
}

static void classify(struct tm *tm, int actor, char *buf, size_t len)
{
	struct inv_actor ia[SCN_ACTORS_MAX];
	enum inv_hang cls[SCN_ACTORS_MAX];
	struct inv_fd *fds = inv_view(tm, ia);

	buf[0] = 0;
	if (!fds)
		return;
	inv_classify_hangs(tm->m, ia, (size_t)tm->s->nactors, cls);
	switch (cls[actor]) {
	case INV_HANG_O3:	/* the refused trylock that sent no BAST: X4 */
		snprintf(buf, len, "O3 X4");
		break;
	case INV_HANG_L8:
	case INV_HANG_T2:
	case INV_HANG_TEARDOWN:	/* derived classes: no rule, a name */
	case INV_HANG_ORDER:
	case INV_HANG_CANCEL:
		snprintf(buf, len, "%s", inv_hang_name(cls[actor]));
		break;
	default:
		break;
	}
	free(fds);
}

static int tm_wait(void *t, int actor, struct tgt_result *r)
{
	struct tm *tm = t;
	struct tm_actor *a;
	int fh = -1, rc, h;

	if (!tm->m || actor < 0 || actor >= SCN_ACTORS_MAX ||
	    !tm->a[actor].pending) {
		r->status = -ECHILD;
		return TGT_DONE;
	}
	a = &tm->a[actor];
	rc = dm_op_status(tm->m, a->op, &fh);
	if (rc == DM_PENDING) {
		classify(tm, actor, r->hang, sizeof(r->hang));
		return TGT_BLOCKED;
	}
	if (a->verb == SCN_V_OPEN && rc == 0) {
		h = tm_fd_new(tm, actor, fh, a->level);
		if (h < 0) {
			dm_release(tm->m, fh);
			rc = h;
		} else {
			r->fd = h;
		}
	}
	dm_op_forget(tm->m, a->op);
	a->pending = false;
	r->status = rc;
	return TGT_DONE;
}

/* ---- the harness's statements ---- */
static void tm_settle(void *t)
{
	struct tm *tm = t;

	if (tm->m && dm_settle(tm->m, TM_SETTLE_MAX) >= TM_SETTLE_MAX &&
	    !tm->viol[0])
		snprintf(tm->viol, sizeof(tm->viol), "settle did not converge "
			 "after %d events", TM_SETTLE_MAX);
}

static int tm_signal(void *t, int actor)
{
	struct tm *tm = t;

	if (!tm->m || actor < 0 || actor >= SCN_ACTORS_MAX)
		return -EINVAL;
	if (!tm->a[actor].pending)
		return 0;	/* a caught signal between calls: no effect */
	return dm_op_signal(tm->m, tm->a[actor].op);
}

static int tm_crash(void *t, int node)
{
	struct tm *tm = t;
	int rc;

	if (!tm->m)
		return -EINVAL;
	rc = dm_crash(tm->m, node);
	if (rc)
		return rc;
	/* its processes died with it: calls ended, descriptors gone */
	for (int i = 0; i < tm->s->nactors; i++) {
		if (tm->s->actors[i].node != node)
			continue;
		if (tm->a[i].pending)
			dm_op_forget(tm->m, tm->a[i].op);
		memset(&tm->a[i], 0, sizeof(tm->a[i]));
		tm->a[i].ctx = DM_CTX_ROOT;
		for (int j = 0; j < tm->nfds; j++)
			if (tm->fds[j].used && tm->fds[j].actor == i)
				tm->fds[j].used = false;
	}
	return 0;
}

static int tm_restart(void *t, int node)
{
	struct tm *tm = t;

	return tm->m ? dm_restart(tm->m, node) : -EINVAL;
}

static int tm_deliver(void *t, int node, int ev, const char *path, char *why,
		      size_t len)
{
	struct tm *tm = t;
	dm_ino ino = 0;
	size_t n;
	int rc;

	if (!tm->m)
		return -EINVAL;
	if (path) {
		rc = dm_resolve(tm->m, node, path, &ino);
		if (rc) {
			snprintf(why, len, "%s not found on n%d", path, node + 1);
			return rc;
		}
	}
	n = dm_event_count(tm->m);
	for (size_t i = 0; i < n; i++) {
		const struct dm_event *e = dm_event_at(tm->m, i);

		if ((int)e->kind != ev || e->node != node ||
		    (path && e->ino != ino) || !dm_event_deliverable(tm->m, i))
			continue;
		return dm_deliver(tm->m, i);
	}
	snprintf(why, len, "no deliverable %s event for n%d%s%s", scn_ev_name(ev),
		 node + 1, path ? " " : "", path ? path : "");
	return -ENOENT;
}

/*
 * INV_STUCK needs a drained model and a hang detector that sees every
 * holder: it knows dlmfs fds, not raw DLM clients (rawdlm), and it reads an
 * unlink's wait as a request of its own, so those are left out.
 */
static bool stuck_checkable(const struct tm *tm)
{
	if (tm->s->manual || tm->s->req.rawdlm)
		return false;
	for (int i = 0; i < tm->s->nactors; i++)
		if (tm->a[i].pending && tm->a[i].verb == SCN_V_UNLINK)
			return false;
	return true;
}

static int tm_check(void *t, char *why, size_t len)
{
	struct inv_actor ia[SCN_ACTORS_MAX];
	struct tm *tm = t;
	struct inv_fd *fds;
	char w[400];
	enum inv_id id;

	if (tm->viol[0]) {
		snprintf(why, len, "%s", tm->viol);
		return -EPROTO;
	}
	if (!tm->shadow || !tm->m)
		return 0;
	w[0] = 0;
	id = inv_check(tm->m, tm->shadow, w, sizeof(w));
	/* after a settle nothing may stay pending without a known reason */
	if (id == INV_OK && stuck_checkable(tm)) {
		fds = inv_view(tm, ia);
		if (fds)
			id = inv_check_stuck(tm->m, ia, (size_t)tm->s->nactors,
					     w, sizeof(w));
		free(fds);
	}
	if (id == INV_OK)
		return 0;
	snprintf(why, len, "invariant %s: %s", inv_name(id), w);
	return -EPROTO;
}

static const struct target_ops tm_ops = {
	.name = "model",
	.begin = tm_begin,
	.caps = tm_caps,
	.start = tm_start,
	.wait = tm_wait,
	.settle = tm_settle,
	.signal = tm_signal,
	.crash = tm_crash,
	.restart = tm_restart,
	.deliver = tm_deliver,
	.close = tm_close,
	.check = tm_check,
	.end = tm_end,
};

struct target *target_model_new(const struct tm_opts *o)
{
	struct tm *tm = calloc(1, sizeof(*tm));

	if (!tm)
		return NULL;
	if (o)
		tm->o = *o;
	tm->tgt.ops = &tm_ops;
	tm->tgt.priv = tm;
	return &tm->tgt;
}

void target_model_free(struct target *t)
{
	struct tm *tm;

	if (!t)
		return;
	tm = t->priv;
	if (tm->m)
		tm_end(tm);
	free(tm->fds);
	free(tm);
}

struct dm_model *target_model_dm(struct target *t)
{
	return ((struct tm *)t->priv)->m;
}
