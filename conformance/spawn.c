/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - child processes with a pipe each way: actors and agent
 * commands. Children die with their parent (PR_SET_PDEATHSIG) and keep no
 * descriptor but their two pipes and stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
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

static int spawn(const char *root, const char *command, bool agent,
		 struct spawned *sp)
{
	int req[2], resp[2], err;
	pid_t parent = getpid();
	sigset_t intr, old;

	if (pipe2(req, O_CLOEXEC))
		return -errno;
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
		/* actor_serve installs its handler, then unblocks SIGINT */
		_exit(actor_serve(0, 1, root));
	}
	err = -errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
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
	return err;
}

int spawn_actor(const char *root, struct spawned *sp)
{
	return spawn(root, NULL, false, sp);
}

int spawn_agent(const char *root, struct spawned *sp)
{
	return spawn(root, NULL, true, sp);
}

int spawn_command(const char *command, struct spawned *sp)
{
	return spawn(NULL, command, false, sp);
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
