// SPDX-License-Identifier: MIT
/*
 * test_invariants.c - every checker must be able to fail: each invariant
 * gets a violating state (a planted model bug, or a caller lying to the
 * shadow) and its passing counterpart.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dm.h"
#include "invariants.h"

struct fix {
	struct dm_model *m;
	struct inv_shadow *s;
	char why[512];
};

static void feed(void *arg, const struct dm_model *m, const struct dm_trace *t)
{
	inv_shadow_trace(arg, m, t);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->s = inv_shadow_new();
	*state = f;
	return f->s ? 0 : -1;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	dm_free(f->m);
	inv_shadow_free(f->s);
	free(f);
	return 0;
}

static struct dm_model *model(struct fix *f, const char *prof, int nodes,
			      unsigned bugs)
{
	f->m = dm_new(dm_profile_find(prof), nodes);
	assert_non_null(f->m);
	dm_set_bugs(f->m, bugs);
	dm_set_trace(f->m, feed, f->s);
	return f->m;
}

static void mkd(struct dm_model *m, int node)
{
	assert_int_equal(dm_sys_mkdir(m, node, "d", 0755, &DM_CTX_ROOT), 0);
}

/* open d/l, settling until it finishes; returns the fh */
static int opn(struct dm_model *m, int node, int flags)
{
	dm_op_id op = 0;
	int fh = -1, rc;

	rc = dm_sys_open(m, node, "d/l", flags | O_CREAT, 0644, &DM_CTX_ROOT,
			 &fh, &op);
	if (rc == DM_PENDING) {
		dm_settle(m, 100000);
		rc = dm_op_status(m, op, &fh);
		assert_int_equal(rc, 0);
		dm_op_forget(m, op);
	}
	assert_int_equal(rc, 0);
	return fh;
}

/* start an open that must sleep; returns its op */
static dm_op_id opn_bg(struct dm_model *m, int node, int flags)
{
	dm_op_id op = 0;
	int fh = -1;

	assert_int_equal(dm_sys_open(m, node, "d/l", flags | O_CREAT, 0644,
				     &DM_CTX_ROOT, &fh, &op), DM_PENDING);
	return op;
}

static void wr(struct fix *f, int fh, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(dm_write(f->m, fh, s, n), (ssize_t)n);
	inv_shadow_write(f->s, f->m, fh, s, n);
}

static enum inv_id rd(struct fix *f, int fh, char *buf, ssize_t *got)
{
	*got = dm_pread(f->m, fh, buf, 64, 0);
	return inv_shadow_read(f->s, f->m, fh, 0, buf, *got, f->why,
			       sizeof(f->why));
}

/* n0 holds PR on d/l, n1 waits for EX: n0 is BLOCKED by a live blocker */
static dm_op_id blocked_pair(struct fix *f, unsigned bugs, int *fh0)
{
	struct dm_model *m = model(f, "linux-6", 2, bugs);
	dm_op_id op;

	mkd(m, 0);
	mkd(m, 1);
	*fh0 = opn(m, 0, O_RDONLY);
	op = opn_bg(m, 1, O_RDWR);
	dm_settle(m, 100000);
	assert_int_equal(dm_op_status(m, op, NULL), DM_PENDING);
	return op;
}

/* ---- INV_COMPAT ---- */
static void compat_fires(void **state)
{
	struct fix *f = *state;
	struct dm_model *m = model(f, "linux-6", 2, DM_BUG_GRANT_EX_BESIDE_PR);

	mkd(m, 0);
	mkd(m, 1);
	opn(m, 0, O_RDONLY);
	opn(m, 1, O_RDWR);	/* granted EX beside the PR */
	assert_int_equal(inv_check(m, f->s, f->why, sizeof(f->why)),
			 INV_COMPAT);
	assert_non_null(strstr(f->why, "d/l"));
}

static void compat_passes(void **state)
{
	struct fix *f = *state;
	int fh0;

	blocked_pair(f, 0, &fh0);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
}

