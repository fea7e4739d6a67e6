/* SPDX-License-Identifier: MIT */
/*
 * trace_int.h - the trace's recorded run, shared by trace.c (text, and
 * recording) and trace_svg.c (drawing). Not an API.
 */
#ifndef DLMFS_TRACE_INT_H
#define DLMFS_TRACE_INT_H

#include "trace.h"

#define TRACE_MAX_EVENTS 100000	/* recorded for the SVG, per scenario */
#define TRACE_MAX_LOCKS 12	/* locks drawn; later ones are not */
#define TRACE_NO_LOCK (-2)	/* level slot: the node has no such lock */

struct trace_ev {
	size_t col;		/* x column: events and statements each take one */
	enum dm_trace_kind kind;
	int node, peer, lock, mode;
	signed char level[DM_MAX_NODES][TRACE_MAX_LOCKS];
	signed char req[DM_MAX_NODES][TRACE_MAX_LOCKS];	/* in flight, or IV */
	bool blocked[DM_MAX_NODES][TRACE_MAX_LOCKS];
};

struct trace_label {
	size_t col;
	int line;
	char *text;
};

struct trace_arrow {
	size_t from_col, to_col;
	int from_node, to_node;
	bool bast;		/* else an AST after a remote release */
};

struct trace_mark {
	bool set;
	size_t col;
	int node;
};

struct trace {
	FILE *out;
	bool svg;
	char *title;
	unsigned seq;		/* events so far, for the text lines */
	size_t ncols;		/* columns used so far */
	int nodes;
	struct trace_ev *ev;
	size_t nev, capev;
	struct trace_label *labels;
	size_t nlabels, caplabels;
	struct trace_arrow *arrows;
	size_t narrows, caparrows;
	char **locks;		/* "domain/name", index = lock id */
	size_t nlocks, caplocks;
	/* arrow bookkeeping: where a BAST was queued, who released last */
	struct trace_mark bastq[DM_MAX_NODES][TRACE_MAX_LOCKS];
	struct trace_mark release[TRACE_MAX_LOCKS];
	struct trace_mark grant_from[DM_MAX_NODES][TRACE_MAX_LOCKS];
};

const char *trace_kind_name(enum dm_trace_kind k);
/* grow *p (n used, *cap slots) for one more element; false if full */
bool trace_grow(void **p, size_t n, size_t *cap, size_t elem);
/* remember one event with every node's lock levels after it */
void trace_record(struct trace *tr, const struct dm_model *m,
		  const struct dm_trace *t);

#endif
