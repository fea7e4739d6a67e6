// SPDX-License-Identifier: MIT
/*
 * explore_min.c - shrink a failing run to a small manual-schedule scenario.
 *
 * Records name everything symbolically, so any subset replays on a fresh
 * model (steps whose actor is busy, fd unknown or event absent are just
 * skipped). First the shortest failing suffix window, then ddmin on it,
 * with a bounded number of replays; the result is replayed once more to
 * write each step as a statement with what the model answered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "explore_int.h"

#define MAX_REPLAYS 4000
#define MAX_WORK 40000000ULL	/* records executed over all replays */

struct min {
	struct x_state rx;	/* the replaying explorer */
	const struct x_rec *recs;
	enum inv_id want;
	char sig[96];		/* INV_STUCK: the lock state of the hang */
	unsigned replays;
	unsigned long long work;
};

/* replay idx[0..n): the first violation, and where (*at) it fired */
static enum inv_id replay(struct min *mn, const uint32_t *idx, size_t n,
			  size_t *at)
{
	struct x_state *x = &mn->rx;
	size_t i;

	mn->replays++;
	mn->work += n;
	x_reset(x);
	for (i = 0; i < n; i++) {
		x_exec(x, &mn->recs[idx[i]], idx[i]);
		if (x->viol) {
			*at = i;
			return x->viol;
		}
	}
	return INV_OK;
}

/* is one of the unexplained hangs in the replay the one we look for? */
static bool same_hang(struct min *mn)
{
	struct x_state *x = &mn->rx;
	struct inv_actor ia[X_MAX_ACTORS];
	struct inv_fd fds[X_MAX_ACTORS * X_MAX_FDS];
	enum inv_hang cls[X_MAX_ACTORS];
	char desc[500], *semi;
	int i;

	if (strstr(x->why, mn->sig))
		return true;
	x_collect(x, ia, fds, sizeof(fds) / sizeof(fds[0]));
	inv_classify_hangs(x->m, ia, (size_t)x->nact, cls);
	for (i = 0; i < x->nact; i++) {
		if (cls[i] != INV_HANG_UNEXPLAINED)
			continue;
		inv_describe_hang(x->m, ia, (size_t)x->nact, cls, (size_t)i,
				  desc, sizeof(desc));
		semi = strchr(desc, ';');
		if (semi)
			*semi = '\0';	/* this actor's own wait only */
		if (strstr(desc, mn->sig)) {
			snprintf(x->why, sizeof(x->why), "%s", desc);
			return true;
		}
	}
	return false;
}

/* does idx[0..*n) still fail the same way? then cut it after the failure */
static bool test(struct min *mn, const uint32_t *idx, size_t *n)
{
	size_t at = 0;

	if (replay(mn, idx, *n, &at) != mn->want ||
	    (mn->sig[0] && !same_hang(mn)))
		return false;
	*n = at + 1;
	return true;
}

size_t x_ddmin(uint32_t *idx, size_t n,
	       bool (*fails)(void *arg, const uint32_t *cand, size_t *m),
	       bool (*budget)(void *arg), void *arg)
{
	uint32_t *tmp = malloc(n * sizeof(*tmp));
	size_t gran = 2;

	if (!tmp)
		return n;
	while (n >= 2 && budget(arg)) {
		size_t chunk = (n + gran - 1) / gran, i;
		bool cut = false;

		for (i = 0; i < gran && budget(arg); i++) {
			size_t lo = i * chunk, hi = lo + chunk, m = 0, k;

			if (lo >= n)
				break;
			if (hi > n)
				hi = n;
			for (k = 0; k < n; k++)
				if (k < lo || k >= hi)
					tmp[m++] = idx[k];
			if (m && fails(arg, tmp, &m)) {
				memcpy(idx, tmp, m * sizeof(*idx));
				n = m;
				gran = gran > 2 ? gran - 1 : 2;
				cut = true;
				break;
			}
		}
		if (cut)
			continue;
		if (gran >= n)
			break;
		gran = gran * 2 < n ? gran * 2 : n;
	}
	free(tmp);
	return n;
}

static bool min_fails(void *arg, const uint32_t *cand, size_t *m)
{
	return test(arg, cand, m);
}

static bool min_budget(void *arg)
{
	const struct min *mn = arg;

	return mn->replays < MAX_REPLAYS && mn->work < MAX_WORK;
}

const char *x_rule_of(enum inv_id id)
{
	switch (id) {
	case INV_COMPAT:
		return "X1";
	case INV_HOLDERS:
		return "L1";
	case INV_LVB:
		return "V3";
	case INV_BLOCKED:
		return "L6";
	case INV_POLL:
		return "P1";
	default:
		return "L8";
	}
}

static int mkdirs(const char *dir)
{
	char buf[512], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf) || !buf[0])
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * A `hangs` line for every call still pending at the end (every `&`
 * collected), naming what the hang detector calls it: a rule (O3, L8, T2)
 * or a derived class (teardown, lock-order, cancel-lost).
 */
void x_add_hangs(struct x_state *x)
{
	struct inv_actor ia[X_MAX_ACTORS];
	struct inv_fd fds[X_MAX_ACTORS * X_MAX_FDS];
	enum inv_hang cls[X_MAX_ACTORS];
	int i;

	x_collect(x, ia, fds, sizeof(fds) / sizeof(fds[0]));
	inv_classify_hangs(x->m, ia, (size_t)x->nact, cls);
	for (i = 0; i < x->nact; i++) {
		struct scn_stmt *st;

		if (!x->act[i].pending)
			continue;
		st = scn_add(x->scn);
		if (!st)
			return;
		st->verb = SCN_V_HANGS;
		st->node = x->act[i].node;
		st->actor = scn_actor(x->scn, x->act[i].name, x->act[i].node);
		st->bg_verb = x->act[i].op_verb == XV_OPEN ? SCN_V_OPEN :
			      SCN_V_UNLINK;
		if (cls[i] != INV_HANG_NONE && cls[i] != INV_HANG_UNEXPLAINED)
			snprintf(st->rule, sizeof(st->rule), "%s",
				 inv_hang_name(cls[i]));
		x->scn->req.hangs = true;
	}
}