/* ---- INV_HOLDERS ---- */
static void holders_fires(void **state)
{
	struct fix *f = *state;
	struct dm_model *m = model(f, "linux-6", 1, DM_BUG_HOLDER_LEAK);
	struct inv_fd fds[2];

	mkd(m, 0);
	fds[0] = (struct inv_fd){ opn(m, 0, O_RDONLY), DM_PR };
	fds[1] = (struct inv_fd){ opn(m, 0, O_RDWR), DM_EX };	/* served from PR */
	assert_int_equal(inv_check(m, f->s, f->why, sizeof(f->why)),
			 INV_HOLDERS);
	/* the counts themselves agree: only the level is wrong */
	assert_int_equal(inv_check_holders(m, f->s, fds, 2, f->why,
					   sizeof(f->why)), INV_OK);
}

static void holders_passes_and_counts(void **state)
{
	struct fix *f = *state;
	struct dm_model *m = model(f, "linux-6", 1, 0);
	struct inv_fd fds[2];

	mkd(m, 0);
	fds[0] = (struct inv_fd){ opn(m, 0, O_RDONLY), DM_PR };
	fds[1] = (struct inv_fd){ opn(m, 0, O_RDWR), DM_EX };
	assert_int_equal(inv_check(m, f->s, f->why, sizeof(f->why)), INV_OK);
	assert_int_equal(inv_check_holders(m, f->s, fds, 2, f->why,
					   sizeof(f->why)), INV_OK);
	/* a caller that forgets an fd sees the count disagree */
	assert_int_equal(inv_check_holders(m, f->s, fds, 1, f->why,
					   sizeof(f->why)), INV_HOLDERS);
	assert_int_equal(inv_check_holders(m, NULL, fds, 1, f->why,
					   sizeof(f->why)), INV_HOLDERS);
}

/* ---- INV_LVB ---- */
static enum inv_id publish_then_read(struct fix *f, unsigned bugs, char *buf,
				     ssize_t *got)
{
	struct dm_model *m = model(f, "linux-6", 2, bugs);
	int fh;

	mkd(m, 0);
	mkd(m, 1);
	fh = opn(m, 0, O_RDWR);
	wr(f, fh, "hello");
	assert_int_equal(dm_release(m, fh), 0);
	fh = opn(m, 1, O_RDONLY);	/* n0 goes down from EX: publishes */
	return rd(f, fh, buf, got);
}

static void lvb_fires_on_lost_publication(void **state)
{
	struct fix *f = *state;
	char buf[64];
	ssize_t got;

	assert_int_equal(publish_then_read(f, DM_BUG_NO_PUBLISH, buf, &got),
			 INV_LVB);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)),
			 INV_LVB);	/* the FETCH already disagreed */
	assert_non_null(strstr(f->why, "fetch"));
}

static void lvb_passes_and_catches_lies(void **state)
{
	struct fix *f = *state;
	char buf[64];
	ssize_t got;
	int fh;

	assert_int_equal(publish_then_read(f, 0, buf, &got), INV_OK);
	assert_int_equal(got, 64);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
	/* a caller claiming it read other bytes is caught */
	fh = opn(f->m, 1, O_RDONLY);
	memcpy(buf, "jello", 5);
	assert_int_equal(inv_shadow_read(f->s, f->m, fh, 0, buf, 64, f->why,
					 sizeof(f->why)), INV_LVB);
	/* ...and so is one past the end of the 64 bytes */
	assert_int_equal(inv_shadow_read(f->s, f->m, fh, 10, buf + 10, 60,
					 f->why, sizeof(f->why)), INV_LVB);
	/* a snapshot read at offset 1 returns bytes 1.. (V1) */
	assert_int_equal(dm_pread(f->m, fh, buf, 4, 1), 4);
	assert_int_equal(inv_shadow_read(f->s, f->m, fh, 1, buf, 4, f->why,
					 sizeof(f->why)), INV_OK);
}

