/* SPDX-License-Identifier: MIT */
/*
 * chan.h - the runner's end of the protocol: a child (one local actor
 * process, or one agent command serving many actors) reached through a
 * pipe each way. Responses are demultiplexed by their actor tag, so
 * waiting for one actor never loses another's late answer.
 */
#ifndef DLMFS_CHAN_H
#define DLMFS_CHAN_H

#include <stdbool.h>

#include "proto.h"
#include "spawn.h"

struct chan_slot {
	char name[PROTO_ACTOR_MAX];
	char *call;		/* the answer to the actor's call */
	char *ctl;		/* killed / signalled / unknown */
};

struct chan {
	struct spawned sp;
	struct proto_reader r;
	bool open;
	bool dead;		/* EOF or error from the child */
	struct chan_slot *slots;
	int nslots, cap;
	char *hello;		/* the agent's hello line */
	char last_bad[160];	/* the last "? bad ..." the child sent */
};

void chan_init(struct chan *c);
/* an actor process on root; preload: see spawn_actor */
int chan_open_actor(struct chan *c, const char *root, const char *preload);
int chan_open_command(struct chan *c, const char *command);
int chan_open_agent(struct chan *c, const char *root);
/* SIGKILL the child, close the pipes; false if it did not die in ms */
bool chan_close(struct chan *c, int ms);
/* send one request line (no newline); 0 or -errno */
int chan_send(struct chan *c, const char *line);

enum chan_kind { CHAN_CALL, CHAN_CTL, CHAN_HELLO };
/*
 * Wait until the child answers for actor (kind CALL or CTL; HELLO: the
 * hello line) or deadline (spawn_now_ms clock) passes: 0 and *line
 * (malloc'd), -ETIMEDOUT, or -EPIPE once the child is gone.
 */
int chan_recv(struct chan *c, const char *actor, enum chan_kind kind,
	      long long deadline, char **line);
/* drop whatever answers are stored for actor */
void chan_forget(struct chan *c, const char *actor);

#endif
