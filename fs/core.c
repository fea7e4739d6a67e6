// SPDX-License-Identifier: MIT
/*
 * core.c - the model behind one mutex: settle after every call, turn model
 * notes into FUSE replies (finished pending calls) and poll notifications,
 * and keep the tables of open files and unreplied requests.
 *
 * Reply rule: every request is replied exactly once, by whoever removes its
 * waiter from the list under the lock. A waiter still "registering" (its
 * open handler is arming the interrupt callback outside the lock) is only
 * marked done; the registering thread replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlmfs_fuse.h"

void dfs_init(struct dfs *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->files.prev = d->files.next = &d->files;
	d->waiters.prev = d->waiters.next = &d->waiters;
	d->next_serial = 1;
	d->wake_pipe[0] = d->wake_pipe[1] = -1;
}

void dfs_lock(struct dfs *d)
{
	pthread_mutex_lock(&d->lock);
}

void dfs_unlock(struct dfs *d)
{
	pthread_mutex_unlock(&d->lock);
}

struct dm_ctx dfs_ctx(fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct dm_ctx){ c->uid, c->gid, c->umask, ts.tv_sec };
}

/* incarnation 0 uses the model's numbers as they are; root is always 1 */
fuse_ino_t dfs_nodeid(const struct dfs_node *nd, dm_ino ino)
{
	if (ino == DM_ROOT_INO)
		return FUSE_ROOT_ID;
	return ((fuse_ino_t)nd->inc << DFS_INC_SHIFT) | ino;
}

int dfs_ino(const struct dfs_node *nd, fuse_ino_t id, dm_ino *ino)
{
	if (id == FUSE_ROOT_ID) {
		*ino = DM_ROOT_INO;
		return 0;
	}
	if ((id >> DFS_INC_SHIFT) != nd->inc)
		return -ESTALE;	/* an inode of the node before its crash */
	*ino = id & (((fuse_ino_t)1 << DFS_INC_SHIFT) - 1);
	return 0;
}

struct dfs_waiter *dfs_waiter_add(struct dfs *d, enum dfs_wkind kind,
				  fuse_req_t req, int node)
{
	struct dfs_waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->kind = kind;
	w->req = req;
	w->node = node;
	w->serial = d->next_serial++;
	w->prev = d->waiters.prev;
	w->next = &d->waiters;
	d->waiters.prev->next = w;
	d->waiters.prev = w;
	return w;
}

void dfs_waiter_del(struct dfs_waiter *w)
{
	w->prev->next = w->next;
	w->next->prev = w->prev;
	free(w->name);
	free(w);
}

struct dfs_file *dfs_file_add(struct dfs *d, int node, dm_ino ino, int fh)
{
	struct dfs_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->node = node;
	f->ino = ino;
	f->fh = fh;
	f->prev = d->files.prev;
	f->next = &d->files;
	d->files.prev->next = f;
	d->files.prev = f;
	return f;
}

void dfs_file_del(struct dfs_file *f)
{
	f->prev->next = f->next;
	f->next->prev = f->prev;
	if (f->ph)
		fuse_pollhandle_destroy(f->ph);
	free(f);
}

/* a granted open: direct_io (no page cache), never keep_cache */
int dfs_reply_open(struct dfs *d, fuse_req_t req, int node, int fh)
{
	struct fuse_file_info fi;
	struct dfs_file *f = dfs_file_add(d, node, dm_fh_ino(d->m, fh), fh);

	if (!f) {
		dm_release(d->m, fh);
		return fuse_reply_err(req, ENOMEM);
	}
	memset(&fi, 0, sizeof(fi));
	fi.fh = (uintptr_t)f;
	fi.direct_io = 1;
	fi.keep_cache = 0;
	if (fuse_reply_open(req, &fi) == -ENOENT) {
		/* the opener is gone: no RELEASE will come for this fh */
		dm_release(d->m, fh);
		dfs_file_del(f);
		return -ENOENT;
	}
	return 0;
}

