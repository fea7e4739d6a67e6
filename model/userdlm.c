// SPDX-License-Identifier: MIT
/*
 * userdlm.c - the node-local user lock, after the kernel's
 * fs/ocfs2/dlmfs/userdlm.c: one DLM lock per (node, lock file) cached at
 * its level after close (L4), PR/EX holder counts, BUSY/BLOCKED/TEARDOWN,
 * and the unblock worker that cancels or down-converts (L5).
 *
 * A kernel sleep is an op in an OPS_WAIT_* state; wake_up(l_event) queues a
 * DM_EV_WAKE for every sleeper, which re-tests its condition on delivery.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct dm_lockres *ul_new(struct dm_model *m, int node, const char *domain,
			  const char *name, bool raw)
{
	struct dm_lockres *lr = calloc(1, sizeof(*lr));

	if (!lr)
		abort();
	lr->lid = m->next_lid++;
	lr->node = node;
	lr->raw = raw;
	lr->domain = dm_strdup(domain);
	lr->name = dm_strdup(name);
	lr->level = DM_IV;
	lr->requested = DM_IV;
	lr->blocking = DM_IV;
	lr->lvb_valid = true;
	return lr;
}

void ul_free(struct dm_lockres *lr)
{
	if (!lr)
		return;
	free(lr->domain);
	free(lr->name);
	free(lr);
}

/* user_highest_compat_lock_level(): what we may keep beside a blocker */
int ul_highest_compat(int level)
{
	if (level == DM_EX)
		return DM_NL;
	if (level == DM_PR)
		return DM_PR;
	return DM_EX;
}

static struct dm_lockres *op_lockres(struct dm_op *op)
{
	if (op->lr)
		return op->lr;
	return op->inode ? op->inode->lr : NULL;
}

/* wake_up(&lockres->l_event) */
void ul_wake(struct dm_model *m, struct dm_lockres *lr)
{
	/*
	 * One WAKE per sleeper, the oldest call first: not in op-slot order,
	 * since slots are reused last-freed first and which call gets which
	 * slot depends on the order earlier calls were forgotten.
	 */
	for (;;) {
		struct dm_op *next = NULL;
		struct dm_ev *e;
		int i;

		for (i = 0; i < m->nops; i++) {
			struct dm_op *op = &m->ops[i];

			if (!op->used || op->wake_queued ||
			    op->state == OPS_DONE || op->state == OPS_RUN ||
			    op_lockres(op) != lr)
				continue;
			if (!next || op->seq < next->seq)
				next = op;
		}
		if (!next)
			return;
		next->wake_queued = true;
		e = dm_ev_push(m, DM_EV_WAKE, next->node, 0,
			       next->inode ? next->inode->ino : 0);
		e->pub.op = (dm_op_id)(next - m->ops + 1);
	}
}

static void set_blocked(struct dm_model *m, struct dm_lockres *lr, bool on)
{
	bool was = lr->flags & DM_LF_BLOCKED;

	if (on)
		lr->flags |= DM_LF_BLOCKED;
	else
		lr->flags &= ~DM_LF_BLOCKED;
	if (was != on && lr->inode)
		dm_note(m, DM_NOTE_POLL, lr->node, lr->inode->ino, 0);
}

/* __user_dlm_queue_lockres(): at most one worker run queued per lock */
static void queue_lockres(struct dm_model *m, struct dm_lockres *lr)
{
	if (lr->flags & DM_LF_QUEUED)
		return;
	lr->flags |= DM_LF_QUEUED;
	dm_ev_push(m, DM_EV_WORK, lr->node, lr->lid,
		   lr->inode ? lr->inode->ino : 0);
}

