/* SPDX-License-Identifier: MIT */
/*
 * agent_main.c - dlmfs-agent PATH: perform the conformance suite's calls on
 * the mount at PATH, speaking the line protocol of PROTOCOL.md on
 * stdin/stdout (e.g. `dlmfs-conform --node exec:ssh host2 dlmfs-agent /dlm`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dlmfs-agent [-h] [--hello] PATH\n"
		"Serve the dlmfs-agent line protocol (version %d) on stdin/stdout for\n"
		"the dlmfs mount at PATH: one forked process per actor, each call a\n"
		"real syscall relative to PATH. See conformance/PROTOCOL.md.\n"
		"  -h, --help   this text\n"
		"  --hello      print the hello line for PATH and exit (default: off,\n"
		"               serve requests until stdin ends)\n"
		"Exit status: 0 stdin ended (or bye) or --hello printed, 1 an I/O\n"
		"error, 2 bad usage or PATH not a directory.\n",
		PROTO_VERSION);
}

int main(int argc, char **argv)
{
	const char *root = NULL;
	bool hello = false;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--hello")) {
			hello = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "dlmfs-agent: unknown option '%s' (-h lists them)\n",
				argv[i]);
			return 2;
		} else if (root) {
			fprintf(stderr, "dlmfs-agent: one PATH only (got '%s' and '%s')\n",
				root, argv[i]);
			return 2;
		} else {
			root = argv[i];
		}
	}
	if (!root) {
		fprintf(stderr, "dlmfs-agent: missing PATH (-h for usage)\n");
		return 2;
	}
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dlmfs-agent: %s: %s\n", root,
			errno ? strerror(errno) : "not a directory");
		return 2;
	}
	if (hello) {
		struct pbuf b;

		pbuf_init(&b);
		agent_hello(root, &b);
		fputs(b.s ? b.s : "", stdout);
		pbuf_free(&b);
		return 0;
	}
	return agent_run(root, 0, 1);
}
