/* SPDX-License-Identifier: MIT */
/*
 * test_real.c - the real target's machinery on scratch directories, with
 * small scenarios that make sense on tmpfs: a FIFO open blocks for real,
 * so `&`, `wait`, `hangs`, `signal`, the time bounds, stuck-actor cleanup,
 * domain renaming, the exec: agent node and the oracle can all be checked
 * without a dlmfs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf_helpers.h"
#include "exec.h"
#include "oracle.h"
#include "spawn.h"
#include "target_real.h"

struct fx {
	char dir[2][PATH_MAX];
	char node[2][2 * PATH_MAX + 64];
	struct real_opts o;
	struct target *t;
	struct target *oracle;	/* or NULL */
};

static void hook_before(void *arg, const struct scn *s,
			const struct scn_stmt *st, const char *text)
{
	struct fx *f = arg;

	(void)s;
	(void)text;
	target_real_stmt(f->t, st);
	if (f->oracle)
		oracle_stmt(f->oracle, st);
}

static void hook_after(void *arg, const struct scn *s,
		       const struct scn_stmt *st, const char *got, bool ok)
{
	struct fx *f = arg;

	(void)got;
	if (ok && st != &s->stmts[s->nstmts - 1])
		return;
	target_real_ending(f->t);
	if (f->oracle)
		oracle_stmt(f->oracle, NULL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || ch_mkdtemp(f->dir[0], PATH_MAX, "real1") ||
	    ch_mkdtemp(f->dir[1], PATH_MAX, "real2"))
		return -1;
	f->o.block_ms = 150;
	f->o.timeout_ms = 1500;
	f->o.settle_ms = 20;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	target_real_free(f->t);
	ch_rmtree(f->dir[0]);
	ch_rmtree(f->dir[1]);
	free(f);
	return 0;
}

static void connect_nodes(struct fx *f, int n, bool exec_second)
{
	char err[256] = "";

	for (int i = 0; i < n; i++) {
		snprintf(f->node[i], sizeof(f->node[i]), "%s", f->dir[i]);
		f->o.nodes[i] = f->node[i];
	}
	if (exec_second) {
		char self[PATH_MAX] = "", agent[PATH_MAX + 32], *slash;
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

		self[len > 0 ? len : 0] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(agent, sizeof(agent), "%s/../dlmfs-agent", self);
		if (access(agent, X_OK))
			skip();	/* build/dlmfs-agent not built */
		snprintf(f->node[1], sizeof(f->node[1]), "exec:%s %s", agent,
			 f->dir[1]);
	}
	f->o.nnodes = n;
	f->t = target_real_new(&f->o, err, sizeof(err));
	if (!f->t)
		fail_msg("target_real_new: %s", err);
}

/* run text as a scenario; the verdict, reason in rep */
static enum exec_verdict run(struct fx *f, struct target *t, const char *text,
			     struct exec_report *rep)
{
	struct exec_hooks h = { hook_before, hook_after, f };
	char err[512];
	struct scn *s;

	if (scn_parse_buf(text, strlen(text), "t.scn", &s, err, sizeof(err)))
		fail_msg("parse: %s", err);
	assert_int_equal(exec_run(s, t ? t : f->t, &h, rep), 0);
	scn_free(s);
	return rep->verdict;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

#define expect_pass(f, text) do {					\
	struct exec_report rep_;					\
	if (run(f, NULL, text, &rep_) != EXEC_PASS)			\
		fail_msg("not a pass: %s", rep_.reason);		\
} while (0)

static void test_fifo_blocks_and_waits(void **state)
{
	struct fx *f = *state;

	connect_nodes(f, 1, false);
	expect_pass(f, "# spec: N1\n"
		    "n1 mkdir dom -> 0\n"
		    "n1 mknod dom/p fifo -> 0\n"
		    "A@n1 open dom/p rdonly &\n"
		    "B@n1 open dom/p wronly -> fd b\n"
		    "A wait -> fd a\n"
		    "A poll a -> 0\n"
		    "B write b \"hi\" -> 2\n"
		    "A poll a -> in|rdnorm\n"
		    "A read a 10 -> \"hi\"\n"
		    "B close b -> 0\n"
		    "A read a 10 -> 0\n"
		    "n1 readdir dom -> \"p\"\n");
	assert_int_equal(entries(f->dir[0]), 0);	/* cleaned up */
}

static void test_bounds_are_judged(void **state)
{
	struct fx *f = *state;
	struct exec_report rep;
	long long t0;

	connect_nodes(f, 1, false);
	/* an `&` call that returns at once did not block */
	assert_int_equal(run(f, NULL, "# spec: N1\n"
			     "A@n1 open x rdwr|creat &\n"
			     "A wait -> fd a\n", &rep), EXEC_FAIL);
	assert_non_null(strstr(rep.reason, "expected to block, but it "
			       "returned fd"));
	/* a call that must complete but blocks: failed after timeout_ms */
	t0 = spawn_now_ms();
	assert_int_equal(run(f, NULL, "# spec: N1\n"
			     "n1 mknod p fifo -> 0\n"
			     "A@n1 open p rdonly -> fd a\n", &rep), EXEC_FAIL);
	assert_non_null(strstr(rep.reason, "t.scn:3: `A@n1 open p rdonly`: "
			       "expected fd a, got blocked"));
	assert_true(spawn_now_ms() - t0 < 1500 + 1500);
	assert_int_equal(entries(f->dir[0]), 0);	/* killed and cleaned */
}

