// SPDX-License-Identifier: MIT
/*
 * ops2scn.c - turn an `ops` input (typically an AFL crash) into a readable
 * manual-schedule scenario a person can commit as a regression test.
 *
 *   ops2scn [--bug NAME[,NAME]] [--expect clean|found] [--no-minimize]
 *           [-o OUT.scn] INPUT
 *
 * The input is run as the harness runs it (planted bugs from --bug, else
 * DLMFS_FUZZ_BUGS); a violation is shrunk step by step (ddmin over the
 * recorded steps, same invariant) and the steps are replayed once more
 * with every call, delivery and fault written as a statement. Expectations
 * are what the clean model answers (--expect clean, the default), so the
 * scenario passes on the real model and fails where the bug is planted;
 * --expect found writes the answers of the model the input ran on.
 * Exit: 0 written (no violation, or one shrunk), 1 the clean model
 * violates too (a real bug: the scenario fails on the real model), 2 usage
 * or I/O, 3 no step of the input could run (nothing written).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_ops.h"

#define MAX_REPLAYS 4000

struct conv {
	struct fz_ops f;
	unsigned bugs;
	bool clean, minimize;
	struct fz_hdr hdr;
	struct x_rec *recs;	/* the original run */
	size_t nrec, fail;
	enum inv_id want;
	char why[512];
	char sig[96];		/* INV_STUCK: the hang's lock state */
	unsigned replays;
};

/* replay steps idx[0..n) on a fresh model: the first violation and where */
static enum inv_id replay(struct conv *c, unsigned bugs, const uint32_t *idx,
			  size_t n, size_t *at, struct x_state **xp)
{
	struct x_state *x = fz_ops_state(&c->f, &c->hdr, bugs);
	size_t i;

	c->replays++;
	*xp = x;
	if (!x)
		return INV_OK;
	for (i = 0; i < n; i++) {
		x_exec(x, &c->recs[idx[i]], idx[i]);
		if (x->viol && at) {
			*at = i;
			return x->viol;
		}
	}
	return x->viol;
}

static bool same_failure(struct conv *c, const uint32_t *idx, size_t *n)
{
	struct x_state *x;
	size_t at = 0;

	if (replay(c, c->bugs, idx, *n, &at, &x) != c->want)
		return false;
	if (c->sig[0] && !strstr(x->why, c->sig))
		return false;
	snprintf(c->why, sizeof(c->why), "%s", x->why);
	*n = at + 1;
	return true;
}

static bool conv_fails(void *arg, const uint32_t *cand, size_t *m)
{
	return same_failure(arg, cand, m);
}

static bool conv_budget(void *arg)
{
	const struct conv *c = arg;

	return c->replays < MAX_REPLAYS;
}

/*
 * After the violation: poll every fd an idle actor holds, so a bug the
 * harness saw only through inv_check_poll shows as a wrong poll answer.
 */
static void probe(struct x_state *x)
{
	struct x_rec r;
	int i, k, nfd;

	for (i = 0; i < x->nact; i++) {
		nfd = x->act[i].nfd;
		for (k = 0; k < nfd && !x->act[i].pending; k++) {
			memset(&r, 0, sizeof(r));
			r.type = XR_CALL;
			r.verb = XV_POLL;
			r.actor = (uint8_t)i;
			r.fdref = x->act[i].fd[k].ref;
			x_exec(x, &r, 0);
		}
	}
}