static int write_scn(struct min *mn, struct x_state *orig, const uint32_t *idx,
		     size_t n, size_t from, struct explore_result *res)
{
	const struct explore_opts *o = orig->o;
	struct x_state *x = &mn->rx;
	char path[480], bugs[128], title[256];
	size_t at = 0, i;
	FILE *f;
	int rc;

	rc = mkdirs(o->repro_dir);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/explore-%s-seed%" PRIu64 "-%s.scn",
		 o->repro_dir, o->prof->name, o->seed, inv_name(mn->want) + 4);
	for (i = strlen(o->repro_dir) + 1; path[i]; i++)
		if (path[i] >= 'A' && path[i] <= 'Z')
			path[i] = (char)(path[i] | 0x20);
	x->scn = scn_new(path);
	if (!x->scn)
		return -ENOMEM;
	x->emit_ok = 0;
	replay(mn, idx, n, &at);
	x_add_hangs(x);
	snprintf(title, sizeof(title), "explore seed %" PRIu64 " on %s violates "
		 "%s (minimized from %zu to %zu steps)", o->seed, o->prof->name,
		 inv_name(mn->want), from, n);
	x->scn->title = strdup(title);
	snprintf(x->scn->rules[0], sizeof(x->scn->rules[0]), "%s",
		 x_rule_of(mn->want));
	x->scn->nrules = 1;
	x->scn->req.nodes = o->nodes;
	snprintf(x->scn->req.stack, sizeof(x->scn->req.stack), "%s",
		 o->prof->stack == DM_STACK_USER ? "user" : "o2cb");
	snprintf(x->scn->req.profiles[0], sizeof(x->scn->req.profiles[0]),
		 "%s", o->prof->name);
	x->scn->req.nprofiles = 1;
	x->scn->req.faults = x->crashes > 0;
	x->scn->manual = x->scn->req.manual = true;
	f = x->emit_ok || !x->scn->title ? NULL : fopen(path, "w");
	if (!f) {
		rc = errno ? -errno : -ENOMEM;
		goto out;
	}
	scn_fprint(f, x->scn);
	fprintf(f, "# ^ violated %s after the statement above: %s\n",
		inv_name(x->viol), x->why);
	explore_bug_names(o->bugs, bugs, sizeof(bugs));
	if (bugs[0])
		fprintf(f, "# found with the planted model bug %s (dm_set_bugs); "
			"the clean model answers differently.\n"
			"# replay: dlmfs-sim run --bug %s FILE\n", bugs, bugs);
	fprintf(f, "# found by dlmfs-sim explore --seed %" PRIu64 " (%zu steps "
		"minimized to %zu)\n", o->seed, from, n);
	rc = fclose(f) ? -errno : 0;
	if (!rc) {
		snprintf(res->repro, sizeof(res->repro), "%s", path);
		res->repro_len = n;
	}
out:
	scn_free(x->scn);
	x->scn = NULL;
	return rc;
}

int x_minimize_and_write(struct x_state *orig, size_t fail_idx,
			 struct explore_result *res)
{
	struct min *mn = calloc(1, sizeof(*mn));
	uint32_t *idx = NULL;
	size_t w, n = 0, i, total = fail_idx + 1;
	bool found = false;
	int rc = -ENOMEM;

	if (!mn || x_init(&mn->rx, orig->o))
		goto out;
	mn->recs = orig->recs;
	mn->want = orig->viol;
	if (mn->want == INV_STUCK) {
		/* keep the same kind of hang, not just any stuck state */
		const char *a = strchr(orig->why, '('), *b = a ? strchr(a, ')') : NULL;

		if (a && b && (size_t)(b - a) < sizeof(mn->sig))
			memcpy(mn->sig, a, (size_t)(b - a + 1));
	}
	idx = malloc(total * sizeof(*idx));
	if (!idx)
		goto out;
	/*
	 * The shortest failing suffix, plus every earlier mkdir (the domains
	 * it needs): most violations are local.
	 */
	for (w = 8;; w *= 4) {
		if (w > total)
			w = total;
		n = 0;
		for (i = 0; i < total - w; i++)
			if (orig->recs[i].type == XR_CALL &&
			    orig->recs[i].verb == XV_MKDIR)
				idx[n++] = (uint32_t)i;
		for (i = total - w; i < total; i++)
			idx[n++] = (uint32_t)i;
		if (test(mn, idx, &n)) {
			found = true;
			break;
		}

		if (w == total)
			break;
	}
	if (!found) {
		fprintf(orig->o->out, "explore: the replay does not fail the "
			"same way; writing no reproducer\n");
		rc = -EPROTO;
		goto out;
	}
	n = x_ddmin(idx, n, min_fails, min_budget, mn);
	rc = write_scn(mn, orig, idx, n, total, res);
	if (rc)
		fprintf(orig->o->out, "explore: cannot write the reproducer in "
			"%s: %s\n", orig->o->repro_dir, strerror(-rc));
out:
	free(idx);
	if (mn)
		x_fini(&mn->rx);
	free(mn);
	return rc;
}
