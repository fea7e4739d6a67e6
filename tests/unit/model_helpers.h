/* SPDX-License-Identifier: MIT */
/*
 * model_helpers.h - shared helpers for the model's cmocka unit tests.
 *
 * Every test gets a fixture (mh_setup/mh_teardown) that owns the model, so
 * a failing assertion (which longjmps out of the test) never leaks it.
 * Helpers that "settle" deliver every queued event with dm_settle().
 *
 * Paths given to the dm_sys_* layer are relative to the node's mount and
 * written with a leading '/': "/dom/lk".
 */
#ifndef DLMFS_MODEL_HELPERS_H
#define DLMFS_MODEL_HELPERS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>

#include "dm.h"

#define MH_TRACE_MAX 4096

struct mh_trace_rec {
	enum dm_trace_kind kind;
	int node;
	int peer;
	int mode;
	int status;
};

struct mh_fix {
	struct dm_model *m;
	size_t ntrace;
	size_t trace_lost;
	struct mh_trace_rec trace[MH_TRACE_MAX];
};

/* cmocka fixture: allocates the mh_fix; teardown frees the model too */
int mh_setup(void **state);
int mh_teardown(void **state);

#define MH_TEST(fn) cmocka_unit_test_setup_teardown(fn, mh_setup, mh_teardown)

/*
 * New model with profile @profile (NULL = DM_PROFILE_DEFAULT) and @nodes
 * nodes, owned by the fixture. Fails the test if the profile is unknown.
 * Trace records are collected into the fixture (see mh_trace_count).
 * DM_TEST_BUGS=<mask> in the environment plants model bugs (dm_set_bugs),
 * to check that the tests catch them.
 */
struct dm_model *mh_model(void **state, const char *profile, int nodes);

/* root caller, umask 022, time 0 */
extern const struct dm_ctx mh_root;

/* -errno as "-EAGAIN"; other values as decimal; static buffer per call site */
const char *mh_errname(long rc);

/* assert that @expr (an int/ssize_t/int64_t) equals @want, errno-aware */
#define assert_rc(expr, want)                                              \
	mh_assert_rc((long)(expr), (long)(want), #expr, __FILE__, __LINE__)
void mh_assert_rc(long got, long want, const char *expr, const char *file,
		  int line);

/* dm_settle(m, SIZE_MAX) */
size_t mh_settle(struct dm_model *m);

/* mkdir @dom on @node as root (0755); asserts success */
void mh_mkdir(struct dm_model *m, int node, const char *dom);

/*
 * Open as root (create mode 0644): returns the fh (>= 0) or -errno.
 * mh_open: if the call is pending, settle and take the final result; a
 *          call still pending after settling fails the test.
 * mh_open_now: the call must finish without sleeping (no DM_PENDING).
 * mh_open_bg: the call must sleep; returns its op id, does not settle.
 */
int mh_open(struct dm_model *m, int node, const char *path, int flags);
int mh_open_now(struct dm_model *m, int node, const char *path, int flags);
dm_op_id mh_open_bg(struct dm_model *m, int node, const char *path,
		    int flags);

/* dm_op_status: DM_PENDING, or the result (open: fh, via *fh) */
int mh_op(struct dm_model *m, dm_op_id op, int *fh);
/* the op must have finished with a successful open; returns the fh */
int mh_op_fh(struct dm_model *m, dm_op_id op);
/* the op's wait kind (fails the test if dm_op_wait fails) */
enum dm_wait_kind mh_op_wait_kind(struct dm_model *m, dm_op_id op,
				  struct dm_wait *w);

/* dm_release must return 0; does not settle */
void mh_close(struct dm_model *m, int fh);

/* unlink as root; settles through a pending unlink; returns 0 or -errno */
int mh_unlink(struct dm_model *m, int node, const char *path);

/* node-local lock of @path on @node; asserts it exists */
void mh_lock(struct dm_model *m, int node, const char *path,
	     struct dm_lock_view *v);
int mh_level(struct dm_model *m, int node, const char *path);
unsigned mh_lflags(struct dm_model *m, int node, const char *path);

/* cluster resource (domain, name): index or -1; fills *v when found */
int mh_res_find(struct dm_model *m, const char *domain, const char *name,
		struct dm_res_view *v);
/*
 * lock of (node, owner) on resource index @res: 0 and *v, or -1.
 * owner 0 = the node's dlmfs lock, owner < 0 = any raw client (owner > 0).
 */
int mh_lk_find(struct dm_model *m, int res, int node, int owner,
	       struct dm_lk_view *v);

/* number of queued events of @kind for @node (-1: any node) */
size_t mh_queued(struct dm_model *m, enum dm_ev_kind kind, int node);

/* deliver the first deliverable event; false if none. *ev gets a copy */
bool mh_step(struct dm_model *m, struct dm_event *ev);

/* trace records of @kind for @node (-1: any node) since mh_model/clear */
size_t mh_trace_count(void **state, enum dm_trace_kind kind, int node);
void mh_trace_clear(void **state);
/* as mh_trace_count, only records whose mode is @mode */
size_t mh_trace_count_mode(void **state, enum dm_trace_kind kind, int node,
			   int mode);
/* node of the first trace record of @kind with @mode (-1: any); -1 if none */
int mh_trace_first_node(void **state, enum dm_trace_kind kind, int mode);

/* pread 64 bytes at 0 through @fh: must return 64, first @len == @want */
void mh_expect_lvb(struct dm_model *m, int fh, const void *want, size_t len);

#endif
