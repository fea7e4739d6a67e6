/* SPDX-License-Identifier: MIT */
/*
 * test_exec.c - the executor (sim/exec.c) on the model target
 * (sim/target_model.c) and on a fake target: verdicts, the first-mismatch
 * message, `&`/wait/hangs, skips, cleanup, invariants, the trace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dm.h"
#include "exec.h"
#include "scn.h"
#include "target.h"
#include "trace.h"

static struct scn *parse(const char *text)
{
	struct scn *s = NULL;
	char err[512];

	if (scn_parse_buf(text, strlen(text), "t.scn", &s, err, sizeof(err)))
		fail_msg("parse error: %s", err);
	return s;
}

/* run text on a fresh model target; the report is left in *rep */
static void run_opts(const char *text, const struct tm_opts *o,
		     struct exec_report *rep)
{
	struct target *t = target_model_new(o);
	struct scn *s = parse(text);

	assert_non_null(t);
	assert_int_equal(exec_run(s, t, NULL, rep), 0);
	scn_free(s);
	target_model_free(t);
}

static void expect(const char *text, enum exec_verdict v, const char *reason)
{
	struct exec_report rep;

	run_opts(text, NULL, &rep);
	if (rep.verdict != v || (reason && strcmp(rep.reason, reason)))
		fail_msg("verdict %d '%s', expected %d '%s' for:\n%s",
			 rep.verdict, rep.reason, v, reason ? reason : "", text);
}

static const char tiny[] =
	"# spec: X3 O2\n"
	"# requires: nodes=2 stack=o2cb\n"
	"n1 mkdir dom                         -> 0\n"
	"A@n1 open dom/lk creat|rdwr          -> fd a\n"
	"A write a \"v1\"                       -> 2\n"
	"A close a                            -> 0\n"
	"B@n2 mkdir dom                       -> 0\n"
	"B open dom/lk creat|rdonly|nonblock  -> ETXTBSY\n"
	"B open dom/lk creat|rdonly &\n"
	"B wait                               -> fd b\n"
	"B read b 64                          -> 64 \"v1\"\n"
	"B pread b 2 0                        -> \"v1\"\n"
	"B stat dom/lk                        -> type=reg size=64 mode=0644\n"
	"B statfs dom                         -> type=0x76a9f425 namelen=255\n"
	"B getfl b                            -> rdonly\n"
	"B poll b                             -> 0\n"
	"B readdir dom                        -> \"lk\"\n"
	"B caps                               -> \"bast stackglue\"\n";

static void test_pass(void **state)
{
	(void)state;
	expect(tiny, EXEC_PASS, "");
}

static void test_first_mismatch(void **state)
{
	(void)state;
	/* a deliberately wrong expectation: the message names line and call */
	expect("# spec: V2\n"
	       "n1 mkdir dom -> 0\n"
	       "A@n1 open dom/lk creat|rdwr -> fd a\n"
	       "A write a \"abc\" -> 3\n"
	       "A read a 64 -> \"abc\"\n"
	       "A close a -> EBADF\n",
	       EXEC_FAIL, "t.scn:5: `A@n1 read a 64`: expected \"abc\", got "
	       "61 \"\"");
	expect("# spec: O2\n# requires: nodes=2\n"
	       "n1 mkdir dom -> 0\nA@n1 open dom/lk creat|rdwr -> fd a\n"
	       "n2 mkdir dom -> 0\n"
	       "B@n2 open dom/lk creat|rdonly|nonblock -> fd b\n",
	       EXEC_FAIL, "t.scn:6: `B@n2 open dom/lk rdonly|creat|nonblock`: "
	       "expected fd b, got ETXTBSY");
	expect("# spec: A1\nn1 mkdir d -> 0\nn1 open d/l creat|rdwr 0600 -> fd a\n"
	       "n1 fstat a -> type=reg mode=0644 nlink=1\n",
	       EXEC_FAIL, "t.scn:4: `n1 fstat a`: expected type=reg mode=0644 "
	       "nlink=1, got type=reg mode=0100600 nlink=1");
	expect("# spec: P1\nn1 mkdir d -> 0\nn1 open d/l creat|rdwr -> fd a\n"
	       "n1 poll a -> in|rdnorm\n",
	       EXEC_FAIL, "t.scn:4: `n1 poll a`: expected in|rdnorm, got 0");
	expect("# spec: O5\nn1 mkdir d -> 0\n"
	       "n1 open d/l creat|rdwr|append -> fd a\nn1 getfl a -> rdwr|append\n",
	       EXEC_FAIL, "t.scn:4: `n1 getfl a`: expected rdwr|append, got rdwr");
}