static enum inv_id crash_then_read(struct fix *f, const char *prof,
				   ssize_t *got, int *fhp)
{
	struct dm_model *m = model(f, prof, 2, 0);
	char buf[64];
	dm_op_id op;
	int fh;

	mkd(m, 0);
	mkd(m, 1);
	fh = opn(m, 0, O_RDWR);
	wr(f, fh, "lost");
	op = opn_bg(m, 1, O_RDONLY);
	dm_settle(m, 100000);
	assert_int_equal(dm_crash(m, 0), 0);	/* dies holding EX (V6) */
	dm_settle(m, 100000);
	assert_int_equal(dm_op_status(m, op, &fh), 0);
	dm_op_forget(m, op);
	*fhp = fh;
	return rd(f, fh, buf, got);
}

static void lvb_recovery_per_stack(void **state)
{
	struct fix *f = *state;
	char buf[64] = { 0 };
	ssize_t got;
	int fh;

	assert_int_equal(crash_then_read(f, "linux-6-user", &got, &fh), INV_OK);
	assert_int_equal(got, 0);	/* invalid: read returns 0 */
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
	/* claiming 64 bytes of an invalid LVB is a violation */
	assert_int_equal(inv_shadow_read(f->s, f->m, fh, 0, buf, 64, f->why,
					 sizeof(f->why)), INV_LVB);
}

static void lvb_recovery_o2cb_zero(void **state)
{
	struct fix *f = *state;
	ssize_t got;
	int fh;

	assert_int_equal(crash_then_read(f, "linux-6", &got, &fh), INV_OK);
	assert_int_equal(got, 64);	/* zeroed, still valid */
}

/* ---- INV_BLOCKED ---- */
static void blocked_passes_live_and_stale(void **state)
{
	struct fix *f = *state;
	int fh0;

	blocked_pair(f, 0, &fh0);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
	/* the blocker dies: BLOCKED stays until n0's holder closes (stale) */
	assert_int_equal(dm_crash(f->m, 1), 0);
	dm_settle(f->m, 100000);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
	assert_int_equal(dm_release(f->m, fh0), 0);
	dm_settle(f->m, 100000);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)), INV_OK);
}

static void blocked_fires_without_blocker(void **state)
{
	struct fix *f = *state;
	int fh0;

	blocked_pair(f, 0, &fh0);
	/* the blocker vanishes behind the shadow's back: nobody asked */
	dm_set_trace(f->m, NULL, NULL);
	assert_int_equal(dm_crash(f->m, 1), 0);
	dm_set_trace(f->m, feed, f->s);
	assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)),
			 INV_BLOCKED);
	assert_non_null(strstr(f->why, "BLOCKED"));
}

/* ---- INV_POLL ---- */
static void poll_fires(void **state)
{
	struct fix *f = *state;
	int fh0;

	blocked_pair(f, DM_BUG_POLL_IGNORES_BLOCKED, &fh0);
	assert_int_equal(inv_check_poll(f->m, &fh0, 1, f->why, sizeof(f->why)),
			 INV_POLL);
}

static void poll_passes(void **state)
{
	struct fix *f = *state;
	int fh0;

	blocked_pair(f, 0, &fh0);
	assert_int_equal(dm_poll(f->m, fh0), DM_POLLIN | DM_POLLRDNORM);
	assert_int_equal(inv_check_poll(f->m, &fh0, 1, f->why, sizeof(f->why)),
			 INV_OK);
}

/* ---- INV_STUCK ---- */
static void l8_pair(struct fix *f, struct inv_fd *fa, struct inv_fd *fb,
		    dm_op_id *oa, dm_op_id *ob)
{
	struct dm_model *m = model(f, "linux-6", 2, 0);

	mkd(m, 0);
	mkd(m, 1);
	*fa = (struct inv_fd){ opn(m, 0, O_RDONLY), DM_PR };
	*fb = (struct inv_fd){ opn(m, 1, O_RDONLY), DM_PR };
	*oa = opn_bg(m, 0, O_RDWR);
	*ob = opn_bg(m, 1, O_RDWR);
	dm_settle(m, 100000);
}