static void reply_waiter(struct dfs *d, struct dfs_waiter *w, int st, int fh)
{
	if (w->kind == DFS_W_OPEN && st == 0)
		dfs_reply_open(d, w->req, w->node, fh);
	else
		fuse_reply_err(w->req, st < 0 ? -st : 0);
	dfs_waiter_del(w);
}

/* a waiter finished while its open handler was registering */
void dfs_waiter_reply(struct dfs *d, struct dfs_waiter *w)
{
	reply_waiter(d, w, w->result, w->mfh);
}

static void complete(struct dfs *d, struct dfs_waiter *w, int st, int fh)
{
	if (w->kind != DFS_W_UNLINK_RETRY)
		dm_op_forget(d->m, w->op);
	if (w->registering) {
		w->done = true;
		w->result = st;
		w->mfh = fh;
		return;
	}
	reply_waiter(d, w, st, fh);
}

static struct dfs_waiter *find_op(struct dfs *d, dm_op_id op)
{
	struct dfs_waiter *w;

	for (w = d->waiters.next; w != &d->waiters; w = w->next)
		if ((w->kind == DFS_W_OPEN || w->kind == DFS_W_UNLINK) &&
		    w->op == op && !w->done)
			return w;
	return NULL;
}

static void op_done(struct dfs *d, dm_op_id op)
{
	struct dfs_waiter *w = find_op(d, op);
	int st, fh = -1;

	if (!w)
		return;	/* finished synchronously, or a stale note */
	st = dm_op_status(d->m, op, &fh);
	if (st == DM_PENDING)
		return;	/* op id reused since the note was queued */
	complete(d, w, st, fh);
}

static void notify_poll(struct dfs *d, int node, dm_ino ino)
{
	struct dfs_file *f;

	for (f = d->files.next; f != &d->files; f = f->next)
		if (f->node == node && f->ino == ino && f->fh >= 0 && f->ph)
			fuse_lowlevel_notify_poll(f->ph);
}

static void livelock(struct dfs *d, size_t n)
{
	const struct dm_event *e;
	size_t i;

	fprintf(stderr, "dlmfs-fuse: MODEL LIVELOCK: %zu events delivered in one settle without quiescing; queue:\n",
		n);
	for (i = 0; i < dm_event_count(d->m) && i < 8; i++) {
		e = dm_event_at(d->m, i);
		fprintf(stderr, "  ev seq %llu kind %d n%d ino %llu mode %s status %d op %u\n",
			(unsigned long long)e->seq, e->kind, e->node + 1,
			(unsigned long long)e->ino, dm_mode_name(e->mode),
			e->status, e->op);
	}
	fflush(stderr);
	if (d->o.check_invariants)
		abort();
}

/*
 * Deliver every model event now. Order: the first deliverable wake-up,
 * else the first deliverable event. A woken opener re-checks before the
 * next BAST lands (as a runnable task usually does); plain FIFO lets two
 * EX contenders ping-pong the lock forever, each grant BLOCKED before its
 * opener looks (the model's settle order, kept for the simulator).
 */
static void settle_events(struct dfs *d)
{
	const struct dm_event *e;
	size_t i, cnt, pick, n = 0;

	while ((cnt = dm_event_count(d->m))) {
		pick = SIZE_MAX;
		for (i = 0; i < cnt; i++) {
			if (!dm_event_deliverable(d->m, i))
				continue;
			e = dm_event_at(d->m, i);
			if (e->kind == DM_EV_WAKE) {
				pick = i;
				break;
			}
			if (pick == SIZE_MAX)
				pick = i;
		}
		if (pick == SIZE_MAX)
			break;
		dm_deliver(d->m, pick);
		if (++n == DFS_SETTLE_MAX) {
			livelock(d, n);
			break;
		}
	}
}

