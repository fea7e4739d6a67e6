/* SPDX-License-Identifier: MIT */
/*
 * test_userdlm.c - the node-local user lock (kernel userdlm.c) of the model.
 *
 * Holder counts and cached grants (L1-L4), the BAST worker's downconvert
 * decision (L5, L6), may-continue on a blocked lock (L7), the conversion
 * deadlock (L8), the user-stack trylock hang (O3), signals (O4),
 * interrupts, open during teardown (O7), unlink (T1) and the pre-5.19
 * poisoned lock (T2).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "model_helpers.h"

#define LK "/dom/lk"

static void setup_domain(struct dm_model *m)
{
	int n;

	for (n = 0; n < dm_nodes(m); n++)
		mh_mkdir(m, n, "dom");
}

/* node @node opens LK for EX and closes it: it caches EX (L4) */
static void cache_ex(struct dm_model *m, int node)
{
	int fh = mh_open(m, node, LK, O_RDWR | O_CREAT);

	assert_true(fh >= 0);
	mh_close(m, fh);
	mh_settle(m);
	assert_int_equal(mh_level(m, node, LK), DM_EX);
}

static void expect_holders(struct dm_model *m, int node, unsigned ro,
			   unsigned ex)
{
	struct dm_lock_view v;

	mh_lock(m, node, LK, &v);
	if (v.ro_holders != ro || v.ex_holders != ex)
		fail_msg("node %d holders pr=%u ex=%u, want pr=%u ex=%u", node,
			 v.ro_holders, v.ex_holders, ro, ex);
}

/* L1: cached grants bump holder counts with no DLM traffic; O8 close */
static void test_l1_holder_counts(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	int fa, fb, fc, fd, fe, fg;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	expect_holders(m, 0, 1, 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);

	mh_trace_clear(state);
	fb = mh_open_now(m, 0, LK, O_RDONLY);
	assert_true(fb >= 0);
	assert_int_equal(dm_event_count(m), 0);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, -1), 0);
	expect_holders(m, 0, 2, 0);

	/* L3: PR -> EX is a DLM convert; PR holders keep their fds */
	fc = mh_open(m, 0, LK, O_RDWR);
	assert_true(fc >= 0);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, 0), 1);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	expect_holders(m, 0, 2, 1);

	/* no intra-node exclusion: EX + EX, and trylocks under our EX (§14) */
	mh_trace_clear(state);
	fd = mh_open_now(m, 0, LK, O_RDWR);
	assert_true(fd >= 0);
	fe = mh_open_now(m, 0, LK, O_RDWR | O_NONBLOCK);
	assert_true(fe >= 0);
	fg = mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK);
	assert_true(fg >= 0);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, -1), 0);
	expect_holders(m, 0, 3, 3);

	/* O8: close only decrements, returns 0, never unlocks */
	mh_close(m, fe);
	mh_close(m, fd);
	mh_close(m, fg);
	expect_holders(m, 0, 2, 1);
	mh_close(m, fc);
	mh_close(m, fb);
	mh_close(m, fa);
	mh_settle(m);
	expect_holders(m, 0, 0, 0);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, -1), 0);
}

/*
 * L2: while our request is in flight (BUSY) opens wanting no more than the
 * granted level proceed; those wanting more wait on BUSY.
 */
static void test_l2_busy_lets_lower_levels_through(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_wait w;
	dm_op_id op1, op2;
	int fa, fb, f1;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	f1 = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0 && f1 >= 0);

	op1 = mh_open_bg(m, 0, LK, O_RDWR);	/* convert, blocked by node 1 */
	mh_settle(m);
	assert_rc(mh_op(m, op1, NULL), DM_PENDING);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BUSY);
	assert_int_equal(mh_op_wait_kind(m, op1, &w), DM_WAIT_REQUEST);
	assert_int_equal(w.node, 0);
	assert_int_equal(w.level, DM_EX);
	assert_true(w.blockers & (1u << 1));

	fb = mh_open_now(m, 0, LK, O_RDONLY);	/* PR <= granted PR */
	assert_true(fb >= 0);
	expect_holders(m, 0, 2, 0);

	op2 = mh_open_bg(m, 0, LK, O_RDWR);	/* EX > PR: waits on BUSY */
	mh_settle(m);
	assert_rc(mh_op(m, op2, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op2, NULL), DM_WAIT_REQUEST);

	mh_close(m, f1);
	mh_settle(m);
	assert_true(mh_op_fh(m, op1) >= 0);
	assert_true(mh_op_fh(m, op2) >= 0);
	expect_holders(m, 0, 2, 2);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
}

