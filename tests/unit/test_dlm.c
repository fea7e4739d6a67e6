/* SPDX-License-Identifier: MIT */
/*
 * test_dlm.c - the cluster DLM piece of the model, through the public API.
 *
 * Mode table (X1), grant/convert/wait queues with conversions served
 * first, NOQUEUE refusal (O2/X3/X4), LVB publication and fetch (V3/V4/V5),
 * CANCEL of an in-flight up-convert (L5/L8), node death and LVB recovery
 * (V6), and the DLM event order (ASTs before BASTs).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model_helpers.h"

#define LK "/dom/lk"

static const char *const mode_names[] = { "NL", "CR", "CW", "PR", "PW", "EX" };

/* the VMS/DLM compatibility matrix, NL..EX (X1; dlmapi.h/fs/dlm tables) */
static const bool compat_table[6][6] = {
	/*          NL CR CW PR PW EX */
	/* NL */ { 1, 1, 1, 1, 1, 1 },
	/* CR */ { 1, 1, 1, 1, 1, 0 },
	/* CW */ { 1, 1, 1, 0, 0, 0 },
	/* PR */ { 1, 1, 0, 1, 0, 0 },
	/* PW */ { 1, 1, 0, 0, 0, 0 },
	/* EX */ { 1, 0, 0, 0, 0, 0 },
};

static void test_mode_compat_table(void **state)
{
	int a, b;

	(void)state;
	for (a = DM_NL; a <= DM_EX; a++) {
		for (b = DM_NL; b <= DM_EX; b++) {
			if (dm_mode_compat(a, b) != compat_table[a][b])
				fail_msg("dm_mode_compat(%s, %s) = %d, want %d",
					 mode_names[a], mode_names[b],
					 dm_mode_compat(a, b),
					 compat_table[a][b]);
		}
	}
	/* the three modes dlmfs uses (X1) spelled out */
	assert_true(dm_mode_compat(DM_PR, DM_PR));
	assert_false(dm_mode_compat(DM_PR, DM_EX));
	assert_false(dm_mode_compat(DM_EX, DM_PR));
	assert_false(dm_mode_compat(DM_EX, DM_EX));
	assert_true(dm_mode_compat(DM_NL, DM_EX));
	assert_true(dm_mode_compat(DM_EX, DM_NL));
}

static void test_mode_names(void **state)
{
	int mode;

	(void)state;
	for (mode = DM_NL; mode <= DM_EX; mode++) {
		const char *n = dm_mode_name(mode);

		assert_non_null(n);
		if (strcasecmp(n, mode_names[mode]))
			fail_msg("dm_mode_name(%d) = \"%s\", want \"%s\"", mode,
				 n, mode_names[mode]);
	}
	assert_non_null(dm_mode_name(DM_IV));
	assert_int_equal(strcasecmp(dm_mode_name(DM_IV), "IV"), 0);
	/* out of range: any string, never a crash */
	assert_non_null(dm_mode_name(42));
	assert_non_null(dm_mode_name(-7));
	(void)dm_mode_compat(42, DM_EX);
	(void)dm_mode_compat(DM_EX, -7);
}

/* profiles are data (DESIGN; spec §11) */
static void test_profiles(void **state)
{
	const struct dm_profile *p;
	size_t i;

	(void)state;
	for (i = 0; dm_profiles[i].name; i++) {
		assert_non_null(dm_profiles[i].summary);
		assert_non_null(dm_profiles[i].caps);
		assert_ptr_equal(dm_profile_find(dm_profiles[i].name),
				 &dm_profiles[i]);
	}
	assert_true(i >= 4);

	p = dm_profile_find(DM_PROFILE_DEFAULT);
	assert_non_null(p);
	assert_string_equal(p->name, "linux-6");

	p = dm_profile_find("linux-6");
	assert_non_null(p);
	assert_int_equal(p->stack, DM_STACK_O2CB);
	assert_int_equal(p->read, DM_READ_SNAPSHOT);
	assert_int_equal(p->write, DM_WRITE_CLAMP);
	assert_true(p->teardown_fixed);
	assert_string_equal(p->caps, DM_CAPABILITIES);

	p = dm_profile_find("linux-6-user");
	assert_non_null(p);
	assert_int_equal(p->stack, DM_STACK_USER);
	assert_int_equal(p->read, DM_READ_SNAPSHOT);
	assert_int_equal(p->write, DM_WRITE_CLAMP);
	assert_true(p->teardown_fixed);

	/* 3.0-5.8 read from LVB byte 0; < 5.19 no teardown fix (§11) */
	p = dm_profile_find("linux-5.4");
	assert_non_null(p);
	assert_int_equal(p->read, DM_READ_FROM0);
	assert_false(p->teardown_fixed);
	assert_string_equal(p->caps, DM_CAPABILITIES);

	/* < 5.7 write length count - pos (§11) */
	p = dm_profile_find("linux-3.x");
	assert_non_null(p);
	assert_int_equal(p->read, DM_READ_FROM0);
	assert_int_equal(p->write, DM_WRITE_MINUS_POS);
	assert_false(p->teardown_fixed);

	assert_null(dm_profile_find("linux-99"));
	assert_null(dm_profile_find(""));
	assert_null(dm_profile_find(NULL));
}

