// SPDX-License-Identifier: MIT
/*
 * o2dlm-bast.c - hold a cluster lock until another node asks for it.
 *
 *   o2dlm-bast [-m MOUNT] [-d DOMAIN] [-l LOCK] [-L pr|ex]
 *              [-T SECONDS|forever] [-W SECONDS]
 *
 * A node that holds a lock cannot know by itself that another node is
 * waiting for it. The DLM tells it with a blocking AST (BAST), and
 * libo2dlm hands BASTs to the program through a file descriptor:
 *
 *  1. o2dlm_lock_with_bast() takes the lock like o2dlm_lock(), registers a
 *     callback, and returns poll_fd (the lock file's descriptor);
 *  2. poll() on poll_fd reports POLLIN once another node's request is
 *     blocked by our lock (and keeps reporting it until we let go);
 *  3. o2dlm_process_bast(ctx, poll_fd) then runs the callback;
 *  4. the callback notes the request; the main loop finishes its work and
 *     calls o2dlm_unlock(), and the waiting node gets the lock.
 *
 * Only conflicting requests send BASTs: while we hold PR, another node's
 * PR is granted alongside ours and poll() stays quiet; an EX request (or,
 * while we hold EX, any request) makes it fire. A trylock that is refused
 * sends none. BASTs need the "bast" capability of ocfs2_dlmfs (in Linux
 * since about 2.6.28), otherwise O2DLM_ET_BAST_UNSUPPORTED.
 * poll_fd sits in an ordinary poll() set: here next to a signalfd, so that
 * Ctrl-C and SIGTERM end the wait cleanly.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <o2dlm/o2dlm.h>

#include "common.h"

#define EXIT_NO_BAST	4

static void usage(void)
{
	printf("usage: o2dlm-bast [OPTION]...\n"
	       "Take a cluster lock with a BAST callback (o2dlm_lock_with_bast), poll()\n"
	       "its descriptor until another node asks for the lock, run the callback\n"
	       "(o2dlm_process_bast), then release the lock to that node.\n"
	       "\n"
	       "  -m, --mount PATH      ocfs2_dlmfs mountpoint (default " DEFAULT_MOUNT ")\n"
	       "  -d, --domain NAME     lock domain, a directory under PATH\n"
	       "                        (default " DEFAULT_DOMAIN ")\n"
	       "  -l, --lock NAME       lock name, under 32 bytes, not starting with '.'\n"
	       "                        (default " DEFAULT_LOCK ")\n"
	       "  -L, --level pr|ex     pr = shared, ex = exclusive (default ex)\n"
	       "  -T, --timeout SECONDS how long to wait for a BAST; 'forever' = until\n"
	       "                        Ctrl-C or SIGTERM (default forever)\n"
	       "  -W, --work SECONDS    keep the lock this long after the BAST, as if\n"
	       "                        finishing some work, then unlock (default 0)\n"
	       "  -h, --help            print this help and exit\n"
	       "\n"
	       "Exit status: 0 a BAST came and the lock was released, 1 a libo2dlm call\n"
	       "failed, 2 bad command line, 4 no BAST before the timeout or a signal.\n"
	       "On a dlmfs-fuse mount run it with LD_PRELOAD=libdlmfs-compat.so.\n");
}

/* what the callback gets as its argument */
struct bast_state {
	const char *lock;
	int requested;		/* another node wants the lock */
};

/*
 * The BAST callback. It runs inside o2dlm_process_bast(), in our own
 * thread, so it may do anything; keeping it short and letting the main
 * loop unlock is the usual shape.
 */
static void on_bast(void *arg)
{
	struct bast_state *st = arg;

	st->requested = 1;
	say("BAST: another node wants \"%s\"", st->lock);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * poll() poll_fd and sfd until a BAST, a signal or the deadline; returns
 * 1 after a BAST, 0 otherwise.
 */
static int wait_for_bast(struct o2dlm_ctxt *ctx, int poll_fd, int sfd,
			 int timeout_s, struct bast_state *st)
{
	struct pollfd pfd[2] = {
		{ .fd = poll_fd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	long long deadline = now_ms() + timeout_s * 1000LL, left;
	struct signalfd_siginfo si;
	int n, ms = -1;

	while (!st->requested) {
		if (timeout_s != FOREVER) {
			left = deadline - now_ms();
			if (left < 0)
				left = 0;
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		n = poll(pfd, 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say("poll: %m");
			return 0;
		}
		if (n == 0) {
			say("no BAST within %s", seconds_str(timeout_s));
			return 0;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				si.ssi_signo = 0;
			say("got %s before any BAST",
			    si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
		if (pfd[0].revents & POLLIN)
			o2dlm_process_bast(ctx, poll_fd);	/* on_bast() */
	}
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "lock", required_argument, NULL, 'l' },
		{ "level", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "work", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mount = DEFAULT_MOUNT, *domain = DEFAULT_DOMAIN;
	const char *lock = DEFAULT_LOCK;
	enum o2dlm_lock_level level = O2DLM_LEVEL_EXMODE;
	struct bast_state st = { 0 };
	struct o2dlm_ctxt *ctx = NULL;
	int timeout_s = FOREVER, work_s = 0, rc = EXIT_SUCCESS, c, sfd;
	int poll_fd = -1;
	errcode_t err;

	prog = "o2dlm-bast";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:l:L:T:W:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'l':
			lock = optarg;
			break;
		case 'L':
			level = parse_level(optarg);
			break;
		case 'T':
			timeout_s = parse_seconds("--timeout", optarg);
			break;
		case 'W':
			work_s = parse_seconds("--work", optarg);
			if (work_s == FOREVER)
				usage_error("--work: want whole seconds");
			break;
		case 'h':
			usage();
			return EXIT_SUCCESS;
		default:
			option_error(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	initialize_o2dl_error_table();
	if (step(o2dlm_initialize(mount, domain, &ctx),
		 "initialize domain \"%s\" on %s", domain, mount))
		return EXIT_FAILURE;

	st.lock = lock;
	err = o2dlm_lock_with_bast(ctx, lock, 0, level, on_bast, &st,
				   &poll_fd);
	if (step(err, "lock \"%s\" at %s with a BAST callback", lock,
		 level_name(level))) {
		rc = EXIT_FAILURE;
		goto out;
	}

	sfd = signals_fd();
	if (sfd < 0) {
		say("signalfd: %m");
		rc = EXIT_FAILURE;
	} else {
		say("waiting for a BAST: poll() on fd %d for POLLIN, %s",
		    poll_fd, seconds_str(timeout_s));
		if (!wait_for_bast(ctx, poll_fd, sfd, timeout_s, &st))
			rc = EXIT_NO_BAST;
		signals_restore(sfd);
	}

	if (st.requested && work_s) {
		say("finishing work for %s before releasing", seconds_str(work_s));
		sleep(work_s);
	}
	/* the unlock is what lets the waiting node in */
	if (step(o2dlm_unlock(ctx, lock), "unlock \"%s\"%s", lock,
		 st.requested ? " for the other node" : ""))
		rc = EXIT_FAILURE;
out:
	if (step(o2dlm_destroy(ctx), "destroy domain \"%s\"", domain) &&
	    rc == EXIT_SUCCESS)
		rc = EXIT_FAILURE;
	return rc;
}
