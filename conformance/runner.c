/* SPDX-License-Identifier: MIT */
/*
 * runner.c - dlmfs-conform's cmocka side: one test per (scenario, repeat),
 * run by sim/exec.c on the chosen target. A failure is fail_msg with the
 * first mismatch (plus, on real targets, the time bounds and any agent or
 * cleanup note, and with --oracle the first divergence from the model); a
 * scenario needing what the target lacks is skip() with the reason
 * printed first. A per-rule summary table follows cmocka's output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "conform.h"
#include "exec.h"
#include "oracle.h"
#include "proto.h"
#include "summary.h"

struct conf_file {
	char *path;
	struct scn *scn;	/* NULL: parse error */
	char err[512];
};

struct conf_run;

struct conf_case {
	struct conf_run *run;
	struct conf_file *f;
	char name[160];
	struct sum_case sum;
};

struct conf_run {
	const struct conf_opts *o;
	struct target *t;	/* what the executor runs */
	struct target *real;	/* the real target, or NULL */
	struct target *oracle;	/* the oracle wrapper, or NULL */
	struct conf_file *files;
	int nfiles;
	struct conf_case *cases;
	int ncases;
	bool tap;
	char model_profile[SCN_IDENT_MAX];	/* the oracle model's era */
	const struct scn *s;	/* the running scenario */
	char text[SCN_LINE_MAX];	/* the running statement (verbose) */
};

/* ---- output ---- */
/* lines of text, each prefixed with "# " when the output is TAP */
static void print_lines(const struct conf_run *run, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		print_message("%s%.*s\n", run->tap ? "# " : "", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* ---- hooks: tell the real target and the oracle what runs next ---- */
static void hook_before(void *arg, const struct scn *s,
			const struct scn_stmt *st, const char *text)
{
	struct conf_run *run = arg;

	(void)s;
	if (run->real)
		target_real_stmt(run->real, st);
	if (run->oracle)
		oracle_stmt(run->oracle, st);
	snprintf(run->text, sizeof(run->text), "%s", text);
}

static void hook_after(void *arg, const struct scn *s,
		       const struct scn_stmt *st, const char *got, bool ok)
{
	struct conf_run *run = arg;
	char line[SCN_LINE_MAX + 600];

	if (run->o->verbose) {
		snprintf(line, sizeof(line), "  %d: %s  => %s%s", st->line,
			 run->text, got[0] ? got : "ok", ok ? "" : "  MISMATCH");
		print_lines(run, line);
	}
	if (ok && st != &s->stmts[s->nstmts - 1])
		return;
	/* the executor only looks at blocked actors from now on */
	if (run->real)
		target_real_ending(run->real);
	if (run->oracle)
		oracle_stmt(run->oracle, NULL);
}

/*
 * fail_msg, but through cmocka's own error channel (as its assertions
 * do), so the reason reaches TAP and XML output, not only stderr.
 */
#define fail_with(text) _assert_true(0, (text), __FILE__, __LINE__)

/* ---- one test ---- */
static void run_case(void **state)
{
	struct conf_case *c = *state;
	struct conf_run *run = c->run;
	const struct real_opts *ro = &run->o->real;
	struct exec_hooks hooks = { hook_before, hook_after, run };
	const char *orep = "", *note = "";
	struct exec_report rep;
	char *msg = NULL, buf[4096];
	size_t len = 0;
	FILE *f;
	int rc;

	c->sum.ran = true;
	if (!c->f->scn) {
		c->sum.verdict = EXEC_FAIL;
		fail_with(c->f->err);
	}
	run->s = c->f->scn;
	rc = exec_run(c->f->scn, run->t, &hooks, &rep);
	run->s = NULL;
	if (rc) {
		c->sum.verdict = EXEC_FAIL;
		snprintf(buf, sizeof(buf), "%s: the executor failed: %s",
			 c->f->path, strerror(-rc));
		fail_with(buf);
	}
	c->sum.verdict = rep.verdict;
	if (run->oracle)
		orep = oracle_report(run->oracle);
	if (run->real)
		note = target_real_note(run->real);
	if (rep.verdict == EXEC_SKIP) {
		if (run->real)
			target_real_skip_hint(run->real, c->f->scn, rep.reason,
					      sizeof(rep.reason));
		print_lines(run, rep.reason[0] ? rep.reason : "skipped");
		skip();
		return;
	}
	if (rep.verdict == EXEC_PASS) {
		if (orep[0])
			print_lines(run, orep);
		return;
	}
	/* details first (cmocka cuts long failure messages short) */
	if (orep[0])
		print_lines(run, orep);
	f = open_memstream(&msg, &len);
	if (f) {
		fputs(rep.reason, f);
		if (run->real)
			fprintf(f, "\n  bounds: an `&` call must not return "
				"within --block-ms=%d; a call must return within "
				"--timeout-ms=%d; settle %d ms", ro->block_ms,
				ro->timeout_ms, ro->settle_ms);
		if (note[0])
			fprintf(f, "\n  note: %s", note);
		if (orep[0])
			fprintf(f, "\n  oracle: see the divergence above");
		fclose(f);
	}
	/* the failure longjmps: copy the message to the stack first */
	snprintf(buf, sizeof(buf), "%s", msg ? msg : rep.reason);
	free(msg);
	fail_with(buf);
}

/* ---- selection ---- */
static const char *base_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".scn"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, b);
	return buf;
}

