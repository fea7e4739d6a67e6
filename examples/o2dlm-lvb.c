// SPDX-License-Identifier: MIT
/*
 * o2dlm-lvb.c - write or read the lock value block (LVB) of a cluster lock.
 *
 *   o2dlm-lvb [-m MOUNT] [-d DOMAIN] [-l LOCK] [-w TEXT] [-t]
 *             [-H SECONDS|forever]
 *
 * Every lock carries 64 bytes of cluster-wide data, the LVB, that travel
 * with the lock from node to node. The rule: write it only while holding
 * EX, read it while holding PR (or EX). With -w this program takes EX and
 * stores TEXT zero-padded to the full 64 bytes (o2dlm_write_lvb); without
 * it, it takes PR and prints the 64 bytes (o2dlm_read_lvb).
 *
 * When do other nodes see a write? Not at o2dlm_unlock(): the new value
 * leaves this node when its EX is given up in the DLM - when another node
 * asks for the lock (its o2dlm_lock() makes this node down-convert) or when
 * the lock is dropped (o2dlm_drop_lock, o2dlm_destroy). So: write on node
 * 1 with --hold forever, start a reader on node 2 (it waits), end node 1
 * with Ctrl-C, and node 2 prints node 1's text. A lock no node holds or
 * caches any more may lose its LVB.
 *
 * A never-written LVB reads as 64 zero bytes on the o2cb stack. On the
 * user stack (fs/dlm) a value lost in a node crash reads as nothing:
 * o2dlm_read_lvb() fails with O2DLM_ET_LVB_INVALID (exit 4 here) until an
 * EX holder writes it again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <o2dlm/o2dlm.h>

#include "common.h"

#define LVB_LEN		64	/* the LVB size of o2cb's dlm and of dlmfs */
#define EXIT_LVB_INVALID 4

static void usage(void)
{
	printf("usage: o2dlm-lvb [OPTION]...\n"
	       "Write (under EX) or read (under PR) the 64-byte lock value block of a\n"
	       "cluster lock through libo2dlm (o2dlm_write_lvb, o2dlm_read_lvb).\n"
	       "\n"
	       "  -m, --mount PATH      ocfs2_dlmfs mountpoint (default " DEFAULT_MOUNT ")\n"
	       "  -d, --domain NAME     lock domain, a directory under PATH\n"
	       "                        (default " DEFAULT_DOMAIN ")\n"
	       "  -l, --lock NAME       lock name, under 32 bytes, not starting with '.'\n"
	       "                        (default " DEFAULT_LOCK ")\n"
	       "  -w, --write TEXT      take EX and store TEXT (at most 63 bytes,\n"
	       "                        zero-padded to 64) (default: take PR and read)\n"
	       "  -t, --trylock         fail at once (exit 3) instead of waiting when\n"
	       "                        another node has the lock (default: wait)\n"
	       "  -H, --hold SECONDS    keep the lock this long afterwards; 'forever' =\n"
	       "                        until Ctrl-C or SIGTERM (default 0)\n"
	       "  -h, --help            print this help and exit\n"
	       "\n"
	       "Exit status: 0 written or read, 1 a libo2dlm call failed, 2 bad command\n"
	       "line, 3 --trylock refused, 4 the LVB is invalid (user stack, lost in a\n"
	       "node crash).\n"
	       "On a dlmfs-fuse mount run it with LD_PRELOAD=libdlmfs-compat.so.\n");
}

/* the bytes up to the first zero, as a C string literal with escapes */
static void print_lvb(const char *lvb, unsigned int len)
{
	unsigned int i, end;

	for (i = 0; i < len && !lvb[i]; i++)
		;
	if (i == len) {
		say("read LVB (%u bytes): all zero (never written)", len);
		return;
	}
	for (end = 0; end < len && lvb[end]; end++)
		;
	printf("%s: read LVB (%u bytes): \"", prog, len);
	for (i = 0; i < end; i++) {
		unsigned char ch = lvb[i];

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (isprint(ch))
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
	printf("\"%s\n", end < len ? "" : " (no terminating zero)");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "lock", required_argument, NULL, 'l' },
		{ "write", required_argument, NULL, 'w' },
		{ "trylock", no_argument, NULL, 't' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char default_lock[] = DEFAULT_LOCK;
	const char *mount = DEFAULT_MOUNT, *domain = DEFAULT_DOMAIN;
	const char *text = NULL;
	char *lock = default_lock;	/* the LVB calls take a char * */
	enum o2dlm_lock_level level;
	struct o2dlm_ctxt *ctx = NULL;
	char lvb[LVB_LEN];
	unsigned int n = 0;
	int flags = 0, hold_s = 0, rc = EXIT_SUCCESS, c, sig;
	errcode_t err;

	prog = "o2dlm-lvb";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:l:w:tH:h", longopts,
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
		case 'w':
			text = optarg;
			if (strlen(text) >= LVB_LEN)
				usage_error("--write: '%s' is %zu bytes, at most %d fit",
					    text, strlen(text), LVB_LEN - 1);
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
	level = text ? O2DLM_LEVEL_EXMODE : O2DLM_LEVEL_PRMODE;

	initialize_o2dl_error_table();
	if (step(o2dlm_initialize(mount, domain, &ctx),
		 "initialize domain \"%s\" on %s", domain, mount))
		return EXIT_FAILURE;

	err = o2dlm_lock(ctx, lock, flags, level);
	if (err == O2DLM_ET_TRYLOCK_FAILED) {
		say("trylock \"%s\" at %s: refused, another node has it (%s)",
		    lock, level_name(level), error_message(err));
		rc = EXIT_BUSY;
		goto out;
	}
	if (step(err, "%s \"%s\" at %s", flags ? "trylock" : "lock", lock,
		 level_name(level))) {
		rc = EXIT_FAILURE;
		goto out;
	}

	if (text) {
		/* always the whole LVB, so no bytes of an older value remain */
		memset(lvb, 0, sizeof(lvb));
		memcpy(lvb, text, strlen(text));
		err = o2dlm_write_lvb(ctx, lock, lvb, sizeof(lvb), &n);
		if (step(err, "write LVB \"%s\" (%u of %zu bytes)", text, n,
			 sizeof(lvb)))
			rc = EXIT_FAILURE;
	} else {
		err = o2dlm_read_lvb(ctx, lock, lvb, sizeof(lvb), &n);
		if (err == O2DLM_ET_LVB_INVALID) {
			say("read LVB: invalid, lost in a node crash (%s)",
			    error_message(err));
			rc = EXIT_LVB_INVALID;
		} else if (err) {
			step(err, "read LVB");
			rc = EXIT_FAILURE;
		} else {
			print_lvb(lvb, n);
		}
	}

	if (hold_s && rc == EXIT_SUCCESS) {
		say("holding \"%s\" at %s %s (Ctrl-C or SIGTERM releases it)",
		    lock, level_name(level), seconds_str(hold_s));
		sig = hold(hold_s);
		if (sig)
			say("got %s, releasing",
			    sig == SIGINT ? "SIGINT" : "SIGTERM");
	}
	if (step(o2dlm_unlock(ctx, lock), "unlock \"%s\"", lock))
		rc = EXIT_FAILURE;
out:
	if (step(o2dlm_destroy(ctx), "destroy domain \"%s\"", domain) &&
	    rc == EXIT_SUCCESS)
		rc = EXIT_FAILURE;
	return rc;
}
