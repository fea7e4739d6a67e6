/* SPDX-License-Identifier: MIT */
/*
 * model_helpers.c - shared helpers for the model's cmocka unit tests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_helpers.h"

const struct dm_ctx mh_root = { 0, 0, 022, 0 };

int mh_setup(void **state)
{
	struct mh_fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	return 0;
}

int mh_teardown(void **state)
{
	struct mh_fix *f = *state;

	if (f) {
		if (f->m)
			dm_free(f->m);
		free(f);
	}
	*state = NULL;
	return 0;
}

static void mh_trace_fn(void *arg, const struct dm_model *m,
			const struct dm_trace *t)
{
	struct mh_fix *f = arg;
	struct mh_trace_rec *r;

	(void)m;
	if (f->ntrace >= MH_TRACE_MAX) {
		f->trace_lost++;
		return;
	}
	r = &f->trace[f->ntrace++];
	r->kind = t->kind;
	r->node = t->node;
	r->peer = t->peer;
	r->mode = t->mode;
	r->status = t->status;
}

struct dm_model *mh_model(void **state, const char *profile, int nodes)
{
	struct mh_fix *f = *state;
	const struct dm_profile *p;
	const char *bugs;

	assert_non_null(f);
	assert_null(f->m);
	if (!profile)
		profile = DM_PROFILE_DEFAULT;
	p = dm_profile_find(profile);
	if (!p)
		fail_msg("profile '%s' is not in dm_profiles[]", profile);
	f->m = dm_new(p, nodes);
	if (!f->m)
		fail_msg("dm_new(%s, %d) returned NULL", profile, nodes);
	f->ntrace = 0;
	f->trace_lost = 0;
	dm_set_trace(f->m, mh_trace_fn, f);
	/* DM_TEST_BUGS=<mask>: plant model bugs to prove the tests catch them */
	bugs = getenv("DM_TEST_BUGS");
	if (bugs && *bugs)
		dm_set_bugs(f->m, (unsigned)strtoul(bugs, NULL, 0));
	return f->m;
}