/* L4: after the last close the level stays, nothing is queued */
static void test_l4_cached_after_close(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_lock_view v;
	int fh;

	setup_domain(m);
	cache_ex(m, 0);
	assert_int_equal(dm_event_count(m), 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_EX);
	assert_int_equal(v.ro_holders + v.ex_holders, 0);
	assert_false(v.flags & (DM_LF_BUSY | DM_LF_BLOCKED));
	assert_true(v.flags & DM_LF_ATTACHED);

	mh_trace_clear(state);
	fh = mh_open_now(m, 0, LK, O_RDWR);
	assert_true(fh >= 0);
	mh_close(m, fh);
	fh = mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK);
	assert_true(fh >= 0);
	mh_close(m, fh);
	mh_settle(m);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, -1), 0);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
}

/* L5: EX blocker -> the cached EX drops to NL (kept, never unlocked) */
static void test_l5_ex_blocker_drops_to_nl(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_lock_view v;
	int fh;

	setup_domain(m);
	cache_ex(m, 0);
	mh_trace_clear(state);
	fh = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_NL);
	assert_false(v.flags & DM_LF_BLOCKED);
	assert_int_equal(mh_level(m, 1, LK), DM_EX);
	assert_true(mh_trace_count(state, DM_T_BAST, 0) >= 1);
	assert_int_equal(mh_trace_count(state, DM_T_DOWNCONVERT, 0), 1);
	assert_int_equal(mh_trace_first_node(state, DM_T_DOWNCONVERT, DM_NL),
			 0);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, -1), 0);
}

/* L5 + §14: PR blocker -> EX drops to PR only; node 0's EX trylock fails */
static void test_l5_pr_blocker_drops_to_pr(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	int fh, f0;

	setup_domain(m);
	cache_ex(m, 0);
	fh = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_int_equal(mh_level(m, 1, LK), DM_PR);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);

	f0 = mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK);
	assert_true(f0 >= 0);
	mh_close(m, f0);
	assert_rc(mh_open_now(m, 0, LK, O_RDWR | O_NONBLOCK), -ETXTBSY);
}

/* L5: EX holder + PR blocker: defer until the EX fd closes; then PR */
static void test_l5_defer_until_ex_holder_closes(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_wait w;
	dm_op_id op;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fa >= 0);
	assert_rc(dm_write(m, fa, "v1", 2), 2);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op, &w), DM_WAIT_REQUEST);
	assert_true(w.blockers & 1u);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);

	mh_close(m, fa);
	mh_settle(m);
	mh_expect_lvb(m, mh_op_fh(m, op), "v1", 2);	/* V3 */
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);
}

/* L5: a PR holder is compatible with a PR blocker: no deferral */
static void test_l5_pr_holder_compatible_with_pr_blocker(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	int fa, fb, fh;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fa, "v", 1), 1);
	mh_close(m, fa);
	fb = mh_open_now(m, 0, LK, O_RDONLY);	/* cached under EX */
	assert_true(fb >= 0);

	fh = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, "v", 1);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	expect_holders(m, 0, 1, 0);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);
	assert_int_equal(dm_poll(m, fb), 0);
}

/* L5: a PR holder blocks an EX blocker until it closes; then NL */
static void test_l5_ex_blocker_waits_for_pr_holder(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	op = mh_open_bg(m, 1, LK, O_RDWR | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);
	assert_int_equal(dm_poll(m, fa), DM_POLLIN | DM_POLLRDNORM);

	mh_close(m, fa);
	mh_settle(m);
	assert_true(mh_op_fh(m, op) >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_NL);
}

/*
 * L5: user_bast remembers the highest blocking level. Node 0 holds EX;
 * node 1 asks PR (BAST PR to node 0) and node 2 asks EX behind it (o2dlm
 * BASTs only for the head of the wait queue, so nothing yet). Node 1 dies:
 * node 2's EX becomes the head and BASTs node 0 for EX. When node 0's EX fd
 * closes it drops to NL, not PR.
 */
