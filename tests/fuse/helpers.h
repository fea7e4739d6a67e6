/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - small bounded-wait helpers for the dlmfs-fuse tests: checks
 * with counters, child processes that open a lock and hold it, poll, the
 * control socket.
 */
#ifndef DLMFS_TESTS_FUSE_HELPERS_H
#define DLMFS_TESTS_FUSE_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct th {
	const char *mp[8];
	int nmp;
	const char *ctl;
	bool strict;
	int pass, fail;
};

void th_init(struct th *t);
void th_check(struct th *t, bool ok, const char *file, int line,
	      const char *what, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
#define TH_OK(t, c, what) th_check(t, (c), __FILE__, __LINE__, what, "false")
#define TH_EQ(t, a, b, what)                                                 \
	do {                                                                 \
		long a_ = (long)(a), b_ = (long)(b);                         \
		th_check(t, a_ == b_, __FILE__, __LINE__, what,              \
			 "got %ld (%s), want %ld", a_, th_errname(a_), b_);  \
	} while (0)
#define TH_STR(t, a, b, what)                                                \
	th_check(t, !strcmp((a), (b)), __FILE__, __LINE__, what,             \
		 "got '%s', want '%s'", (a), (b))
void th_note(struct th *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *th_errname(long v);

int th_sys(int r);	/* r < 0 ? -errno : r */
char *th_path(struct th *t, char *buf, int node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void th_mkdom(struct th *t, int node, const char *dom);
void th_close(int fd);
int th_poll(int fd, int ms);	/* revents, 0 on timeout */
bool th_mounted(const char *mp, const char *fsname, const char *type);
double th_now(void);
int th_ctl(struct th *t, const char *cmd, char *out, size_t len);

/* a child process that opens a lock, reports, and holds it until done */
struct th_kid {
	pid_t pid;
	int res, ctl;
	bool got;
	int err;
	char lvb[65];
};
void th_kid_open(struct th_kid *k, const char *path, int flags);
/* 1 = still blocked after ms, else the open's result (0 or -errno) */
int th_kid_result(struct th_kid *k, int ms, char *lvb);
void th_kid_done(struct th_kid *k);	/* close its fd and reap it */

#endif