static void stuck_l8_is_documented(void **state)
{
	struct fix *f = *state;
	struct inv_fd fa, fb;
	dm_op_id oa, ob;
	enum inv_hang cls[2];
	char desc[512];

	l8_pair(f, &fa, &fb, &oa, &ob);
	{
		struct inv_actor a[2] = {
			{ "A", 0, true, oa, &fa, 1 },
			{ "B", 1, true, ob, &fb, 1 },
		};

		assert_int_equal(inv_check(f->m, f->s, f->why, sizeof(f->why)),
				 INV_OK);	/* stale BLOCKED after cancels */
		inv_classify_hangs(f->m, a, 2, cls);
		assert_int_equal(cls[0], INV_HANG_L8);
		assert_int_equal(cls[1], INV_HANG_L8);
		inv_describe_hang(f->m, a, 2, cls, 0, desc, sizeof(desc));
		assert_non_null(strstr(desc, "hang L8: A@n1 waits EX on d/l"));
		assert_int_equal(inv_check_stuck(f->m, a, 2, f->why,
						 sizeof(f->why)), INV_OK);
		/*
		 * Only n2 got a BAST (the convert queue's head sends them), so
		 * B's own PR fd holds both: without it nothing explains them.
		 */
		a[1].nfds = 0;
		assert_int_equal(inv_check_stuck(f->m, a, 2, f->why,
						 sizeof(f->why)), INV_STUCK);
	}
}

static void stuck_progress_and_drain(void **state)
{
	struct fix *f = *state;
	struct inv_fd fa;
	enum inv_hang cls[2];
	dm_op_id ob;
	int fh0;

	ob = blocked_pair(f, 0, &fh0);
	fa = (struct inv_fd){ fh0, DM_PR };
	{
		struct inv_actor a[2] = {
			{ "A", 0, false, 0, &fa, 1 },	/* idle: may close */
			{ "B", 1, true, ob, NULL, 0 },
		};

		inv_classify_hangs(f->m, a, 2, cls);
		assert_int_equal(cls[1], INV_HANG_NONE);
		assert_int_equal(inv_check_stuck(f->m, a, 2, f->why,
						 sizeof(f->why)), INV_OK);
		/* an undrained queue is not a valid state to judge */
		assert_int_equal(dm_release(f->m, fh0), 0);
		a[0].nfds = 0;
		assert_int_equal(inv_check_stuck(f->m, a, 2, f->why,
						 sizeof(f->why)), INV_STUCK);
		dm_settle(f->m, 100000);
		assert_int_equal(dm_op_status(f->m, ob, NULL), 0);
	}
}

static void stuck_o3_user_stack(void **state)
{
	struct fix *f = *state;
	struct dm_model *m = model(f, "linux-6-user", 2, 0);
	enum inv_hang cls[1];
	dm_op_id op;

	mkd(m, 0);
	mkd(m, 1);
	assert_int_equal(dm_release(m, opn(m, 0, O_RDWR)), 0);
	op = opn_bg(m, 1, O_RDONLY | O_NONBLOCK);
	dm_settle(m, 100000);
	{
		struct inv_actor a[1] = { { "B", 1, true, op, NULL, 0 } };

		inv_classify_hangs(m, a, 1, cls);
		assert_int_equal(cls[0], INV_HANG_O3);
		assert_int_equal(inv_check_stuck(m, a, 1, f->why,
						 sizeof(f->why)), INV_OK);
	}
	assert_int_equal(inv_check(m, f->s, f->why, sizeof(f->why)), INV_OK);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(inv_name(INV_LVB), "INV_LVB");
	assert_string_equal(inv_name(INV_STUCK), "INV_STUCK");
	assert_string_equal(inv_hang_name(INV_HANG_O3), "O3");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(compat_fires),
		T(compat_passes),
		T(holders_fires),
		T(holders_passes_and_counts),
		T(lvb_fires_on_lost_publication),
		T(lvb_passes_and_catches_lies),
		T(lvb_recovery_per_stack),
		T(lvb_recovery_o2cb_zero),
		T(blocked_passes_live_and_stale),
		T(blocked_fires_without_blocker),
		T(poll_fires),
		T(poll_passes),
		T(stuck_l8_is_documented),
		T(stuck_progress_and_drain),
		T(stuck_o3_user_stack),
		T(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
