/* SPDX-License-Identifier: MIT */
/*
 * internal.h - shared state of the three model layers (dlm.c, userdlm.c,
 * dlmfs.c) and the core (model.c). Not part of the public API.
 */
#ifndef DLMFS_MODEL_INTERNAL_H
#define DLMFS_MODEL_INTERNAL_H

#include "dm.h"

/* DLM request flags (the subset dlmfs uses) */
enum { DLMF_NOQUEUE = 1, DLMF_CONVERT = 2, DLMF_VALBLK = 4, DLMF_CANCEL = 8 };

/* ---- cluster DLM (dlm.c) ---- */
struct dm_lk {
	int node;
	int owner;		/* 0: dlmfs lockres, > 0 raw client */
	uint32_t lid;		/* the client's lock id on its node */
	int granted;		/* DM_IV while waiting as a new lock */
	int requested;		/* DM_IV unless converting/waiting */
	enum dm_queue queue;
	uint64_t qseq;		/* order within the convert/wait queue */
	int bast_level;		/* o2dlm highest_blocked; DM_IV = none pending */
};

struct dm_res {
	char *domain, *name;
	int master;		/* o2dlm: the node whose res->lvb counts */
	bool lvb_valid;
	unsigned char lvb[DM_LVB_LEN];
	struct dm_lk *lk;
	size_t nlk, caplk;
};

/* ---- node-local user lock (userdlm.c) ---- */
struct dm_lockres {
	uint32_t lid;
	int node;
	bool raw;		/* an in-kernel DLM user, not dlmfs */
	bool zombie;		/* inode gone, DLM lock left behind (T2) */
	bool stuck;		/* an AST failed: BUSY will never clear (O3) */
	struct dm_inode *inode;	/* NULL for raw and zombie locks */
	char *domain, *name;
	int level, requested, blocking;
	unsigned ro_holders, ex_holders;
	unsigned flags;		/* DM_LF_* */
	bool lvb_valid;
	unsigned char lvb[DM_LVB_LEN];
};

/* ---- dlmfs namespace (dlmfs.c) ---- */
enum dm_itype { DM_I_ROOT, DM_I_DOMAIN, DM_I_LOCK };

struct dm_inode {
	dm_ino ino;
	enum dm_itype type;
	char *name;
	struct dm_inode *parent;
	struct dm_inode **kids;	/* creation order */
	size_t nkids, capkids;
	uint32_t mode, uid, gid;
	int64_t atime, mtime, ctime;
	unsigned refs;		/* open files + pending ops */
	bool linked;
	struct dm_lockres *lr;	/* DM_I_LOCK */
};

struct dm_node {
	bool alive;
	dm_ino next_ino;
	struct dm_inode *root;
	struct dm_inode **itab;	/* indexed by ino */
	size_t itab_cap;
	struct dm_lockres **lrs;	/* every lock: files, raw, zombies */
	size_t nlrs, caplrs;
};

struct dm_file {
	bool used;
	int node;
	struct dm_inode *inode;
	int level;
	int flags;
	int64_t pos;
	int next_free;
};

enum dm_op_state {
	OPS_RUN,		/* a wake-up is queued */
	OPS_WAIT_BUSY,
	OPS_WAIT_BLOCKED,
	OPS_UNL_WAIT_BUSY,	/* unlink: waiting for an in-flight request */
	OPS_UNL_WAIT_UNLOCK,	/* unlink: our DLM unlock is in flight */
	OPS_DONE,
};

struct dm_op {
	bool used;
	bool wake_queued;
	bool sig;
	enum dm_op_kind kind;
	enum dm_op_state state;
	int node;
	struct dm_inode *inode;	/* OPEN, UNLINK */
	struct dm_lockres *lr;	/* RAWLOCK */
	int level;
	int lkm_flags;
	int oflags;
	int result;
	int fh;
	int next_free;
	uint64_t seq;		/* issue order: oldest sleeper woken first */
};

struct dm_ev {
	struct dm_event pub;
	uint32_t lid;
	bool fetch;		/* AST carries the resource LVB */
	bool lvb_valid;
	unsigned char lvb[DM_LVB_LEN];
};

struct dm_model {
	const struct dm_profile *prof;
	int nnodes;
	unsigned bugs;
	struct dm_node node[DM_MAX_NODES];

	struct dm_res **res;
	size_t nres, capres;
	uint64_t qseq;
	uint32_t next_lid;

