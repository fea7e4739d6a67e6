/* SPDX-License-Identifier: MIT */
/*
 * explore_int.h - the explorer's state, shared by explore.c (driver),
 * explore_ops.c (executing one recorded step) and explore_min.c (replay,
 * delta debugging, reproducer). Not a public API.
 *
 * Every step is a record that names things symbolically (actor, domain and
 * lock index, "the fd opened by record k", event kind + node + lock path),
 * so any subset of the records can be replayed on a fresh model.
 */
#ifndef DLMFS_EXPLORE_INT_H
#define DLMFS_EXPLORE_INT_H

#include "explore.h"
#include "prng.h"
#include "scn.h"

#define X_MAX_ACTORS	64
#define X_MAX_FDS	4	/* per actor */
#define X_MAX_LOCKS	16
#define X_MAX_DOMS	4
#define X_NONE		0xff
#define X_DATA_MAX	80	/* longest write: past the 64-byte LVB */
#define X_CHECK_MAX	4096	/* deliveries by one XR_CHECK (else livelock) */

enum x_type { XR_CALL = 1, XR_DELIVER, XR_CRASH, XR_RESTART, XR_CHECK };

enum x_verb {
	XV_OPEN = 1, XV_CLOSE, XV_READ, XV_PREAD, XV_WRITE, XV_PWRITE,
	XV_LSEEK, XV_POLL, XV_UNLINK, XV_MKDIR, XV_RMDIR, XV_STAT,
};

enum { XO_EX = 1, XO_NB = 2 };

struct x_rec {
	uint8_t type, verb, actor, node;
	uint8_t ev;		/* deliver: enum dm_ev_kind */
	uint8_t dom, lk;	/* X_NONE: no path / the domain itself */
	uint8_t oflags;		/* XO_* */
	uint8_t whence;
	uint8_t len;
	int16_t off;
	uint32_t fdref;		/* index of the record that opened the fd */
	uint32_t dseed;		/* write data */
};

struct x_fd {
	int fh;
	uint32_t ref;
	uint8_t level;
	uint8_t dom, lk;
	char name[24];
};

struct x_actor {
	int node;
	char name[8];
	bool pending, hung;
	dm_op_id op;
	uint8_t op_verb;
	uint32_t op_ref;
	uint8_t op_level;	/* open: the level asked for */
	uint8_t op_dom, op_lk;
	struct x_fd fd[X_MAX_FDS];
	int nfd;
	int fdseq;
};

struct x_state {
	const struct explore_opts *o;
	struct dm_model *m;
	struct inv_shadow *sh;
	struct prng rng;
	struct x_actor act[X_MAX_ACTORS];
	int nact;

	/* counters */
	uint64_t steps, events, opens, grants, basts, crashes, hangs, drains;

	/* the trace digest */
	bool hashing;
	uint64_t hash;

	/* recording (main run) */
	bool recording;
	struct x_rec *recs;
	size_t nrec, caprec;
	uint32_t next_ref;	/* names every run record, recorded or not */

	/* first violation */
	enum inv_id viol;
	char why[512];

	bool report;		/* main run: print hangs as they are found */
	struct scn *scn;	/* non-NULL: emit statements (reproducer) */
	int emit_ok;		/* 0, or -1 once emitting failed */
};

/* explore_ops.c: the executor's state */
int x_init(struct x_state *x, const struct explore_opts *o);
void x_fini(struct x_state *x);
int x_reset(struct x_state *x);
void x_path(const struct x_state *x, int dom, int lk, char *buf, size_t len);
void x_hash_bytes(struct x_state *x, const void *p, size_t n);
void x_hash_i64(struct x_state *x, int64_t v);
void x_fill_data(uint32_t seed, unsigned char *buf, size_t n);
size_t x_collect(const struct x_state *x, struct inv_actor *ia,
		 struct inv_fd *fds, size_t maxfds);
/* reproducer statements (no-ops unless x->scn) */
struct scn_stmt *x_emit(struct x_state *x, enum scn_verb v, int actor,
			int node);
void x_set_path(struct x_state *x, struct scn_stmt *st, const char *p);
void x_set_data(struct x_state *x, struct scn_data *d,
		const unsigned char *b, size_t n);
void x_exp_rc(struct scn_stmt *st, int64_t rc);
void x_exp_bytes(struct x_state *x, struct scn_stmt *st,
		 const unsigned char *b, ssize_t got);
/* actors: fds, finished calls, a crashed node's calls; the step check */
struct x_fd *x_find_fd(struct x_actor *a, uint32_t ref);
struct x_fd *x_add_fd(struct x_actor *a, int fh, uint32_t ref, int level);
void x_drop_fd(struct x_actor *a, struct x_fd *f);
void x_kill_node_actors(struct x_state *x, int node);
void x_completions(struct x_state *x);
void x_check(struct x_state *x);

/* explore_exec.c: run one record (ref = its index in the original run);
 * false if the state did not allow it */
bool x_exec(struct x_state *x, const struct x_rec *r, uint32_t ref);
void x_gen_deliver(struct x_state *x, size_t i, struct x_rec *r);

/* explore.c */
const char *explore_bug_names(unsigned bugs, char *buf, size_t len);

/* explore_min.c */
int x_minimize_and_write(struct x_state *x, size_t fail_idx,
			 struct explore_result *res);
/* `hangs` lines for the calls still pending at the end (ops2scn too) */
void x_add_hangs(struct x_state *x);
/*
 * Zeller's ddmin, complements only, over idx[0..n): fails(arg, cand, &m)
 * says whether cand[0..m) still fails (and may cut m to the failing step);
 * budget(arg) false stops early. Returns the new n. ops2scn shares it.
 */
size_t x_ddmin(uint32_t *idx, size_t n,
	       bool (*fails)(void *arg, const uint32_t *cand, size_t *m),
	       bool (*budget)(void *arg), void *arg);
/* the rule a violation names in a reproducer's `spec:` line */
const char *x_rule_of(enum inv_id id);

#endif
