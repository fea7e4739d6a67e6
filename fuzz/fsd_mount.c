// SPDX-License-Identifier: MIT
/*
 * fsd_mount.c - start and stop the dlmfs-fuse the `fsdiff` harness talks
 * to, and read its open-file counts over the control socket (RELEASE is
 * asynchronous in FUSE: after close() the harness waits until the daemon
 * saw it, or the next call on another node would race it).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsd.h"

#define FUSE_MAGIC 0x65735546

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool mounted(const char *mp)
{
	struct statfs sf;

	return !statfs(mp, &sf) && (unsigned long)sf.f_type == FUSE_MAGIC;
}

static void child(const struct fsd_mount *fm, const char *bin,
		  const char *profile)
{
	char ctl[FSD_PATH_MAX + 8], prof[64];
	char *argv[8 + FSD_NODES];
	int i, n = 0, fd;

	/* the daemon goes when its starter (AFL's fork server) goes */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	fd = open(fm->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	snprintf(ctl, sizeof(ctl), "ctl=%s", fm->ctl);
	snprintf(prof, sizeof(prof), "profile=%s", profile);
	argv[n++] = (char *)bin;
	argv[n++] = "-f";
	argv[n++] = "-o";
	argv[n++] = ctl;
	argv[n++] = "-o";
	argv[n++] = prof;
	for (i = 0; i < fm->nodes; i++)
		argv[n++] = (char *)fm->mp[i];
	argv[n] = NULL;
	execv(bin, argv);
	_exit(127);
}

int fsd_mount_start(struct fsd_mount *fm, const char *base, const char *bin,
		    const char *profile, int nodes, char *why, size_t len)
{
	char abase[PATH_MAX];
	int i, k, st;

	memset(fm, 0, sizeof(*fm));
	fm->nodes = nodes;
	fm->owner = getpid();
	if (access("/dev/fuse", R_OK | W_OK)) {
		snprintf(why, len, "/dev/fuse: %s", strerror(errno));
		return -1;
	}
	if (access(bin, X_OK)) {
		snprintf(why, len, "%s: %s", bin, strerror(errno));
		return -1;
	}
	if (!realpath(base ? base : "/tmp", abase)) {
		snprintf(why, len, "%s: %s", base, strerror(errno));
		return -1;
	}
	if (snprintf(fm->dir, sizeof(fm->dir), "%s/dlmfs-fsdiff.XXXXXX",
		     abase) >= (int)sizeof(fm->dir)) {
		snprintf(why, len, "%.200s: path too long", abase);
		return -1;
	}
	if (!mkdtemp(fm->dir)) {
		snprintf(why, len, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(fm->ctl, sizeof(fm->ctl), "%s/ctl", fm->dir);
	snprintf(fm->log, sizeof(fm->log), "%s/log", fm->dir);
	for (i = 0; i < nodes; i++) {
		snprintf(fm->mp[i], sizeof(fm->mp[i]), "%s/n%d", fm->dir,
			 (i + 1) % 100);
		mkdir(fm->mp[i], 0755);
	}
	fm->pid = fork();
	if (fm->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (!fm->pid)
		child(fm, bin, profile);
	for (k = 0; k < 1000; k++) {	/* 10 s */
		for (i = 0; i < nodes && mounted(fm->mp[i]); i++)
			;
		if (i == nodes && !access(fm->ctl, F_OK))
			return 0;
		if (waitpid(fm->pid, &st, WNOHANG) == fm->pid) {
			fm->pid = 0;
			snprintf(why, len, "%s exited (log %s)", bin, fm->log);
			fsd_mount_stop(fm);
			return -1;
		}
		sleep_ms(10);
	}
	snprintf(why, len, "%s did not mount in 10 s (log %s)", bin, fm->log);
	fsd_mount_stop(fm);
	return -1;
}

void fsd_mount_stop(struct fsd_mount *fm)
{
	char cmd[FSD_PATH_MAX + 64];
	int i, k, st;

	if (getpid() != fm->owner || !fm->dir[0])
		return;
	if (fm->pid > 0) {
		kill(fm->pid, SIGTERM);
		for (k = 0; k < 500 && waitpid(fm->pid, &st, WNOHANG) == 0; k++)
			sleep_ms(10);
		if (k == 500) {
			kill(fm->pid, SIGKILL);
			waitpid(fm->pid, &st, 0);
		}
		fm->pid = 0;
	}
	for (i = 0; i < fm->nodes; i++) {
		if (mounted(fm->mp[i])) {
			snprintf(cmd, sizeof(cmd), "fusermount3 -u -z '%s' "
				 "2>/dev/null", fm->mp[i]);
			if (system(cmd))
				continue;
		}
		rmdir(fm->mp[i]);
	}
	unlink(fm->ctl);
	unlink(fm->log);
	rmdir(fm->dir);
	fm->dir[0] = '\0';
}

int fsd_ctl(const struct fsd_mount *fm, const char *cmd, char *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", fm->ctl);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) ||
	    write(fd, "\n", 1) != 1) {
		close(fd);
		return -1;
	}
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return strncmp(buf, "ok\n", 3) ? -1 : 0;
}

int fsd_wait_files(const struct fsd_mount *fm, const int *want, int ms)
{
	char buf[16384], *p;
	int k, node, files, ok;

	for (k = 0; k <= ms * 5; k++) {
		if (fsd_ctl(fm, "status", buf, sizeof(buf)))
			return -1;
		ok = 1;
		for (p = buf; (p = strchr(p, '\n')); ) {
			p++;
			if (sscanf(p, "n%d %*s inc %*u files %d", &node,
				   &files) == 2 && node >= 1 &&
			    node <= fm->nodes && files != want[node - 1])
				ok = 0;
		}
		if (ok)
			return 0;
		if (k)
			usleep(200);
	}
	return -1;
}
