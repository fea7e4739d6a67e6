/* SPDX-License-Identifier: MIT */
/*
 * tr_names.c - the real target's per-scenario names: every root-level
 * name shorter than REAL_RENAME_MAX becomes "c<pid>-<seq>-NAME" so that no
 * two scenarios (or runs) share a domain; longer names are kept, since the
 * N2 length tests depend on them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tr_int.h"

void tr_names_free(struct tr *tr)
{
	for (int i = 0; i < tr->nnames; i++) {
		free(tr->names[i].orig);
		free(tr->names[i].real);
	}
	tr->nnames = 0;
}

/* the real name of a root-level name of n bytes; NULL if out of memory */
static const char *name_of(struct tr *tr, const char *comp, size_t n)
{
	struct tr_name *e;

	for (int i = 0; i < tr->nnames; i++)
		if (strlen(tr->names[i].orig) == n &&
		    !memcmp(tr->names[i].orig, comp, n))
			return tr->names[i].real;
	if (tr->nnames == TR_NAMES_MAX)
		return NULL;
	e = &tr->names[tr->nnames];
	e->orig = strndup(comp, n);
	if (!e->orig)
		return NULL;
	if (n >= REAL_RENAME_MAX || !strcmp(e->orig, ".") ||
	    !strcmp(e->orig, ".."))
		e->real = strdup(e->orig);
	else if (asprintf(&e->real, "%s%s", tr->prefix, e->orig) < 0)
		e->real = NULL;
	if (!e->real) {
		free(e->orig);
		return NULL;
	}
	tr->nnames++;
	return e->real;
}

void tr_path(struct tr *tr, const char *in, char *out, size_t len)
{
	const char *p = in, *real;
	size_t n;

	while (*p == '/')
		p++;
	if (!*p) {
		snprintf(out, len, "%s", *in ? "." : "");
		return;
	}
	n = strcspn(p, "/");
	real = name_of(tr, p, n);
	snprintf(out, len, "%s%s", real ? real : "", real ? p + n : p);
}

void tr_collect_names(struct tr *tr, const struct scn *s)
{
	char tmp[PATH_MAX];

	for (size_t i = 0; i < s->nstmts; i++) {
		const struct scn_stmt *st = &s->stmts[i];

		if (!scn_verb_is_call(st->verb) || st->verb == SCN_V_DLM_LOCK ||
		    st->verb == SCN_V_DLM_UNLOCK)
			continue;
		if (st->path && st->verb != SCN_V_SYMLINK)
			tr_path(tr, st->path, tmp, sizeof(tmp));
		if (st->path2)
			tr_path(tr, st->path2, tmp, sizeof(tmp));
	}
}
