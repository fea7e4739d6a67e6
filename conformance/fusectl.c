/* SPDX-License-Identifier: MIT */
/*
 * fusectl.c - talk to dlmfs-fuse's control socket with a deadline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fusectl.h"
#include "proto.h"
#include "spawn.h"

int fusectl_ask(const char *path, const char *request, char *out, size_t len,
		int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long end = spawn_now_ms() + timeout_ms;
	size_t got = 0;
	char buf[16384];
	int fd, rc = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return snprintf(out, len, "socket path too long"), -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return snprintf(out, len, "%s", strerror(errno)), -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(out, len, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(buf, sizeof(buf), "%s\n", request);
	rc = proto_write_all(fd, buf, strlen(buf));
	if (rc) {
		snprintf(out, len, "%s: %s", path, strerror(-rc));
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - spawn_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			rc = -ETIMEDOUT;
			snprintf(out, len, "%s: no answer in %d ms", path,
				 timeout_ms);
			goto out;
		}
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf) - 1)
			break;
	}
	buf[got] = '\0';
	if (strncmp(buf, "ok\n", 3)) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(out, len, "%s", buf[0] ? buf : "no answer");
		rc = -EIO;
		goto out;
	}
	snprintf(out, len, "%s", buf + 3);
out:
	close(fd);
	return rc;
}

int fusectl_status(const char *path, char *profile, size_t plen,
		   const char *mount, int *node, int timeout_ms)
{
	char buf[16384], word[64], *line, *save = NULL;
	int rc = fusectl_ask(path, "status", buf, sizeof(buf), timeout_ms);

	*node = -1;
	if (rc) {
		snprintf(profile, plen, "%s", buf);
		return rc;
	}
	if (sscanf(buf, "profile %63s", word) != 1)
		return snprintf(profile, plen, "unexpected status answer"),
		       -EPROTO;
	snprintf(profile, plen, "%s", word);
	/* "nK up inc 0 files 0 waiters 0 mount PATH" */
	for (line = strtok_r(buf, "\n", &save); line && mount;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *m = strstr(line, " mount ");
		int k;

		if (line[0] == 'n' && sscanf(line, "n%d ", &k) == 1 && m &&
		    !strcmp(m + 7, mount))
			*node = k - 1;
	}
	return 0;
}