/* __user_dlm_cond_queue_lockres(): the last incompatible holder is gone */
static void cond_queue_lockres(struct dm_model *m, struct dm_lockres *lr)
{
	bool queue = false;

	if (!(lr->flags & DM_LF_BLOCKED))
		return;
	if (lr->blocking == DM_EX)
		queue = !lr->ex_holders && !lr->ro_holders;
	else if (lr->blocking == DM_PR)
		queue = !lr->ex_holders;
	if (queue)
		queue_lockres(m, lr);
}

void ul_ast(struct dm_model *m, struct dm_lockres *lr, const struct dm_ev *e)
{
	bool from_ex = lr->level == DM_EX;

	if (e->pub.status) {
		dm_trace_emit(m, DM_T_AST, lr->node, lr, lr->level,
			      e->pub.status, NULL, false, -1);
		if (lr->raw) {
			lr->flags &= ~DM_LF_BUSY;
			lr->stuck = true;	/* read by the raw op as refusal */
			ul_wake(m, lr);
			return;
		}
		/*
		 * user_ast() logs "lksb status value of ..." and returns
		 * without clearing BUSY or waking anyone (O3).
		 */
		lr->stuck = true;
		return;
	}
	if (lr->requested == DM_IV)
		return;	/* the kernel BUGs here; an AST we did not ask for */
	if (e->fetch) {
		memcpy(lr->lvb, e->lvb, DM_LVB_LEN);
		lr->lvb_valid = e->lvb_valid;
		dm_trace_emit(m, DM_T_FETCH, lr->node, lr, lr->requested, 0,
			      lr->lvb, lr->lvb_valid, -1);
	} else if (from_ex && lr->requested < DM_EX) {
		lr->lvb_valid = true;	/* our own value is now the published one */
	}
	if (lr->requested < lr->level &&
	    lr->requested <= ul_highest_compat(lr->blocking)) {
		lr->blocking = DM_NL;
		set_blocked(m, lr, false);
	}
	lr->level = lr->requested;
	lr->requested = DM_IV;
	lr->flags |= DM_LF_ATTACHED;
	lr->flags &= ~DM_LF_BUSY;
	dm_trace_emit(m, DM_T_AST, lr->node, lr, lr->level, 0, NULL, false,
		      -1);
	ul_wake(m, lr);
}

static void raw_release(struct dm_model *m, struct dm_lockres *lr)
{
	fs_lrs_del(m, lr);
	ul_free(lr);
}

void ul_unlock_ast(struct dm_model *m, struct dm_lockres *lr, int status)
{
	dm_trace_emit(m, DM_T_UNLOCK_AST, lr->node, lr, lr->level, status,
		      NULL, false, -1);
	if (lr->raw && !(lr->flags & DM_LF_IN_CANCEL)) {
		raw_release(m, lr);
		return;
	}
	if ((lr->flags & DM_LF_TEARDOWN) && !(lr->flags & DM_LF_IN_CANCEL)) {
		lr->level = DM_IV;
	} else {
		/* a cancelled up-convert: let the worker look again */
		lr->requested = DM_IV;
		lr->flags &= ~DM_LF_IN_CANCEL;
		if (lr->flags & DM_LF_BLOCKED)
			queue_lockres(m, lr);
	}
	lr->flags &= ~DM_LF_BUSY;
	ul_wake(m, lr);
}

void ul_bast(struct dm_model *m, struct dm_lockres *lr, int level)
{
	dm_trace_emit(m, DM_T_BAST, lr->node, lr, level, 0, NULL, false, -1);
	if (lr->raw)
		return;	/* like stack_user's version_lock: never gives way */
	set_blocked(m, lr, true);
	if (level > lr->blocking)
		lr->blocking = level;
	queue_lockres(m, lr);
	ul_wake(m, lr);
}