/* deliver every model event now, then act on what the model noted */
void dfs_settle(struct dfs *d)
{
	struct dm_note n;
	bool again = true;

	while (again) {
		again = false;
		settle_events(d);
		d->settles++;
		if (d->o.check_invariants)
			dfs_check(d);
		while (dm_note_next(d->m, &n)) {
			again = true;
			if (n.kind == DM_NOTE_OP_DONE)
				op_done(d, n.op);
			else if (n.kind == DM_NOTE_POLL)
				notify_poll(d, n.node, n.ino);
		}
	}
}

/* FUSE INTERRUPT of a pending open (O4: see fs/README.md) */
void dfs_interrupt(fuse_req_t req, void *data)
{
	struct dfs_node *nd = fuse_req_userdata(req);
	struct dfs *d = nd->d;
	uintptr_t serial = (uintptr_t)data;
	struct dfs_waiter *w;

	dfs_lock(d);
	for (w = d->waiters.next; w != &d->waiters; w = w->next)
		if (w->serial == serial)
			break;
	if (w != &d->waiters && w->kind == DFS_W_OPEN && !w->done) {
		if (d->o.strict_signals)
			dm_op_signal(d->m, w->op);	/* EINTR at the grant */
		else
			dm_op_interrupt(d->m, w->op);	/* EINTR now */
		dfs_settle(d);
	}
	dfs_unlock(d);
}

bool dfs_only_flushed(struct dfs *d, int node, dm_ino ino)
{
	struct dfs_file *f;
	unsigned flushed = 0, live = 0;

	for (f = d->files.next; f != &d->files; f = f->next) {
		if (f->node != node || f->ino != ino || f->fh < 0)
			continue;
		if (f->flushed)
			flushed++;
		else
			live++;
	}
	return flushed && !live;
}

static bool expired(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/*
 * Unlinks held back because every open file of the inode on that node was
 * FLUSHed but not yet RELEASEd: ask the model once those RELEASEs are in,
 * or at the deadline whatever the state (then EBUSY is the truth: a dup'd
 * or inherited descriptor is still open).
 */
void dfs_retry_unlinks(struct dfs *d, int node)
{
	struct dfs_waiter *w, *next;
	dm_op_id op = 0;
	int r;

	for (w = d->waiters.next; w != &d->waiters; w = next) {
		next = w->next;
		if (w->kind != DFS_W_UNLINK_RETRY || w->done ||
		    (node >= 0 && w->node != node))
			continue;
		if (!expired(&w->deadline) &&
		    dfs_only_flushed(d, w->node, w->ino))
			continue;
		r = dm_unlink(d->m, w->node, w->parent, w->name, &op);
		if (r == DM_PENDING) {
			w->kind = DFS_W_UNLINK;
			w->op = op;
			continue;
		}
		reply_waiter(d, w, r, -1);
	}
	dfs_settle(d);
}

int dfs_next_deadline_ms(struct dfs *d)
{
	struct dfs_waiter *w;
	struct timespec now;
	long best = -1, ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (w = d->waiters.next; w != &d->waiters; w = w->next) {
		if (w->kind != DFS_W_UNLINK_RETRY)
			continue;
		ms = (w->deadline.tv_sec - now.tv_sec) * 1000 +
		     (w->deadline.tv_nsec - now.tv_nsec) / 1000000;
		if (ms < 0)
			ms = 0;
		if (best < 0 || ms < best)
			best = ms;
	}
	return (int)(best < 0 ? -1 : best + 1);
}

/* shutdown: every request still waiting gets err now */
void dfs_fail_all(struct dfs *d, int err)
{
	struct dfs_waiter *w, *next;

	for (w = d->waiters.next; w != &d->waiters; w = next) {
		next = w->next;
		if (!w->done)
			complete(d, w, -err, -1);
	}
}

void dfs_free_all(struct dfs *d)
{
	while (d->waiters.next != &d->waiters)
		dfs_waiter_del(d->waiters.next);
	while (d->files.next != &d->files)
		dfs_file_del(d->files.next);
}