static void test_new_bad_args(void **state)
{
	const struct dm_profile *p = dm_profile_find(DM_PROFILE_DEFAULT);
	struct dm_model *m;

	(void)state;
	assert_non_null(p);
	assert_null(dm_new(p, 0));
	assert_null(dm_new(p, -1));
	assert_null(dm_new(p, DM_MAX_NODES + 1));
	m = dm_new(p, DM_MAX_NODES);
	assert_non_null(m);
	assert_int_equal(dm_nodes(m), DM_MAX_NODES);
	assert_ptr_equal(dm_get_profile(m), p);
	dm_free(m);
	dm_free(NULL);
}

/* ---- raw DLM clients: the queues themselves ---- */

static int raw_lock(struct dm_model *m, int node, const char *name, int mode,
		    bool noqueue)
{
	dm_op_id op = 0;
	int rc;

	rc = dm_raw_lock(m, node, "dom", name, mode, noqueue, &op);
	if (rc == DM_PENDING) {
		mh_settle(m);
		rc = mh_op(m, op, NULL);
		if (rc == DM_PENDING)
			fail_msg("raw %s lock of %s on node %d still pending",
				 dm_mode_name(mode), name, node);
	}
	return rc;
}

/* a raw request that must stay queued after settling */
static dm_op_id raw_lock_queued(struct dm_model *m, int node, const char *name,
				int mode)
{
	dm_op_id op = 0;
	int rc;

	rc = dm_raw_lock(m, node, "dom", name, mode, false, &op);
	if (rc != DM_PENDING)
		fail_msg("raw %s lock of %s on node %d: %s, want DM_PENDING",
			 dm_mode_name(mode), name, node, mh_errname(rc));
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	return op;
}

static void raw_lk(struct dm_model *m, int node, const char *name,
		   struct dm_lk_view *lv)
{
	int res = mh_res_find(m, "dom", name, NULL);

	assert_true(res >= 0);
	if (mh_lk_find(m, res, node, -1, lv) < 0)
		fail_msg("no raw lock of node %d on dom/%s", node, name);
}

static void setup_domain(struct dm_model *m)
{
	int n;

	for (n = 0; n < dm_nodes(m); n++)
		mh_mkdir(m, n, "dom");
}

/*
 * Queues: PR/PR granted together; a new EX waits (wait queue); an
 * up-convert issued later is still served first, because the DLM grants
 * the convert queue before the wait queue (o2dlm dlm_shuffle_lists, fs/dlm
 * grant_pending_locks). Raw clients (one lock per node and name, never
 * giving way to a BAST) hold PR on node 1 and wait for EX on node 2; node
 * 0's dlmfs lock converts PR -> EX before its BAST is delivered.
 */