static void test_l5_highest_blocking_level(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	struct dm_lock_view v;
	dm_op_id op2;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	(void)mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	op2 = mh_open_bg(m, 2, LK, O_RDWR | O_CREAT);
	mh_settle(m);
	mh_lock(m, 0, LK, &v);
	assert_true(v.flags & DM_LF_BLOCKED);
	assert_true(v.blocking == DM_PR || v.blocking == DM_EX);

	assert_rc(dm_crash(m, 1), 0);
	mh_settle(m);
	mh_lock(m, 0, LK, &v);
	assert_true(v.flags & DM_LF_BLOCKED);
	assert_int_equal(v.blocking, DM_EX);
	assert_rc(mh_op(m, op2, NULL), DM_PENDING);

	mh_trace_clear(state);
	mh_close(m, fa);
	mh_settle(m);
	assert_int_equal(mh_level(m, 0, LK), DM_NL);
	assert_int_equal(mh_trace_count_mode(state, DM_T_DOWNCONVERT, 0, DM_PR),
			 0);
	assert_int_equal(mh_trace_count_mode(state, DM_T_DOWNCONVERT, 0, DM_NL),
			 1);
	assert_true(mh_op_fh(m, op2) >= 0);
}

/*
 * L6: BLOCKED survives the BAST, the worker run and the downconvert
 * request; it clears exactly when the downconvert's AST lands.
 */
static void test_l6_blocked_clears_on_downconvert_ast(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	bool cleared = false, seen_work = false;
	struct dm_event ev;
	dm_op_id op;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fa >= 0);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);

	mh_close(m, fa);	/* the last incompatible close queues the worker */
	while (mh_step(m, &ev)) {
		unsigned fl = mh_lflags(m, 0, LK);

		if (cleared)
			continue;
		if (ev.node == 0 && ev.kind == DM_EV_WORK)
			seen_work = true;
		if (ev.node == 0 && ev.kind == DM_EV_AST) {
			assert_true(seen_work);
			assert_false(fl & DM_LF_BLOCKED);
			assert_int_equal(mh_level(m, 0, LK), DM_PR);
			cleared = true;
		} else {
			if (!(fl & DM_LF_BLOCKED))
				fail_msg("BLOCKED cleared by event kind %d on "
					 "node %d, before the downconvert AST",
					 ev.kind, ev.node);
		}
	}
	assert_true(cleared);
	assert_true(mh_op_fh(m, op) >= 0);
}

/*
 * L7, blocker EX (§14): node 0 holds PR, node 1 waits for EX: a new local
 * PR open on node 0 waits; closing the first PR fd lets node 1 have EX;
 * the new PR open completes only after node 1 closes.
 */
static void test_l7_blocker_ex_every_open_waits(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_wait w;
	dm_op_id op1, opb;
	int fa, f1;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	op1 = mh_open_bg(m, 1, LK, O_RDWR | O_CREAT);
	mh_settle(m);

	opb = mh_open_bg(m, 0, LK, O_RDONLY);	/* PR <= granted, yet waits */
	mh_settle(m);
	assert_rc(mh_op(m, opb, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, opb, &w), DM_WAIT_BLOCKED);
	assert_int_equal(w.level, DM_PR);
	expect_holders(m, 0, 1, 0);

	mh_close(m, fa);
	mh_settle(m);
	f1 = mh_op_fh(m, op1);
	assert_rc(mh_op(m, opb, NULL), DM_PENDING);

	mh_close(m, f1);
	mh_settle(m);
	assert_true(mh_op_fh(m, opb) >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
}

/* O2 + L7: O_NONBLOCK does not skip the local wait on a BLOCKED lock */
static void test_l7_nonblock_open_still_waits(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op1, opc;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	op1 = mh_open_bg(m, 1, LK, O_RDWR | O_CREAT);
	mh_settle(m);

	opc = mh_open_bg(m, 0, LK, O_RDONLY | O_NONBLOCK);
	mh_settle(m);
	assert_rc(mh_op(m, opc, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, opc, NULL), DM_WAIT_BLOCKED);

	/* node 0 drops to NL, node 1 gets EX; the trylock is then refused */
	mh_close(m, fa);
	mh_settle(m);
	assert_true(mh_op_fh(m, op1) >= 0);
	assert_rc(mh_op(m, opc, NULL), -ETXTBSY);
}

/*
 * L7, blocker PR (§14): node 0 holds EX, node 1 waits for PR: a new local
 * PR open completes at once (and reads the EX holder's LVB); a new local EX
 * open waits, and is granted only after node 1 releases its PR (closing
 * node 0's EX and PR fds is not enough).
 */
static void test_l7_blocker_pr_pr_continues(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op1, opc;
	int fa, fb, f1;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fa, "exv", 3), 3);
	op1 = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);

	fb = mh_open_now(m, 0, LK, O_RDONLY);
	assert_true(fb >= 0);
	mh_expect_lvb(m, fb, "exv", 3);

	opc = mh_open_bg(m, 0, LK, O_RDWR);
	mh_settle(m);
	assert_rc(mh_op(m, opc, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, opc, NULL), DM_WAIT_BLOCKED);

	mh_close(m, fa);
	mh_close(m, fb);
	mh_settle(m);
	f1 = mh_op_fh(m, op1);
	mh_expect_lvb(m, f1, "exv", 3);
	assert_rc(mh_op(m, opc, NULL), DM_PENDING);

	mh_close(m, f1);
	mh_settle(m);
	assert_true(mh_op_fh(m, opc) >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	assert_int_equal(mh_level(m, 1, LK), DM_NL);
}

