/* SPDX-License-Identifier: MIT */
/*
 * oracle.h - `--oracle model`: a target that runs the real target and the
 * model side by side, step for step. The executor judges the scenario on
 * the real target; every call is also made on the model, and the first
 * step where the two differ (blocked vs returned, or a different result)
 * is kept as a minimal transcript: the statements that led there and the
 * divergent step with what the model expected and what was observed.
 */
#ifndef DLMFS_ORACLE_H
#define DLMFS_ORACLE_H

#include "scn.h"
#include "target.h"

/* real is borrowed, model is owned (freed with the oracle) */
struct target *oracle_new(struct target *real, struct target *model);
void oracle_free(struct target *t);
/* the statement about to run (from the executor's before hook) */
void oracle_stmt(struct target *t, const struct scn_stmt *st);
/* the first divergence of the last scenario, or "" */
const char *oracle_report(struct target *t);

#endif
