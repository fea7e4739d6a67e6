/* SPDX-License-Identifier: MIT */
/*
 * dlmfs_fuse.h - dlmfs-fuse: one process, N FUSE mounts (one per cluster
 * node), one shared model (model/dm.h) behind one mutex.
 *
 * fs/ decides no semantics: every errno and byte comes from the model. What
 * lives here is plumbing: requests the model left pending, open-file state
 * FUSE needs (poll handles, FLUSH marks), node incarnations, the control
 * socket and the invariant checker.
 */
#ifndef DLMFS_FUSE_H
#define DLMFS_FUSE_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dm.h"

#define DFS_VERSION		"0.1"
#define DFS_TIMEOUT		86400.0	/* entry/attr cache: namespace is node-local (N5) */
#define DFS_UNLINK_WAIT_MS	1000	/* close(); unlink() race with async RELEASE */
#define DFS_SETTLE_MAX		1000000	/* events per settle before we call it a livelock */
#define DFS_INC_SHIFT		40	/* nodeid = incarnation << 40 | model ino */

struct dfs;

/* one FUSE open file; fi->fh points here */
struct dfs_file {
	struct dfs_file *prev, *next;
	int node;
	dm_ino ino;
	int fh;			/* model fh; -1 once its node crashed */
	bool flushed;		/* FLUSH seen, RELEASE not yet */
	struct fuse_pollhandle *ph;
};

enum dfs_wkind {
	DFS_W_OPEN = 1,		/* dm_open returned DM_PENDING */
	DFS_W_UNLINK,		/* dm_unlink returned DM_PENDING */
	DFS_W_UNLINK_RETRY,	/* EBUSY from our own flushed, unreleased files */
};

/* a FUSE request not yet replied */
struct dfs_waiter {
	struct dfs_waiter *prev, *next;
	enum dfs_wkind kind;
	fuse_req_t req;
	int node;
	dm_op_id op;
	uintptr_t serial;	/* interrupt key: never a pointer */
	bool registering;	/* open handler is arming the interrupt */
	bool done;		/* finished while registering */
	int result, mfh;
	dm_ino parent, ino;	/* UNLINK_RETRY */
	char *name;
	struct timespec deadline;
};

struct dfs_node {
	struct dfs *d;
	int idx;
	char *mountpoint;
	struct fuse_session *se;
	pthread_t thread;
	bool thread_started;
	volatile int thread_done;
	unsigned inc;		/* incarnation: bumped by restart */
};

struct dfs_opts {
	const char *profile;
	const char *ctl;
	int foreground, debug, help, version;
	int allow_other, default_permissions;
	int strict_signals, check_invariants;
	unsigned plant_bugs;
	char *mnt[DM_MAX_NODES];	/* as given on the command line */
	int nmnt, bad;
};

/* everything mutable, in one place */
struct dfs {
	pthread_mutex_t lock;	/* guards everything below */
	struct dm_model *m;
	struct dfs_opts o;
	int nnodes;
	struct dfs_node node[DM_MAX_NODES];
	struct dfs_file files;	/* list heads */
	struct dfs_waiter waiters;
	uintptr_t next_serial;
	bool shutting_down;
	int wake_pipe[2];	/* loop threads tell main they ended */
	unsigned long settles, kick_lost;
};

/* core.c: the model under the lock */
void dfs_init(struct dfs *d);
void dfs_lock(struct dfs *d);
void dfs_unlock(struct dfs *d);
void dfs_settle(struct dfs *d);
struct dm_ctx dfs_ctx(fuse_req_t req);
fuse_ino_t dfs_nodeid(const struct dfs_node *nd, dm_ino ino);
int dfs_ino(const struct dfs_node *nd, fuse_ino_t id, dm_ino *ino);
struct dfs_waiter *dfs_waiter_add(struct dfs *d, enum dfs_wkind kind,
				  fuse_req_t req, int node);
void dfs_waiter_del(struct dfs_waiter *w);
struct dfs_file *dfs_file_add(struct dfs *d, int node, dm_ino ino, int fh);
void dfs_file_del(struct dfs_file *f);
int dfs_reply_open(struct dfs *d, fuse_req_t req, int node, int fh);
void dfs_retry_unlinks(struct dfs *d, int node);
void dfs_waiter_reply(struct dfs *d, struct dfs_waiter *w);
int dfs_next_deadline_ms(struct dfs *d);
bool dfs_only_flushed(struct dfs *d, int node, dm_ino ino);
void dfs_fail_all(struct dfs *d, int err);
void dfs_free_all(struct dfs *d);
void dfs_interrupt(fuse_req_t req, void *data);

/* node.c: crash/restart, status, invariants */
int dfs_crash(struct dfs *d, int node, char *msg, size_t len);
int dfs_restart(struct dfs *d, int node, char *msg, size_t len);
void dfs_status(struct dfs *d, char *buf, size_t len);
void dfs_check(struct dfs *d);

/* ops.c */
extern const struct fuse_lowlevel_ops dfs_ops;

/* ops_ns.c: the calls that never wait */
void dfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void dfs_op_forget_multi(fuse_req_t req, size_t count,
			 struct fuse_forget_data *forgets);
void dfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void dfs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		    const char *name);
void dfs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		   fuse_ino_t newparent, const char *newname,
		   unsigned int flags);
void dfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		 const char *newname);
void dfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void dfs_op_statfs(fuse_req_t req, fuse_ino_t ino);
void dfs_op_access(fuse_req_t req, fuse_ino_t ino, int mask);
void dfs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     size_t size);
void dfs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void dfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     const char *value, size_t size, int flags);
void dfs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* a model status (0 or -errno) as a FUSE error reply */
static inline void dfs_reply_status(fuse_req_t req, int r)
{
	fuse_reply_err(req, r < 0 ? -r : 0);
}

/* ctl.c */
int dfs_ctl_listen(const char *path);
void dfs_ctl_serve(struct dfs *d, int lfd);
int dfs_ctl_client(const char *path, int argc, char **argv);

#endif