/*
 * L8 [derived; §14 confirms "both block"]: both nodes hold PR and both ask
 * for EX before either BAST is delivered: each worker cancels its own
 * convert, then each opener waits for BLOCKED to clear, which needs its own
 * PR fd closed. Which close frees it is timing-dependent; only "both
 * block" and "closing both PR fds lets both through, one after the other"
 * are asserted.
 */
static void test_l8_conversion_deadlock(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	bool done[2] = { false, false };
	dm_op_id op[2];
	int i, k, fh, fpr[2];

	setup_domain(m);
	fpr[0] = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	fpr[1] = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fpr[0] >= 0 && fpr[1] >= 0);

	mh_trace_clear(state);
	op[0] = mh_open_bg(m, 0, LK, O_RDWR);
	op[1] = mh_open_bg(m, 1, LK, O_RDWR);
	mh_settle(m);
	assert_rc(mh_op(m, op[0], NULL), DM_PENDING);
	assert_rc(mh_op(m, op[1], NULL), DM_PENDING);
	assert_true(mh_trace_count(state, DM_T_CANCEL, -1) >= 1);
	for (k = 0; k < 2; k++) {
		enum dm_wait_kind wk = mh_op_wait_kind(m, op[k], NULL);

		if (wk != DM_WAIT_BLOCKED && wk != DM_WAIT_REQUEST)
			fail_msg("node %d opener waits with kind %d", k, wk);
		assert_int_equal(mh_level(m, k, LK), DM_PR);
		expect_holders(m, k, 1, 0);
	}
	/* nothing is left to deliver, yet both still sleep: a deadlock */
	assert_int_equal(dm_event_count(m), 0);

	mh_close(m, fpr[0]);
	mh_close(m, fpr[1]);
	for (i = 0; i < 4; i++) {
		mh_settle(m);
		for (k = 0; k < 2; k++) {
			if (!done[k] && mh_op(m, op[k], &fh) == 0) {
				mh_close(m, fh);
				done[k] = true;
				break;	/* one at a time: EX excludes */
			}
		}
	}
	assert_true(done[0] && done[1]);
}

/*
 * O3 + X4 [derived]: user stack, a trylock refused by fs/dlm comes back as
 * an AST with status -EAGAIN, which user_ast ignores: the opener hangs with
 * BUSY set for ever, no BAST is sent, and later opens needing more than the
 * granted level and unlink of that file hang too. Signals do not help.
 */
static void test_o3_user_stack_trylock_hangs(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6-user", 2);
	struct dm_wait w;
	dm_op_id op, op2, opu = 0;

	setup_domain(m);
	cache_ex(m, 0);
	mh_trace_clear(state);

	op = mh_open_bg(m, 1, LK, O_RDONLY | O_NONBLOCK | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op, &w), DM_WAIT_STUCK);
	assert_int_equal(w.node, 1);
	assert_true(mh_lflags(m, 1, LK) & DM_LF_BUSY);
	assert_int_equal(mh_trace_count(state, DM_T_BAST_QUEUED, -1), 0);
	assert_int_equal(mh_trace_count(state, DM_T_BAST, -1), 0);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);

	op2 = mh_open_bg(m, 1, LK, O_RDONLY);
	mh_settle(m);
	assert_rc(mh_op(m, op2, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op2, NULL), DM_WAIT_STUCK);

	assert_rc(dm_sys_unlink(m, 1, LK, &mh_root, &opu), DM_PENDING);
	mh_settle(m);
	assert_rc(mh_op(m, opu, NULL), DM_PENDING);

	/* not killable (O3/O4) */
	assert_rc(dm_op_signal(m, op), 0);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op, NULL), DM_WAIT_STUCK);
}

