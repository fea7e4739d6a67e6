// SPDX-License-Identifier: MIT
/*
 * explore.c - `dlmfs-sim explore`: flags, the seeded scheduler, periodic
 * drains with hang analysis, status lines and the failure report.
 *
 * One seed feeds one PRNG that makes every choice; the model reads no
 * clock; so the same seed and build give the same run, step for step.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explore_int.h"
#include "trace.h"

static const struct {
	const char *name;
	unsigned bit;
} bug_names[] = {
	{ "no-publish", DM_BUG_NO_PUBLISH },
	{ "grant-ex-beside-pr", DM_BUG_GRANT_EX_BESIDE_PR },
	{ "poll-ignores-blocked", DM_BUG_POLL_IGNORES_BLOCKED },
	{ "holder-leak", DM_BUG_HOLDER_LEAK },
};

#define NBUGS (sizeof(bug_names) / sizeof(bug_names[0]))

void explore_opts_default(struct explore_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->nodes = 3;
	o->actors = 6;
	o->locks = 3;
	o->domains = 2;
	o->steps = 100000;
	o->minimize = true;
	o->drain_every = 5000;
	o->prof = dm_profile_find(DM_PROFILE_DEFAULT);
	o->repro_dir = "build/repro";
	o->out = stdout;
}

static void usage(FILE *f)
{
	size_t i;
	const struct dm_profile *p;

	fprintf(f, "usage: dlmfs-sim explore --seed S [--nodes 1..8] "
		"[--actors 1..64] [--steps K]\n"
		"       [--faults] [--profile NAME] [--locks 1..16] "
		"[--domains 1..4] [--hash] [--quiet]\n"
		"       [--repro-dir DIR] [--bug NAME[,NAME]] [--no-minimize] "
		"[--drain-every N]\n  profiles:");
	for (p = dm_profiles; p->name; p++)
		fprintf(f, " %s", p->name);
	fprintf(f, "\n  bugs:");
	for (i = 0; i < NBUGS; i++)
		fprintf(f, " %s", bug_names[i].name);
	fprintf(f, "\n");
}

static int num(const char *flag, const char *v, uint64_t lo, uint64_t hi,
	       uint64_t *out, char *err, size_t len)
{
	char *end;
	unsigned long long n;

	if (!v) {
		snprintf(err, len, "%s needs a value", flag);
		return -1;
	}
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || n < lo || n > hi) {
		snprintf(err, len, "%s: '%s' is not a number in %llu..%llu",
			 flag, v, (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

int explore_parse_bugs(const char *v, unsigned *bugs, char *err, size_t len)
{
	char buf[256], *save = NULL, *w;
	size_t i;

	if (!v || snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf)) {
		snprintf(err, len, "--bug needs a name");
		return -1;
	}
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NBUGS && strcmp(bug_names[i].name, w); i++)
			;
		if (i == NBUGS) {
			snprintf(err, len, "--bug: unknown bug '%s' (see --help)",
				 w);
			return -1;
		}
		*bugs |= bug_names[i].bit;
	}
	return 0;
}

int explore_parse(int argc, char **argv, struct explore_opts *o, char *err,
		  size_t errlen)
{
	bool have_seed = false;
	uint64_t v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;

#define NUMFLAG(name, lo, hi, field)					\
	if (!strcmp(a, name)) {						\
		rc = num(name, val, lo, hi, &v, err, errlen);		\
		if (!rc)						\
			o->field = (__typeof__(o->field))v;		\
		i++;							\
	} else
		NUMFLAG("--seed", 0, UINT64_MAX, seed)
		NUMFLAG("--nodes", 1, DM_MAX_NODES, nodes)
		NUMFLAG("--actors", 1, X_MAX_ACTORS, actors)
		NUMFLAG("--steps", 1, 10000000000ULL, steps)
		NUMFLAG("--locks", 1, X_MAX_LOCKS, locks)
		NUMFLAG("--domains", 1, X_MAX_DOMS, domains)
		NUMFLAG("--drain-every", 1, 1000000000ULL, drain_every)
		if (!strcmp(a, "--faults")) {
			o->faults = true;
		} else if (!strcmp(a, "--hash")) {
			o->hash = true;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "--no-minimize")) {
			o->minimize = false;
		} else if (!strcmp(a, "--profile")) {
			o->prof = val ? dm_profile_find(val) : NULL;
			if (!o->prof) {
				snprintf(err, errlen, "--profile: unknown profile "
					 "'%s' (see --help)", val ? val : "");
				rc = -1;
			}
			i++;
		} else if (!strcmp(a, "--repro-dir")) {
			if (!val || !*val) {
				snprintf(err, errlen, "--repro-dir needs a directory");
				rc = -1;
			}
			o->repro_dir = val;
			i++;
		} else if (!strcmp(a, "--bug")) {
			rc = explore_parse_bugs(val, &o->bugs, err, errlen);
			i++;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(o->out ? o->out : stdout);
			return 1;
		} else {
			snprintf(err, errlen, "unknown option '%s' (see --help)", a);
			rc = -1;
		}
#undef NUMFLAG
		if (rc)
			return -1;
		if (!strcmp(a, "--seed"))
			have_seed = true;
	}
	if (!have_seed) {
		snprintf(err, errlen, "--seed S is required (any 64-bit number; "
			 "it is printed with every status line)");
		return -1;
	}
	return 0;
}

/* ---- scheduling ---- */
static size_t rec_push(struct x_state *x, const struct x_rec *r)
{
	if (!x->recording)
		return 0;
	if (x->nrec == x->caprec) {
		size_t ncap = x->caprec ? x->caprec * 2 : 4096;
		struct x_rec *n = ncap < (1u << 26) ?
				  realloc(x->recs, ncap * sizeof(*n)) : NULL;

		if (!n) {
			x->recording = false;	/* too long to minimize */
			return 0;
		}
		x->recs = n;
		x->caprec = ncap;
	}
	x->recs[x->nrec] = *r;
	return x->nrec++;
}