static void test_background(void **state)
{
	(void)state;
	/* `&` must block at once */
	expect("# spec: L1\nn1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "A open d/l rdwr &\nA wait -> fd b\n",
	       EXEC_FAIL, "t.scn:4: `A@n1 open d/l rdwr &`: expected to "
	       "block, but it returned fd");
	/* wait on a call still blocked */
	expect("# spec: X2\n# requires: nodes=2\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\nB wait -> fd b\n",
	       EXEC_FAIL, "t.scn:7: `B@n2 wait`: expected fd b, got still "
	       "blocked");
	/* a plain call that blocks is a mismatch too */
	expect("# spec: X2\n# requires: nodes=2\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr -> fd b\n",
	       EXEC_FAIL, "t.scn:6: `B@n2 open d/l rdwr|creat`: expected fd b, "
	       "got blocked");
	/* blocked, then released by a close: X2 */
	expect("# spec: X2\n# requires: nodes=2\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\n"
	       "A poll a -> in|rdnorm\nA close a -> 0\nB wait -> fd b\n"
	       "B close b -> 0\n", EXEC_PASS, "");
}

static const char l8[] =
	"# spec: L8\n# requires: nodes=2 hangs\n"
	"n1 mkdir dom -> 0\nA@n1 open dom/lk creat|rdonly -> fd a\n"
	"n2 mkdir dom -> 0\nB@n2 open dom/lk creat|rdonly -> fd b\n"
	"A open dom/lk rdwr &\nB open dom/lk rdwr &\n";

static void test_hangs(void **state)
{
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "%sA hangs L8\nB hangs L8\n", l8);
	expect(buf, EXEC_PASS, "");
	snprintf(buf, sizeof(buf), "%sA hangs\nB hangs T2\n", l8);
	expect(buf, EXEC_FAIL, "t.scn:10: `B@n2 hangs T2`: expected hang T2, "
	       "got L8");
	/* blocked at the end without a hangs line */
	snprintf(buf, sizeof(buf), "%sA hangs L8\nB hangs\nC@n1 mkdir e -> 0\n",
		 l8);
	expect(buf, EXEC_PASS, "");
	expect("# spec: X2\n# requires: nodes=2 hangs\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\nB hangs\n",
	       EXEC_PASS, "");
	/* the O3 hang of the user stack, named by the detector (X4 too) */
	expect("# spec: O3\n# requires: nodes=2 stack=user hangs\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdonly|nonblock &\n"
	       "B hangs X4\n", EXEC_PASS, "");
}

/* a built scenario (the minimizer's) may leave a call uncollected */
static void test_blocked_at_end(void **state)
{
	struct target *t = target_model_new(NULL);
	struct exec_report rep;
	struct scn *s = parse("# spec: X2\n# requires: nodes=2 hangs\n"
			      "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
			      "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\n"
			      "B hangs\n");

	(void)state;
	s->nstmts--;	/* drop the hangs line */
	assert_int_equal(exec_run(s, t, NULL, &rep), 0);
	assert_int_equal(rep.verdict, EXEC_FAIL);
	assert_string_equal(rep.reason, "t.scn:6: `B@n2 open d/l rdwr|creat &`: "
			    "B still blocked at end");
	s->nstmts++;
	scn_free(s);
	target_model_free(t);
}

static void test_skip(void **state)
{
	struct tm_opts o = { .profile = "linux-5.4" };
	struct tgt_caps c = { .nodes = 1, .stack = "o2cb", .profile = "linux-6",
			      .caps = "bast stackglue" };
	struct exec_report rep;
	struct scn *s;
	char why[256];

	(void)state;
	run_opts(tiny, &o, &rep);
	assert_int_equal(rep.verdict, EXEC_SKIP);
	assert_string_equal(rep.reason, "pins linux-6 behaviour, the target "
			    "behaves as linux-5.4");
	s = parse(tiny);
	assert_int_equal(exec_check_requires(s, &c, why, sizeof(why)), 1);
	assert_string_equal(why, "needs 2 nodes, the target has 1");
	c.nodes = 2;
	assert_int_equal(exec_check_requires(s, &c, why, sizeof(why)), 0);
	strcpy(c.stack, "user");
	assert_int_equal(exec_check_requires(s, &c, why, sizeof(why)), 1);
	assert_string_equal(why, "needs stack=o2cb, the target runs user");
	scn_free(s);
	s = parse("# spec: C1\n# requires: caps=bast faults\nn1 caps -> 14\n");
	strcpy(c.caps, "");
	assert_int_equal(exec_check_requires(s, &c, why, sizeof(why)), 1);
	assert_string_equal(why, "needs capability bast");
	strcpy(c.caps, "bast stackglue");
	assert_int_equal(exec_check_requires(s, &c, why, sizeof(why)), 1);
	assert_string_equal(why, "needs faults");
	scn_free(s);
	/* an old-kernel scenario runs under its own profile */
	expect("# spec: V1\n# requires: profile=linux-5.4\n"
	       "n1 mkdir d -> 0\nn1 open d/l creat|rdwr -> fd a\n"
	       "n1 write a \"abcdef\" -> 6\nn1 pread a 2 4 -> \"ab\"\n",
	       EXEC_PASS, "");
}