/*
 * O4 (§14): a signal does not end a blocked open; when the grant arrives
 * open fails with EINTR, and the node then caches the level with zero
 * holders: an immediate trylock succeeds.
 */
static void test_o4_signal_eintr_after_grant(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_lock_view v;
	dm_op_id op;
	int f1, fh;

	setup_domain(m);
	f1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	assert_true(f1 >= 0);
	op = mh_open_bg(m, 0, LK, O_RDONLY | O_CREAT);
	mh_settle(m);

	assert_rc(dm_op_signal(m, op), 0);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	mh_lock(m, 0, LK, &v);
	assert_true(v.flags & DM_LF_BUSY);	/* still waiting for the grant */
	assert_true(v.level < DM_PR);

	mh_close(m, f1);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), -EINTR);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_PR);
	assert_int_equal(v.ro_holders + v.ex_holders, 0);

	fh = mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK);
	assert_true(fh >= 0);
	expect_holders(m, 0, 1, 0);
}

/*
 * O4: the signal is noticed at the top of the retry loop after a wait whose
 * condition became true: a PR open waiting on BLOCKED (L7) ends with EINTR
 * as soon as BLOCKED clears, without issuing a request.
 */
static void test_o4_signal_on_blocked_wait(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op1, opb;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	op1 = mh_open_bg(m, 1, LK, O_RDWR | O_CREAT);
	mh_settle(m);
	opb = mh_open_bg(m, 0, LK, O_RDONLY);
	mh_settle(m);
	assert_int_equal(mh_op_wait_kind(m, opb, NULL), DM_WAIT_BLOCKED);

	assert_rc(dm_op_signal(m, opb), 0);
	mh_settle(m);
	assert_rc(mh_op(m, opb, NULL), DM_PENDING);

	mh_trace_clear(state);
	mh_close(m, fa);
	mh_settle(m);
	assert_true(mh_op_fh(m, op1) >= 0);
	assert_rc(mh_op(m, opb, NULL), -EINTR);
	/* the only dlm_lock node 0 made is the worker's PR -> NL */
	assert_int_equal(mh_trace_count_mode(state, DM_T_REQUEST, 0, DM_PR), 0);
	assert_int_equal(mh_trace_count_mode(state, DM_T_REQUEST, 0, DM_NL), 1);
	assert_int_equal(mh_level(m, 0, LK), DM_NL);
	expect_holders(m, 0, 0, 0);
}

/* dm_op_interrupt: the FUSE INTERRUPT answer ends the call at once */
static void test_op_interrupt_ends_now(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op;
	int f1;

	setup_domain(m);
	f1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	op = mh_open_bg(m, 0, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);

	assert_rc(dm_op_interrupt(m, op), 0);
	assert_rc(mh_op(m, op, NULL), -EINTR);	/* no settling needed */
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), -EINTR);

	/* the request in flight still completes; nobody became a holder */
	mh_close(m, f1);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), -EINTR);
	expect_holders(m, 0, 0, 0);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BUSY);

	/* bad op ids are refused */
	assert_true(dm_op_interrupt(m, 9999) < 0);
	assert_true(dm_op_signal(m, 9999) < 0);
	assert_true(mh_op(m, 9999, NULL) < 0);
}

/*
 * O7 + T1 (>= 5.19, §14): unlink on a node where openers wait for a
 * request (no holders) waits for that request; meanwhile new opens fail at
 * once (EAGAIN, ETXTBSY with O_NONBLOCK); when the remote holder releases,
 * the waiters' opens fail the same way and the unlink returns 0.
 */