static void rec_pop(struct x_state *x)
{
	if (x->recording && x->nrec)
		x->nrec--;
}

/* run a generated record; false if the state did not allow it */
/*
 * A record's ref names the fds it opens. While recording, ref equals the
 * record's index (replays pass that index); it must never depend on
 * whether we record, or the run would change with --no-minimize.
 */
static bool run(struct x_state *x, const struct x_rec *r)
{
	uint32_t ref = x->next_ref++;

	rec_push(x, r);
	if (x_exec(x, r, ref))
		return true;
	rec_pop(x);
	x->next_ref--;
	return false;
}

static bool holds(const struct x_actor *a, int dom, int lk)
{
	int i;

	for (i = 0; i < a->nfd; i++)
		if (a->fd[i].dom == dom && a->fd[i].lk == lk)
			return true;
	return false;
}

/*
 * Actors take locks in one global order (domain, then lock), as a sane
 * application does: the DLM has no deadlock detection, and ABBA cycles
 * would only stop the exploration. Returns false if no lock is allowed.
 */
static bool pick_lock(struct x_state *x, const struct x_actor *a,
		      struct x_rec *r)
{
	int top = -1, i, key, nkeys = x->o->domains * x->o->locks;

	for (i = 0; i < a->nfd; i++) {
		key = a->fd[i].dom * x->o->locks + a->fd[i].lk;
		if (key > top)
			top = key;
	}
	if (top < 0)
		return true;
	key = top + (int)prng_below(&x->rng, (uint32_t)(nkeys - top));
	/* the same lock again: L7/L8 self-deadlocks, kept rare */
	if (key == top && prng_chance(&x->rng, 499, 500))
		key++;
	if (key >= nkeys)
		return false;
	r->dom = (uint8_t)(key / x->o->locks);
	r->lk = (uint8_t)(key % x->o->locks);
	return !holds(a, r->dom, r->lk) || key == top;
}

