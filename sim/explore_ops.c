// SPDX-License-Identifier: MIT
/*
 * explore_ops.c - the explorer's executor state: the trace digest, the
 * model's lifetime, lock paths, the scenario statements a reproducer is
 * made of, and each actor's calls and fds (completions, the invariant
 * check after every step). explore_exec.c runs the records on it.
 */
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

/* ---- digest ---- */
void x_hash_bytes(struct x_state *x, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = x->hash;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	x->hash = h;
}

/* two 32-bit values in one 64-bit word, without shifting a negative */
static int64_t pack2(int hi, int lo)
{
	return (int64_t)(((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo);
}

void x_hash_i64(struct x_state *x, int64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	x_hash_bytes(x, b, sizeof(b));
}

static void hash_str(struct x_state *x, const char *s)
{
	if (s)
		x_hash_bytes(x, s, strlen(s) + 1);
	else
		x_hash_bytes(x, "", 1);
}

static void x_trace(void *arg, const struct dm_model *m,
		    const struct dm_trace *t)
{
	struct x_state *x = arg;

	inv_shadow_trace(x->sh, m, t);
	if (t->kind == DM_T_GRANT)
		x->grants++;
	else if (t->kind == DM_T_BAST)
		x->basts++;
	if (!x->hashing)
		return;
	x_hash_i64(x, pack2((int)t->kind, t->node));
	x_hash_i64(x, pack2(t->peer, t->mode));
	x_hash_i64(x, pack2(t->status, t->lvb_valid));
	x_hash_i64(x, (int64_t)t->ino);
	hash_str(x, t->domain);
	hash_str(x, t->name);
	if (t->lvb)
		x_hash_bytes(x, t->lvb, DM_LVB_LEN);
}

/* ---- lifetime ---- */
static void name_actor(struct x_actor *a, int i)
{
	/* actors are < X_MAX_ACTORS (64): "A".."Z", then "A1".."L2" */
	a->name[0] = (char)('A' + i % 26);
	a->name[1] = i < 26 ? '\0' : (char)('0' + i / 26 % 10);
	a->name[2] = '\0';
}

int x_reset(struct x_state *x)
{
	int i;

	dm_reset(x->m);
	dm_set_bugs(x->m, x->o->bugs);
	dm_set_trace(x->m, x_trace, x);
	inv_shadow_reset(x->sh);
	x->nact = x->o->actors < X_MAX_ACTORS ? x->o->actors : X_MAX_ACTORS;
	/* only the actors of this run: a fuzzer resets once per input */
	memset(x->act, 0, (size_t)x->nact * sizeof(x->act[0]));
	for (i = 0; i < x->nact; i++) {
		x->act[i].node = i % x->o->nodes;
		name_actor(&x->act[i], i);
	}
	x->steps = x->events = x->opens = x->grants = x->basts = 0;
	x->crashes = x->hangs = x->drains = 0;
	x->hash = 0xcbf29ce484222325ULL;
	x->viol = INV_OK;
	x->why[0] = '\0';
	return 0;
}

int x_init(struct x_state *x, const struct explore_opts *o)
{
	memset(x, 0, sizeof(*x));
	x->o = o;
	x->m = dm_new(o->prof, o->nodes);
	x->sh = inv_shadow_new();
	if (!x->m || !x->sh) {
		x_fini(x);
		return -1;
	}
	prng_seed(&x->rng, o->seed);
	return x_reset(x);
}

void x_fini(struct x_state *x)
{
	dm_free(x->m);
	inv_shadow_free(x->sh);
	free(x->recs);
	x->m = NULL;
	x->sh = NULL;
	x->recs = NULL;
}

void x_path(const struct x_state *x, int dom, int lk, char *buf, size_t len)
{
	(void)x;
	/* hot: every call and delivery builds one, so no snprintf */
	if (len < sizeof("domNN/lkNN") || dom < 0 || dom > 99 ||
	    (lk != X_NONE && (lk < 0 || lk > 99))) {
		if (len)
			buf[0] = '\0';
		return;
	}
	memcpy(buf, "dom", 3);
	buf += 3;
	if (dom > 9)
		*buf++ = (char)('0' + dom / 10);
	*buf++ = (char)('0' + dom % 10);
	if (lk != X_NONE) {
		memcpy(buf, "/lk", 3);
		buf += 3;
		if (lk > 9)
			*buf++ = (char)('0' + lk / 10);
		*buf++ = (char)('0' + lk % 10);
	}
	*buf = '\0';
}

/* printable, deterministic write data: a seeded walk over letters */
void x_fill_data(uint32_t seed, unsigned char *buf, size_t n)
{
	uint64_t s = seed;
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)('a' + prng_splitmix64(&s) % 26);
}

/* ---- scenario emission ---- */
struct scn_stmt *x_emit(struct x_state *x, enum scn_verb v, int actor,
			int node)
{
	struct scn_stmt *st;

	if (!x->scn || x->emit_ok)
		return NULL;
	st = scn_add(x->scn);
	if (!st) {
		x->emit_ok = -1;
		return NULL;
	}
	st->verb = v;
	st->node = node;
	if (actor >= 0) {
		st->actor = scn_actor(x->scn, x->act[actor].name, node);
		if (st->actor < 0)
			x->emit_ok = -1;
	}
	return st;
}

void x_set_path(struct x_state *x, struct scn_stmt *st, const char *p)
{
	if (st && !(st->path = strdup(p)))
		x->emit_ok = -1;
}

void x_set_data(struct x_state *x, struct scn_data *d,
		const unsigned char *b, size_t n)
{
	d->bytes = malloc(n + 1);
	if (!d->bytes) {
		x->emit_ok = -1;
		return;
	}
	memcpy(d->bytes, b, n);
	d->bytes[n] = 0;
	d->len = d->unit = n;
	d->repeat = 1;
}

void x_exp_rc(struct scn_stmt *st, int64_t rc)
{
	if (!st)
		return;
	if (rc < 0) {
		st->exp.kind = SCN_E_ERRNO;
		st->exp.num = -rc;
	} else {
		st->exp.kind = SCN_E_NUM;
		st->exp.num = rc;
	}
}

/* read results: exact bytes, or N "prefix" when they end in zeros */
void x_exp_bytes(struct x_state *x, struct scn_stmt *st,
		 const unsigned char *b, ssize_t got)
{
	ssize_t k = got;

	if (!st)
		return;
	if (got <= 0) {
		x_exp_rc(st, got);
		return;
	}
	while (k > 0 && !b[k - 1])
		k--;
	st->exp.kind = k < got ? SCN_E_PREFIX : SCN_E_BYTES;
	st->exp.num = got;
	x_set_data(x, &st->exp.data, b, (size_t)k);
}

/* ---- actor bookkeeping ---- */
struct x_fd *x_find_fd(struct x_actor *a, uint32_t ref)
{
	int i;

	for (i = 0; i < a->nfd; i++)
		if (a->fd[i].ref == ref)
			return &a->fd[i];
	return NULL;
}

struct x_fd *x_add_fd(struct x_actor *a, int fh, uint32_t ref, int level)
{
	struct x_fd *f = &a->fd[a->nfd++];
	char lower[8];
	size_t i;

	for (i = 0; a->name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)(a->name[i] | 0x20);
	lower[i] = '\0';
	f->fh = fh;
	f->ref = ref;
	f->level = (uint8_t)level;
	snprintf(f->name, sizeof(f->name), "%s%s%d", lower,
		 a->name[1] ? "f" : "", ++a->fdseq);
	return f;
}

void x_drop_fd(struct x_actor *a, struct x_fd *f)
{
	*f = a->fd[--a->nfd];
}

void x_kill_node_actors(struct x_state *x, int node)
{
	int i;

	for (i = 0; i < x->nact; i++) {
		struct x_actor *a = &x->act[i];

		if (a->node != node)
			continue;
		if (a->pending)
			dm_op_forget(x->m, a->op);
		a->pending = a->hung = false;
		a->nfd = 0;
	}
}

/* collect the calls that finished (after any step) */
void x_completions(struct x_state *x)
{
	int i, fh, rc;

	for (i = 0; i < x->nact; i++) {
		struct x_actor *a = &x->act[i];
		struct scn_stmt *st;

		if (!a->pending)
			continue;
		rc = dm_op_status(x->m, a->op, &fh);
		if (rc == DM_PENDING)
			continue;
		dm_op_forget(x->m, a->op);
		a->pending = a->hung = false;
		st = x_emit(x, SCN_V_WAIT, i, a->node);
		if (st)
			st->bg_verb = a->op_verb == XV_OPEN ? SCN_V_OPEN :
				      SCN_V_UNLINK;
		if (a->op_verb == XV_OPEN && rc == 0) {
			struct x_fd *f = x_add_fd(a, fh, a->op_ref,
						  a->op_level);

			f->dom = a->op_dom;
			f->lk = a->op_lk;
			x->opens++;
			if (st) {
				st->exp.kind = SCN_E_FD;
				snprintf(st->exp.fd, sizeof(st->exp.fd), "%s",
					 f->name);
			}
		} else {
			x_exp_rc(st, rc);
		}
	}
}

size_t x_collect(const struct x_state *x, struct inv_actor *ia,
		 struct inv_fd *fds, size_t maxfds)
{
	size_t n = 0;
	int i, k;

	for (i = 0; i < x->nact; i++) {
		const struct x_actor *a = &x->act[i];

		ia[i] = (struct inv_actor){ a->name, a->node, a->pending,
					    a->op, fds + n, 0 };
		for (k = 0; k < a->nfd && n < maxfds; k++) {
			fds[n++] = (struct inv_fd){ a->fd[k].fh,
						    a->fd[k].level };
			ia[i].nfds++;
		}
	}
	return n;
}

void x_check(struct x_state *x)
{
	struct inv_actor ia[X_MAX_ACTORS];
	struct inv_fd fds[X_MAX_ACTORS * X_MAX_FDS];
	size_t n;

	if (x->viol)
		return;
	n = x_collect(x, ia, fds, sizeof(fds) / sizeof(fds[0]));
	x->viol = inv_check_step(x->m, x->sh, fds, n, x->why, sizeof(x->why));
}