/* user_dlm_unblock_lock(): the user_dlm workqueue's job */
void ul_worker(struct dm_model *m, struct dm_lockres *lr)
{
	int new_level;

	lr->flags &= ~DM_LF_QUEUED;
	dm_trace_emit(m, DM_T_WORK, lr->node, lr, lr->blocking, 0, NULL,
		      false, -1);
	if (!(lr->flags & DM_LF_BLOCKED) || (lr->flags & DM_LF_TEARDOWN))
		return;
	if (lr->flags & DM_LF_BUSY) {
		if (lr->flags & DM_LF_IN_CANCEL)
			return;
		lr->flags |= DM_LF_IN_CANCEL;
		/* a CANCELGRANT answer is dropped by o2cb: IN_CANCEL stays */
		dlm_unlock(m, lr, DLMF_CANCEL);
		return;
	}
	/* incompatible holders re-queue us from their last close */
	if (lr->blocking == DM_EX && (lr->ex_holders || lr->ro_holders))
		return;
	if (lr->blocking == DM_PR && lr->ex_holders)
		return;
	new_level = ul_highest_compat(lr->blocking);
	lr->requested = new_level;
	lr->flags |= DM_LF_BUSY;
	dm_trace_emit(m, DM_T_DOWNCONVERT, lr->node, lr, new_level, 0,
		      NULL, false, -1);
	if (dlm_lock(m, lr, new_level, DLMF_CONVERT | DLMF_VALBLK))
		lr->flags &= ~DM_LF_BUSY;	/* user_recover_from_dlm_error */
}

void ul_cluster_unlock(struct dm_model *m, struct dm_lockres *lr, int level)
{
	if (level == DM_EX && lr->ex_holders)
		lr->ex_holders--;
	else if (level == DM_PR && lr->ro_holders)
		lr->ro_holders--;
	cond_queue_lockres(m, lr);
}

static void sleep_on(struct dm_op *op, enum dm_op_state st)
{
	op->state = st;
}

/* dlmfs_file_open(): a refused trylock reads as ETXTBSY (O2, O7) */
static void open_fail(struct dm_model *m, struct dm_op *op, int err)
{
	if ((op->lkm_flags & DLMF_NOQUEUE) && err == -EAGAIN)
		err = -ETXTBSY;
	dm_op_finish(m, op, err);
}

/* user_dlm_cluster_lock(), from its `again:` label */
static void lock_again(struct dm_model *m, struct dm_op *op)
{
	struct dm_lockres *lr = op_lockres(op);
	unsigned flags;
	int st;

	if (op->sig) {
		dm_op_finish(m, op, -EINTR);	/* ERESTARTSYS, no SA_RESTART */
		return;
	}
	if (m->prof->teardown_fixed && (lr->flags & DM_LF_TEARDOWN)) {
		open_fail(m, op, -EAGAIN);	/* O7 */
		return;
	}
	if ((lr->flags & DM_LF_BUSY) && op->level > lr->level) {
		sleep_on(op, OPS_WAIT_BUSY);
		return;
	}
	if ((lr->flags & DM_LF_BLOCKED) &&
	    op->level > ul_highest_compat(lr->blocking)) {
		sleep_on(op, OPS_WAIT_BLOCKED);	/* L7 */
		return;
	}
	/* planted bug: an EX open served from a cached PR */
	if (op->level > lr->level &&
	    !((m->bugs & DM_BUG_HOLDER_LEAK) && op->level == DM_EX &&
	      lr->level == DM_PR)) {
		flags = (unsigned)op->lkm_flags | DLMF_VALBLK;
		if (lr->level != DM_IV)
			flags |= DLMF_CONVERT;
		lr->requested = op->level;
		lr->flags |= DM_LF_BUSY;
		st = dlm_lock(m, lr, op->level, flags);
		if (st) {
			/* user_recover_from_dlm_error(): no wake-up */
			lr->flags &= ~DM_LF_BUSY;
			open_fail(m, op, st);
			return;
		}
		sleep_on(op, OPS_WAIT_BUSY);
		return;
	}
	if (op->level == DM_EX)
		lr->ex_holders++;
	else
		lr->ro_holders++;
	dm_op_finish(m, op, fs_open_done(m, op));
}