static void gen_call(struct x_state *x, int ai, struct x_rec *r)
{
	struct x_actor *a = &x->act[ai];
	struct prng *g = &x->rng;
	uint32_t w;

	memset(r, 0, sizeof(*r));
	r->type = XR_CALL;
	r->actor = (uint8_t)ai;
	r->dom = (uint8_t)prng_below(g, (uint32_t)x->o->domains);
	r->lk = (uint8_t)prng_below(g, (uint32_t)x->o->locks);
	if (a->nfd && prng_chance(g, 1, 2)) {
		const struct x_fd *f = &a->fd[prng_below(g, (uint32_t)a->nfd)];

		r->fdref = f->ref;
		w = prng_below(g, 100);
		r->verb = w < 30 ? XV_CLOSE : w < 44 ? XV_READ : w < 54 ?
			  XV_PREAD : w < 70 ? XV_WRITE : w < 78 ? XV_PWRITE :
			  w < 86 ? XV_LSEEK : XV_POLL;
		r->len = (uint8_t)(prng_chance(g, 1, 2) ? 64 :
				   prng_range(g, 0, X_DATA_MAX));
		r->off = (int16_t)(prng_chance(g, 1, 8) ? prng_range(g, -2, 100) :
				   prng_range(g, 0, 8));
		r->whence = (uint8_t)prng_below(g, 3);
		r->dseed = (uint32_t)prng_next(g);
		if (r->verb == XV_WRITE || r->verb == XV_PWRITE)
			r->len = (uint8_t)prng_range(g, 0, 70);
		return;
	}
	w = prng_below(g, 100);
	if (w < 66 && a->nfd < X_MAX_FDS && pick_lock(x, a, r)) {
		r->verb = XV_OPEN;
		if (prng_chance(g, 1, 2))
			r->oflags |= XO_EX;
		/* a refused user-stack trylock hangs for ever (O3): keep rare */
		if (prng_chance(g, 1, x->o->prof->stack == DM_STACK_USER ? 40 : 5))
			r->oflags |= XO_NB;
	} else if (w < 78) {
		/* unlink waits for in-flight requests (T1): same lock order */
		r->verb = XV_UNLINK;
		if (!pick_lock(x, a, r))
			r->verb = XV_STAT;
	} else if (w < 88) {
		r->verb = XV_MKDIR;
		r->lk = X_NONE;
	} else if (w < 92) {
		r->verb = XV_RMDIR;
		r->lk = X_NONE;
	} else {
		r->verb = XV_STAT;
		if (prng_chance(g, 1, 3))
			r->lk = X_NONE;
	}
}

static size_t deliverable(const struct x_state *x, size_t *which, size_t max)
{
	size_t n = dm_event_count(x->m), i, c = 0;

	for (i = 0; i < n; i++)
		if (dm_event_deliverable(x->m, i) && c < max)
			which[c++] = i;
	return c;
}

static bool try_fault(struct x_state *x, bool force)
{
	struct x_rec r;
	int n = x->o->nodes, alive = 0, i;

	for (i = 0; i < n; i++)
		alive += dm_node_alive(x->m, i);
	memset(&r, 0, sizeof(r));
	r.node = (uint8_t)prng_below(&x->rng, (uint32_t)n);
	if (!dm_node_alive(x->m, r.node)) {
		if (!force && !prng_chance(&x->rng, 1, 50))
			return false;
		r.type = XR_RESTART;
		return run(x, &r);
	}
	if (alive < 2 || (!force && !prng_chance(&x->rng, 1, 1000)))
		return false;
	r.type = XR_CRASH;
	return run(x, &r);
}

