/* SPDX-License-Identifier: MIT */
/*
 * conform.h - dlmfs-conform: options (opts.c) and the cmocka runner
 * (runner.c). Every scenario is one cmocka test on the chosen target.
 */
#ifndef DLMFS_CONFORM_H
#define DLMFS_CONFORM_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "target_real.h"

#define CONF_RULES_MAX 32
#define COMPAT_SO	"libdlmfs-compat.so"

struct conf_opts {
	bool model;		/* --target model */
	struct real_opts real;	/* --node ... and the timing options */
	bool oracle;		/* --oracle model */
	bool list;
	const char *filter;
	const char *rules[CONF_RULES_MAX];
	int nrules;
	const char *profile;
	int repeat;
	bool verbose;
	char **files;		/* scenario files (directories expanded) */
	int nfiles;
	char compat_buf[PATH_MAX];	/* real.compat points here */
	char compat_why[PATH_MAX + 64];	/* real.compat_why points here */
};

/*
 * Parse argv. 0: run; 1: -h printed, exit 0; 2: bad usage, one line on
 * err (exit 2). o->files is malloc'd (conf_opts_free).
 */
int conf_parse_opts(int argc, char **argv, struct conf_opts *o, FILE *out,
		    FILE *err);
void conf_opts_free(struct conf_opts *o);
void conf_usage(FILE *f);

/* run (or --list) the selected scenarios; the process exit status */
int conf_run(const struct conf_opts *o);

#endif