static void test_manual_and_faults(void **state)
{
	(void)state;
	/* manual schedule: the BAST and the worker are delivered by hand */
	expect("# spec: L5\n# requires: nodes=2\n# schedule: manual\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr &\n"
	       "deliver n1 ast\ndeliver n1 wake\nA wait -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\n"
	       "A poll a -> 0\ndeliver n1 bast d/l\nA poll a -> in|rdnorm\n"
	       "A close a -> 0\nsettle\nB wait -> fd b\n", EXEC_PASS, "");
	expect("# spec: L5\n# schedule: manual\nn1 mkdir d -> 0\n"
	       "deliver n1 bast\n", EXEC_FAIL, "t.scn:4: `deliver n1 bast`: "
	       "expected 0, got ENOENT (no deliverable bast event for n1)");
	/* crash: the waiter is granted, the dead node's fds are gone */
	expect("# spec: V6\n# requires: nodes=2 faults\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "A write a \"x\" -> 1\nn2 mkdir d -> 0\n"
	       "B@n2 open d/l creat|rdonly &\ncrash n1 -> 0\n"
	       "B wait -> fd b\nB read b 64 -> 64 \"\"\nrestart n1 -> 0\n"
	       "A@n1 mkdir d -> 0\nA open d/l creat|rdonly -> fd a\n",
	       EXEC_PASS, "");
	/* signal (O4): the wait goes on, the grant ends it with EINTR */
	expect("# spec: O4\n# requires: nodes=2\n"
	       "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
	       "n2 mkdir d -> 0\nB@n2 open d/l creat|rdwr &\nsignal B -> 0\n"
	       "A close a -> 0\nB wait -> EINTR\n"
	       "B open d/l rdwr|nonblock -> fd b\n", EXEC_PASS, "");
}

static void test_dup_and_uid(void **state)
{
	(void)state;
	/* dup shares the description: one holder, unlink EBUSY until both go */
	expect("# spec: O8 T1\nn1 mkdir d -> 0\n"
	       "A@n1 open d/l creat|rdwr -> fd a\nA dup a -> fd a2\n"
	       "A close a -> 0\nA unlink d/l -> EBUSY\nA write a2 \"q\" -> 1\n"
	       "A close a2 -> 0\nA unlink d/l -> 0\nA close a -> 0\n",
	       EXEC_FAIL, "t.scn:10: `A@n1 close a`: A has no open fd 'a'");
	expect("# spec: N6\n# requires: nonroot\nn1 mkdir d -> 0\n"
	       "n1 open d/l creat|rdwr 0600 -> fd a\nn1 close a -> 0\n"
	       "U@n1 uid 1000 1000 -> 0\nU open d/l rdonly -> EACCES\n",
	       EXEC_PASS, "");
	expect("# spec: M3\n# requires: nodes=2 rawdlm\nn1 mkdir d -> 0\n"
	       "K@n2 dlm-lock d l ex -> 0\nA@n1 open d/l creat|rdonly|nonblock "
	       "-> ETXTBSY\nK dlm-unlock d l -> 0\n"
	       "A open d/l rdonly|nonblock -> fd a\n", EXEC_PASS, "");
}

static void test_invariants(void **state)
{
	struct tm_opts o = { .bugs = DM_BUG_NO_PUBLISH };
	struct exec_report rep;

	(void)state;
	/* a model that forgets to publish the LVB is caught by the shadow */
	run_opts("# spec: V3\n# requires: nodes=2\n"
		 "n1 mkdir d -> 0\nA@n1 open d/l creat|rdwr -> fd a\n"
		 "A write a \"v1\" -> 2\nA close a -> 0\nn2 mkdir d -> 0\n"
		 "B@n2 open d/l creat|rdonly -> fd b\nB read b 64 -> 64 \"v1\"\n",
		 &o, &rep);
	assert_int_equal(rep.verdict, EXEC_FAIL);
	if (!strstr(rep.reason, "invariant INV_LVB"))
		fail_msg("no INV_LVB in '%s'", rep.reason);
}

