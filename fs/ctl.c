// SPDX-License-Identifier: MIT
/*
 * ctl.c - the control socket (-o ctl=PATH) and its client
 * (dlmfs-fuse --ctl PATH crash N | restart N | status | caps).
 *
 * Protocol: one request line per connection; the answer is "ok\n" or
 * "error: <why>\n", followed by the payload, then the server closes.
 * Nodes are named 1..N or n1..nN (node k = k-th mountpoint).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dlmfs_fuse.h"

#define CTL_MAX 16384

static int ctl_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "dlmfs-fuse: ctl path too long: %s\n", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int dfs_ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (ctl_addr(path, &sa))
		return -1;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "dlmfs-fuse: ctl=%s exists and is not a socket\n",
				path);
			return -1;
		}
		unlink(path);	/* a stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 8)) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	fprintf(stderr, "dlmfs-fuse: ctl=%s: %s\n", path, strerror(errno));
	return -1;
}

static int parse_node(struct dfs *d, const char *s)
{
	char *end;
	long k;

	if (!s)
		return -1;
	if (*s == 'n')
		s++;
	k = strtol(s, &end, 10);
	if (end == s || *end || k < 1 || k > d->nnodes)
		return -1;
	return (int)k - 1;
}

static void answer(struct dfs *d, const char *line, char *out, size_t len)
{
	char cmd[32] = "", arg[32] = "", msg[256];
	int node, n, r;

	n = sscanf(line, "%31s %31s", cmd, arg);
	if (n >= 1 && !strcmp(cmd, "status")) {
		memcpy(out, "ok\n", 4);
		dfs_status(d, out + 3, len - 3);
		return;
	}
	if (n >= 1 && !strcmp(cmd, "caps")) {
		dfs_lock(d);
		r = dm_caps(d->m, msg, sizeof(msg));
		dfs_unlock(d);
		snprintf(out, len, "ok\n%s\n", r >= 0 ? msg : "");
		return;
	}
	if (n == 2 && (!strcmp(cmd, "crash") || !strcmp(cmd, "restart"))) {
		node = parse_node(d, arg);
		if (node < 0) {
			snprintf(out, len, "error: no node '%s' (1..%d)\n", arg,
				 d->nnodes);
			return;
		}
		if (!strcmp(cmd, "crash"))
			r = dfs_crash(d, node, msg, sizeof(msg));
		else
			r = dfs_restart(d, node, msg, sizeof(msg));
		snprintf(out, len, "%s%s\n", r ? "error: " : "ok\n", msg);
		return;
	}
	snprintf(out, len,
		 "error: unknown command '%s' (crash N, restart N, status, caps)\n",
		 line);
}

/* one short request from the main loop; a slow client gets 1 s */
void dfs_ctl_serve(struct dfs *d, int lfd)
{
	struct pollfd p;
	char line[256], *out, *nl;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	p.fd = fd;
	p.events = POLLIN;
	while (got < sizeof(line) - 1 && poll(&p, 1, 1000) == 1) {
		n = read(fd, line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		line[got] = 0;
		if (strchr(line, '\n'))
			break;
	}
	line[got] = 0;
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	out = malloc(CTL_MAX);
	if (out) {
		answer(d, line, out, CTL_MAX);
		n = write(fd, out, strlen(out));
		(void)n;
		free(out);
	}
	close(fd);
}

int dfs_ctl_client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa;
	char buf[4096], req[256] = "";
	size_t pos = 0, off;
	bool first = true, ok = false;
	ssize_t n;
	int fd, i;

	if (argc < 1) {
		fprintf(stderr, "usage: dlmfs-fuse --ctl PATH crash N|restart N|status|caps\n");
		return 2;
	}
	for (i = 0; i < argc; i++)
		pos += (size_t)snprintf(req + pos, sizeof(req) - pos, "%s%s",
					i ? " " : "", argv[i]);
	if (pos >= sizeof(req) - 1) {
		fprintf(stderr, "dlmfs-fuse: ctl request too long\n");
		return 2;
	}
	req[pos++] = '\n';
	if (ctl_addr(path, &sa))
		return 2;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "dlmfs-fuse: ctl %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, req, pos) != (ssize_t)pos) {
		fprintf(stderr, "dlmfs-fuse: ctl %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		off = 0;
		if (first) {
			first = false;
			ok = n >= 3 && !memcmp(buf, "ok\n", 3);
			off = ok ? 3 : 0;
		}
		fwrite(buf + off, 1, (size_t)n - off, ok ? stdout : stderr);
	}
	close(fd);
	return ok ? 0 : 1;
}
