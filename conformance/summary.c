/* SPDX-License-Identifier: MIT */
/*
 * summary.c - per-rule results: a rule is covered when at least one
 * scenario pinning it passed; failing when one failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

struct rule_row {
	char id[8];
	int pass, fail, skip;
};

/* spec order is by letter then number: N1 < N2 < N10 */
static int cmp_rule(const void *a, const void *b)
{
	const char *x = ((const struct rule_row *)a)->id;
	const char *y = ((const struct rule_row *)b)->id;
	size_t nx = strcspn(x, "0123456789"), ny = strcspn(y, "0123456789");
	int c = strncmp(x, y, nx < ny ? nx : ny);

	if (c || nx != ny)
		return c ? c : (int)nx - (int)ny;
	return atoi(x + nx) - atoi(y + ny);
}

static struct rule_row *row(struct rule_row **rows, size_t *n, size_t *cap,
			    const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*rows)[i].id, id))
			return &(*rows)[i];
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct rule_row *r = realloc(*rows, c * sizeof(*r));

		if (!r)
			return NULL;
		*rows = r;
		*cap = c;
	}
	memset(&(*rows)[*n], 0, sizeof(**rows));
	snprintf((*rows)[*n].id, sizeof((*rows)[0].id), "%s", id);
	return &(*rows)[(*n)++];
}

int sum_table(const struct sum_case *c, size_t n, char **out)
{
	struct rule_row *rows = NULL;
	size_t nrows = 0, cap = 0, len = 0;
	int pass = 0, fail = 0, skip = 0, covered = 0, failing = 0, skipped = 0;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		const struct sum_case *k = &c[i];
		enum exec_verdict v = k->ran ? k->verdict : EXEC_FAIL;

		pass += v == EXEC_PASS;
		fail += v == EXEC_FAIL;
		skip += v == EXEC_SKIP;
		for (int r = 0; k->scn && r < k->scn->nrules; r++) {
			struct rule_row *w = row(&rows, &nrows, &cap,
						 k->scn->rules[r]);

			if (!w) {
				free(rows);
				return -ENOMEM;
			}
			w->pass += v == EXEC_PASS;
			w->fail += v == EXEC_FAIL;
			w->skip += v == EXEC_SKIP;
		}
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_rule);
	f = open_memstream(out, &len);
	if (!f) {
		free(rows);
		return -ENOMEM;
	}
	fprintf(f, "summary by spec rule\n%-6s %6s %6s %7s\n", "rule", "passed",
		"failed", "skipped");
	for (size_t i = 0; i < nrows; i++) {
		const struct rule_row *w = &rows[i];

		fprintf(f, "%-6s %6d %6d %7d%s\n", w->id, w->pass, w->fail,
			w->skip, w->fail ? "  FAIL" : !w->pass ? "  (not covered)" :
			"");
		covered += w->pass > 0;
		failing += w->fail > 0;
		skipped += !w->pass && !w->fail;
	}
	fprintf(f, "rules: %zu pinned, %d covered by a passing scenario, %d "
		"with a failure, %d only skipped\n", nrows, covered, failing,
		skipped);
	fprintf(f, "scenarios: %zu run, %d passed, %d failed, %d skipped\n", n,
		pass, fail, skip);
	fclose(f);
	free(rows);
	return 0;
}
