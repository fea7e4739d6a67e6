// SPDX-License-Identifier: MIT
/*
 * helpers.c - see helpers.h. Every wait here has a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

void th_init(struct th *t)
{
	memset(t, 0, sizeof(*t));
	setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *th_errname(long v)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ EACCES, "EACCES" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
		{ ETXTBSY, "ETXTBSY" }, { ENOSPC, "ENOSPC" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOTEMPTY, "ENOTEMPTY" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ESTALE, "ESTALE" },
		{ ENODATA, "ENODATA" }, { ENOTCONN, "ENOTCONN" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (v == -names[i].e)
			return names[i].n;
	return v == 1 ? "blocked" : "-";
}

void th_check(struct th *t, bool ok, const char *file, int line,
	      const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t->pass++;
		printf("ok - %s\n", what);
		return;
	}
	t->fail++;
	printf("not ok - %s (%s:%d: ", what, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
}

void th_note(struct th *t, const char *fmt, ...)
{
	va_list ap;

	(void)t;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int th_sys(int r)
{
	return r < 0 ? -errno : r;
}

char *th_path(struct th *t, char *buf, int node, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(buf, 512, "%s/", t->mp[node]);
	va_start(ap, fmt);
	vsnprintf(buf + n, 512 - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

void th_mkdom(struct th *t, int node, const char *dom)
{
	char p[512];

	th_path(t, p, node, "%s", dom);
	if (mkdir(p, 0755) && errno != EEXIST)
		th_note(t, "mkdir %s: %s", p, strerror(errno));
}

void th_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int th_poll(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return 0;
	return p.revents;
}

bool th_mounted(const char *mp, const char *fsname, const char *type)
{
	char dev[256], dir[512], typ[64], *rp = realpath(mp, NULL);
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && rp && fscanf(f, "%255s %511s %63s %*[^\n]", dev, dir, typ) == 3)
		if (!strcmp(dir, rp) && !strcmp(dev, fsname) &&
		    !strcmp(typ, type))
			found = true;
	if (f)
		fclose(f);
	free(rp);
	return found;
}

double th_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int th_ctl(struct th *t, const char *cmd, char *out, size_t len)
{
	struct sockaddr_un sa;
	struct pollfd p;
	size_t got = 0;
	ssize_t n;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->ctl);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		th_close(fd);
		return -1;
	}
	if (dprintf(fd, "%s\n", cmd) < 0) {
		close(fd);
		return -1;
	}
	p.fd = fd;
	p.events = POLLIN;
	while (got < len - 1 && poll(&p, 1, 5000) == 1) {
		n = read(fd, out + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = 0;
	close(fd);
	if (strncmp(out, "ok\n", 3)) {
		th_note(t, "ctl %s: %s", cmd, out);
		return 1;
	}
	memmove(out, out + 3, got - 2);
	return 0;
}

static void on_sig(int sig)
{
	(void)sig;	/* interrupt the open, no SA_RESTART */
}

struct kid_msg {
	int err;
	char lvb[64];
};

void th_kid_open(struct th_kid *k, const char *path, int flags)
{
	int res[2], ctl[2];
	struct kid_msg msg;
	struct sigaction sa;
	char c;
	int fd;

	memset(k, 0, sizeof(*k));
	if (pipe(res) || pipe(ctl)) {
		perror("pipe");
		exit(1);
	}
	k->pid = fork();
	if (k->pid == 0) {
		/* inherited lock fds would keep the parent's holders alive */
		for (fd = 3; fd < 1024; fd++)
			if (fd != res[1] && fd != ctl[0])
				close(fd);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sig;
		sigaction(SIGINT, &sa, NULL);
		memset(&msg, 0, sizeof(msg));
		fd = open(path, flags, 0644);
		msg.err = fd < 0 ? -errno : 0;
		if (fd >= 0 && (flags & O_ACCMODE) != O_WRONLY &&
		    pread(fd, msg.lvb, sizeof(msg.lvb), 0) < 0)
			msg.err = -errno;
		if (write(res[1], &msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
		while (read(ctl[0], &c, 1) < 0 && errno == EINTR)
			;
		if (fd >= 0)
			close(fd);
		_exit(0);
	}
	close(res[1]);
	close(ctl[0]);
	k->res = res[0];
	k->ctl = ctl[1];
}

int th_kid_result(struct th_kid *k, int ms, char *lvb)
{
	struct kid_msg msg;

	if (!k->got) {
		if (!th_poll(k->res, ms))
			return 1;
		if (read(k->res, &msg, sizeof(msg)) != sizeof(msg)) {
			k->got = true;
			k->err = -ECHILD;	/* died before answering */
		} else {
			k->got = true;
			k->err = msg.err;
			memcpy(k->lvb, msg.lvb, 64);
		}
	}
	if (lvb)
		memcpy(lvb, k->lvb, 65);
	return k->err;
}

void th_kid_done(struct th_kid *k)
{
	double end = th_now() + 5;
	bool killed = false;
	int st;

	if (k->pid <= 0)
		return;
	close(k->ctl);
	while (waitpid(k->pid, &st, WNOHANG) == 0) {
		if (th_now() > end) {
			if (killed) {
				fprintf(stderr, "# kid %d will not die\n",
					(int)k->pid);
				break;
			}
			kill(k->pid, SIGKILL);
			killed = true;
			end = th_now() + 5;
		}
		usleep(10000);
	}
	close(k->res);
	k->pid = 0;
}