static void test_o7_open_during_teardown(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id opa, opb, opu = 0;
	dm_ino ino;
	int f1, fh;

	setup_domain(m);
	f1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	assert_true(f1 >= 0);
	assert_rc(dm_sys_mknod(m, 0, LK, 0100644, &mh_root), 0);
	opa = mh_open_bg(m, 0, LK, O_RDONLY);
	opb = mh_open_bg(m, 0, LK, O_RDONLY | O_NONBLOCK);	/* waits BUSY */
	mh_settle(m);
	assert_rc(mh_op(m, opa, NULL), DM_PENDING);
	assert_rc(mh_op(m, opb, NULL), DM_PENDING);

	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &opu), DM_PENDING);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_TEARDOWN);
	assert_rc(mh_open_now(m, 0, LK, O_RDONLY), -EAGAIN);
	assert_rc(mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK), -ETXTBSY);
	mh_settle(m);
	assert_rc(mh_op(m, opu, NULL), DM_PENDING);
	assert_rc(dm_op_node(m, opu), 0);

	mh_close(m, f1);
	mh_settle(m);
	assert_rc(mh_op(m, opa, NULL), -EAGAIN);
	assert_rc(mh_op(m, opb, NULL), -ETXTBSY);
	assert_rc(mh_op(m, opu, NULL), 0);
	assert_rc(dm_resolve(m, 0, LK, &ino), -ENOENT);

	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
}

/* T1: EBUSY with holders; no DLM call for a never-granted lock */
static void test_t1_unlink(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_lock_view v;
	dm_op_id op = 0;
	dm_ino ino;
	size_t i;
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &op), -EBUSY);
	assert_rc(dm_resolve(m, 0, LK, &ino), 0);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_TEARDOWN);
	mh_close(m, fh);

	mh_trace_clear(state);
	assert_rc(mh_unlink(m, 0, LK), 0);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, 0), 1);
	assert_rc(dm_resolve(m, 0, LK, &ino), -ENOENT);
	/* the model may keep the unlinked inode's lockres (FUSE forget), but
	 * it no longer holds anything */
	for (i = 0; i < dm_lock_count(m, 0); i++) {
		assert_int_equal(dm_lock_view_at(m, 0, i, &v), 0);
		if (v.name && !strcmp(v.name, "lk") && v.level != DM_IV)
			fail_msg("node 0 still caches lk at %s after unlink "
				 "(T1)", dm_mode_name(v.level));
	}
	assert_true(mh_res_find(m, "dom", "lk", NULL) < 0);

	/* never opened: purely local, immediate */
	assert_rc(dm_sys_mknod(m, 0, "/dom/fresh", 0100644, &mh_root), 0);
	mh_trace_clear(state);
	assert_rc(dm_sys_unlink(m, 0, "/dom/fresh", &mh_root, &op), 0);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, -1), 0);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, -1), 0);
}

/*
 * T2 (< 5.19): after an EBUSY unlink IN_TEARDOWN stays set; the next unlink
 * reports success without unlocking; the orphaned EX lock (no inode) then
 * blocks another node's open for ever.
 */
static void test_t2_poisoned_lock_linux54(void **state)
{
	struct dm_model *m = mh_model(state, "linux-5.4", 2);
	struct dm_lock_view v;
	struct dm_wait w;
	bool zombie = false;
	dm_op_id op = 0, op1;
	dm_ino ino;
	size_t i;
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &op), -EBUSY);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_TEARDOWN);
	mh_close(m, fh);
	mh_settle(m);

	mh_trace_clear(state);
	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &op), 0);
	mh_settle(m);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, -1), 0);
	assert_rc(dm_resolve(m, 0, LK, &ino), -ENOENT);
	for (i = 0; i < dm_lock_count(m, 0); i++) {
		assert_int_equal(dm_lock_view_at(m, 0, i, &v), 0);
		/* dm.h: ino 0 once the inode is gone; the model may keep it */
		if (v.name && !strcmp(v.name, "lk") && v.level == DM_EX &&
		    (v.flags & DM_LF_TEARDOWN))
			zombie = true;
	}
	assert_true(zombie);

	op1 = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op1, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op1, &w), DM_WAIT_ZOMBIE);
	assert_true(w.blockers & 1u);
}

/* T2 fixed (>= 5.19): EBUSY clears IN_TEARDOWN; the next unlink unlocks */
static void test_t2_fixed_linux6(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op = 0;
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &op), -EBUSY);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_TEARDOWN);
	mh_close(m, fh);
	mh_settle(m);
	mh_trace_clear(state);
	assert_rc(mh_unlink(m, 0, LK), 0);
	assert_int_equal(mh_trace_count(state, DM_T_UNLOCK, 0), 1);
	fh = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
}

