/* SPDX-License-Identifier: MIT */
/*
 * tr_faults.c - the real target's `crash nK` / `restart nK`: through
 * --fault-cmd (`CMD crash K`, `CMD restart K`, e.g. conformance/kernel/vm.sh
 * killing and rebooting a VM), or dlmfs-fuse's control socket (--fuse-ctl).
 * A crashed exec: node's agent died with it; the restarted node's agent is
 * connected again.
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
#include <sys/wait.h>
#include <unistd.h>

#include "fusectl.h"
#include "tr_int.h"

#define FAULT_CMD_MS 300000

/* `CMD crash|restart K` through sh -c: 0 once it exited 0 */
static int fault_cmd(struct tr *tr, int node, const char *what)
{
	char *cmd;
	int status = 0, rc = 0, nul;
	pid_t pid;

	if (asprintf(&cmd, "%s %s %d", tr->o.fault_cmd, what, node + 1) < 0)
		return -ENOMEM;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		tr_note(tr, "--fault-cmd: fork: %s", strerror(errno));
		free(cmd);
		return rc;
	}
	if (pid == 0) {
		/* its own process group; its output goes to stderr */
		setpgid(0, 0);
		nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (nul > 2)
			close(nul);
		dup2(2, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (!spawn_reap(pid, FAULT_CMD_MS, &status)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		spawn_reap(pid, 1000, NULL);
		tr_note(tr, "`%s` did not finish in %d s", cmd,
			FAULT_CMD_MS / 1000);
		rc = -ETIMEDOUT;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		tr_note(tr, "`%s` failed (%s %d)", cmd, WIFEXITED(status) ?
			"exit" : "signal", WIFEXITED(status) ?
			WEXITSTATUS(status) : WTERMSIG(status));
		rc = -EIO;
	}
	free(cmd);
	return rc;
}

/* crash/restart a node: --fault-cmd, or dlmfs-fuse's control socket */
static int fault(struct tr *tr, int node, const char *what)
{
	char req[32], why[256];
	int rc;

	if (node < 0 || node >= tr->nnodes)
		return -EOPNOTSUPP;
	if (tr->o.fault_cmd)
		return fault_cmd(tr, node, what);
	if (!tr->o.fuse_ctl)
		return -EOPNOTSUPP;
	snprintf(req, sizeof(req), "%s %d", what, tr->nodes[node].fuse_node + 1);
	rc = fusectl_ask(tr->o.fuse_ctl, req, why, sizeof(why),
			 tr->o.timeout_ms);
	if (rc)
		tr_note(tr, "dlmfs-fuse %s: %s", req, why);
	return rc;
}

int tr_crash(void *t, int node)
{
	struct tr *tr = t;
	int rc = fault(tr, node, "crash");

	if (rc)
		return rc;
	tr->nodes[node].crashed = true;
	/* an agent died with its node: its actors are gone, nothing to kill */
	if (tr->nodes[node].exec)
		chan_close(&tr->nodes[node].ch, 1000);
	/* the node's processes die with it */
	for (int i = 0; i < SCN_ACTORS_MAX; i++)
		if (tr->a[i].started && tr->a[i].node == node)
			tr_kill_actor(tr, i);
	return 0;
}

int tr_restart(void *t, int node)
{
	struct tr *tr = t;
	int rc = fault(tr, node, "restart");

	if (rc)
		return rc;
	tr->nodes[node].crashed = false;
	/* the new incarnation's agent */
	if (tr->nodes[node].exec) {
		chan_close(&tr->nodes[node].ch, 1000);
		rc = tr_connect_exec(tr, &tr->nodes[node]);
		if (rc)
			tr_note(tr, "n%d after restart: %s", node + 1,
				tr->nodes[node].err);
	}
	return rc;
}
