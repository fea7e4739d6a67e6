/* SPDX-License-Identifier: MIT */
/*
 * exec.h - run a parsed scenario on a target (target.h) and judge it.
 *
 * The executor owns the actors' fd names, checks each statement's result
 * against its expectation, and stops at the first mismatch with
 * "file:line: `statement`: expected X, got Y".
 */
#ifndef DLMFS_EXEC_H
#define DLMFS_EXEC_H

#include <stdbool.h>

#include "scn.h"
#include "target.h"

enum exec_verdict { EXEC_PASS, EXEC_FAIL, EXEC_SKIP };

#define EXEC_REASON_MAX 1024

struct exec_report {
	enum exec_verdict verdict;
	int line;			/* of the failing statement, 0 if none */
	char reason[EXEC_REASON_MAX];	/* FAIL/SKIP: why */
};

/* optional observers, e.g. the trace printer */
struct exec_hooks {
	/* before a statement runs; text is its canonical form */
	void (*before)(void *arg, const struct scn *s,
		       const struct scn_stmt *st, const char *text);
	/* after it was judged; got is the result as text */
	void (*after)(void *arg, const struct scn *s,
		      const struct scn_stmt *st, const char *got, bool ok);
	void *arg;
};

/* 0 with the verdict in *rep; -errno only for the executor's own failures */
int exec_run(const struct scn *s, struct target *t,
	     const struct exec_hooks *hooks, struct exec_report *rep);

/*
 * Does a target with caps c meet s's requirements? 0, or 1 with the reason
 * (the scenario is skipped).
 */
int exec_check_requires(const struct scn *s, const struct tgt_caps *c,
			char *why, size_t len);

/* a call result as scenario text, as the failure message shows it */
int exec_format_result(const struct scn_stmt *st, const struct scn_expect *e,
		       const struct tgt_result *r, char *buf, size_t len);
/* does r meet st's expectation e? */
bool exec_matches(const struct scn_stmt *st, const struct scn_expect *e,
		  const struct tgt_result *r);

#endif