/* ---- a fake target: the executor must not care what it runs on ---- */
struct fake {
	int begun, ended, closes, next_fd;
	bool blocked;
};

static int f_begin(void *t, const struct scn *s, char *why, size_t len)
{
	(void)s;
	(void)why;
	(void)len;
	((struct fake *)t)->begun++;
	return 0;
}

static void f_caps(void *t, struct tgt_caps *c)
{
	(void)t;
	memset(c, 0, sizeof(*c));
	c->nodes = 1;
	strcpy(c->stack, "o2cb");
	strcpy(c->profile, "linux-6");
	c->hangs = true;
}

static int f_start(void *t, const struct tgt_call *c, struct tgt_result *r)
{
	struct fake *f = t;

	if (c->st->verb == SCN_V_OPEN && c->st->bg) {
		f->blocked = true;
		return TGT_BLOCKED;
	}
	if (c->st->verb == SCN_V_OPEN || c->st->verb == SCN_V_DUP)
		r->fd = f->next_fd++;
	if (c->st->verb == SCN_V_CLOSE)
		f->closes++;
	return TGT_DONE;
}

static int f_wait(void *t, int actor, struct tgt_result *r)
{
	(void)actor;
	(void)r;
	return ((struct fake *)t)->blocked ? TGT_BLOCKED : TGT_DONE;
}

static void f_settle(void *t)
{
	(void)t;
}

static int f_close(void *t, int actor, int fd)
{
	(void)actor;
	(void)fd;
	((struct fake *)t)->closes++;
	return 0;
}

static void f_end(void *t)
{
	((struct fake *)t)->ended++;
}

static const struct target_ops fake_ops = {
	.name = "fake", .begin = f_begin, .caps = f_caps, .start = f_start,
	.wait = f_wait, .settle = f_settle, .close = f_close, .end = f_end,
};

static void test_fake_target(void **state)
{
	struct fake f = { 0 };
	struct target t = { &fake_ops, &f };
	struct exec_report rep;
	struct scn *s;

	(void)state;
	s = parse("# spec: O8\n# requires: hangs\n"
		  "A@n1 open d/l rdwr -> fd a\nA dup a -> fd b\n"
		  "A open d/l rdwr -> fd a\nA close b -> 0\n"
		  "B@n1 open d/l rdwr &\nB hangs\n");
	assert_int_equal(exec_run(s, &t, NULL, &rep), 0);
	assert_int_equal(rep.verdict, EXEC_PASS);
	/* one explicit close, then cleanup: the rebound `a` and the old one */
	assert_int_equal(f.closes, 3);
	assert_int_equal(f.begun, 1);
	assert_int_equal(f.ended, 1);
	scn_free(s);
	/* a wrong expectation on the fake target fails the same way */
	s = parse("# spec: O8\nA@n1 open d/l rdwr -> ENOENT\n");
	assert_int_equal(exec_run(s, &t, NULL, &rep), 0);
	assert_int_equal(rep.verdict, EXEC_FAIL);
	assert_string_equal(rep.reason, "t.scn:2: `A@n1 open d/l rdwr`: "
			    "expected ENOENT, got fd");
	assert_int_equal(f.closes, 4);	/* the unexpected fd is closed too */
	scn_free(s);
}

static void test_trace(void **state)
{
	char *text = NULL, *svg = NULL;
	size_t tlen = 0, slen = 0;
	FILE *tf = open_memstream(&text, &tlen);
	FILE *sf = open_memstream(&svg, &slen);
	struct trace *tr = trace_new(tf, true);
	struct tm_opts o = { .trace = tr };
	struct target *t = target_model_new(&o);
	struct exec_report rep;
	struct scn *s = parse(tiny);

	(void)state;
	trace_begin(tr, "tiny");
	assert_int_equal(exec_run(s, t, NULL, &rep), 0);
	assert_int_equal(rep.verdict, EXEC_PASS);
	assert_int_equal(trace_svg(tr, sf), 0);
	fclose(tf);
	fclose(sf);
	assert_non_null(strstr(text, "BAST        n1 dom/lk PR"));
	assert_non_null(strstr(text, "PUBLISH     n1 dom/lk lvb=\"v1\""));
	assert_non_null(strstr(svg, "<?xml"));
	assert_non_null(strstr(svg, "marker-end=\"url(#rb)\""));	/* a BAST */
	assert_non_null(strstr(svg, "</svg>"));
	free(text);
	free(svg);
	scn_free(s);
	target_model_free(t);
	trace_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_first_mismatch),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_hangs),
		cmocka_unit_test(test_blocked_at_end),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_manual_and_faults),
		cmocka_unit_test(test_dup_and_uid),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test(test_fake_target),
		cmocka_unit_test(test_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
