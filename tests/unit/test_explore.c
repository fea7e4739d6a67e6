// SPDX-License-Identifier: MIT
/*
 * test_explore.c - the explorer is deterministic, finds a planted bug and
 * writes a parseable reproducer for it, and rejects bad flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "explore.h"
#include "explore_int.h"
#include "scn.h"

static uint64_t run_hash(uint64_t seed, const char *prof)
{
	struct explore_opts o;
	struct explore_result r;

	explore_opts_default(&o);
	o.seed = seed;
	o.nodes = 2;
	o.actors = 3;
	o.steps = 20000;
	o.faults = true;
	o.hash = true;
	o.quiet = true;
	o.minimize = false;
	o.prof = dm_profile_find(prof);
	o.out = fopen("/dev/null", "w");
	assert_non_null(o.out);
	assert_true(explore_run(&o, &r) >= 0);
	fclose(o.out);
	assert_true(r.steps > 0);
	return r.hash;
}

static void deterministic(void **state)
{
	(void)state;
	assert_true(run_hash(7, "linux-6") == run_hash(7, "linux-6"));
	assert_true(run_hash(7, "linux-6") != run_hash(8, "linux-6"));
	assert_true(run_hash(3, "linux-5.4") == run_hash(3, "linux-5.4"));
}

static int run_main(int n, ...)
{
	char *argv[32];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n && i < 31; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[i] = NULL;
	return explore_main(i, argv);
}

static void planted_bug_fails_with_reproducer(void **state)
{
	char dir[] = "/tmp/dlmfs-explore-XXXXXX", path[256], err[256];
	struct scn *s = NULL;
	FILE *f;
	char line[512];
	bool named = false;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(run_main(14, "explore", "--seed", "5", "--nodes", "2",
				  "--actors", "3", "--steps", "50000", "--quiet",
				  "--bug", "no-publish", "--repro-dir", dir), 1);
	snprintf(path, sizeof(path), "%s/explore-linux-6-seed5-lvb.scn", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		named |= strstr(line, "violated INV_LVB") != NULL;
	fclose(f);
	assert_true(named);
	/* the reproducer is a valid manual-schedule scenario */
	assert_int_equal(scn_parse_file(path, &s, err, sizeof(err)), 0);
	assert_true(s->manual);
	assert_true(s->nstmts > 0 && s->nstmts < 200);
	scn_free(s);
	unlink(path);
	rmdir(dir);
}

static void bad_flags(void **state)
{
	(void)state;
	assert_int_equal(run_main(3, "explore", "--nodes", "3"), 2);	/* no seed */
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--nodes", "9"), 2);
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--nodes", "0"), 2);
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--steps", "x"), 2);
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--actors", "-1"), 2);
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--profile",
				  "linux-9"), 2);
	assert_int_equal(run_main(5, "explore", "--seed", "1", "--bug", "nope"), 2);
	assert_int_equal(run_main(4, "explore", "--seed", "1", "--bogus"), 2);
	assert_int_equal(run_main(2, "explore", "--seed"), 2);
}

/*
 * XR_CHECK on a state that has not drained (what explore_min's ddmin
 * replays) delivers what is queued wake-ups first and bounded, like
 * dm_settle. The records below (fuzz/regress/ops/xr-check-livelock.ops,
 * its `check` ops as XR_CHECK) leave EX contenders on two nodes that
 * ping-pong the lock for ever in plain queue order; the check must return
 * with the queue drained and no violation. SIGALRM ends a livelock.
 */
static const struct x_rec livelock[] = {
	/* type verb actor node ev dom lk oflags whence len off fdref dseed */
	{ 1, 10, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 10, 1, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 10, 5, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0 },
	{ 1, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 10, 5, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0 },
	{ 1, 9, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 2, 0, 0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 10, 3, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0 },
	{ 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 24, 0 },
	{ 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 1, 1, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0 },
};

static void check_drains_wake_first(void **state)
{
	struct explore_opts o;
	struct x_state x;
	struct x_rec r;
	size_t i;

	(void)state;
	explore_opts_default(&o);
	o.prof = dm_profile_find("linux-6-user");
	o.nodes = 3;
	o.actors = 6;
	o.quiet = true;
	assert_int_equal(x_init(&x, &o), 0);
	for (i = 0; i < sizeof(livelock) / sizeof(livelock[0]); i++)
		x_exec(&x, &livelock[i], (uint32_t)i);
	assert_int_equal(x.viol, INV_OK);
	assert_true(dm_event_count(x.m) > 0);
	memset(&r, 0, sizeof(r));
	r.type = XR_CHECK;
	alarm(20);
	assert_true(x_exec(&x, &r, (uint32_t)i));
	alarm(0);
	assert_int_equal(x.viol, INV_OK);
	for (i = 0; i < dm_event_count(x.m); i++)
		assert_false(dm_event_deliverable(x.m, i));
	x_fini(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deterministic),
		cmocka_unit_test(planted_bug_fails_with_reproducer),
		cmocka_unit_test(bad_flags),
		cmocka_unit_test(check_drains_wake_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