/* stop new calls, close everything, deliver everything, judge the rest */
static void drain(struct x_state *x)
{
	size_t which[256], n;
	struct x_rec r;
	long iter;
	int i, k;

	x->drains++;
	for (iter = 0; iter < 2000000 && !x->viol; iter++) {
		bool did = false;

		for (i = 0; i < x->nact && !did; i++) {
			struct x_actor *a = &x->act[i];

			if (a->pending || !a->nfd || !dm_node_alive(x->m, a->node))
				continue;
			k = (int)prng_below(&x->rng, (uint32_t)a->nfd);
			memset(&r, 0, sizeof(r));
			r.type = XR_CALL;
			r.verb = XV_CLOSE;
			r.actor = (uint8_t)i;
			r.fdref = a->fd[k].ref;
			did = run(x, &r);
		}
		if (!did && (n = deliverable(x, which, 256))) {
			x_gen_deliver(x, which[prng_below(&x->rng, (uint32_t)n)],
				    &r);
			did = run(x, &r);
		}
		if (!did)
			break;
	}
	if (iter == 2000000 && !x->viol) {
		x->viol = INV_STUCK;
		snprintf(x->why, sizeof(x->why), "drain did not converge");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.type = XR_CHECK;
	if (!x->viol)
		run(x, &r);
}

/* one scheduler step; false if nothing at all could run */
static bool step(struct x_state *x)
{
	size_t which[256], nd;
	int idle[X_MAX_ACTORS], ni = 0, i;
	struct x_rec r;

	if (x->o->faults && try_fault(x, false))
		return true;
	nd = deliverable(x, which, 256);
	for (i = 0; i < x->nact; i++)
		if (!x->act[i].pending && dm_node_alive(x->m, x->act[i].node))
			idle[ni++] = i;
	if (nd && (!ni || prng_chance(&x->rng, 1, 2))) {
		x_gen_deliver(x, which[prng_below(&x->rng, (uint32_t)nd)], &r);
		return run(x, &r);
	}
	if (ni) {
		gen_call(x, idle[prng_below(&x->rng, (uint32_t)ni)], &r);
		return run(x, &r);
	}
	/* everyone blocked and nothing queued: only a fault can help */
	return x->o->faults && try_fault(x, true);
}

static void status(struct x_state *x, const char *what)
{
	const struct explore_opts *o = x->o;

	fprintf(o->out, "explore: %s seed=%" PRIu64 " step=%" PRIu64 "/%" PRIu64
		" events=%" PRIu64 " opens=%" PRIu64 " grants=%" PRIu64
		" basts=%" PRIu64 " crashes=%" PRIu64 " hangs=%" PRIu64
		" drains=%" PRIu64 "\n", what, o->seed, x->steps, o->steps,
		x->events, x->opens, x->grants, x->basts, x->crashes, x->hangs,
		x->drains);
}

static void repro_cmd(const struct explore_opts *o, char *buf, size_t len)
{
	size_t n, i;

	n = (size_t)snprintf(buf, len, "dlmfs-sim explore --seed %" PRIu64
			     " --nodes %d --actors %d --locks %d --domains %d "
			     "--steps %" PRIu64 " --profile %s%s", o->seed,
			     o->nodes, o->actors, o->locks, o->domains,
			     o->steps, o->prof->name, o->faults ? " --faults" : "");
	if (o->drain_every != 5000 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " --drain-every %" PRIu64,
				      o->drain_every);
	for (i = 0; i < NBUGS && n < len; i++)
		if (o->bugs & bug_names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, " --bug %s",
					      bug_names[i].name);
}

const char *explore_bug_names(unsigned bugs, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < NBUGS && n < len; i++)
		if (bugs & bug_names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "," : "", bug_names[i].name);
	return buf;
}

static bool all_hung(const struct x_state *x)
{
	int i;

	for (i = 0; i < x->nact; i++)
		if (dm_node_alive(x->m, x->act[i].node) && !x->act[i].hung)
			return false;
	return true;
}

/* the cluster as it stood at the failure: every node, every DLM lock */
static void dump_state(FILE *f, const struct dm_model *m)
{
	char buf[4096];
	struct dm_res_view rv;
	struct dm_lk_view lk;
	size_t i, j;
	int n;

	for (n = 0; n < dm_nodes(m); n++) {
		trace_node_state(m, n, buf, sizeof(buf));
		fprintf(f, "explore:   n%d %s\n", n + 1, buf);
	}
	for (i = 0; i < dm_res_count(m); i++) {
		if (dm_res_view(m, i, &rv))
			continue;
		fprintf(f, "explore:   dlm %s/%s:", rv.domain, rv.name);
		for (j = 0; j < rv.nlocks; j++)
			if (!dm_lk_view(m, i, j, &lk))
				fprintf(f, " n%d%s %s%s%s%s", lk.node + 1,
					lk.owner ? "(raw)" : "",
					dm_mode_name(lk.granted),
					lk.queue == DM_Q_GRANTED ? "" :
					lk.queue == DM_Q_CONVERTING ? "->" : "?",
					lk.queue == DM_Q_GRANTED ? "" :
					dm_mode_name(lk.requested),
					lk.bast_level != DM_IV ? "(bast)" : "");
		fprintf(f, "\n");
	}
}

