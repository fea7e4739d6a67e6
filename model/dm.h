/* SPDX-License-Identifier: MIT */
/*
 * dm.h - the dlmfs model: a deterministic in-process oracle of the cluster
 * DLM (dlm.c), the node-local user lock (userdlm.c) and ocfs2_dlmfs's VFS
 * semantics (dlmfs.c).
 *
 * Pure C11: no I/O, no clock, no threads, no globals, no randomness. Calls
 * that would sleep in the kernel return DM_PENDING with an op id; ASTs,
 * BASTs, worker runs and wake-ups sit in an event queue the caller drains
 * (dm_deliver / dm_settle), so the caller decides every interleaving.
 *
 * Errors are negative errno values. Nodes are numbered 0..nodes-1.
 */
#ifndef DLMFS_DM_H
#define DLMFS_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dm_limits.h"

/* Lock modes: all six VMS modes exist in the table; dlmfs uses NL/PR/EX. */
enum dm_mode { DM_IV = -1, DM_NL, DM_CR, DM_CW, DM_PR, DM_PW, DM_EX };

bool dm_mode_compat(int a, int b);
const char *dm_mode_name(int mode);

/* ---- profiles: kernel era x cluster stack, as data (spec §11) ---- */
enum dm_stack { DM_STACK_O2CB, DM_STACK_USER };
enum dm_read_style {
	DM_READ_SNAPSHOT,	/* >= 5.10: 64-byte snapshot, offset honoured */
	DM_READ_FROM0,		/* 3.0-5.8: min(count, 64-pos) bytes from LVB byte 0 */
};
enum dm_write_style {
	DM_WRITE_CLAMP,		/* >= 5.7: count clamped to 64-pos, stored at 0 */
	DM_WRITE_MINUS_POS,	/* < 5.7: length count-pos (0 or ENOMEM at pos>0) */
};

struct dm_profile {
	const char *name;
	const char *summary;
	enum dm_stack stack;
	enum dm_read_style read;
	enum dm_write_style write;
	bool teardown_fixed;	/* >= 5.19: no T2 poisoning, O7 check */
	const char *caps;	/* capabilities module parameter */
};

extern const struct dm_profile dm_profiles[];	/* NULL-name terminated, const */
const struct dm_profile *dm_profile_find(const char *name);
#define DM_PROFILE_DEFAULT "linux-6"

/* ---- the model ---- */
struct dm_model;

struct dm_model *dm_new(const struct dm_profile *prof, int nodes);
void dm_free(struct dm_model *m);
void dm_reset(struct dm_model *m);	/* back to the state dm_new gave */
int dm_nodes(const struct dm_model *m);
const struct dm_profile *dm_get_profile(const struct dm_model *m);

/* Who calls, and the caller's notion of time (the model reads no clock). */
struct dm_ctx {
	uint32_t uid, gid;
	uint32_t umask;
	int64_t now;
};
#define DM_CTX_ROOT ((struct dm_ctx){ 0, 0, 022, 0 })

typedef uint64_t dm_ino;
#define DM_ROOT_INO 1

struct dm_stat {
	dm_ino ino;
	uint32_t mode;		/* S_IFDIR/S_IFREG | permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	int64_t size;
	int64_t blocks;
	uint32_t blksize;
	int64_t atime, mtime, ctime;
};

struct dm_statfs {
	uint32_t type;
	uint32_t bsize;
	uint32_t namelen;
	uint64_t blocks, bfree, files, ffree;
};

enum {
	DM_SET_MODE = 1 << 0,
	DM_SET_UID = 1 << 1,
	DM_SET_GID = 1 << 2,
	DM_SET_SIZE = 1 << 3,
	DM_SET_ATIME = 1 << 4,
	DM_SET_MTIME = 1 << 5,
};

struct dm_setattr {
	unsigned valid;
	uint32_t mode, uid, gid;
	int64_t size, atime, mtime;
};

struct dm_dirent {
	dm_ino ino;
	uint32_t mode;
	const char *name;	/* valid until the next model call */
};

/* poll bits, Linux values */
#define DM_POLLIN	0x001
#define DM_POLLRDNORM	0x040

/* returned by calls that would sleep; *op names the pending call */
#define DM_PENDING 1
typedef uint32_t dm_op_id;

