// SPDX-License-Identifier: MIT
/*
 * o2dlm-lock.c - take a cluster lock with libo2dlm, hold it, release it.
 *
 *   o2dlm-lock [-m MOUNT] [-d DOMAIN] [-l LOCK] [-L pr|ex] [-t]
 *              [-H SECONDS|forever]
 *
 * PR (protected read) is shared: any number of nodes may hold it at once.
 * EX (exclusive) excludes every other node, PR or EX. o2dlm_lock() waits
 * until the lock is granted; with O2DLM_TRYLOCK it returns at once with
 * O2DLM_ET_TRYLOCK_FAILED instead (dlmfs answers the open with ETXTBSY).
 * o2dlm_unlock() closes the lock's file.
 *
 * Two things a DLM does that a local lock does not:
 *  - locks are per node, not per process: two processes on one node do
 *    not exclude each other (take your own local lock for that);
 *  - after o2dlm_unlock() the node keeps *caching* the lock until another
 *    node asks for it. A waiting o2dlm_lock() elsewhere makes it let go,
 *    but on the o2cb stack a trylock elsewhere does not, and keeps
 *    failing - until o2dlm_drop_lock() or o2dlm_destroy() (which this
 *    program calls on its way out) unlinks the lock file and drops it.
 * On the user stack (fs/dlm under pacemaker) a refused trylock does not
 * fail at all: the kernel's ocfs2_dlmfs leaves the open hanging. Use
 * --trylock on o2cb clusters only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <o2dlm/o2dlm.h>

#include "common.h"

static void usage(void)
{
	printf("usage: o2dlm-lock [OPTION]...\n"
	       "Take one cluster lock through libo2dlm (o2dlm_lock), hold it, release it\n"
	       "(o2dlm_unlock). One line per step.\n"
	       "\n"
	       "  -m, --mount PATH      ocfs2_dlmfs mountpoint (default " DEFAULT_MOUNT ")\n"
	       "  -d, --domain NAME     lock domain, a directory under PATH\n"
	       "                        (default " DEFAULT_DOMAIN ")\n"
	       "  -l, --lock NAME       lock name, under 32 bytes, not starting with '.'\n"
	       "                        (default " DEFAULT_LOCK ")\n"
	       "  -L, --level pr|ex     pr = shared, ex = exclusive (default ex)\n"
	       "  -t, --trylock         fail at once (exit 3) instead of waiting when\n"
	       "                        another node has the lock (default: wait)\n"
	       "  -H, --hold SECONDS    hold the lock this long before unlocking; 'forever'\n"
	       "                        = until Ctrl-C or SIGTERM (default 0)\n"
	       "  -h, --help            print this help and exit\n"
	       "\n"
	       "Exit status: 0 locked and unlocked, 1 a libo2dlm call failed,\n"
	       "2 bad command line, 3 --trylock refused: another node has the lock.\n"
	       "On a dlmfs-fuse mount run it with LD_PRELOAD=libdlmfs-compat.so.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "lock", required_argument, NULL, 'l' },
		{ "level", required_argument, NULL, 'L' },
		{ "trylock", no_argument, NULL, 't' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mount = DEFAULT_MOUNT, *domain = DEFAULT_DOMAIN;
	const char *lock = DEFAULT_LOCK;
	enum o2dlm_lock_level level = O2DLM_LEVEL_EXMODE;
	struct o2dlm_ctxt *ctx = NULL;
	int flags = 0, hold_s = 0, rc = EXIT_SUCCESS, c, sig;
	errcode_t err;

	prog = "o2dlm-lock";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:l:L:tH:h", longopts,
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
		case 't':
			flags |= O2DLM_TRYLOCK;
			break;
		case 'H':
			hold_s = parse_seconds("--hold", optarg);
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

	err = o2dlm_lock(ctx, lock, flags, level);
	if (err == O2DLM_ET_TRYLOCK_FAILED) {
		say("trylock \"%s\" at %s: refused, another node has it (%s)",
		    lock, level_name(level), error_message(err));
		rc = EXIT_BUSY;
	} else if (step(err, "%s \"%s\" at %s", flags ? "trylock" : "lock",
			lock, level_name(level))) {
		rc = EXIT_FAILURE;
	} else {
		if (hold_s) {
			say("holding \"%s\" at %s %s (Ctrl-C or SIGTERM releases it)",
			    lock, level_name(level), seconds_str(hold_s));
			sig = hold(hold_s);
			if (sig)
				say("got %s, releasing",
				    sig == SIGINT ? "SIGINT" : "SIGTERM");
		}
		if (step(o2dlm_unlock(ctx, lock), "unlock \"%s\"", lock))
			rc = EXIT_FAILURE;
	}

	/* leaving the domain also drops the lock this node still caches */
	if (step(o2dlm_destroy(ctx), "destroy domain \"%s\"", domain) &&
	    rc == EXIT_SUCCESS)
		rc = EXIT_FAILURE;
	return rc;
}
