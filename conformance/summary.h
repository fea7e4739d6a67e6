/* SPDX-License-Identifier: MIT */
/*
 * summary.h - the table dlmfs-conform prints after cmocka's output: per
 * spec rule, how many scenarios pinning it passed, failed, were skipped.
 */
#ifndef DLMFS_SUMMARY_H
#define DLMFS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "exec.h"

struct sum_case {
	const struct scn *scn;	/* NULL: the file did not parse */
	bool ran;
	enum exec_verdict verdict;
};

/* the table as text in *out (malloc'd); 0 or -ENOMEM */
int sum_table(const struct sum_case *c, size_t n, char **out);

#endif
