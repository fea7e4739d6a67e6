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

#define SPAWN_ACTOR_ARG	"--actor-serve"

/*
 * fork an actor process serving root; with preload (a shared library) the
 * child re-executes this program as `PROG --actor-serve ROOT` with the
 * library first in LD_PRELOAD. 0 or -errno
 */
int spawn_actor(const char *root, const char *preload, struct spawned *sp);
/*
 * main()'s first call in a program whose actors may be preloaded: argv is
 * `PROG --actor-serve ROOT` -> actor_serve's exit status; else -1
 */
int spawn_actor_main(int argc, char **argv);
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