static void test_signal_and_hangs(void **state)
{
	struct fx *f = *state;
	struct exec_report rep;

	f->o.allow_hangs = true;
	connect_nodes(f, 1, false);
	expect_pass(f, "# spec: O4\n"
		    "n1 mknod p fifo -> 0\n"
		    "A@n1 open p rdonly &\n"
		    "signal A -> 0\n"
		    "A wait -> EINTR\n"
		    "signal A -> 0\n");	/* idle actor: nothing happens */
	/* a hang vouched for by `hangs`: the stuck actor is killed */
	expect_pass(f, "# spec: O3\n# requires: hangs\n"
		    "n1 mknod p fifo -> 0\n"
		    "A@n1 open p rdonly &\n"
		    "A hangs\n");
	assert_int_equal(entries(f->dir[0]), 0);
	/* `hangs` on a call that finished is a failure */
	assert_int_equal(run(f, NULL, "# spec: O3\n# requires: hangs\n"
			     "n1 mknod p fifo -> 0\n"
			     "A@n1 open p rdonly|nonblock &\n"
			     "A hangs\n", &rep), EXEC_FAIL);
	assert_non_null(strstr(rep.reason, "expected to block"));
}

static void test_requires_skip(void **state)
{
	struct fx *f = *state;
	struct exec_report rep;

	connect_nodes(f, 1, false);
	assert_int_equal(run(f, NULL, "# spec: X3\n# requires: nodes=2\n"
			     "n2 mkdir dom -> 0\n", &rep), EXEC_SKIP);
	assert_non_null(strstr(rep.reason, "needs 2 nodes"));
	assert_int_equal(run(f, NULL, "# spec: O3\n# requires: hangs\n"
			     "n1 mkdir dom -> 0\n", &rep), EXEC_SKIP);
	assert_int_equal(run(f, NULL, "# spec: M3\n# requires: rawdlm\n"
			     "n1 mkdir dom -> 0\n", &rep), EXEC_SKIP);
	assert_int_equal(run(f, NULL, "# spec: V6\n# requires: faults\n"
			     "crash n1 -> 0\n", &rep), EXEC_SKIP);
	assert_int_equal(run(f, NULL, "# spec: C1\n# requires: caps=bast\n"
			     "n1 mkdir dom -> 0\n", &rep), EXEC_SKIP);
	assert_int_equal(run(f, NULL, "# spec: V1\n# requires: profile=linux-3.x\n"
			     "n1 mkdir dom -> 0\n", &rep), EXEC_SKIP);
	assert_non_null(strstr(rep.reason, "linux-3.x"));
}

static void test_names_are_private(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 16], longname[51], text[512];

	connect_nodes(f, 1, false);
	snprintf(path, sizeof(path), "%s/foreign", f->dir[0]);
	assert_int_equal(mkdir(path, 0755), 0);
	memset(longname, 'L', 50);
	longname[50] = '\0';
	snprintf(text, sizeof(text), "# spec: N2\n"
		 "n1 mkdir dom -> 0\n"
		 "n1 mkdir %s -> 0\n"
		 "n1 readdir / -> \"%s dom\"\n"	/* foreign is hidden */
		 "n1 stat /dom -> type=dir\n"
		 "n1 stat %s -> type=dir\n", longname, longname, longname);
	expect_pass(f, text);
	assert_int_equal(entries(f->dir[0]), 1);	/* only foreign stays */
}

static void test_exec_node(void **state)
{
	struct fx *f = *state;

	connect_nodes(f, 2, true);
	expect_pass(f, "# spec: N5\n"
		    "n1 mkdir dom -> 0\n"
		    "n2 mkdir dom -> 0\n"
		    "A@n1 open dom/x rdwr|creat -> fd a\n"
		    "B@n2 open dom/y rdwr|creat -> fd b\n"
		    "B write b \"xy\" -> 2\n"
		    "B pread b 8 0 -> \"xy\"\n"
		    "B getfl b -> rdwr\n"
		    "n1 readdir dom -> \"x\"\n"
		    "n2 readdir dom -> \"y\"\n"
		    "n2 mknod dom/p fifo -> 0\n"
		    "C@n2 open dom/p rdonly &\n"
		    "signal C -> 0\n"
		    "C wait -> EINTR\n");
	assert_int_equal(entries(f->dir[0]), 0);
	assert_int_equal(entries(f->dir[1]), 0);
}

static void test_oracle_divergence(void **state)
{
	struct fx *f = *state;
	struct tm_opts tmo = { .profile = "linux-6" };
	struct target *o;
	struct exec_report rep;
	const char *r;

	connect_nodes(f, 1, false);
	o = f->oracle = oracle_new(f->t, target_model_new(&tmo));
	assert_non_null(o);
	assert_int_equal(run(f, o, "# spec: A1\n"
			     "n1 mkdir dom -> 0\n"
			     "A@n1 open dom/lk rdwr|creat -> fd a\n"
			     "A write a \"hi\" -> 2\n"
			     "A fstat a -> size=64\n", &rep), EXEC_FAIL);
	r = oracle_report(o);
	assert_non_null(strstr(r, "first divergence from the model at step 4"));
	assert_non_null(strstr(r, "model:    size=64"));
	assert_non_null(strstr(r, "observed: size=2"));
	assert_non_null(strstr(r, "3: A@n1 open dom/lk rdwr|creat -> fd"));
	oracle_free(o);
	f->oracle = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_blocks_and_waits,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds_are_judged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signal_and_hangs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_requires_skip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names_are_private, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exec_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oracle_divergence, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