/* dm_op_forget: a finished op is gone; an abandoned opener never holds */
static void test_op_forget(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op, op2;
	int f1, fh;

	setup_domain(m);
	f1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	op = mh_open_bg(m, 0, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	dm_op_forget(m, op);		/* the caller is gone */
	assert_true(mh_op(m, op, NULL) < 0);

	mh_close(m, f1);
	mh_settle(m);
	expect_holders(m, 0, 0, 0);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BUSY);

	/* a finished op can be forgotten once */
	op2 = mh_open_bg(m, 1, LK, O_RDWR);
	mh_settle(m);
	fh = mh_op_fh(m, op2);
	dm_op_forget(m, op2);
	assert_true(mh_op(m, op2, NULL) < 0);
	dm_op_forget(m, op2);		/* twice: harmless */
	mh_close(m, fh);
}

/* the op of the first queued WAKE event (0 if none) */
static dm_op_id first_wake(struct dm_model *m)
{
	size_t i;

	for (i = 0; i < dm_event_count(m); i++)
		if (dm_event_at(m, i)->kind == DM_EV_WAKE)
			return dm_event_at(m, i)->op;
	return 0;
}

/*
 * Sleepers on one lock are woken in the order their calls were issued,
 * whatever op slots they got: slots are reused last-freed first, so two
 * replays that forget the same finished calls in different orders (the
 * explorer and dlmfs-sim run after a crash) must still queue the same
 * wake-up first (`deliver nK wake PATH` takes the first).
 */
static void test_wake_in_issue_order(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	dm_op_id x, y, p, q;
	int fx, fy;

	setup_domain(m);
	x = mh_open_bg(m, 0, LK, O_RDWR | O_CREAT);
	y = mh_open_bg(m, 0, LK, O_RDWR);
	mh_settle(m);
	fx = mh_op_fh(m, x);
	fy = mh_op_fh(m, y);
	dm_op_forget(m, x);	/* y's slot is reused first, then x's */
	dm_op_forget(m, y);
	mh_close(m, fx);
	mh_close(m, fy);
	mh_settle(m);
	p = mh_open_bg(m, 0, "/dom/lk2", O_RDWR | O_CREAT);
	q = mh_open_bg(m, 0, "/dom/lk2", O_RDONLY);
	assert_true(q < p);	/* the slots are in the other order */
	/* the grant wakes both sleepers: p, issued first, first */
	while (!first_wake(m) && mh_step(m, NULL))
		;
	assert_int_equal(mh_queued(m, DM_EV_WAKE, 0), 2);
	assert_int_equal(first_wake(m), p);
	mh_settle(m);
	mh_close(m, mh_op_fh(m, p));
	mh_close(m, mh_op_fh(m, q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_l1_holder_counts),
		MH_TEST(test_l2_busy_lets_lower_levels_through),
		MH_TEST(test_l4_cached_after_close),
		MH_TEST(test_l5_ex_blocker_drops_to_nl),
		MH_TEST(test_l5_pr_blocker_drops_to_pr),
		MH_TEST(test_l5_defer_until_ex_holder_closes),
		MH_TEST(test_l5_pr_holder_compatible_with_pr_blocker),
		MH_TEST(test_l5_ex_blocker_waits_for_pr_holder),
		MH_TEST(test_l5_highest_blocking_level),
		MH_TEST(test_l6_blocked_clears_on_downconvert_ast),
		MH_TEST(test_l7_blocker_ex_every_open_waits),
		MH_TEST(test_l7_nonblock_open_still_waits),
		MH_TEST(test_l7_blocker_pr_pr_continues),
		MH_TEST(test_l8_conversion_deadlock),
		MH_TEST(test_o3_user_stack_trylock_hangs),
		MH_TEST(test_o4_signal_eintr_after_grant),
		MH_TEST(test_o4_signal_on_blocked_wait),
		MH_TEST(test_op_interrupt_ends_now),
		MH_TEST(test_op_forget),
		MH_TEST(test_wake_in_issue_order),
		MH_TEST(test_o7_open_during_teardown),
		MH_TEST(test_t1_unlink),
		MH_TEST(test_t2_poisoned_lock_linux54),
		MH_TEST(test_t2_fixed_linux6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