/* `hangs` lines for calls still blocked at the end */
static void header(struct conv *c, struct scn *s, size_t from, size_t n,
		   const char *input)
{
	const struct dm_profile *p = dm_profile_find(fz_prof_names[c->hdr.prof]);
	const char *base = strrchr(input, '/');
	char title[512];

	input = base ? base + 1 : input;
	if (c->want)
		snprintf(title, sizeof(title), "ops fuzzer input %s: %s "
			 "(shrunk from %zu to %zu steps)", input,
			 inv_name(c->want), from, n);
	else
		snprintf(title, sizeof(title), "ops fuzzer input %s (%zu steps)",
			 input, n);
	s->title = strdup(title);
	snprintf(s->rules[0], sizeof(s->rules[0]), "%s", c->want == INV_OK ? "X1" : x_rule_of(c->want));
	s->nrules = 1;
	s->req.nodes = c->hdr.nodes;
	snprintf(s->req.stack, sizeof(s->req.stack), "%s",
		 p->stack == DM_STACK_USER ? "user" : "o2cb");
	snprintf(s->req.profiles[0], sizeof(s->req.profiles[0]), "%s", p->name);
	s->req.nprofiles = 1;
	s->manual = s->req.manual = true;
}

/* replay idx[0..n) with statements on; write the scenario to out */
static int emit(struct conv *c, const uint32_t *idx, size_t n, size_t from,
		const char *input, FILE *out)
{
	struct x_state *x = fz_ops_state(&c->f, &c->hdr,
					 c->clean ? 0 : c->bugs);
	char names[128];
	enum inv_id got;
	struct scn *s;
	size_t i;
	int rc = 0;

	if (!x || !(s = scn_new(input)))
		return -ENOMEM;
	x->scn = s;
	x->emit_ok = 0;
	for (i = 0; i < n; i++)
		x_exec(x, &c->recs[idx[i]], idx[i]);
	got = x->viol;
	if (c->want)
		probe(x);
	x_add_hangs(x);
	header(c, s, from, n, input);
	for (i = 0; i < s->nstmts; i++)
		if (s->stmts[i].verb == SCN_V_CRASH)
			s->req.faults = true;
	if (x->emit_ok || !s->title) {
		rc = -ENOMEM;
		goto out;
	}
	if (!s->nstmts) {
		rc = 3;
		goto out;
	}
	scn_fprint(out, s);
	explore_bug_names(c->bugs, names, sizeof(names));
	if (c->want && c->bugs)
		fprintf(out, "# found by the ops fuzzer with the planted model bug "
			"%s: that model violates %s here:\n#   %s\n", names,
			inv_name(c->want), c->why);
	else if (c->want)
		fprintf(out, "# found by the ops fuzzer: the model violates %s:\n"
			"#   %s\n", inv_name(c->want), c->why);
	if (c->bugs && c->clean)
		fprintf(out, "# expectations are the clean model's answers: "
			"passes on the real model,\n# fails with "
			"`dlmfs-sim run --bug %s`\n", names);
	if (got && (c->clean || !c->bugs)) {
		fprintf(out, "# the %smodel violates %s after the last statement: "
			"%s\n", c->bugs ? "clean " : "", inv_name(got), x->why);
		rc = 1;
	}
out:
	x->scn = NULL;
	scn_free(s);
	return rc;
}

