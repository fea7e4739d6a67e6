/* SPDX-License-Identifier: MIT */
/*
 * fz_ops.h - the byte format the `ops` and `fsdiff` harnesses share, and
 * the `ops` runner on the explorer's step executor (sim/explore_int.h).
 *
 * Input = header (2 bytes) + ops. Missing bytes read as 0.
 *   h0: bit 0 profile (0 linux-6, 1 linux-6-user); bits 1-2: nodes - 1
 *   h1: bits 0-2: actors - 1 (mod FZ_MAX_ACTORS); bit 3: domains - 1;
 *       bits 4-5: locks - 1 (mod FZ_MAX_LOCKS)
 * Each op is an opcode byte (mod FZ_NOPS) and fz_op_nargs() argument
 * bytes, read as:
 *   actor byte A: actor (A & 7) % actors; fd slot (A >> 3) & 3;
 *                 open: 0x40 rdwr (EX, else rdonly = PR), 0x80 nonblock
 *   lock byte L:  domain (L >> 4 & 7) % domains; lock (L & 15) % locks;
 *                 stat: 0x08 means the domain itself
 *   LEN, OFF (signed), SEED (write data), WHENCE (mod 3), K (choice)
 * Actor i runs on node i % nodes. The input ends with a drain: every
 * fd closed, every event delivered (wake-ups first), then the hang check.
 */
#ifndef DLMFS_FZ_OPS_H
#define DLMFS_FZ_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explore_int.h"

#define FZ_MAX_NODES	4
#define FZ_MAX_ACTORS	6
#define FZ_MAX_DOMS	2
#define FZ_MAX_LOCKS	3
#define FZ_NPROFS	2
#define FZ_MAX_OPS	1024	/* ops decoded from one input */
#define FZ_MAX_RECS	8192	/* steps executed for one input, drain included */
#define FZ_SETTLE_MAX	64	/* events one SETTLE op delivers */
#define FZ_DRAIN_MAX	4096	/* steps of the final drain */
#define FZ_INPUT_MAX	256	/* bytes of one input (~80 ops): keeps an
				 * exec short enough for >= 20k execs/s */

enum fz_opcode {
	FZ_OPEN, FZ_CLOSE, FZ_READ, FZ_PREAD, FZ_WRITE, FZ_PWRITE, FZ_LSEEK,
	FZ_POLL, FZ_UNLINK, FZ_MKDIR, FZ_RMDIR, FZ_STAT,
	FZ_DELIVER,	/* K: the K-th deliverable event (mod their count) */
	FZ_SETTLE,	/* deliver up to FZ_SETTLE_MAX events, wake-ups first */
	FZ_CRASH,	/* K: node K % nodes */
	FZ_RESTART,
	FZ_CHECK,	/* deliver what is queued, then XR_CHECK */
	FZ_NOPS
};

struct fz_hdr {
	int prof;		/* index into fz_prof_names */
	int nodes, actors, doms, locks;
};

struct fz_op {
	uint8_t code;
	uint8_t arg[4];
};

struct fz_in {
	const uint8_t *p;
	size_t n, i;
};

extern const char *const fz_prof_names[FZ_NPROFS];

void fz_in_init(struct fz_in *in, const uint8_t *p, size_t n);
/* nodes capped at max_nodes */
void fz_hdr_decode(struct fz_in *in, struct fz_hdr *h, int max_nodes);
void fz_hdr_encode(const struct fz_hdr *h, uint8_t out[2]);
/* the next op; false at the end of the input */
bool fz_op_next(struct fz_in *in, struct fz_op *op);
int fz_op_nargs(int code);
const char *fz_op_name(int code);
/* bytes written to out (1 + nargs) */
size_t fz_op_encode(const struct fz_op *op, uint8_t *out);

/* argument views */
static inline int fz_actor(const struct fz_op *op, int nact)
{
	return (op->arg[0] & 7) % nact;
}

static inline int fz_slot(const struct fz_op *op)
{
	return (op->arg[0] >> 3) & 3;
}

static inline int fz_dom(uint8_t l, int doms)
{
	return ((l >> 4) & 7) % doms;
}

static inline int fz_lock(uint8_t l, int locks)
{
	return (l & 15) % locks;
}

/* parse "no-publish,holder-leak" or a number; 0 or -1 (bad name) */
int fz_parse_bugs(const char *s, unsigned *bugs);

/* ---- the ops runner (ops_run.c): one model per profile x node count ---- */
struct fz_ops {
	struct explore_opts o[FZ_NPROFS][FZ_MAX_NODES];
	struct x_state x[FZ_NPROFS][FZ_MAX_NODES];
	bool ready[FZ_NPROFS][FZ_MAX_NODES];
	unsigned bugs;
	/* the last run: every step executed, in order (ref = index) */
	struct fz_hdr hdr;
	struct x_rec recs[FZ_MAX_RECS];
	size_t nrec;
	bool truncated;		/* hit FZ_MAX_RECS: the drain was not judged */
	size_t fail;		/* index of the step that violated */
};

int fz_ops_init(struct fz_ops *f, unsigned bugs);
void fz_ops_fini(struct fz_ops *f);
/* the model state for hdr, reset; NULL if out of memory */
struct x_state *fz_ops_state(struct fz_ops *f, const struct fz_hdr *h,
			     unsigned bugs);
/* run one input; the state it ran on, x->viol set on a violation */
struct x_state *fz_ops_run(struct fz_ops *f, const uint8_t *buf, size_t len);

#endif