static void test_convert_queue_served_first(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	bool done0 = false, done2 = false;
	struct dm_lk_view lv;
	dm_op_id op0, op2 = 0;
	int i, res, fa, f0;

	setup_domain(m);
	assert_rc(raw_lock(m, 1, "lk", DM_PR, false), 0);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	res = mh_res_find(m, "dom", "lk", NULL);
	assert_true(res >= 0);
	assert_int_equal(mh_lk_find(m, res, 0, 0, &lv), 0);
	assert_int_equal(lv.queue, DM_Q_GRANTED);
	assert_int_equal(lv.granted, DM_PR);
	raw_lk(m, 1, "lk", &lv);
	assert_int_equal(lv.queue, DM_Q_GRANTED);
	assert_int_equal(lv.granted, DM_PR);

	/* nothing is delivered from here until the unlock below */
	mh_trace_clear(state);
	assert_rc(dm_raw_lock(m, 2, "dom", "lk", DM_EX, false, &op2),
		  DM_PENDING);
	raw_lk(m, 2, "lk", &lv);
	assert_int_equal(lv.queue, DM_Q_WAITING);
	assert_int_equal(lv.granted, DM_IV);
	assert_int_equal(lv.requested, DM_EX);

	op0 = mh_open_bg(m, 0, LK, O_RDWR);
	assert_int_equal(mh_lk_find(m, res, 0, 0, &lv), 0);
	assert_int_equal(lv.queue, DM_Q_CONVERTING);
	assert_int_equal(lv.granted, DM_PR);
	assert_int_equal(lv.requested, DM_EX);
	assert_int_equal(mh_trace_count(state, DM_T_GRANT, -1), 0);

	/* node 1 leaves: the converter wins although the waiter is older */
	assert_rc(dm_raw_unlock(m, 1, "dom", "lk"), 0);
	mh_settle(m);
	assert_int_equal(mh_trace_first_node(state, DM_T_GRANT, DM_EX), 0);

	/*
	 * Node 2's BAST reached node 0 around its grant: whether the opener
	 * keeps EX or yields first (L7) is not this test's business.
	 */
	mh_close(m, fa);
	for (i = 0; i < 4; i++) {
		mh_settle(m);
		if (!done0 && mh_op(m, op0, &f0) == 0) {
			mh_close(m, f0);
			done0 = true;
		}
		if (!done2 && mh_op(m, op2, NULL) == 0) {
			raw_lk(m, 2, "lk", &lv);
			assert_int_equal(lv.queue, DM_Q_GRANTED);
			assert_int_equal(lv.granted, DM_EX);
			assert_rc(dm_raw_unlock(m, 2, "dom", "lk"), 0);
			done2 = true;
		}
	}
	assert_true(done0 && done2);
}

/* the DLM grants by the full six-mode table, not only NL/PR/EX */
static void test_raw_six_modes(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 5);
	dm_op_id op;

	setup_domain(m);
	assert_rc(raw_lock(m, 0, "six", DM_CR, false), 0);
	assert_rc(raw_lock(m, 1, "six", DM_CW, false), 0);	/* CR~CW */
	op = raw_lock_queued(m, 2, "six", DM_PW);		/* CW!~PW */
	assert_rc(dm_raw_unlock(m, 1, "dom", "six"), 0);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), 0);			/* CR~PW */
	assert_rc(raw_lock(m, 3, "six", DM_NL, false), 0);	/* NL~all */
	assert_rc(raw_lock(m, 4, "six", DM_PR, true), -EAGAIN);	/* PR!~PW */
	/* one raw lock per node and name: a second one is refused */
	assert_true(raw_lock(m, 3, "six", DM_PR, false) < 0);
}

/* O2/X3 o2cb: a NOQUEUE raw request against an incompatible holder */
static void test_raw_noqueue_eagain(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op = 0;

	setup_domain(m);
	assert_rc(raw_lock(m, 0, "nq", DM_EX, false), 0);
	/* o2dlm returns NOTQUEUED synchronously (dlmlock.c) */
	assert_rc(dm_raw_lock(m, 1, "dom", "nq", DM_PR, true, &op), -EAGAIN);
	assert_int_equal(mh_queued(m, DM_EV_BAST, -1), 0);
	mh_settle(m);
	assert_int_equal(mh_trace_count(state, DM_T_BAST, -1), 0);
}

/*
 * O2 + X3 (o2cb), §14: a trylock against a merely cached EX is refused at
 * once with ETXTBSY and queues no BAST; the holder keeps EX, so trylocks
 * keep failing; a blocking request then forces the downconvert.
 */