	struct dm_ev *ev;
	size_t nev, capev;
	uint64_t evseq;

	struct dm_file *files;
	int nfiles, free_file;
	size_t capfiles;

	struct dm_op *ops;
	int nops, free_op;
	size_t capops;
	uint64_t opseq;

	bool notes_on;
	struct dm_note *notes;
	size_t nnotes, capnotes, note_head;

	dm_trace_fn trace_fn;
	void *trace_arg;

	char scratch[DM_NAME_MAX + 1];
};

/* model.c */
void *dm_grow(void *p, size_t *cap, size_t need, size_t elem);
char *dm_strdup(const char *s);
void dm_trace_emit(struct dm_model *m, enum dm_trace_kind k, int node,
		   const struct dm_lockres *lr, int mode, int status,
		   const unsigned char *lvb, bool lvb_valid, int peer);
struct dm_ev *dm_ev_push(struct dm_model *m, enum dm_ev_kind k, int node,
			 uint32_t lid, dm_ino ino);
void dm_ev_remove(struct dm_model *m, size_t i);
void dm_note(struct dm_model *m, enum dm_note_kind k, int node, dm_ino ino,
	     dm_op_id op);
struct dm_lockres *dm_find_lockres(struct dm_model *m, int node, uint32_t lid);
struct dm_op *dm_op_get(const struct dm_model *m, dm_op_id id);
dm_op_id dm_op_new(struct dm_model *m, enum dm_op_kind k, int node);
void dm_op_finish(struct dm_model *m, struct dm_op *op, int result);
bool dm_node_ok(const struct dm_model *m, int node);

/* dlm.c */
struct dm_res *dlm_res_find(struct dm_model *m, const char *domain,
			    const char *name, bool create);
struct dm_lk *dlm_lk_find(struct dm_res *r, int node, uint32_t lid);
int dlm_lock(struct dm_model *m, struct dm_lockres *lr, int mode,
	     unsigned flags);
int dlm_unlock(struct dm_model *m, struct dm_lockres *lr, unsigned flags);
void dlm_node_died(struct dm_model *m, int node);
void dlm_domain_left(struct dm_model *m, int node, const char *domain);
void dlm_bast_flushed(struct dm_model *m, const struct dm_ev *e);
void dlm_free_all(struct dm_model *m);
uint32_t dlm_blockers(struct dm_model *m, const struct dm_lockres *lr,
		      bool *zombie);

/* userdlm.c */
struct dm_lockres *ul_new(struct dm_model *m, int node, const char *domain,
			  const char *name, bool raw);
void ul_free(struct dm_lockres *lr);
int ul_highest_compat(int level);
void ul_wake(struct dm_model *m, struct dm_lockres *lr);
void ul_ast(struct dm_model *m, struct dm_lockres *lr, const struct dm_ev *e);
void ul_unlock_ast(struct dm_model *m, struct dm_lockres *lr, int status);
void ul_bast(struct dm_model *m, struct dm_lockres *lr, int level);
void ul_worker(struct dm_model *m, struct dm_lockres *lr);
void ul_cluster_unlock(struct dm_model *m, struct dm_lockres *lr, int level);
void ul_op_run(struct dm_model *m, struct dm_op *op);
void ul_op_recheck(struct dm_model *m, struct dm_op *op);
int ul_destroy_start(struct dm_model *m, struct dm_op *op);

/* dlmfs.c */
#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4
int fs_permission(const struct dm_inode *in, int mask,
		  const struct dm_ctx *ctx);
int fs_get_inode(struct dm_model *m, int node, dm_ino ino,
		 struct dm_inode **out);
void fs_fill_stat(const struct dm_inode *in, struct dm_stat *st);
bool fs_is_dir(const struct dm_inode *in);
void fs_lrs_add(struct dm_model *m, struct dm_lockres *lr);
void fs_lrs_del(struct dm_model *m, struct dm_lockres *lr);
void fs_node_init(struct dm_model *m, int node);
void fs_node_free(struct dm_model *m, int node);
struct dm_inode *fs_inode(const struct dm_model *m, int node, dm_ino ino);
void fs_inode_put(struct dm_model *m, struct dm_inode *in);
void fs_unlink_done(struct dm_model *m, struct dm_op *op);
int fs_open_done(struct dm_model *m, struct dm_op *op);

#endif