static bool selected(const struct conf_opts *o, const struct conf_file *f,
		     const char *name)
{
	bool rule = !o->nrules;

	if (o->filter && fnmatch(o->filter, name, 0) &&
	    fnmatch(o->filter, f->path, 0))
		return false;
	for (int i = 0; i < o->nrules && f->scn; i++)
		for (int k = 0; k < f->scn->nrules; k++)
			rule |= !strcasecmp(o->rules[i], f->scn->rules[k]);
	return rule;
}

static int build_cases(struct conf_run *run)
{
	const struct conf_opts *o = run->o;
	char name[128];

	run->files = calloc((size_t)o->nfiles, sizeof(*run->files));
	run->cases = calloc((size_t)o->nfiles * (size_t)o->repeat,
			    sizeof(*run->cases));
	if (!run->files || !run->cases)
		return -ENOMEM;
	for (int i = 0; i < o->nfiles; i++) {
		struct conf_file *f = &run->files[i];

		f->path = o->files[i];
		if (scn_parse_file(f->path, &f->scn, f->err, sizeof(f->err)))
			f->scn = NULL;
		run->nfiles++;
		base_name(f->path, name, sizeof(name));
		if (!selected(o, f, name))
			continue;
		for (int r = 1; r <= o->repeat; r++) {
			struct conf_case *c = &run->cases[run->ncases++];

			c->run = run;
			c->f = f;
			if (r == 1)
				snprintf(c->name, sizeof(c->name), "%s", name);
			else
				snprintf(c->name, sizeof(c->name), "%s#%d", name,
					 r);
			c->sum.scn = f->scn;
		}
	}
	return 0;
}

static void list_cases(const struct conf_run *run)
{
	for (int i = 0; i < run->ncases; i++) {
		const struct conf_case *c = &run->cases[i];
		const struct scn *s = c->f->scn;

		printf("%-48s", c->name);
		if (!s) {
			printf(" PARSE ERROR: %s\n", c->f->err);
			continue;
		}
		printf(" spec:");
		for (int k = 0; k < s->nrules; k++)
			printf(" %s", s->rules[k]);
		printf("%s%s\n", s->title ? "  - " : "", s->title ? s->title : "");
	}
	printf("%d scenario(s)\n", run->ncases);
}

