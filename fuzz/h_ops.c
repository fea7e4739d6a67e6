// SPDX-License-Identifier: MIT
/*
 * h_ops.c - the `ops` harness: bytes -> a bounded sequence of actor calls,
 * event deliveries and node faults on the model (format: fz_ops.h), every
 * invariant checked after every step. A violation is a finding.
 *
 * DLMFS_FUZZ_BUGS=NAME[,NAME]|MASK plants model bugs (dm_set_bugs) to
 * prove the harness finds them; only this harness reads it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fz.h"
#include "fz_ops.h"

static void *ops_init(void)
{
	struct fz_ops *f = malloc(sizeof(*f));
	unsigned bugs = 0;

	if (fz_parse_bugs(getenv("DLMFS_FUZZ_BUGS"), &bugs)) {
		fprintf(stderr, "ops: DLMFS_FUZZ_BUGS: unknown bug name in '%s'\n",
			getenv("DLMFS_FUZZ_BUGS"));
		free(f);
		return NULL;
	}
	if (f && fz_ops_init(f, bugs)) {
		fz_ops_fini(f);
		free(f);
		return NULL;
	}
	return f;
}

static int ops_one(void *ctx, const uint8_t *buf, size_t len, char *why,
		   size_t whylen)
{
	struct fz_ops *f = ctx;
	struct x_state *x = fz_ops_run(f, buf, len);

	if (!x) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (!x->viol)
		return 0;
	snprintf(why, whylen, "%s at step %zu of %zu (%s, %d nodes): %s",
		 inv_name(x->viol), f->fail + 1, f->nrec,
		 fz_prof_names[f->hdr.prof], f->hdr.nodes, x->why);
	return 1;
}

static void ops_fini(void *ctx)
{
	fz_ops_fini(ctx);
	free(ctx);
}

static const struct fz_harness harness = {
	.name = "ops",
	.init = ops_init,
	.one = ops_one,
	.fini = ops_fini,
	.max_len = FZ_INPUT_MAX,
};

const struct fz_harness *fz_harness(void)
{
	return &harness;
}