/* user_dlm_destroy_lock(), after the BUSY wait */
static void destroy_continue(struct dm_model *m, struct dm_op *op)
{
	struct dm_lockres *lr = op_lockres(op);
	int st;

	if (lr->ro_holders || lr->ex_holders) {
		if (m->prof->teardown_fixed)
			lr->flags &= ~DM_LF_TEARDOWN;
		/* before 5.19 TEARDOWN stays set: the lock is poisoned (T2) */
		dm_op_finish(m, op, -EBUSY);
		return;
	}
	if (!(lr->flags & DM_LF_ATTACHED)) {
		fs_unlink_done(m, op);
		return;
	}
	if (!m->prof->teardown_fixed)
		lr->flags &= ~DM_LF_ATTACHED;
	lr->flags |= DM_LF_BUSY;
	st = dlm_unlock(m, lr, DLMF_VALBLK);
	if (st) {
		if (m->prof->teardown_fixed)
			lr->flags &= ~(DM_LF_TEARDOWN | DM_LF_BUSY);
		dm_op_finish(m, op, st);
		return;
	}
	sleep_on(op, OPS_UNL_WAIT_UNLOCK);
}

int ul_destroy_start(struct dm_model *m, struct dm_op *op)
{
	struct dm_lockres *lr = op_lockres(op);

	if (lr->flags & DM_LF_TEARDOWN) {
		/* fixed kernels refuse a second teardown; old ones said 0 */
		if (m->prof->teardown_fixed)
			dm_op_finish(m, op, -EBUSY);
		else
			fs_unlink_done(m, op);
		return 0;
	}
	lr->flags |= DM_LF_TEARDOWN;
	if (lr->flags & DM_LF_BUSY) {
		sleep_on(op, OPS_UNL_WAIT_BUSY);
		return 0;
	}
	destroy_continue(m, op);
	return 0;
}

static void raw_again(struct dm_model *m, struct dm_op *op)
{
	struct dm_lockres *lr = op->lr;

	if (lr->flags & DM_LF_BUSY) {
		sleep_on(op, OPS_WAIT_BUSY);
		return;
	}
	if (lr->stuck) {
		op->lr = NULL;
		raw_release(m, lr);
		dm_op_finish(m, op, -EAGAIN);
		return;
	}
	dm_op_finish(m, op, 0);
}

void ul_op_run(struct dm_model *m, struct dm_op *op)
{
	op->state = OPS_RUN;
	if (op->kind == DM_OP_OPEN)
		lock_again(m, op);
	else if (op->kind == DM_OP_RAWLOCK)
		raw_again(m, op);
	else
		ul_destroy_start(m, op);
}

/* a wake-up was delivered: wait_event() re-tests its condition */
void ul_op_recheck(struct dm_model *m, struct dm_op *op)
{
	struct dm_lockres *lr = op_lockres(op);

	if (m->trace_fn)
		dm_trace_emit(m, DM_T_WAKE, op->node, lr, op->level, 0, NULL,
			      false, -1);
	switch (op->state) {
	case OPS_WAIT_BUSY:
		if (lr->flags & DM_LF_BUSY)
			return;
		ul_op_run(m, op);
		break;
	case OPS_WAIT_BLOCKED:
		/* user_wait_on_blocked_lock() waits for BLOCKED to clear */
		if (lr->flags & DM_LF_BLOCKED)
			return;
		ul_op_run(m, op);
		break;
	case OPS_UNL_WAIT_BUSY:
		if (lr->flags & DM_LF_BUSY)
			return;
		op->state = OPS_RUN;
		destroy_continue(m, op);
		break;
	case OPS_UNL_WAIT_UNLOCK:
		if (lr->flags & DM_LF_BUSY)
			return;
		fs_unlink_done(m, op);
		break;
	case OPS_RUN:
		ul_op_run(m, op);
		break;
	default:
		break;
	}
}