int explore_run(const struct explore_opts *o, struct explore_result *res)
{
	struct x_state *x = calloc(1, sizeof(*x));
	uint64_t next_drain, next_status, tenth;
	char cmd[512];
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (!x || x_init(x, o)) {
		free(x);
		return -1;
	}
	x->hashing = o->hash;
	x->recording = o->minimize;
	x->report = true;
	tenth = o->steps / 10 ? o->steps / 10 : 1;
	next_status = tenth;
	next_drain = o->drain_every;
	if (!o->quiet)
		fprintf(o->out, "explore: seed=%" PRIu64 " nodes=%d actors=%d "
			"locks=%d domains=%d steps=%" PRIu64 " profile=%s%s\n",
			o->seed, o->nodes, o->actors, o->locks, o->domains,
			o->steps, o->prof->name, o->faults ? " faults" : "");
	while (x->steps < o->steps && !x->viol) {
		if (x->steps >= next_drain) {
			next_drain = x->steps + o->drain_every;
			drain(x);
			if (!o->faults && all_hung(x)) {
				res->stopped_early = true;
				break;
			}
			continue;
		}
		if (!step(x)) {
			drain(x);
			if (!o->faults && all_hung(x)) {
				res->stopped_early = true;
				break;
			}
		}
		if (x->steps >= next_status && !x->viol) {
			if (!o->quiet)
				status(x, "status");
			next_status += tenth;
		}
	}
	if (!x->viol)
		drain(x);
	res->viol = x->viol;
	res->fail_step = x->steps;
	snprintf(res->why, sizeof(res->why), "%s", x->why);
	res->steps = x->steps;
	res->events = x->events;
	res->opens = x->opens;
	res->grants = x->grants;
	res->basts = x->basts;
	res->crashes = x->crashes;
	res->hangs = x->hangs;
	res->drains = x->drains;
	res->hash = x->hash;
	if (res->stopped_early)
		fprintf(o->out, "explore: every live actor is in a documented "
			"hang at step %" PRIu64 "; stopping (use --faults to "
			"reboot nodes)\n", x->steps);
	if (x->viol) {
		rc = 1;
		repro_cmd(o, cmd, sizeof(cmd));
		fprintf(o->out, "explore: FAIL %s at step %" PRIu64 ": %s\n"
			"explore: reproduce: %s\n", inv_name(x->viol),
			x->steps, x->why, cmd);
		dump_state(o->out, x->m);
		if (o->minimize && x->recording && x->nrec &&
		    x_minimize_and_write(x, x->nrec - 1, res) == 0)
			fprintf(o->out, "explore: minimized to %zu steps: %s\n",
				res->repro_len, res->repro);
	} else {
		status(x, "ok");
	}
	if (o->hash)
		fprintf(o->out, "explore: hash=%016" PRIx64 "\n", x->hash);
	x_fini(x);
	free(x);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int explore_main(int argc, char **argv)
{
	struct explore_opts o;
	struct explore_result r;
	char err[256];
	double t0;
	int rc;

	explore_opts_default(&o);
	rc = explore_parse(argc, argv, &o, err, sizeof(err));
	if (rc > 0)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "dlmfs-sim explore: %s\n", err);
		return 2;
	}
	t0 = now_s();
	rc = explore_run(&o, &r);
	if (rc < 0) {
		fprintf(stderr, "dlmfs-sim explore: out of memory\n");
		return 1;
	}
	if (!o.quiet) {
		double dt = now_s() - t0;

		/* wall time is not part of the deterministic output */
		fprintf(stderr, "explore: %" PRIu64 " steps in %.2f s (%.0f "
			"steps/s)\n", r.steps, dt, dt > 0 ? (double)r.steps / dt : 0);
	}
	return rc;
}
