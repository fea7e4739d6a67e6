/* SPDX-License-Identifier: MIT */
/*
 * tr_int.h - state shared by the real target's halves: target_real.c
 * (nodes, scenario lifetime, cleanup) and tr_calls.c (calls, waits,
 * paths). Not an API.
 */
#ifndef DLMFS_TR_INT_H
#define DLMFS_TR_INT_H

#include <sys/types.h>

#include "chan.h"
#include "detect.h"
#include "target_real.h"

#define TR_ABANDONED_MAX 256
#define TR_NAMES_MAX	64	/* distinct root-level names in a scenario */
#define TR_ACTORS	(SCN_ACTORS_MAX + SCN_NODES_MAX)
#define TR_CLEANER(node) (SCN_ACTORS_MAX + (node))

struct tr_node {
	bool exec;
	const char *spec;	/* PATH, or the command after "exec:" */
	struct chan ch;		/* exec: the agent */
	struct detect_info di;	/* local: detected; exec: from hello */
	unsigned uid;		/* effective uid of the actors */
	int fuse_node;		/* its node number in dlmfs-fuse (--fuse-ctl) */
	bool crashed;		/* a scenario crashed it and did not restart it */
	char err[160];		/* why the node is unusable, "" if fine */
};

struct tr_actor {
	bool started;		/* its process exists (local) / was named (exec) */
	int node;
	char name[PROTO_ACTOR_MAX];	/* protocol name */
	struct chan ch;		/* local: its own process */
	bool pending;		/* a call is outstanding */
	bool gave_up;		/* a call that had to complete did not */
	const struct scn_stmt *st;	/* the outstanding call */
};

struct tr_name {
	char *orig;		/* as the scenario writes it */
	char *real;		/* as sent to the node */
};

struct tr {
	struct target tgt;
	struct real_opts o;
	struct tr_node nodes[SCN_NODES_MAX];
	int nnodes;
	const struct scn *s;
	unsigned seq;		/* scenarios begun */
	char prefix[32];	/* "c<pid>-<seq>-" */
	struct tr_name names[TR_NAMES_MAX];
	int nnames;
	/* the scenario's actors, then one cleanup actor per node */
	struct tr_actor a[TR_ACTORS];
	enum scn_verb next;	/* the statement about to run (hook) */
	bool ending;
	bool settle_due;
	char fuse_profile[32];	/* what --fuse-ctl's daemon emulates */
	pid_t abandoned[TR_ABANDONED_MAX];	/* killed but not dead (D state) */
	int nabandoned;
	char note[1024];
};

__attribute__((format(printf, 2, 3)))
void tr_note(struct tr *tr, const char *fmt, ...);
/* the chan carrying actor i's requests (starting its process if needed) */
struct chan *tr_actor_chan(struct tr *tr, int i, bool start);
/* tr_names.c: a path as the node sees it (out has PATH_MAX bytes) */
void tr_path(struct tr *tr, const char *in, char *out, size_t len);
/* rename the root-level names the scenario's calls use; forget them */
void tr_collect_names(struct tr *tr, const struct scn *s);
void tr_names_free(struct tr *tr);
/* one request for actor i, answer within ms: 0 and r, -ETIMEDOUT, ... */
int tr_call_sync(struct tr *tr, int i, const char *line, int ms,
		 struct tgt_result *r);
/* the same in two halves: send (starting the actor), then the answer by end */
int tr_call_send(struct tr *tr, int i, const char *line);
int tr_call_recv(struct tr *tr, int i, long long end, struct tgt_result *r);
/* kill actor i's process (local) or agent actor (exec) */
void tr_kill_actor(struct tr *tr, int i);
/* (re)connect an exec: node's agent: 0, or -errno and n->err */
int tr_connect_exec(struct tr *tr, struct tr_node *n);

/* tr_faults.c: the target ops crash and restart */
int tr_crash(void *t, int node);
int tr_restart(void *t, int node);

/* tr_compat.c: the LD_PRELOAD for actors on node n, or NULL */
const char *tr_preload(const struct tr *tr, const struct tr_node *n);
/* an actor on node sees the compat library at work: 0, or -EIO and err */
int tr_compat_probe(struct tr *tr, int node, char *err, size_t len);
/* the node's stack for the report: detected, else its dlmfs-fuse profile's */
void tr_node_stack(const struct tr *tr, const struct tr_node *n, char *buf,
		   size_t len);
/* the report line about actors on dlmfs-fuse nodes */
void tr_compat_describe(const struct tr *tr, FILE *f, const char *prefix);

/* tr_calls.c: the target ops for calls */
int tr_start(void *t, const struct tgt_call *c, struct tgt_result *r);
int tr_wait(void *t, int actor, struct tgt_result *r);
int tr_signal(void *t, int actor);
int tr_close(void *t, int actor, int fd);
void tr_settle(void *t);

#endif