static void test_noqueue_o2cb_refused_no_bast(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	size_t i;
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
	mh_close(m, fh);
	mh_settle(m);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);	/* L4 */

	mh_trace_clear(state);
	assert_rc(mh_open_now(m, 1, LK, O_RDONLY | O_NONBLOCK | O_CREAT),
		  -ETXTBSY);
	for (i = 0; i < dm_event_count(m); i++) {
		const struct dm_event *ev = dm_event_at(m, i);

		assert_non_null(ev);
		if (ev->kind == DM_EV_BAST)
			fail_msg("refused NOQUEUE request queued a BAST for "
				 "node %d (X3)", ev->node);
	}
	mh_settle(m);
	assert_int_equal(mh_trace_count(state, DM_T_BAST_QUEUED, -1), 0);
	assert_int_equal(mh_trace_count(state, DM_T_BAST, -1), 0);
	assert_true(mh_trace_count(state, DM_T_REFUSED, 1) >= 1);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);

	/* N4 + O2 (§14): the refused O_CREAT open still created the file */
	assert_rc(mh_open_now(m, 1, LK, O_RDONLY | O_NONBLOCK), -ETXTBSY);

	/* node 0 saw nothing: a local PR open is a cached grant, poll 0 */
	fh = mh_open_now(m, 0, LK, O_RDONLY);
	assert_true(fh >= 0);
	assert_int_equal(dm_poll(m, fh), 0);
	mh_close(m, fh);
	mh_settle(m);

	/* closing did not help: still refused (§14) */
	assert_rc(mh_open_now(m, 1, LK, O_RDONLY | O_NONBLOCK), -ETXTBSY);
	assert_int_equal(mh_queued(m, DM_EV_BAST, -1), 0);

	/* a blocking request forces node 0 down (PR for a PR blocker, L5) */
	fh = mh_open(m, 1, LK, O_RDONLY);
	assert_true(fh >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_int_equal(mh_level(m, 1, LK), DM_PR);
	mh_close(m, fh);
}

/* §14: a trylock on a fresh uncontended lock succeeds, 64 zero bytes (V5) */
static void test_noqueue_uncontended(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	unsigned char zero[DM_LVB_LEN] = { 0 };
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDONLY | O_NONBLOCK | O_CREAT);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, zero, sizeof(zero));
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
}

/* V5: a new resource's LVB is zero and valid */
static void test_res_view_new_lock(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	unsigned char zero[DM_LVB_LEN] = { 0 };
	struct dm_res_view rv;
	struct dm_lk_view lv;
	int res, f0, f1;

	setup_domain(m);
	assert_int_equal(dm_res_count(m), 0);
	f0 = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	f1 = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(f0 >= 0 && f1 >= 0);
	res = mh_res_find(m, "dom", "lk", &rv);
	assert_true(res >= 0);
	assert_int_equal(rv.nlocks, 2);
	assert_true(rv.lvb_valid);
	assert_memory_equal(rv.lvb, zero, DM_LVB_LEN);
	assert_int_equal(mh_lk_find(m, res, 0, 0, &lv), 0);
	assert_int_equal(lv.queue, DM_Q_GRANTED);
	assert_int_equal(lv.granted, DM_PR);
	assert_int_equal(mh_lk_find(m, res, 1, 0, &lv), 0);
	assert_int_equal(lv.queue, DM_Q_GRANTED);
	assert_int_equal(lv.granted, DM_PR);
	/* bad indexes are refused, not a crash */
	assert_true(dm_res_view(m, dm_res_count(m), &rv) < 0);
	assert_true(dm_lk_view(m, (size_t)res, rv.nlocks + 5, &lv) < 0);
}

/*
 * V3/V4: writes stay local; close does not publish; an EX->PR downconvert
 * publishes; a PR->NL downconvert never does; every grant fetches; an
 * unlock from EX (unlink, T1) publishes.
 */
