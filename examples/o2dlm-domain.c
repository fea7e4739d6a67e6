// SPDX-License-Identifier: MIT
/*
 * o2dlm-domain.c - join a DLM lock domain with libo2dlm, stay, leave it.
 *
 *   o2dlm-domain [-m MOUNT] [-d DOMAIN] [-H SECONDS|forever]
 *
 * o2dlm_initialize(MOUNT, DOMAIN) checks that MOUNT is an ocfs2_dlmfs
 * (its statfs f_type must be 0x76a9f425), creates the directory
 * MOUNT/DOMAIN if it is missing - on dlmfs that mkdir *is* joining the
 * cluster's lock domain of that name - and takes a private PR lock named
 * "." + 16 hex digits that it keeps for the context's lifetime, so that no
 * other process on this node can remove the domain underneath us.
 *
 * o2dlm_destroy() releases every lock the context still holds, unlinks the
 * lock files of the domain (those another process has open stay: EBUSY is
 * not an error), removes the directory (ENOTEMPTY is not an error either)
 * and frees the context. Once the directory is gone this node has left the
 * domain. Every other example begins and ends the same way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <o2dlm/o2dlm.h>

#include "common.h"

static void usage(void)
{
	printf("usage: o2dlm-domain [OPTION]...\n"
	       "Join a DLM lock domain through libo2dlm (o2dlm_initialize), stay in it,\n"
	       "then leave it (o2dlm_destroy). One line per step.\n"
	       "\n"
	       "  -m, --mount PATH      ocfs2_dlmfs mountpoint (default " DEFAULT_MOUNT ")\n"
	       "  -d, --domain NAME     lock domain, a directory under PATH\n"
	       "                        (default " DEFAULT_DOMAIN ")\n"
	       "  -H, --hold SECONDS    stay in the domain this long; 'forever' = until\n"
	       "                        Ctrl-C or SIGTERM (default 0)\n"
	       "  -h, --help            print this help and exit\n"
	       "\n"
	       "Exit status: 0 joined and left, 1 a libo2dlm call failed,\n"
	       "2 bad command line.\n"
	       "On a dlmfs-fuse mount run it with LD_PRELOAD=libdlmfs-compat.so.\n");
}

/* a capability is a word in /sys/module/ocfs2_dlmfs/parameters/capabilities */
static void show_capability(const char *name, errcode_t (*probe)(int *))
{
	errcode_t err;
	int yes = 0;

	err = probe(&yes);
	if (err)
		step(err, "capability %s", name);
	else
		say("capability %s: %s", name, yes ? "yes" : "no");
}

static void show_domain_dir(const char *mount, const char *domain,
			    const char *present, const char *absent)
{
	struct stat st;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", mount, domain);
	say("domain directory %s: %s", path,
	    stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? present : absent);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mount = DEFAULT_MOUNT, *domain = DEFAULT_DOMAIN;
	struct o2dlm_ctxt *ctx = NULL;
	int hold_s = 0, c, sig;

	prog = "o2dlm-domain";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:H:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'd':
			domain = optarg;
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

	/* error_message() needs libo2dlm's com_err table registered once */
	initialize_o2dl_error_table();

	show_capability("bast", o2dlm_supports_bast);
	show_capability("stackglue", o2dlm_supports_stackglue);

	if (step(o2dlm_initialize(mount, domain, &ctx),
		 "initialize domain \"%s\" on %s", domain, mount))
		return EXIT_FAILURE;
	show_domain_dir(mount, domain, "present (this node is in the domain)",
			"missing");

	if (hold_s) {
		say("staying in the domain %s (Ctrl-C or SIGTERM ends it)",
		    seconds_str(hold_s));
		sig = hold(hold_s);
		if (sig)
			say("got %s, leaving", sig == SIGINT ? "SIGINT" : "SIGTERM");
	}

	/* on dlmfs, o2dlm_destroy() frees ctx whatever it returns */
	if (step(o2dlm_destroy(ctx), "destroy domain \"%s\"", domain))
		return EXIT_FAILURE;
	show_domain_dir(mount, domain,
			"still there (another process on this node uses it)",
			"removed (this node left the domain)");
	return EXIT_SUCCESS;
}