static int convert(struct conv *c, const uint8_t *buf, size_t len,
		   const char *input, FILE *out)
{
	struct x_state *x;
	uint32_t *idx;
	size_t n, i;
	int rc;

	if (fz_ops_init(&c->f, c->bugs)) {
		fz_ops_fini(&c->f);
		return -ENOMEM;
	}
	x = fz_ops_run(&c->f, buf, len);
	if (!x)
		return -ENOMEM;
	c->hdr = c->f.hdr;
	c->nrec = c->f.nrec;
	c->want = x->viol;
	c->fail = c->f.fail;
	snprintf(c->why, sizeof(c->why), "%s", x->why);
	c->recs = malloc((c->nrec + 1) * sizeof(*c->recs));
	idx = malloc((c->nrec + 1) * sizeof(*idx));
	if (!c->recs || !idx) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(c->recs, c->f.recs, c->nrec * sizeof(*c->recs));
	n = c->want && c->fail < c->nrec ? c->fail + 1 : c->nrec;
	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	if (c->want == INV_STUCK) {
		const char *a = strchr(c->why, '('), *b = a ? strchr(a, ')') : NULL;

		if (a && b && (size_t)(b - a) < sizeof(c->sig))
			memcpy(c->sig, a, (size_t)(b - a + 1));
	}
	if (c->want) {
		size_t m = n;

		if (!same_failure(c, idx, &m)) {
			fprintf(stderr, "ops2scn: %s: the recorded steps do not "
				"fail again (%s); writing them unshrunk\n",
				input, c->why);
		} else if (c->minimize) {
			n = x_ddmin(idx, m, conv_fails, conv_budget, c);
		}
	}
	rc = emit(c, idx, n, c->nrec, input, out);
	fprintf(stderr, "ops2scn: %s: %s, %zu of %zu steps written (%u "
		"replays)\n", input, c->want ? inv_name(c->want) : "no violation",
		n, c->nrec, c->replays);
out:
	free(idx);
	free(c->recs);
	fz_ops_fini(&c->f);
	return rc;
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: ops2scn [--bug NAME[,NAME]|MASK] [--expect clean|found]"
		" [--no-minimize]\n               [-o OUT.scn] INPUT\n"
		"Turn an `ops` fuzz input into a manual-schedule scenario "
		"(stdout unless -o).\n"
		"  --bug          planted bugs the input ran with (default: "
		"$DLMFS_FUZZ_BUGS)\n"
		"  --expect       whose answers the scenario expects: the clean "
		"model's\n                 (default) or the model the input ran on\n"
		"  --no-minimize  keep every step up to the violation\n");
	return rc;
}

int main(int argc, char **argv)
{
	struct conv *c = calloc(1, sizeof(*c));
	const char *bugs = getenv("DLMFS_FUZZ_BUGS"), *outp = NULL, *in = NULL;
	uint8_t *buf = malloc(FZ_INPUT_MAX);
	char *text = NULL;
	size_t len, tlen = 0;
	FILE *f, *out;
	int i, rc;

	if (!c || !buf)
		return 2;
	c->clean = c->minimize = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--bug") && v) {
			bugs = v;
			i++;
		} else if (!strcmp(a, "--expect") && v &&
			   (!strcmp(v, "clean") || !strcmp(v, "found"))) {
			c->clean = !strcmp(v, "clean");
			i++;
		} else if (!strcmp(a, "--no-minimize")) {
			c->minimize = false;
		} else if (!strcmp(a, "-o") && v) {
			outp = v;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			free(c);
			return usage(stdout, 0);
		} else if (a[0] == '-' || in) {
			free(c);
			return usage(stderr, 2);
		} else {
			in = a;
		}
	}
	if (!in || fz_parse_bugs(bugs, &c->bugs)) {
		fprintf(stderr, "ops2scn: %s\n", in ? "unknown bug name" :
			"no input file");
		free(c);
		return usage(stderr, 2);
	}
	f = fopen(in, "rb");
	if (!f) {
		fprintf(stderr, "ops2scn: %s: %s\n", in, strerror(errno));
		free(c);
		return 2;
	}
	len = fread(buf, 1, FZ_INPUT_MAX, f);
	fclose(f);
	out = open_memstream(&text, &tlen);
	rc = out ? convert(c, buf, len, in, out) : -ENOMEM;
	if (out && fclose(out))
		rc = -ENOMEM;
	if (rc >= 0 && rc != 3 && !(out = outp ? fopen(outp, "w") : stdout))
		rc = -errno;
	if (rc >= 0 && rc != 3 && (fwrite(text, 1, tlen, out) != tlen ||
				   (out != stdout && fclose(out))))
		rc = -EIO;
	if (rc == 3)
		fprintf(stderr, "ops2scn: %s: no step could run; nothing "
			"written\n", in);
	free(text);
	if (rc < 0)
		fprintf(stderr, "ops2scn: %s: %s\n", in, strerror(-rc));
	free(c);
	free(buf);
	return rc < 0 ? 2 : rc;
}