static const struct {
	int err;
	const char *name;
} mh_errnames[] = {
	{ EPERM, "EPERM" },	    { ENOENT, "ENOENT" },
	{ EINTR, "EINTR" },	    { EIO, "EIO" },
	{ EBADF, "EBADF" },	    { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },	    { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },	    { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },	    { EXDEV, "EXDEV" },
	{ ENOTDIR, "ENOTDIR" },	    { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" },	    { ETXTBSY, "ETXTBSY" },
	{ ENOSPC, "ENOSPC" },	    { ESPIPE, "ESPIPE" },
	{ ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ENODEV, "ENODEV" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOTCONN, "ENOTCONN" },   { ERANGE, "ERANGE" },
	{ ENOSYS, "ENOSYS" },	    { ESRCH, "ESRCH" },
	{ EDEADLK, "EDEADLK" },	    { ERESTART, "ERESTART" },
	{ ENXIO, "ENXIO" },	    { EOVERFLOW, "EOVERFLOW" },
};

const char *mh_errname(long rc)
{
	static char buf[4][48];
	static unsigned slot;
	char *b = buf[slot++ % 4];
	size_t i;

	if (rc == DM_PENDING) {
		snprintf(b, sizeof(buf[0]), "1 (DM_PENDING)");
		return b;
	}
	if (rc < 0) {
		for (i = 0; i < sizeof(mh_errnames) / sizeof(mh_errnames[0]);
		     i++) {
			if (mh_errnames[i].err == -rc) {
				snprintf(b, sizeof(buf[0]), "%ld (-%s)", rc,
					 mh_errnames[i].name);
				return b;
			}
		}
	}
	snprintf(b, sizeof(buf[0]), "%ld", rc);
	return b;
}

void mh_assert_rc(long got, long want, const char *expr, const char *file,
		  int line)
{
	if (got == want)
		return;
	print_error("%s: got %s, want %s\n", expr, mh_errname(got),
		    mh_errname(want));
	_fail(file, line);
}

size_t mh_settle(struct dm_model *m)
{
	return dm_settle(m, SIZE_MAX);
}

void mh_mkdir(struct dm_model *m, int node, const char *dom)
{
	char path[DM_NAME_MAX + 2];
	int rc;

	snprintf(path, sizeof(path), "/%s", dom);
	rc = dm_sys_mkdir(m, node, path, 0755, &mh_root);
	if (rc != 0)
		fail_msg("mkdir %s on node %d: %s", path, node,
			 mh_errname(rc));
}

static int mh_open_start(struct dm_model *m, int node, const char *path,
			 int flags, int *fh, dm_op_id *op)
{
	int rc;

	*fh = -1;
	*op = 0;
	rc = dm_sys_open(m, node, path, flags, 0644, &mh_root, fh, op);
	if (rc == 0 && *fh < 0)
		fail_msg("open %s on node %d: 0 but fh %d", path, node, *fh);
	return rc;
}

int mh_open(struct dm_model *m, int node, const char *path, int flags)
{
	dm_op_id op;
	int fh, rc;

	rc = mh_open_start(m, node, path, flags, &fh, &op);
	if (rc == DM_PENDING) {
		mh_settle(m);
		rc = dm_op_status(m, op, &fh);
		if (rc == DM_PENDING)
			fail_msg("open %s on node %d still pending after settle",
				 path, node);
	}
	if (rc < 0)
		return rc;
	assert_rc(rc, 0);
	assert_true(fh >= 0);
	return fh;
}

int mh_open_now(struct dm_model *m, int node, const char *path, int flags)
{
	dm_op_id op;
	int fh, rc;

	rc = mh_open_start(m, node, path, flags, &fh, &op);
	if (rc == DM_PENDING)
		fail_msg("open %s on node %d (flags %#x) sleeps; expected an "
			 "immediate result", path, node, (unsigned)flags);
	if (rc < 0)
		return rc;
	assert_rc(rc, 0);
	return fh;
}

dm_op_id mh_open_bg(struct dm_model *m, int node, const char *path, int flags)
{
	dm_op_id op;
	int fh, rc;

	rc = mh_open_start(m, node, path, flags, &fh, &op);
	if (rc != DM_PENDING)
		fail_msg("open %s on node %d (flags %#x): got %s, expected it "
			 "to sleep (DM_PENDING)", path, node, (unsigned)flags,
			 mh_errname(rc));
	return op;
}

int mh_op(struct dm_model *m, dm_op_id op, int *fh)
{
	int dummy = -1;

	return dm_op_status(m, op, fh ? fh : &dummy);
}

int mh_op_fh(struct dm_model *m, dm_op_id op)
{
	int fh = -1;
	int rc = dm_op_status(m, op, &fh);

	if (rc != 0)
		fail_msg("op %u: got %s, expected a finished open (0)",
			 (unsigned)op, mh_errname(rc));
	assert_true(fh >= 0);
	return fh;
}

enum dm_wait_kind mh_op_wait_kind(struct dm_model *m, dm_op_id op,
				  struct dm_wait *w)
{
	struct dm_wait tmp;
	int rc;

	if (!w)
		w = &tmp;
	memset(w, 0, sizeof(*w));
	rc = dm_op_wait(m, op, w);
	if (rc < 0)
		fail_msg("dm_op_wait(op %u): %s", (unsigned)op, mh_errname(rc));
	return w->kind;
}

void mh_close(struct dm_model *m, int fh)
{
	assert_rc(dm_release(m, fh), 0);
}

int mh_unlink(struct dm_model *m, int node, const char *path)
{
	dm_op_id op = 0;
	int rc;

	rc = dm_sys_unlink(m, node, path, &mh_root, &op);
	if (rc == DM_PENDING) {
		mh_settle(m);
		rc = mh_op(m, op, NULL);
		if (rc == DM_PENDING)
			fail_msg("unlink %s on node %d still pending after "
				 "settle", path, node);
	}
	return rc;
}

void mh_lock(struct dm_model *m, int node, const char *path,
	     struct dm_lock_view *v)
{
	dm_ino ino = 0;
	int rc;

	rc = dm_resolve(m, node, path, &ino);
	if (rc < 0)
		fail_msg("resolve %s on node %d: %s", path, node,
			 mh_errname(rc));
	memset(v, 0, sizeof(*v));
	rc = dm_lock_view(m, node, ino, v);
	if (rc < 0)
		fail_msg("dm_lock_view %s on node %d: %s", path, node,
			 mh_errname(rc));
}

int mh_level(struct dm_model *m, int node, const char *path)
{
	struct dm_lock_view v;

	mh_lock(m, node, path, &v);
	return v.level;
}

unsigned mh_lflags(struct dm_model *m, int node, const char *path)
{
	struct dm_lock_view v;

	mh_lock(m, node, path, &v);
	return v.flags;
}

int mh_res_find(struct dm_model *m, const char *domain, const char *name,
		struct dm_res_view *v)
{
	struct dm_res_view tmp;
	size_t i, n = dm_res_count(m);

	for (i = 0; i < n; i++) {
		memset(&tmp, 0, sizeof(tmp));
		if (dm_res_view(m, i, &tmp) < 0)
			continue;
		if (tmp.domain && tmp.name && !strcmp(tmp.domain, domain) &&
		    !strcmp(tmp.name, name)) {
			if (v)
				*v = tmp;
			return (int)i;
		}
	}
	return -1;
}

int mh_lk_find(struct dm_model *m, int res, int node, int owner,
	       struct dm_lk_view *v)
{
	struct dm_res_view rv;
	struct dm_lk_view tmp;
	size_t j;

	if (res < 0 || dm_res_view(m, (size_t)res, &rv) < 0)
		return -1;
	for (j = 0; j < rv.nlocks; j++) {
		memset(&tmp, 0, sizeof(tmp));
		if (dm_lk_view(m, (size_t)res, j, &tmp) < 0)
			continue;
		if (tmp.node == node &&
		    (owner < 0 ? tmp.owner > 0 : tmp.owner == owner)) {
			if (v)
				*v = tmp;
			return 0;
		}
	}
	return -1;
}

size_t mh_queued(struct dm_model *m, enum dm_ev_kind kind, int node)
{
	size_t i, n = dm_event_count(m), c = 0;
	const struct dm_event *ev;

	for (i = 0; i < n; i++) {
		ev = dm_event_at(m, i);
		assert_non_null(ev);
		if (ev->kind == kind && (node < 0 || ev->node == node))
			c++;
	}
	return c;
}

bool mh_step(struct dm_model *m, struct dm_event *ev)
{
	size_t i, n = dm_event_count(m);
	const struct dm_event *e;
	int rc;

	for (i = 0; i < n; i++) {
		if (!dm_event_deliverable(m, i))
			continue;
		e = dm_event_at(m, i);
		assert_non_null(e);
		if (ev)
			*ev = *e;
		rc = dm_deliver(m, i);
		if (rc < 0)
			fail_msg("dm_deliver(%zu): %s", i, mh_errname(rc));
		return true;
	}
	return false;
}

size_t mh_trace_count(void **state, enum dm_trace_kind kind, int node)
{
	struct mh_fix *f = *state;
	size_t i, c = 0;

	assert_int_equal(f->trace_lost, 0);
	for (i = 0; i < f->ntrace; i++)
		if (f->trace[i].kind == kind &&
		    (node < 0 || f->trace[i].node == node))
			c++;
	return c;
}

size_t mh_trace_count_mode(void **state, enum dm_trace_kind kind, int node,
			   int mode)
{
	struct mh_fix *f = *state;
	size_t i, c = 0;

	assert_int_equal(f->trace_lost, 0);
	for (i = 0; i < f->ntrace; i++)
		if (f->trace[i].kind == kind && f->trace[i].mode == mode &&
		    (node < 0 || f->trace[i].node == node))
			c++;
	return c;
}

int mh_trace_first_node(void **state, enum dm_trace_kind kind, int mode)
{
	struct mh_fix *f = *state;
	size_t i;

	assert_int_equal(f->trace_lost, 0);
	for (i = 0; i < f->ntrace; i++)
		if (f->trace[i].kind == kind &&
		    (mode < 0 || f->trace[i].mode == mode))
			return f->trace[i].node;
	return -1;
}

void mh_trace_clear(void **state)
{
	struct mh_fix *f = *state;

	f->ntrace = 0;
	f->trace_lost = 0;
}

void mh_expect_lvb(struct dm_model *m, int fh, const void *want, size_t len)
{
	unsigned char buf[DM_LVB_LEN];
	ssize_t got;

	assert_true(len <= DM_LVB_LEN);
	memset(buf, 0xa5, sizeof(buf));
	got = dm_pread(m, fh, buf, sizeof(buf), 0);
	assert_rc(got, DM_LVB_LEN);
	assert_memory_equal(buf, want, len);
}
