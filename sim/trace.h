/* SPDX-License-Identifier: MIT */
/*
 * trace.h - what happened, for people: a text trace (one line per
 * statement and per model trace record, each followed by every node's lock
 * state, in the spirit of TigerBeetle's VOPR status lines) and an SVG
 * timeline (a lane per node, lock levels as step lines, ASTs and BASTs as
 * arrows). Output depends only on the run: no clocks, no addresses.
 */
#ifndef DLMFS_TRACE_H
#define DLMFS_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "dm.h"

struct trace;

/* text goes to out (NULL: none); svg: remember events for trace_svg */
struct trace *trace_new(FILE *out, bool svg);
void trace_free(struct trace *tr);

/* a new scenario: forget the previous one's events */
void trace_begin(struct trace *tr, const char *title);
/* a statement about to run, in canonical text */
void trace_stmt(struct trace *tr, int line, const char *text);
/* its result */
void trace_result(struct trace *tr, const char *got, bool ok);
/* one model trace record (chain it from the dm_trace_fn) */
void trace_event(struct trace *tr, const struct dm_model *m,
		 const struct dm_trace *t);

/* the timeline of the current scenario as an SVG document */
int trace_svg(const struct trace *tr, FILE *f);

/* one node's lock states, compact ("dom/lk EX r0e1 BUSY"); returns length */
int trace_node_state(const struct dm_model *m, int node, char *buf,
		     size_t len);

#endif