/* ---- targets ---- */
static int make_targets(struct conf_run *run, struct target **model)
{
	const struct conf_opts *o = run->o;
	struct tm_opts tmo = { .profile = o->profile };
	struct tgt_caps caps;
	char err[512];

	*model = NULL;
	if (o->model) {
		run->t = *model = target_model_new(&tmo);
		return run->t ? 0 : -ENOMEM;
	}
	run->real = target_real_new(&o->real, err, sizeof(err));
	if (!run->real) {
		fprintf(stderr, "dlmfs-conform: %s\n", err);
		return -EIO;
	}
	run->t = run->real;
	if (!o->oracle)
		return 0;
	/* the model behaves as the era the real target is taken for */
	run->real->ops->caps(run->real->priv, &caps);
	snprintf(run->model_profile, sizeof(run->model_profile), "%s",
		 caps.profile);
	tmo.profile = o->profile ? o->profile : run->model_profile;
	*model = target_model_new(&tmo);
	if (*model)
		run->t = run->oracle = oracle_new(run->real, *model);
	if (!run->oracle) {
		target_model_free(*model);
		*model = NULL;
		return -ENOMEM;
	}
	*model = NULL;	/* owned by the oracle */
	return 0;
}

static void header(struct conf_run *run)
{
	const struct real_opts *ro = &run->o->real;
	struct tgt_caps caps;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!run->real) {
		print_lines(run, run->o->profile ?
			    "dlmfs-conform: target model (profile forced)" :
			    "dlmfs-conform: target model (each scenario's "
			    "profile)");
		return;
	}
	run->real->ops->caps(run->real->priv, &caps);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	fprintf(f, "dlmfs-conform: real target, %d node(s), profile %s, stack "
		"%s, caps \"%s\"%s; block %d ms, timeout %d ms, settle %d ms\n",
		caps.nodes, caps.profile, caps.stack, caps.caps,
		run->oracle ? ", oracle model" : "", ro->block_ms,
		ro->timeout_ms, ro->settle_ms);
	target_real_describe(run->real, f, "  ");
	fclose(f);
	print_lines(run, buf);
	free(buf);
}

int conf_run(const struct conf_opts *o)
{
	struct conf_run run = { .o = o };
	struct CMUnitTest *tests = NULL;
	struct target *model = NULL;
	const char *mode = getenv("CMOCKA_MESSAGE_OUTPUT");
	int status = 2, failed = 0;

	run.tap = mode && !strcasecmp(mode, "tap");
	/* cmocka writes failures to stderr: keep both streams in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (build_cases(&run)) {
		fprintf(stderr, "dlmfs-conform: out of memory\n");
		goto out;
	}
	if (o->list) {
		list_cases(&run);
		status = 0;
		goto out;
	}
	if (!run.ncases) {
		fprintf(stderr, "dlmfs-conform: no scenario selected\n");
		goto out;
	}
	if (make_targets(&run, &model))
		goto out;
	tests = calloc((size_t)run.ncases, sizeof(*tests));
	if (!tests)
		goto out;
	for (int i = 0; i < run.ncases; i++) {
		tests[i].name = run.cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = &run.cases[i];
	}
	header(&run);
	_cmocka_run_group_tests("dlmfs-conform", tests, (size_t)run.ncases,
				NULL, NULL);
	{
		struct sum_case *sc = calloc((size_t)run.ncases, sizeof(*sc));
		char *table = NULL;

		for (int i = 0; sc && i < run.ncases; i++) {
			sc[i] = run.cases[i].sum;
			failed += sc[i].ran && sc[i].verdict == EXEC_FAIL;
		}
		if (sc && !sum_table(sc, (size_t)run.ncases, &table))
			print_lines(&run, table);
		free(table);
		free(sc);
	}
	status = failed ? 1 : 0;
out:
	free(tests);
	if (run.oracle)
		oracle_free(run.oracle);
	if (run.real)
		target_real_free(run.real);
	if (model)
		target_model_free(model);
	for (int i = 0; i < run.nfiles; i++)
		scn_free(run.files[i].scn);
	free(run.files);
	free(run.cases);
	return status;
}