static void test_lvb_publish_and_fetch(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	unsigned char zero[DM_LVB_LEN] = { 0 };
	struct dm_lock_view v;
	struct dm_res_view rv;
	dm_op_id op;
	int fa, fb, fc;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fa >= 0);
	assert_rc(dm_write(m, fa, "hello", 5), 5);
	mh_lock(m, 0, LK, &v);
	assert_memory_equal(v.lvb, "hello", 5);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_memory_equal(rv.lvb, zero, DM_LVB_LEN);	/* not published */

	mh_close(m, fa);
	mh_settle(m);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_memory_equal(rv.lvb, zero, DM_LVB_LEN);	/* close: still not */
	assert_int_equal(mh_trace_count(state, DM_T_PUBLISH, -1), 0);

	/* node 1 PR: node 0 goes EX -> PR, publishing; node 1 fetches */
	fb = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fb >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_memory_equal(rv.lvb, "hello", 5);
	assert_memory_equal(rv.lvb + 5, zero, DM_LVB_LEN - 5);
	mh_lock(m, 1, LK, &v);
	assert_memory_equal(v.lvb, "hello", 5);
	assert_int_equal(mh_trace_count(state, DM_T_PUBLISH, 0), 1);
	assert_true(mh_trace_count(state, DM_T_FETCH, 1) >= 1);
	mh_expect_lvb(m, fb, "hello", 5);

	/* node 2 EX: nodes 0 and 1 go PR -> NL, which publishes nothing */
	op = mh_open_bg(m, 2, LK, O_RDWR | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);	/* node 1 holds PR */
	mh_close(m, fb);
	mh_settle(m);
	fc = mh_op_fh(m, op);
	assert_int_equal(mh_level(m, 0, LK), DM_NL);
	assert_int_equal(mh_level(m, 1, LK), DM_NL);
	assert_int_equal(mh_trace_count(state, DM_T_PUBLISH, 0), 1);
	assert_int_equal(mh_trace_count(state, DM_T_PUBLISH, 1), 0);
	mh_expect_lvb(m, fc, "hello", 5);		/* fetched on grant */

	/* node 2 writes and unlinks: the unlock from EX publishes (T1, V3) */
	assert_rc(dm_write(m, fc, "X", 1), 1);
	mh_close(m, fc);
	mh_settle(m);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_memory_equal(rv.lvb, "hello", 5);
	assert_rc(mh_unlink(m, 2, LK), 0);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_memory_equal(rv.lvb, "Xello", 5);
	assert_int_equal(mh_trace_count(state, DM_T_PUBLISH, 2), 1);

	/* V4: node 1's next PR acquisition refetches */
	fb = mh_open(m, 1, LK, O_RDONLY);
	assert_true(fb >= 0);
	mh_expect_lvb(m, fb, "Xello", 5);
}

/*
 * L5 CANCEL path + conversions first, through dlmfs:
 * node 0 caches PR, node 1 holds PR. Node 0 asks EX (convert in flight);
 * before anything is delivered node 2 asks EX, so node 0 gets a BAST while
 * its own convert is in flight: its worker cancels the convert, then (no
 * holders) drops to NL and re-requests EX. When node 1 closes, the DLM
 * grants node 0's convert before node 2's older new-lock request.
 */
static void test_cancel_inflight_upconvert(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	struct dm_lock_view v;
	bool done0 = false, done2 = false;
	dm_op_id op0, op2;
	int i, fa, fb, f0, f2;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fa >= 0);
	mh_close(m, fa);
	fb = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fb >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
	assert_true(dm_sys_mknod(m, 2, LK, 0100644, &mh_root) == 0);

	mh_trace_clear(state);
	op0 = mh_open_bg(m, 0, LK, O_RDWR);
	mh_lock(m, 0, LK, &v);
	assert_true(v.flags & DM_LF_BUSY);
	assert_int_equal(v.requested, DM_EX);
	op2 = mh_open_bg(m, 2, LK, O_RDWR);
	mh_settle(m);

	assert_true(mh_trace_count(state, DM_T_CANCEL, 0) >= 1);
	assert_true(mh_trace_count(state, DM_T_UNLOCK_AST, 0) >= 1);
	assert_rc(mh_op(m, op0, NULL), DM_PENDING);
	assert_rc(mh_op(m, op2, NULL), DM_PENDING);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_NL);	/* L5: no holders, EX blocker */
	assert_int_equal(v.ro_holders + v.ex_holders, 0);
	assert_false(v.flags & DM_LF_IN_CANCEL);
	mh_lock(m, 1, LK, &v);
	assert_int_equal(v.level, DM_PR);
	assert_true(v.flags & DM_LF_BLOCKED);	/* deferred: PR holder */

	/*
	 * Node 1 drops to NL: the DLM grants node 0's convert (convert queue)
	 * before node 2's older request (wait queue). Whether node 0's opener
	 * then keeps EX or yields to node 2's BAST first (L7) is a race the
	 * kernel has too, so only the DLM's grant order is asserted here.
	 */
	mh_trace_clear(state);
	mh_close(m, fb);
	mh_settle(m);
	assert_int_equal(mh_level(m, 1, LK), DM_NL);
	assert_int_equal(mh_trace_first_node(state, DM_T_GRANT, DM_EX), 0);

	/* closing whichever open won lets the other one through */
	for (i = 0; i < 4; i++) {
		if (!done0 && mh_op(m, op0, &f0) == 0) {
			mh_close(m, f0);
			done0 = true;
		}
		if (!done2 && mh_op(m, op2, &f2) == 0) {
			mh_close(m, f2);
			done2 = true;
		}
		mh_settle(m);
	}
	assert_true(done0 && done2);
}

