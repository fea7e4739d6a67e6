/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - child processes with a pipe each way: actors and agent
 * commands. Children die with their parent (PR_SET_PDEATHSIG) and keep no
 * descriptor but their two pipes and stderr. An actor that needs a
 * preloaded library (libdlmfs-compat.so on a dlmfs-fuse node) re-executes
 * the running program as `PROG --actor-serve ROOT` with LD_PRELOAD set:
 * interposition needs a fresh exec, a fork inherits libc's bindings.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "agent.h"
#include "spawn.h"

long long spawn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (!syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0u))
		return;
#endif
	for (int fd = lowfd; fd < 4096; fd++)
		close(fd);
}

/* in the child: the request pipe on 0, the response pipe on 1 */
static void child_fds(int req, int resp)
{
	int r = dup(req), w = dup(resp);

	if (r < 0 || w < 0 || dup2(r, 0) < 0 || dup2(w, 1) < 0)
		_exit(126);
	close_from(3);
	signal(SIGPIPE, SIG_DFL);
}

extern char **environ;

/* a sanitizer runtime must come first; the preload is loaded before it */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_ASAN 1
#endif
#endif

static void free_env(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    !strncmp(*e, "ASAN_OPTIONS=", 13))
			free(*e);
	free(env);
}

/* environ with preload first in LD_PRELOAD; NULL if out of memory */
static char **preload_env(const char *preload)
{
	const char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	size_t n = 0, k = 0;
	char **env;

	(void)asan;
	while (environ && environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11)
#ifdef SPAWN_ASAN
		    && strncmp(environ[i], "ASAN_OPTIONS=", 13)
#endif
		    )
			env[k++] = environ[i];
	if (asprintf(&env[k], "LD_PRELOAD=%s%s%s", preload, old && *old ?
		     " " : "", old ? old : "") < 0)
		goto oom;
	k++;
#ifdef SPAWN_ASAN
	if (asprintf(&env[k], "ASAN_OPTIONS=%s%sverify_asan_link_order=0",
		     asan ? asan : "", asan && *asan ? ":" : "") < 0)
		goto oom;
#endif
	return env;
oom:
	env[k] = NULL;
	free_env(env);
	return NULL;
}

int spawn_actor_main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], SPAWN_ACTOR_ARG))
		return -1;
	return actor_serve(0, 1, argv[2]);
}

static int spawn(const char *root, const char *command, bool agent,
		 const char *preload, struct spawned *sp)
{
	int req[2], resp[2], err;
	pid_t parent = getpid();
	sigset_t intr, old;
	char **env = NULL;
	char *argv[] = { "dlmfs-actor", SPAWN_ACTOR_ARG, (char *)root, NULL };

	if (preload && !(env = preload_env(preload)))
		return -ENOMEM;
	if (pipe2(req, O_CLOEXEC)) {
		free_env(env);
		return -errno;
	}
	if (pipe2(resp, O_CLOEXEC)) {
		err = -errno;
		goto close_req;
	}
	/* a `signal` sent right after the fork must find the handler */
	sigemptyset(&intr);
	sigaddset(&intr, SIGINT);
	sigprocmask(SIG_BLOCK, &intr, &old);
	sp->pid = fork();
	if (!sp->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(125);
		child_fds(req[0], resp[1]);
		if (command) {
			signal(SIGINT, SIG_DFL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			execl("/bin/sh", "sh", "-c", command, (char *)NULL);
			_exit(127);
		}
		if (agent) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			_exit(agent_run(root, 0, 1));
		}
		if (env) {
			/* SIGINT stays blocked until actor_serve's handler */
			execve("/proc/self/exe", argv, env);
			_exit(127);
		}
		/* actor_serve installs its handler, then unblocks SIGINT */
		_exit(actor_serve(0, 1, root));
	}
	err = -errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free_env(env);
	env = NULL;
	if (sp->pid < 0)
		goto close_resp;
	close(req[0]);
	close(resp[1]);
	sp->wfd = req[1];
	sp->rfd = resp[0];
	return 0;
close_resp:
	close(resp[0]);
	close(resp[1]);
close_req:
	close(req[0]);
	close(req[1]);
	free_env(env);
	return err;
}

int spawn_actor(const char *root, const char *preload, struct spawned *sp)
{
	return spawn(root, NULL, false, preload, sp);
}

int spawn_agent(const char *root, struct spawned *sp)
{
	return spawn(root, NULL, true, NULL, sp);
}

int spawn_command(const char *command, struct spawned *sp)
{
	return spawn(NULL, command, false, NULL, sp);
}

bool spawn_reap(pid_t pid, int ms, int *status)
{
	long long end = spawn_now_ms() + ms;
	int st = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (status)
				*status = st;
			return true;
		}
		if (spawn_now_ms() >= end)
			return false;
		usleep(2000);
	}
}

void spawn_kill(struct spawned *sp, int ms)
{
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	sp->wfd = sp->rfd = -1;
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		spawn_reap(sp->pid, ms, NULL);
	}
	sp->pid = -1;
}