/* ---- dlmfs VFS, inode level (what a FUSE low-level fs calls) ---- */
int dm_lookup(struct dm_model *m, int node, dm_ino parent, const char *name,
	      struct dm_stat *st);
int dm_getattr(struct dm_model *m, int node, dm_ino ino, struct dm_stat *st);
int dm_setattr(struct dm_model *m, int node, dm_ino ino,
	       const struct dm_setattr *sa, const struct dm_ctx *ctx,
	       struct dm_stat *st);
int dm_mkdir(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st);
int dm_mknod(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st);
int dm_rmdir(struct dm_model *m, int node, dm_ino parent, const char *name);
int dm_unlink(struct dm_model *m, int node, dm_ino parent, const char *name,
	      dm_op_id *op);
int dm_rename(struct dm_model *m, int node, dm_ino parent, const char *name,
	      dm_ino newparent, const char *newname);
int dm_link(struct dm_model *m, int node, dm_ino ino, dm_ino newparent,
	    const char *newname);
int dm_symlink(struct dm_model *m, int node, dm_ino parent, const char *name,
	       const char *target);
/* idx-th entry of a directory, "." and ".." first; 1 = entry, 0 = end */
int dm_readdir(struct dm_model *m, int node, dm_ino ino, size_t idx,
	       struct dm_dirent *ent);
int dm_statfs(struct dm_model *m, int node, struct dm_statfs *sf);
int dm_access(struct dm_model *m, int node, dm_ino ino, int mask,
	      const struct dm_ctx *ctx);

/* open: 0 and *fh, -errno, or DM_PENDING and *op (result via dm_op_status) */
int dm_open(struct dm_model *m, int node, dm_ino ino, int flags,
	    const struct dm_ctx *ctx, int *fh, dm_op_id *op);
int dm_release(struct dm_model *m, int fh);	/* last close of the description */
ssize_t dm_pread(struct dm_model *m, int fh, void *buf, size_t len, int64_t off);
ssize_t dm_pwrite(struct dm_model *m, int fh, const void *buf, size_t len,
		  int64_t off);
/* read/write/lseek at the description's own position */
ssize_t dm_read(struct dm_model *m, int fh, void *buf, size_t len);
ssize_t dm_write(struct dm_model *m, int fh, const void *buf, size_t len);
int64_t dm_lseek(struct dm_model *m, int fh, int64_t off, int whence);
int dm_poll(struct dm_model *m, int fh);
int dm_getfl(struct dm_model *m, int fh);
int dm_fstat(struct dm_model *m, int fh, struct dm_stat *st);
int dm_ftruncate(struct dm_model *m, int fh, int64_t len,
		 const struct dm_ctx *ctx);
int dm_fsync(struct dm_model *m, int fh);
int dm_mmap(struct dm_model *m, int fh, bool shared);
int dm_fh_node(const struct dm_model *m, int fh);
dm_ino dm_fh_ino(const struct dm_model *m, int fh);
/* the capabilities parameter (C1); returns its length, no newline */
int dm_caps(const struct dm_model *m, char *buf, size_t len);

/* ---- path level: the VFS composed as a syscall would (sim, conformance) ---- */
int dm_resolve(struct dm_model *m, int node, const char *path, dm_ino *ino);
int dm_sys_mkdir(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx);
int dm_sys_rmdir(struct dm_model *m, int node, const char *path,
		 const struct dm_ctx *ctx);
int dm_sys_open(struct dm_model *m, int node, const char *path, int flags,
		uint32_t mode, const struct dm_ctx *ctx, int *fh, dm_op_id *op);
int dm_sys_unlink(struct dm_model *m, int node, const char *path,
		  const struct dm_ctx *ctx, dm_op_id *op);
int dm_sys_stat(struct dm_model *m, int node, const char *path,
		struct dm_stat *st);
int dm_sys_statfs(struct dm_model *m, int node, const char *path,
		  struct dm_statfs *sf);
int dm_sys_truncate(struct dm_model *m, int node, const char *path,
		    int64_t len, const struct dm_ctx *ctx);
int dm_sys_chmod(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx);
int dm_sys_chown(struct dm_model *m, int node, const char *path, uint32_t uid,
		 uint32_t gid, const struct dm_ctx *ctx);
int dm_sys_rename(struct dm_model *m, int node, const char *from,
		  const char *to, const struct dm_ctx *ctx);
int dm_sys_link(struct dm_model *m, int node, const char *from, const char *to,
		const struct dm_ctx *ctx);