/*
 * O2: NOQUEUE also applies to an up-convert: node 0's PR -> EX trylock
 * against node 1's PR is refused (ETXTBSY); node 0 keeps its PR holder and
 * level, its BUSY is cleared, and node 1 gets no BAST (X3).
 */
static void test_noqueue_upconvert_refused(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_lock_view v;
	int f0, f1, fh;

	setup_domain(m);
	f0 = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	f1 = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(f0 >= 0 && f1 >= 0);
	mh_trace_clear(state);
	assert_rc(mh_open_now(m, 0, LK, O_RDWR | O_NONBLOCK), -ETXTBSY);
	assert_int_equal(mh_queued(m, DM_EV_BAST, -1), 0);
	mh_settle(m);
	assert_int_equal(mh_trace_count(state, DM_T_BAST, -1), 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_PR);
	assert_int_equal(v.ro_holders, 1);
	assert_int_equal(v.ex_holders, 0);
	assert_false(v.flags & (DM_LF_BUSY | DM_LF_BLOCKED));
	assert_int_equal(dm_poll(m, f1), 0);
	/* the PR fd still works, and a PR trylock is a cached grant */
	fh = mh_open_now(m, 0, LK, O_RDONLY | O_NONBLOCK);
	assert_true(fh >= 0);
}

/*
 * X3 + V3: the libo2dlm workaround: once the caching node unlinks its file
 * (a DLM unlock with VALBLK, publishing its EX value), trylocks succeed.
 * Node 2 keeps an NL lock so the resource (and its LVB) survives.
 */
static void test_noqueue_succeeds_after_unlink(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	int fh;

	setup_domain(m);
	fh = mh_open(m, 2, LK, O_RDONLY | O_CREAT);
	mh_close(m, fh);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_int_equal(mh_level(m, 2, LK), DM_NL);
	assert_rc(dm_write(m, fh, "gone", 4), 4);
	mh_close(m, fh);
	mh_settle(m);
	assert_rc(mh_open_now(m, 1, LK, O_RDONLY | O_NONBLOCK | O_CREAT),
		  -ETXTBSY);
	assert_rc(mh_unlink(m, 0, LK), 0);
	fh = mh_open(m, 1, LK, O_RDONLY | O_NONBLOCK);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, "gone", 4);
}

/*
 * Open question 4 (assumed): when the last lock of a resource goes, the
 * resource and its LVB are gone; the next user starts from zero (V5).
 */
static void test_lvb_lost_when_resource_purged(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	unsigned char zero[DM_LVB_LEN] = { 0 };
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fh, "gone", 4), 4);
	mh_close(m, fh);
	assert_rc(mh_unlink(m, 0, LK), 0);	/* publishes, then purges */
	assert_true(mh_res_find(m, "dom", "lk", NULL) < 0);
	fh = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, zero, DM_LVB_LEN);
}

/* O3: on the user stack an uncontended trylock is granted normally */
static void test_noqueue_uncontended_user_stack(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6-user", 2);
	int fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_NONBLOCK | O_CREAT);
	assert_true(fh >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_EX);
	assert_false(mh_lflags(m, 0, LK) & DM_LF_BUSY);
}

/*
 * M3: the DLM request of a lock file carries no prefix: an in-kernel user
 * of the same lockspace/resource name contends with dlmfs.
 */
static void test_m3_raw_user_contends(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_wait w;
	dm_op_id op, op2;
	int fh;

	setup_domain(m);
	assert_rc(raw_lock(m, 0, "lk", DM_EX, false), 0);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_int_equal(mh_op_wait_kind(m, op, &w), DM_WAIT_REQUEST);
	assert_true(w.blockers & 1u);
	/* O2: a trylock behind our own in-flight request waits (BUSY) */
	op2 = mh_open_bg(m, 1, LK, O_RDONLY | O_NONBLOCK);
	assert_rc(dm_raw_unlock(m, 0, "dom", "lk"), 0);
	mh_settle(m);
	fh = mh_op_fh(m, op);
	assert_true(fh >= 0);
	assert_true(mh_op_fh(m, op2) >= 0);
	/* and the other way round: a raw NOQUEUE EX is refused by dlmfs PR */
	assert_rc(raw_lock(m, 0, "lk", DM_EX, true), -EAGAIN);
}

