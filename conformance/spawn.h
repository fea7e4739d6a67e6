/* SPDX-License-Identifier: MIT */
/*
 * spawn.h - start one actor process (actor_serve on a root path) or one
 * agent command, each with a request pipe and a response pipe.
 */
#ifndef DLMFS_SPAWN_H
#define DLMFS_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct spawned {
	pid_t pid;
	int wfd;	/* requests to the child */
	int rfd;	/* responses from the child */
};

/* fork an actor process serving root; 0 or -errno */
int spawn_actor(const char *root, struct spawned *sp);
/* fork an in-process dlmfs-agent (agent_run) serving root; 0 or -errno */
int spawn_agent(const char *root, struct spawned *sp);
/* fork `sh -c command` with its stdin/stdout on pipes; 0 or -errno */
int spawn_command(const char *command, struct spawned *sp);
/* close both pipes and SIGKILL the child; reap it if it is gone within ms */
void spawn_kill(struct spawned *sp, int ms);
/* reap the child if it exited within ms: true if reaped */
bool spawn_reap(pid_t pid, int ms, int *status);
/* monotonic milliseconds */
long long spawn_now_ms(void);

#endif
