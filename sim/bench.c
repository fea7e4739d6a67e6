// SPDX-License-Identifier: MIT
/*
 * bench.c - throughput of the model's cached lock path and of the explorer.
 *
 * Each figure comes with a baseline from the same run so a slow machine
 * does not read as a slow build: the model's open+close against a plain
 * fh-table loop doing the same bookkeeping, explore against explore on one
 * node with one actor. Wall time is read here, never in the model.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "explore.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* open+close of a cached PR and a cached EX, inode-level API: ops/s */
static double model_ops(uint64_t n)
{
	const struct dm_profile *p = dm_profile_find(DM_PROFILE_DEFAULT);
	struct dm_model *m = dm_new(p, 1);
	struct dm_stat st;
	dm_ino dom, lk;
	uint64_t i, done = 0;
	double t0, dt;
	int fh;

	if (!m)
		return 0;
	if (dm_mkdir(m, 0, DM_ROOT_INO, "dom", 0755, &DM_CTX_ROOT, &st))
		goto out;
	dom = st.ino;
	if (dm_mknod(m, 0, dom, "lk", 0100644, &DM_CTX_ROOT, &st))
		goto out;
	lk = st.ino;
	/* take EX once so both levels are served from the cache (L1) */
	if (dm_open(m, 0, lk, O_RDWR, &DM_CTX_ROOT, &fh, NULL) == DM_PENDING)
		dm_settle(m, 1000);
	dm_settle(m, 1000);
	if (dm_open(m, 0, lk, O_RDWR, &DM_CTX_ROOT, &fh, NULL))
		goto out;
	dm_release(m, fh);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (dm_open(m, 0, lk, (i & 1) ? O_RDWR : O_RDONLY,
			    &DM_CTX_ROOT, &fh, NULL))
			break;
		dm_release(m, fh);
		done++;
	}
	dt = now_s() - t0;
	dm_free(m);
	return dt > 0 ? (double)done / dt : 0;
out:
	dm_free(m);
	return 0;
}

/* the same fh-table work without the model: alloc, count, free */
static double baseline_ops(uint64_t n)
{
	struct slot {
		int used, level, next;
	} tab[16];
	volatile unsigned holders[2] = { 0, 0 };
	int free_head = 0, i, fh;
	uint64_t k;
	double t0, dt;

	for (i = 0; i < 16; i++)
		tab[i] = (struct slot){ 0, 0, i + 1 < 16 ? i + 1 : -1 };
	t0 = now_s();
	for (k = 0; k < n; k++) {
		fh = free_head;
		free_head = tab[fh].next;
		tab[fh].used = 1;
		tab[fh].level = (int)(k & 1);
		holders[tab[fh].level]++;
		holders[tab[fh].level]--;
		tab[fh].used = 0;
		tab[fh].next = free_head;
		free_head = fh;
	}
	dt = now_s() - t0;
	return dt > 0 ? (double)n / dt : 0;
}

static double explore_rate(int nodes, int actors, uint64_t steps,
			   uint64_t *done)
{
	struct explore_opts o;
	struct explore_result r;
	double t0, dt;

	explore_opts_default(&o);
	o.seed = 42;
	o.nodes = nodes;
	o.actors = actors;
	o.steps = steps;
	o.faults = nodes > 1;
	o.quiet = true;
	o.minimize = false;
	o.out = fopen("/dev/null", "w");
	if (!o.out)
		return 0;
	t0 = now_s();
	explore_run(&o, &r);
	dt = now_s() - t0;
	fclose(o.out);
	*done = r.steps;
	return dt > 0 ? (double)r.steps / dt : 0;
}

int bench_main(int argc, char **argv)
{
	uint64_t ops = BENCH_OPS_DEFAULT, steps = BENCH_STEPS_DEFAULT;
	uint64_t d1 = 0, d2 = 0;
	double mo, bo, e3, e1;
	int i;

	for (i = 1; i < argc; i++) {
		char *end = NULL;
		unsigned long long v = 0;

		if (i + 1 < argc)
			v = strtoull(argv[i + 1], &end, 10);
		if (!strcmp(argv[i], "--ops") && end && !*end && v >= 1000 &&
		    v <= 1000000000ULL) {
			ops = v;
			i++;
		} else if (!strcmp(argv[i], "--steps") && end && !*end &&
			   v >= 1000 && v <= 1000000000ULL) {
			steps = v;
			i++;
		} else {
			fprintf(stderr, "dlmfs-sim bench: bad option '%s' "
				"(--ops 1000..1e9, --steps 1000..1e9)\n", argv[i]);
			return 2;
		}
	}
	bo = baseline_ops(ops);
	mo = model_ops(ops);
	printf("bench: model cached open+close (PR/EX alternating, inode API): "
	       "%.2f M ops/s; plain fh-table loop %.2f M ops/s; ratio %.3f\n",
	       mo / 1e6, bo / 1e6, bo > 0 ? mo / bo : 0);
	e1 = explore_rate(1, 1, steps, &d1);
	e3 = explore_rate(3, 6, steps, &d2);
	printf("bench: explore 3 nodes 6 actors --faults: %.2f M steps/s "
	       "(%" PRIu64 " steps); 1 node 1 actor %.2f M steps/s (%" PRIu64
	       " steps); ratio %.3f\n", e3 / 1e6, d2, e1 / 1e6, d1,
	       e1 > 0 ? e3 / e1 : 0);
	return 0;
}