/* set up: node 0 holds EX with "before-death", node 1 waits for PR */
static dm_op_id death_setup(struct dm_model *m)
{
	dm_op_id op;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fa >= 0);
	assert_rc(dm_write(m, fa, "before-death", 12), 12);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_rc(mh_op(m, op, NULL), DM_PENDING);
	assert_true(mh_lflags(m, 0, LK) & DM_LF_BLOCKED);
	assert_true(dm_node_alive(m, 0));
	assert_rc(dm_crash(m, 0), 0);
	assert_false(dm_node_alive(m, 0));
	mh_settle(m);
	return op;
}

/* V6 o2cb (§14): the dead EX holder's LVB is zeroed; readers see zeros */
static void test_node_death_o2cb_zero(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	unsigned char zero[DM_LVB_LEN] = { 0 };
	struct dm_res_view rv;
	dm_op_id op;
	int fb;

	op = death_setup(m);
	fb = mh_op_fh(m, op);
	assert_true(mh_trace_count(state, DM_T_RECOVER, -1) >= 1);
	mh_expect_lvb(m, fb, zero, DM_LVB_LEN);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_true(rv.lvb_valid);	/* o2cb: always valid */
	assert_memory_equal(rv.lvb, zero, DM_LVB_LEN);
	assert_int_equal(rv.nlocks, 1);	/* the dead node's lock is gone */
}

/*
 * V6 o2cb, mastery: n1 asks first and masters the resource; n2 holds PR of
 * the published "stay". If n1 dies while master, the recovery master n2 has
 * no other survivor to rebuild res->lvb from: zeros (seen on 6.1). If n1
 * left the domain first, it migrated mastery (and the LVB) to n2: kept.
 */
static void master_case(void **state, bool leave_first, const char *want)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	unsigned char lvb[DM_LVB_LEN] = { 0 };
	struct dm_res_view rv;
	int fa, fb;

	memcpy(lvb, want, strlen(want));
	mh_mkdir(m, 0, "dom");
	fa = mh_open(m, 0, "dom/lk", O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fa, "stay", 4), 4);
	mh_close(m, fa);
	mh_mkdir(m, 1, "dom");
	fb = mh_open(m, 1, "dom/lk", O_RDONLY | O_CREAT);	/* n1 EX->PR */
	if (leave_first) {
		assert_rc(mh_unlink(m, 0, "dom/lk"), 0);
		assert_rc(dm_sys_rmdir(m, 0, "dom", &mh_root), 0);
	}
	assert_rc(dm_crash(m, 0), 0);
	mh_settle(m);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_true(rv.lvb_valid);
	assert_memory_equal(rv.lvb, lvb, DM_LVB_LEN);
	mh_close(m, fb);
}

static void test_node_death_o2cb_master_loses_lvb(void **state)
{
	master_case(state, false, "");
}

static void test_domain_leave_migrates_mastery(void **state)
{
	master_case(state, true, "stay");
}

/* V6 user stack: invalid LVB, read returns 0 until an EX writer publishes */
static void test_node_death_user_invalid(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6-user", 3);
	unsigned char buf[DM_LVB_LEN];
	struct dm_lock_view v;
	struct dm_res_view rv;
	dm_op_id op;
	int fb, fc;

	op = death_setup(m);
	fb = mh_op_fh(m, op);
	assert_true(mh_trace_count(state, DM_T_RECOVER, -1) >= 1);
	assert_rc(dm_pread(m, fb, buf, sizeof(buf), 0), 0);
	assert_rc(dm_read(m, fb, buf, sizeof(buf)), 0);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_false(rv.lvb_valid);
	mh_lock(m, 1, LK, &v);
	assert_false(v.lvb_valid);
	mh_close(m, fb);
	mh_settle(m);

	/* node 1 takes EX and writes; node 2's PR makes it publish */
	fb = mh_open(m, 1, LK, O_RDWR);
	assert_true(fb >= 0);
	assert_rc(dm_pread(m, fb, buf, sizeof(buf), 0), 0);	/* refetched */
	assert_rc(dm_write(m, fb, "fresh", 5), 5);
	/* the lksb still says VALNOTVALID until the downconvert (V6) */
	assert_rc(dm_pread(m, fb, buf, sizeof(buf), 0), 0);
	mh_close(m, fb);
	mh_settle(m);
	fc = mh_open(m, 2, LK, O_RDONLY | O_CREAT);
	assert_true(fc >= 0);
	assert_true(mh_res_find(m, "dom", "lk", &rv) >= 0);
	assert_true(rv.lvb_valid);
	mh_expect_lvb(m, fc, "fresh", 5);
}

