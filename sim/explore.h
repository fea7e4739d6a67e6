/* SPDX-License-Identifier: MIT */
/*
 * explore.h - `dlmfs-sim explore`: a seeded scheduler that drives the model
 * with random actor calls, event deliveries and (optionally) node crashes,
 * checks every invariant after every step, and turns a violation into a
 * minimized manual-schedule scenario.
 */
#ifndef DLMFS_EXPLORE_H
#define DLMFS_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dm.h"
#include "invariants.h"

struct explore_opts {
	uint64_t seed;
	int nodes;		/* 1..DM_MAX_NODES */
	int actors;		/* 1..64, pinned round-robin to nodes */
	int locks;		/* lock names per domain, 1..16 */
	int domains;		/* 1..4 */
	uint64_t steps;
	bool faults;		/* crash and restart nodes */
	bool hash;		/* print the FNV-1a digest of the whole trace */
	bool quiet;		/* no status lines, no hang lines */
	bool minimize;		/* delta-debug a failure into a scenario */
	uint64_t drain_every;	/* steps between drains */
	const struct dm_profile *prof;
	unsigned bugs;		/* dm_set_bugs: planted bugs */
	const char *repro_dir;
	FILE *out;		/* stdout unless a test redirects it */
};

struct explore_result {
	enum inv_id viol;	/* INV_OK, or the invariant that failed */
	char why[512];
	uint64_t fail_step;
	uint64_t steps, events, opens, grants, basts, crashes, hangs, drains;
	uint64_t hash;
	bool stopped_early;	/* every live actor in a documented hang */
	size_t repro_len;	/* steps in the minimized reproducer */
	char repro[512];	/* its path, "" if none written */
};

void explore_opts_default(struct explore_opts *o);
/*
 * Parse `explore` flags; argv[0] is the subcommand name. 0 = run,
 * 1 = help printed, -1 = bad flag (one line in err).
 */
int explore_parse(int argc, char **argv, struct explore_opts *o, char *err,
		  size_t errlen);
/* run one exploration: 0 clean, 1 invariant violated, -1 out of memory */
int explore_run(const struct explore_opts *o, struct explore_result *r);
/* the subcommand: exit status 0 ok, 1 violation, 2 bad flags */
int explore_main(int argc, char **argv);

/* "no-publish,holder-leak" -> DM_BUG_* bits; -1 and a reason if unknown */
int explore_parse_bugs(const char *v, unsigned *bugs, char *err, size_t len);

#endif
