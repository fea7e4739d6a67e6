// SPDX-License-Identifier: MIT
/*
 * h_scenario.c - the `scenario` harness: bytes -> the scenario parser and,
 * if they parse, the executor on the model target (invariants on).
 *
 * Findings: a crash or hang anywhere (AFL sees those itself); a parse
 * failure without a "name:line: reason" message; a parsed scenario whose
 * canonical print does not parse again or prints differently the second
 * time (printer and parser disagree); the executor failing for a reason
 * other than memory. A scenario may fail or be skipped: that is a verdict,
 * not a finding. Scenarios longer than FZ_SCN_STMTS statements are only
 * parsed, so one input stays fast.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "fz.h"
#include "scn.h"
#include "target.h"

#define FZ_SCN_STMTS	256
#define FZ_SCN_MAX	(64u << 10)
#define FZ_SCN_NAME	"fuzz.scn"

struct hs {
	struct target *t;
	char err[1024];
};

static void *hs_init(void)
{
	struct hs *h = calloc(1, sizeof(*h));
	struct tm_opts o = { 0 };

	if (h && !(h->t = target_model_new(&o))) {
		free(h);
		h = NULL;
	}
	return h;
}

/* the canonical text of s, malloc'd */
static char *print(const struct scn *s, size_t *len)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, len);

	if (!f)
		return NULL;
	scn_fprint(f, s);
	if (fclose(f)) {
		free(p);
		return NULL;
	}
	return p;
}

/* print, parse the print, print again: both prints must be equal */
static int round_trip(struct hs *h, const struct scn *s, char *why,
		      size_t whylen)
{
	size_t l1 = 0, l2 = 0;
	char *p1 = print(s, &l1), *p2 = NULL;
	struct scn *s2 = NULL;
	int rc = 0;

	if (!p1)
		return 0;
	if (scn_parse_buf(p1, l1, "printed.scn", &s2, h->err, sizeof(h->err))) {
		snprintf(why, whylen, "the canonical print does not parse: %s",
			 h->err);
		rc = 1;
	} else if ((p2 = print(s2, &l2)) && (l1 != l2 || memcmp(p1, p2, l1))) {
		size_t i = 0;

		while (i < l1 && i < l2 && p1[i] == p2[i])
			i++;
		snprintf(why, whylen, "print -> parse -> print differs at byte "
			 "%zu: '%.40s' vs '%.40s'", i, p1 + i, p2 + i);
		rc = 1;
	}
	scn_free(s2);
	free(p1);
	free(p2);
	return rc;
}

static int hs_one(void *ctx, const uint8_t *buf, size_t len, char *why,
		  size_t whylen)
{
	struct hs *h = ctx;
	struct exec_report rep;
	struct scn *s = NULL;
	int rc;

	h->err[0] = '\0';
	if (scn_parse_buf((const char *)buf, len, FZ_SCN_NAME, &s, h->err,
			  sizeof(h->err))) {
		if (strncmp(h->err, FZ_SCN_NAME ":", strlen(FZ_SCN_NAME) + 1)) {
			snprintf(why, whylen, "parse error without "
				 FZ_SCN_NAME ":LINE: '%s'", h->err);
			return 1;
		}
		return 0;
	}
	rc = round_trip(h, s, why, whylen);
	if (!rc && s->nstmts <= FZ_SCN_STMTS) {
		rc = exec_run(s, h->t, NULL, &rep);
		if (rc && rc != -ENOMEM) {
			snprintf(why, whylen, "the executor failed: %s (%s)",
				 strerror(-rc), rep.reason);
			rc = 1;
		} else {
			rc = 0;
		}
	}
	scn_free(s);
	return rc;
}

static void hs_fini(void *ctx)
{
	struct hs *h = ctx;

	target_model_free(h->t);
	free(h);
}

static const struct fz_harness harness = {
	.name = "scenario",
	.init = hs_init,
	.one = hs_one,
	.fini = hs_fini,
	.max_len = FZ_SCN_MAX,
};

const struct fz_harness *fz_harness(void)
{
	return &harness;
}