/*
 * DLM order: events of one (node, lock) are delivered ASTs first. Node 0's
 * new EX is granted (AST queued), then node 1's EX queues a BAST for node
 * 0: that BAST is not deliverable while node 0's AST is queued.
 */
static void test_event_order_ast_before_bast(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	size_t i, n, ast = SIZE_MAX, bast = SIZE_MAX;
	bool seen_ast = false, seen_bast_first = false;
	struct dm_event ev;
	dm_op_id op[2];
	int k, fh, closed[2] = { 0, 0 };

	setup_domain(m);
	assert_rc(dm_sys_mknod(m, 0, LK, 0100644, &mh_root), 0);
	assert_rc(dm_sys_mknod(m, 1, LK, 0100644, &mh_root), 0);
	op[0] = mh_open_bg(m, 0, LK, O_RDWR);
	op[1] = mh_open_bg(m, 1, LK, O_RDWR);

	n = dm_event_count(m);
	for (i = 0; i < n; i++) {
		const struct dm_event *e = dm_event_at(m, i);

		assert_non_null(e);
		if (e->node != 0)
			continue;
		if (e->kind == DM_EV_AST && ast == SIZE_MAX)
			ast = i;
		if (e->kind == DM_EV_BAST && bast == SIZE_MAX)
			bast = i;
	}
	assert_true(ast != SIZE_MAX);
	assert_true(bast != SIZE_MAX);
	assert_true(dm_event_deliverable(m, ast));
	assert_false(dm_event_deliverable(m, bast));
	assert_true(dm_deliver(m, bast) < 0);	/* refused, not delivered */
	assert_int_equal(dm_event_count(m), n);
	assert_false(dm_event_deliverable(m, n));	/* out of range */
	assert_true(dm_deliver(m, n) < 0);
	assert_null(dm_event_at(m, n));

	/* stepping delivers node 0's AST before its BAST */
	while (mh_step(m, &ev)) {
		if (ev.node != 0)
			continue;
		if (ev.kind == DM_EV_AST)
			seen_ast = true;
		if (ev.kind == DM_EV_BAST && !seen_ast)
			seen_bast_first = true;
	}
	assert_true(seen_ast);
	assert_false(seen_bast_first);

	/* whichever open won, closing it lets the other through */
	for (i = 0; i < 4; i++) {
		for (k = 0; k < 2; k++) {
			if (!closed[k] && mh_op(m, op[k], &fh) == 0) {
				mh_close(m, fh);
				closed[k] = 1;
			}
		}
		mh_settle(m);
	}
	assert_true(closed[0] && closed[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_mode_compat_table),
		MH_TEST(test_mode_names),
		MH_TEST(test_profiles),
		MH_TEST(test_new_bad_args),
		MH_TEST(test_convert_queue_served_first),
		MH_TEST(test_raw_six_modes),
		MH_TEST(test_raw_noqueue_eagain),
		MH_TEST(test_noqueue_o2cb_refused_no_bast),
		MH_TEST(test_noqueue_uncontended),
		MH_TEST(test_noqueue_upconvert_refused),
		MH_TEST(test_noqueue_succeeds_after_unlink),
		MH_TEST(test_lvb_lost_when_resource_purged),
		MH_TEST(test_noqueue_uncontended_user_stack),
		MH_TEST(test_m3_raw_user_contends),
		MH_TEST(test_res_view_new_lock),
		MH_TEST(test_lvb_publish_and_fetch),
		MH_TEST(test_cancel_inflight_upconvert),
		MH_TEST(test_node_death_o2cb_zero),
		MH_TEST(test_node_death_o2cb_master_loses_lvb),
		MH_TEST(test_domain_leave_migrates_mastery),
		MH_TEST(test_node_death_user_invalid),
		MH_TEST(test_event_order_ast_before_bast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