int dm_sys_symlink(struct dm_model *m, int node, const char *target,
		   const char *path, const struct dm_ctx *ctx);
int dm_sys_mknod(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx);
int dm_sys_readdir(struct dm_model *m, int node, const char *path, size_t idx,
		   struct dm_dirent *ent);

/* ---- pending calls ---- */
enum dm_op_kind { DM_OP_OPEN = 1, DM_OP_UNLINK, DM_OP_RAWLOCK };
/* DM_PENDING while blocked; else the call's result (open: 0 and *fh) */
int dm_op_status(const struct dm_model *m, dm_op_id op, int *fh);
int dm_op_node(const struct dm_model *m, dm_op_id op);
/* forget a finished op; a pending one is abandoned (its caller is gone) */
void dm_op_forget(struct dm_model *m, dm_op_id op);
/* kernel-faithful signal (O4): noticed only at the top of the retry loop */
int dm_op_signal(struct dm_model *m, dm_op_id op);
/* end a blocked call now with -EINTR (the FUSE INTERRUPT answer) */
int dm_op_interrupt(struct dm_model *m, dm_op_id op);

/* Why a pending op sleeps (for hang analysis). */
enum dm_wait_kind {
	DM_WAIT_NONE,		/* not sleeping: a wake-up is queued */
	DM_WAIT_REQUEST,	/* our DLM request is in flight (BUSY) */
	DM_WAIT_STUCK,		/* BUSY that no AST will clear (O3) */
	DM_WAIT_BLOCKED,	/* BLOCKED lock must drop first (L7) */
	DM_WAIT_ZOMBIE,		/* DLM grant blocked by a poisoned lock (T2) */
};
struct dm_wait {
	enum dm_wait_kind kind;
	int node;
	dm_ino ino;
	int level;		/* level the op asks for */
	uint32_t blockers;	/* bitmask of nodes whose locks block the request */
};
int dm_op_wait(const struct dm_model *m, dm_op_id op, struct dm_wait *w);

/* ---- events the caller delivers ---- */
enum dm_ev_kind {
	DM_EV_AST = 1,		/* completion AST of a lock/convert (status 0 or -EAGAIN) */
	DM_EV_UNLOCK_AST,	/* completion of an unlock or cancel */
	DM_EV_BAST,		/* blocking AST: another node wants `mode` */
	DM_EV_WORK,		/* the node's user_dlm worker runs for a lock */
	DM_EV_WAKE,		/* a sleeping call re-evaluates */
};
struct dm_event {
	enum dm_ev_kind kind;
	int node;
	dm_ino ino;		/* lock inode on that node (0 for raw clients) */
	int mode;		/* AST: granted mode; BAST: blocking mode */
	int status;
	dm_op_id op;		/* WAKE */
	uint64_t seq;		/* queue order, unique */
};
size_t dm_event_count(const struct dm_model *m);
const struct dm_event *dm_event_at(const struct dm_model *m, size_t i);
/* events of one (node, lock) are delivered in DLM order: ASTs before BASTs */
bool dm_event_deliverable(const struct dm_model *m, size_t i);
int dm_deliver(struct dm_model *m, size_t i);
/* deliver events until none remain or max reached: the first deliverable
 * wake-up, else the first deliverable event */
size_t dm_settle(struct dm_model *m, size_t max);

/* ---- notes for a server: which ops finished, which poll masks changed ---- */
enum dm_note_kind { DM_NOTE_OP_DONE = 1, DM_NOTE_POLL };
struct dm_note {
	enum dm_note_kind kind;
	int node;
	dm_ino ino;
	dm_op_id op;
};
void dm_notes_enable(struct dm_model *m, bool on);
bool dm_note_next(struct dm_model *m, struct dm_note *n);

/* ---- faults ---- */
int dm_crash(struct dm_model *m, int node);
int dm_restart(struct dm_model *m, int node);
bool dm_node_alive(const struct dm_model *m, int node);

/* ---- an in-kernel DLM user beside dlmfs (ocfs2 itself, M3/X5) ---- */
int dm_raw_lock(struct dm_model *m, int node, const char *domain,
		const char *name, int mode, bool noqueue, dm_op_id *op);
int dm_raw_unlock(struct dm_model *m, int node, const char *domain,
		  const char *name);

/* ---- views: read-only state for traces, invariants and teaching ---- */
enum {
	DM_LF_BUSY = 1 << 0,
	DM_LF_BLOCKED = 1 << 1,
	DM_LF_TEARDOWN = 1 << 2,
	DM_LF_ATTACHED = 1 << 3,
	DM_LF_QUEUED = 1 << 4,
	DM_LF_IN_CANCEL = 1 << 5,
};
struct dm_lock_view {
	int node;
	dm_ino ino;		/* 0 for a poisoned (T2) lock with no inode */
	const char *domain, *name;
	int level, requested, blocking;
	unsigned ro_holders, ex_holders;
	unsigned flags;
	bool lvb_valid;
	unsigned char lvb[DM_LVB_LEN];
};
size_t dm_lock_count(const struct dm_model *m, int node);
int dm_lock_view_at(const struct dm_model *m, int node, size_t i,
		    struct dm_lock_view *v);
int dm_lock_view(const struct dm_model *m, int node, dm_ino ino,
		 struct dm_lock_view *v);

enum dm_queue { DM_Q_GRANTED = 1, DM_Q_CONVERTING, DM_Q_WAITING };
struct dm_lk_view {
	int node;
	int owner;		/* 0: the node's dlmfs lock; > 0: raw client */
	int granted;		/* DM_IV if not yet granted */
	int requested;		/* DM_IV unless converting/waiting */
	enum dm_queue queue;
	int bast_level;		/* highest blocked level not yet flushed */
};
struct dm_res_view {
	const char *domain, *name;
	bool lvb_valid;
	unsigned char lvb[DM_LVB_LEN];
	size_t nlocks;
};
size_t dm_res_count(const struct dm_model *m);
int dm_res_view(const struct dm_model *m, size_t i, struct dm_res_view *v);
int dm_lk_view(const struct dm_model *m, size_t i, size_t j,
	       struct dm_lk_view *v);

/* ---- trace: one record per DLM-level happening, for printers ---- */
enum dm_trace_kind {
	DM_T_REQUEST = 1,	/* node's dlm_lock issued: mode (new or convert) */
	DM_T_REFUSED,		/* NOQUEUE refused */
	DM_T_GRANT,		/* DLM granted node `mode` (AST queued) */
	DM_T_AST,		/* AST delivered: node now at mode */
	DM_T_BAST_QUEUED,	/* node's lock blocks a request for mode */
	DM_T_BAST,		/* BAST delivered: node BLOCKED for mode */
	DM_T_WORK,		/* worker ran */
	DM_T_DOWNCONVERT,	/* worker converts node down to mode */
	DM_T_CANCEL,		/* worker cancels node's in-flight up-convert */
	DM_T_UNLOCK,		/* node unlocks (teardown) */
	DM_T_UNLOCK_AST,	/* unlock/cancel completion delivered */
	DM_T_PUBLISH,		/* resource LVB set from node's copy */
	DM_T_FETCH,		/* node's copy refreshed from the resource */
	DM_T_RECOVER,		/* node died: LVB zeroed (o2cb) / invalidated (user) */
	DM_T_CRASH,
	DM_T_RESTART,
	DM_T_WAKE,		/* a sleeping call re-evaluates */
};
struct dm_trace {
	enum dm_trace_kind kind;
	int node;
	int peer;		/* BAST_QUEUED: node whose request is blocked */
	dm_ino ino;
	const char *domain, *name;
	int mode;
	int status;
	bool lvb_valid;
	const unsigned char *lvb;	/* PUBLISH/FETCH/RECOVER: 64 bytes */
};
typedef void (*dm_trace_fn)(void *arg, const struct dm_model *m,
			    const struct dm_trace *t);
void dm_set_trace(struct dm_model *m, dm_trace_fn fn, void *arg);

/* ---- planted bugs, for proving checkers and fuzzers can fail ---- */
enum {
	DM_BUG_NO_PUBLISH = 1 << 0,	/* EX down-convert forgets to publish the LVB */
	DM_BUG_GRANT_EX_BESIDE_PR = 1 << 1,	/* EX granted although PR is held */
	DM_BUG_POLL_IGNORES_BLOCKED = 1 << 2,	/* poll reports 0 while BLOCKED */
	DM_BUG_HOLDER_LEAK = 1 << 3,	/* an EX open is served from a cached PR */
};
void dm_set_bugs(struct dm_model *m, unsigned bugs);

#endif
