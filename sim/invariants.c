// SPDX-License-Identifier: MIT
/*
 * invariants.c - state invariants over the model's views, and the LVB /
 * BAST shadow that lets them judge the model without trusting it.
 *
 * The shadow keeps, per resource, the value that *should* have been
 * published (a node went down from EX via DOWNCONVERT or UNLOCK) and, per
 * node, the local copy that node should see; it never reads the model's
 * LVB storage, so a model that forgets to publish is caught at the next
 * FETCH or read. It also remembers when a blocker may have vanished
 * (cancel, unlock, crash) so a stale BLOCKED flag can be told from a
 * BLOCKED flag nobody asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invariants.h"

#define SH_KEY_MAX (DM_DOMAIN_NAME_MAX + DM_LOCK_NAME_MAX + 2)

struct sh_loc {
	signed char level;	/* DLM-side level as the shadow derives it */
	bool present;		/* the node has a lock on the resource */
	bool valid;		/* local copy valid (user stack VALNOTVALID) */
	bool armed;		/* a BAST was queued since BLOCKED last cleared */
	bool dc_from_ex;	/* our EX downconvert's AST is still due */
	dm_ino ino;		/* the lock file behind it (0: none seen) */
	uint32_t vanish_own;	/* vanish events caused by this node */
	uint32_t mark;		/* others' vanish count when armed */
	unsigned char lvb[DM_LVB_LEN];
};

struct sh_res {
	bool used;
	uint64_t hash;
	char key[SH_KEY_MAX];	/* "domain/name" */
	bool pub_valid;
	unsigned char pub[DM_LVB_LEN];
	uint32_t vanish_total;
	uint32_t zombies;	/* nodes holding a poisoned lock (T2) */
	uint32_t raw;		/* nodes with a raw DLM user's lock (M3) */
	struct sh_loc loc[DM_MAX_NODES];
};

struct inv_shadow {
	struct sh_res *tab;
	size_t cap, used;
	uint32_t crashes;	/* every crash may remove any blocker */
	enum inv_id bad;	/* first violation seen in a trace record */
	char why[256];
};

static const char *const inv_names[] = {
	[INV_OK] = "OK",
	[INV_COMPAT] = "INV_COMPAT",
	[INV_HOLDERS] = "INV_HOLDERS",
	[INV_LVB] = "INV_LVB",
	[INV_BLOCKED] = "INV_BLOCKED",
	[INV_POLL] = "INV_POLL",
	[INV_STUCK] = "INV_STUCK",
};

const char *inv_name(enum inv_id id)
{
	if ((unsigned)id >= sizeof(inv_names) / sizeof(inv_names[0]))
		return "INV_?";
	return inv_names[id];
}

/* ---- shadow table ---- */

static uint64_t sh_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*key)
		h = (h ^ (unsigned char)*key++) * 0x100000001b3ULL;
	return h;
}

static void sh_loc_clear(struct sh_loc *l)
{
	l->level = DM_IV;
	l->present = false;
	l->valid = true;
	l->armed = false;
	l->dc_from_ex = false;
	l->ino = 0;
	memset(l->lvb, 0, sizeof(l->lvb));
}

static void sh_res_init(struct sh_res *r, const char *key, uint64_t h)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->used = true;
	r->hash = h;
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->pub_valid = true;
	for (i = 0; i < DM_MAX_NODES; i++)
		sh_loc_clear(&r->loc[i]);
}

static int sh_grow(struct inv_shadow *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64, i;
	struct sh_res *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
	for (i = 0; i < s->cap; i++) {
		struct sh_res *r = &s->tab[i];
		size_t j;

		if (!r->used)
			continue;
		for (j = r->hash & (ncap - 1); nt[j].used; j = (j + 1) & (ncap - 1))
			;
		nt[j] = *r;
	}
	free(s->tab);
	s->tab = nt;
	s->cap = ncap;
	return 0;
}

/* find or create the resource domain/name; NULL if names are unusable */
static struct sh_res *sh_get(struct inv_shadow *s, const char *domain,
			     const char *name, bool create)
{
	char key[SH_KEY_MAX];
	size_t j, dl, nl;
	uint64_t h;

	if (!domain || !name)
		return NULL;
	/* hot: called per lock per step, so no snprintf */
	dl = strlen(domain);
	nl = strlen(name);
	if (dl + nl + 2 > sizeof(key))
		return NULL;
	memcpy(key, domain, dl);
	key[dl] = '/';
	memcpy(key + dl + 1, name, nl + 1);
	h = sh_hash(key);
	if (s->cap) {
		for (j = h & (s->cap - 1); s->tab[j].used; j = (j + 1) & (s->cap - 1))
			if (s->tab[j].hash == h && !strcmp(s->tab[j].key, key))
				return &s->tab[j];
	}
	if (!create)
		return NULL;
	if ((s->used + 1) * 2 > s->cap && sh_grow(s))
		return NULL;
	for (j = h & (s->cap - 1); s->tab[j].used; j = (j + 1) & (s->cap - 1))
		;
	sh_res_init(&s->tab[j], key, h);
	s->used++;
	return &s->tab[j];
}

struct inv_shadow *inv_shadow_new(void)
{
	struct inv_shadow *s = calloc(1, sizeof(*s));

	return s;
}

void inv_shadow_free(struct inv_shadow *s)
{
	if (!s)
		return;
	free(s->tab);
	free(s);
}

void inv_shadow_reset(struct inv_shadow *s)
{
	if (s->tab)
		memset(s->tab, 0, s->cap * sizeof(*s->tab));
	s->used = 0;
	s->crashes = 0;
	s->bad = INV_OK;
	s->why[0] = '\0';
}

/* up to 12 LVB bytes, C-escaped, for a one-line reason */
static const char *lvb_str(char *buf, size_t len, const unsigned char *lvb,
			   bool valid, size_t n)
{
	size_t i, o = 0;

	if (!valid)
		return "invalid";
	if (!lvb)
		return "?";
	if (n > 12)
		n = 12;
	buf[o++] = '"';
	for (i = 0; i < n && o + 6 < len; i++) {
		unsigned char c = lvb[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	snprintf(buf + o, len - o, "\"...");
	return buf;
}

static void sh_fail(struct inv_shadow *s, const char *what, const char *key,
		    int node, const unsigned char *got, bool got_valid,
		    const unsigned char *want, bool want_valid)
{
	char a[80], b[80];

	if (s->bad != INV_OK)
		return;
	s->bad = INV_LVB;
	snprintf(s->why, sizeof(s->why), "%s on n%d of %s: model %s, shadow %s",
		 what, node + 1, key,
		 lvb_str(a, sizeof(a), got, got_valid, DM_LVB_LEN),
		 lvb_str(b, sizeof(b), want, want_valid, DM_LVB_LEN));
}

static bool sh_any_present(const struct sh_res *r)
{
	int i;

	if (r->zombies || r->raw)
		return true;
	for (i = 0; i < DM_MAX_NODES; i++)
		if (r->loc[i].present)
			return true;
	return false;
}

/* a node goes down from EX with VALBLK: its copy becomes the resource's */
static void sh_publish(struct sh_res *r, struct sh_loc *l)
{
	memcpy(r->pub, l->lvb, DM_LVB_LEN);
	r->pub_valid = true;
}

static void sh_vanish(struct sh_res *r, struct sh_loc *l)
{
	r->vanish_total++;
	l->vanish_own++;
}

static uint32_t sh_others_vanish(const struct inv_shadow *s,
				 const struct sh_res *r, const struct sh_loc *l)
{
	return r->vanish_total - l->vanish_own + s->crashes;
}

static void sh_crash(struct inv_shadow *s, int node)
{
	size_t i;

	s->crashes++;
	for (i = 0; i < s->cap; i++) {
		if (!s->tab[i].used)
			continue;
		sh_loc_clear(&s->tab[i].loc[node]);
		s->tab[i].zombies &= ~(1u << node);
		s->tab[i].raw &= ~(1u << node);
	}
}

/*
 * A raw DLM user's lock (M3: ocfs2 itself, stack_user's version_lock) has
 * no lock file, so its records carry ino 0; poisoned dlmfs locks (T2) do
 * too, but they never request or unlock again. The real DLM keeps the
 * resource and its LVB while any lock is on it, so a raw lock counts like a
 * dlmfs one for V5. It takes the LVB with VALBLK and never writes it, so an
 * unlock from EX republishes the value it fetched - the current one - and
 * makes it valid (fs/dlm set_lvb_unlock clears VALNOTVALID).
 */
static void sh_raw(struct inv_shadow *s, struct sh_res *r, int node,
		   const struct dm_trace *t)
{
	switch (t->kind) {
	case DM_T_FETCH:
		if (t->lvb && (t->lvb_valid != r->pub_valid ||
			       (r->pub_valid && memcmp(t->lvb, r->pub, DM_LVB_LEN))))
			sh_fail(s, "raw fetch", r->key, node, t->lvb,
				t->lvb_valid, r->pub, r->pub_valid);
		break;
	case DM_T_REQUEST:
		if (!sh_any_present(r)) {
			memset(r->pub, 0, DM_LVB_LEN);	/* V5 */
			r->pub_valid = true;
		}
		r->raw |= 1u << node;
		break;
	case DM_T_REFUSED:
		r->raw &= ~(1u << node);	/* a raw lock is always new */
		break;
	case DM_T_UNLOCK:
		if (t->mode == DM_EX)
			r->pub_valid = true;
		r->raw &= ~(1u << node);
		break;
	default:
		break;
	}
}

void inv_shadow_trace(struct inv_shadow *s, const struct dm_model *m,
		      const struct dm_trace *t)
{
	struct sh_res *r;
	struct sh_loc *l;
	const struct dm_profile *p = dm_get_profile(m);

	if (t->node < 0 || t->node >= DM_MAX_NODES)
		return;
	if (t->kind == DM_T_CRASH) {
		sh_crash(s, t->node);
		return;
	}
	r = sh_get(s, t->domain, t->name, true);
	if (!r)
		return;
	l = &r->loc[t->node];
	if (t->kind == DM_T_RECOVER) {
		/* a dead EX holder's value is lost: o2dlm zeroes it (V6),
		 * fs/dlm marks it not valid */
		if (p->stack == DM_STACK_O2CB) {
			memset(r->pub, 0, DM_LVB_LEN);
			r->pub_valid = true;
		} else {
			r->pub_valid = false;
		}
		return;
	}
	/*
	 * Inode numbers only grow on a node until it restarts: a record of a
	 * newer inode means the old lock was unlinked (and, if the DLM still
	 * holds it, poisoned: T2); records of older inodes never change what
	 * the live lock file sees, nor do those of raw locks and zombies
	 * (ino 0, sh_raw).
	 */
	if (!t->ino) {
		sh_raw(s, r, t->node, t);
		return;
	}
	if (t->ino < l->ino)
		return;
	if (t->ino > l->ino) {
		if (l->ino && l->present)
			r->zombies |= 1u << t->node;
		sh_loc_clear(l);
		l->ino = t->ino;
	}
	switch (t->kind) {
	case DM_T_REQUEST:
		if (!l->present && !sh_any_present(r)) {
			/* nobody kept the resource: its LVB was lost (V5) */
			memset(r->pub, 0, DM_LVB_LEN);
			r->pub_valid = true;
		}
		l->present = true;
		break;
	case DM_T_REFUSED:
	case DM_T_CANCEL:
		/* a refused or cancelled new lock leaves the DLM */
		if (l->level == DM_IV)
			l->present = false;
		if (t->kind == DM_T_CANCEL)
			sh_vanish(r, l);
		break;
	case DM_T_AST:
		if (t->status)
			break;
		if (t->mode >= DM_PR && t->mode > l->level) {
			/* every new lock and up-convert carries VALBLK (V4) */
			memcpy(l->lvb, r->pub, DM_LVB_LEN);
			l->valid = r->pub_valid;
		} else if (l->dc_from_ex && t->mode < DM_EX) {
			/* our own published value is valid from its AST on */
			l->valid = true;
		}
		l->dc_from_ex = false;
		l->level = (signed char)t->mode;
		l->present = true;
		break;
	case DM_T_FETCH:
		if (!t->lvb)
			break;
		if (t->lvb_valid != r->pub_valid ||
		    (r->pub_valid && memcmp(t->lvb, r->pub, DM_LVB_LEN)))
			sh_fail(s, "fetch", r->key, t->node, t->lvb,
				t->lvb_valid, r->pub, r->pub_valid);
		memcpy(l->lvb, r->pub, DM_LVB_LEN);
		l->valid = r->pub_valid;
		break;
	case DM_T_DOWNCONVERT:
		if (l->level == DM_EX && t->mode < DM_EX) {
			sh_publish(r, l);
			l->dc_from_ex = true;
		}
		if (t->mode < l->level)
			l->level = (signed char)t->mode;
		break;
	case DM_T_UNLOCK:
		if (l->level == DM_EX)
			sh_publish(r, l);
		sh_vanish(r, l);
		l->level = DM_IV;
		l->present = false;
		break;
	case DM_T_BAST_QUEUED:
	case DM_T_BAST:
		if (!l->armed) {
			l->armed = true;
			l->mark = sh_others_vanish(s, r, l);
		}
		break;
	default:
		break;
	}
}

/* the shadow entry behind an fh, or NULL */
static struct sh_loc *sh_fh(struct inv_shadow *s, const struct dm_model *m,
			    int fh, struct sh_res **rp, int *nodep)
{
	struct dm_lock_view v;
	int node = dm_fh_node(m, fh);
	struct sh_res *r;

	if (node < 0 || node >= DM_MAX_NODES)
		return NULL;
	if (dm_lock_view(m, node, dm_fh_ino(m, fh), &v))
		return NULL;
	r = sh_get(s, v.domain, v.name, true);
	if (!r)
		return NULL;
	*rp = r;
	*nodep = node;
	return &r->loc[node];
}

void inv_shadow_write(struct inv_shadow *s, const struct dm_model *m, int fh,
		      const void *buf, size_t n)
{
	struct sh_res *r;
	struct sh_loc *l;
	int node;

	l = sh_fh(s, m, fh, &r, &node);
	if (!l)
		return;
	if (l->level != DM_EX && s->bad == INV_OK) {
		s->bad = INV_LVB;
		snprintf(s->why, sizeof(s->why),
			 "write accepted on n%d of %s at level %s", node + 1,
			 r->key, dm_mode_name(l->level));
	}
	/* every write lands at LVB offset 0 (V2) */
	if (n > DM_LVB_LEN)
		n = DM_LVB_LEN;
	memcpy(l->lvb, buf, n);
}

enum inv_id inv_shadow_read(struct inv_shadow *s, const struct dm_model *m,
			    int fh, int64_t off, const void *buf, ssize_t got,
			    char *why, size_t whylen)
{
	const struct dm_profile *p = dm_get_profile(m);
	const unsigned char *want;
	struct sh_res *r;
	struct sh_loc *l;
	int64_t max;
	int node;

	if (got < 0)
		return INV_OK;	/* errors are the scenarios' business */
	l = sh_fh(s, m, fh, &r, &node);
	if (!l)
		return INV_OK;
	max = off < DM_LVB_LEN ? DM_LVB_LEN - (off < 0 ? 0 : off) : 0;
	if (!l->valid) {
		if (got == 0)
			return INV_OK;
		snprintf(why, whylen, "read on n%d of %s returned %zd bytes, "
			 "shadow LVB invalid (expect 0)", node + 1, r->key, got);
		return INV_LVB;
	}
	if (got > max) {
		snprintf(why, whylen, "read on n%d of %s at %lld returned %zd "
			 "bytes, at most %lld fit", node + 1, r->key,
			 (long long)off, got, (long long)max);
		return INV_LVB;
	}
	want = p->read == DM_READ_SNAPSHOT ? l->lvb + off : l->lvb;
	if (got && memcmp(buf, want, (size_t)got)) {
		char a[80], b[80];

		snprintf(why, whylen, "read on n%d of %s at %lld got %s, shadow "
			 "has %s", node + 1, r->key, (long long)off,
			 lvb_str(a, sizeof(a), buf, true, (size_t)got),
			 lvb_str(b, sizeof(b), want, true, (size_t)got));
		return INV_LVB;
	}
	return INV_OK;
}

/* ---- state checks ---- */

static enum inv_id check_compat(const struct dm_model *m, char *why,
				size_t len)
{
	size_t nres = dm_res_count(m), i, j, k;
	struct dm_lk_view lk[2 * DM_MAX_NODES + 8];

	for (i = 0; i < nres; i++) {
		struct dm_res_view rv;
		size_t n;

		if (dm_res_view(m, i, &rv))
			continue;
		n = rv.nlocks < sizeof(lk) / sizeof(lk[0]) ? rv.nlocks :
		    sizeof(lk) / sizeof(lk[0]);
		for (j = 0; j < n; j++)
			if (dm_lk_view(m, i, j, &lk[j]))
				lk[j].granted = DM_IV;
		for (j = 0; j < n; j++) {
			if (lk[j].granted == DM_IV)
				continue;
			for (k = j + 1; k < n; k++) {
				if (lk[k].granted == DM_IV ||
				    dm_mode_compat(lk[j].granted, lk[k].granted))
					continue;
				snprintf(why, len, "%s/%s granted %s to n%d and "
					 "%s to n%d", rv.domain, rv.name,
					 dm_mode_name(lk[j].granted),
					 lk[j].node + 1,
					 dm_mode_name(lk[k].granted),
					 lk[k].node + 1);
				return INV_COMPAT;
			}
		}
	}
	return INV_OK;
}

/* the DLM resource index of domain/name, or -1 */
static long find_res(const struct dm_model *m, const char *domain,
		     const char *name)
{
	size_t nres = dm_res_count(m), i;
	struct dm_res_view rv;

	for (i = 0; i < nres; i++)
		if (!dm_res_view(m, i, &rv) && !strcmp(rv.domain, domain) &&
		    !strcmp(rv.name, name))
			return (long)i;
	return -1;
}

/* is some other lock on v's resource asking for a mode v's node blocks? */
static bool live_blocker(const struct dm_model *m, const struct dm_lock_view *v)
{
	long ri = find_res(m, v->domain, v->name);
	struct dm_res_view rv;
	struct dm_lk_view lk;
	int mine = v->level;
	size_t j;

	if (ri < 0 || dm_res_view(m, (size_t)ri, &rv))
		return false;
	for (j = 0; j < rv.nlocks; j++)
		if (!dm_lk_view(m, (size_t)ri, j, &lk) && lk.node == v->node &&
		    lk.owner == 0 && lk.granted != DM_IV)
			mine = lk.granted;
	for (j = 0; j < rv.nlocks; j++) {
		if (dm_lk_view(m, (size_t)ri, j, &lk))
			continue;
		if (lk.node == v->node && lk.owner == 0)
			continue;
		if (lk.queue != DM_Q_CONVERTING && lk.queue != DM_Q_WAITING)
			continue;
		if (mine != DM_IV && !dm_mode_compat(lk.requested, mine))
			return true;
	}
	return false;
}

static bool bast_queued(const struct dm_model *m, int node, dm_ino ino)
{
	size_t n = dm_event_count(m), i;

	for (i = 0; i < n; i++) {
		const struct dm_event *e = dm_event_at(m, i);

		if (e->kind == DM_EV_BAST && e->node == node && e->ino == ino)
			return true;
	}
	return false;
}

/*
 * BLOCKED is legitimate while a blocker is live, while our own downconvert
 * (or same-level convert the worker issues) is in flight, or - the stale
 * case the kernel leaves after a cancel or a crash - when a blocker may
 * have vanished since the BAST that set it was queued.
 */
static enum inv_id check_blocked(const struct dm_model *m, struct inv_shadow *s,
				 struct sh_res *r, const struct dm_lock_view *v,
				 char *why, size_t len)
{
	struct sh_loc *l;

	if (s && !r)
		r = sh_get(s, v->domain, v->name, false);
	l = r ? &r->loc[v->node] : NULL;

	if (!(v->flags & DM_LF_BLOCKED)) {
		if (l && l->armed && !bast_queued(m, v->node, v->ino))
			l->armed = false;
		return INV_OK;
	}
	if (live_blocker(m, v))
		return INV_OK;
	if ((v->flags & DM_LF_BUSY) && v->requested != DM_IV &&
	    v->requested <= v->level)
		return INV_OK;
	/* our own unlock is in flight or done: the lock is going away (T1) */
	if ((v->flags & DM_LF_TEARDOWN) &&
	    ((v->flags & DM_LF_BUSY) || v->level == DM_IV))
		return INV_OK;
	if (!s)
		return INV_OK;	/* no history: cannot judge the stale case */
	/*
	 * Unlocked in the DLM during teardown: the flag is dead. (After an
	 * o2cb CANCELGRANT, IN_CANCEL stays set and the teardown unlock AST
	 * is taken for a cancel: the level stays, BLOCKED too - kernel-like.)
	 */
	if ((v->flags & DM_LF_TEARDOWN) && l && !l->present)
		return INV_OK;
	if (l && l->armed && sh_others_vanish(s, r, l) != l->mark)
		return INV_OK;
	snprintf(why, len, "n%d %s/%s BLOCKED (for %s, level %s) but no node "
		 "asks for an incompatible mode and no blocker %s", v->node + 1,
		 v->domain, v->name, dm_mode_name(v->blocking),
		 dm_mode_name(v->level),
		 l && l->armed ? "vanished since its BAST" : "ever sent a BAST");
	return INV_BLOCKED;
}

/*
 * Visit every lock file's lock. With a shadow, only the locks that ever
 * appeared in a trace record: a lock that never talked to the DLM has no
 * level, holders or flags to check, and the model's full view scan costs
 * O(inodes) per lock.
 */
typedef enum inv_id (*lock_fn)(const struct dm_model *m, struct inv_shadow *s,
			       struct sh_res *r, const struct dm_lock_view *v,
			       void *arg, char *why, size_t len);

static enum inv_id for_each_lock(const struct dm_model *m, struct inv_shadow *s,
				 lock_fn fn, void *arg, char *why, size_t len)
{
	int node, nodes = dm_nodes(m);
	struct dm_lock_view v;
	enum inv_id id;
	size_t i, n;

	if (!s) {
		for (node = 0; node < nodes; node++) {
			n = dm_lock_count(m, node);
			for (i = 0; i < n; i++) {
				if (dm_lock_view_at(m, node, i, &v) || !v.ino)
					continue;
				id = fn(m, s, NULL, &v, arg, why, len);
				if (id)
					return id;
			}
		}
		return INV_OK;
	}
	for (i = 0; i < s->cap; i++) {
		struct sh_res *r = &s->tab[i];

		if (!r->used)
			continue;
		for (node = 0; node < nodes && node < DM_MAX_NODES; node++) {
			struct sh_loc *l = &r->loc[node];

			if (!l->ino)
				continue;
			if (dm_lock_view(m, node, l->ino, &v))
				continue;	/* unlinked, or its node died */
			id = fn(m, s, r, &v, arg, why, len);
			if (id)
				return id;
		}
	}
	return INV_OK;
}

static enum inv_id lock_holders(const struct dm_model *m, struct inv_shadow *s,
				struct sh_res *r, const struct dm_lock_view *v,
				void *arg, char *why, size_t len)
{
	(void)m;
	(void)s;
	(void)r;
	(void)arg;
	if ((v->ro_holders && v->level < DM_PR) ||
	    (v->ex_holders && v->level != DM_EX)) {
		snprintf(why, len, "n%d %s/%s at %s with %u PR and %u EX "
			 "holders", v->node + 1, v->domain, v->name,
			 dm_mode_name(v->level), v->ro_holders, v->ex_holders);
		return INV_HOLDERS;
	}
	return INV_OK;
}

static enum inv_id lock_blocked(const struct dm_model *m, struct inv_shadow *s,
				struct sh_res *r, const struct dm_lock_view *v,
				void *arg, char *why, size_t len)
{
	(void)arg;
	return check_blocked(m, s, r, v, why, len);
}

enum inv_id inv_check(const struct dm_model *m, struct inv_shadow *s,
		      char *why, size_t whylen)
{
	enum inv_id id;

	id = check_compat(m, why, whylen);
	if (!id)
		id = for_each_lock(m, s, lock_holders, NULL, why, whylen);
	if (id)
		return id;
	if (s && s->bad != INV_OK) {
		snprintf(why, whylen, "%s", s->why);
		return s->bad;
	}
	return for_each_lock(m, s, lock_blocked, NULL, why, whylen);
}

enum inv_id inv_check_poll(const struct dm_model *m, const int *fhs, size_t n,
			   char *why, size_t len)
{
	const struct dm_profile *p = dm_get_profile(m);
	size_t i;

	/* before the "bast" capability poll was the VFS default (P3) */
	if (!p->caps || !strstr(p->caps, "bast"))
		return INV_OK;
	for (i = 0; i < n; i++) {
		struct dm_lock_view v;
		int node = dm_fh_node(m, fhs[i]), want, got;

		if (node < 0 || dm_lock_view(m, node, dm_fh_ino(m, fhs[i]), &v))
			continue;
		want = (v.flags & DM_LF_BLOCKED) ? DM_POLLIN | DM_POLLRDNORM : 0;
		/* dm_poll only reads, but takes a mutable model (FUSE side) */
		got = dm_poll((struct dm_model *)m, fhs[i]);
		if (got != want) {
			snprintf(why, len, "poll on n%d %s/%s fh %d = %#x, lock "
				 "%sBLOCKED", node + 1, v.domain, v.name, fhs[i],
				 (unsigned)got, want ? "" : "not ");
			return INV_POLL;
		}
	}
	return INV_OK;
}

struct fds_arg {
	const struct inv_fd *fds;
	const int *node;	/* node and ino of each fd, looked up once */
	const dm_ino *ino;
	size_t n;
};

static enum inv_id lock_fds(const struct dm_model *m, struct inv_shadow *s,
			    struct sh_res *r, const struct dm_lock_view *v,
			    void *arg, char *why, size_t len)
{
	const struct fds_arg *fa = arg;
	unsigned ro = 0, ex = 0;
	size_t i;

	(void)s;
	(void)r;
	(void)m;
	for (i = 0; i < fa->n; i++) {
		if (fa->node[i] != v->node || fa->ino[i] != v->ino)
			continue;
		if (fa->fds[i].level == DM_EX)
			ex++;
		else
			ro++;
	}
	if (ro == v->ro_holders && ex == v->ex_holders)
		return INV_OK;
	snprintf(why, len, "n%d %s/%s counts %u PR + %u EX holders, %u PR + "
		 "%u EX fds are open", v->node + 1, v->domain, v->name,
		 v->ro_holders, v->ex_holders, ro, ex);
	return INV_HOLDERS;
}

/* look each fd's node and ino up once; -1 and a reason if one has no lock */
static int fds_prepare(const struct dm_model *m, const struct inv_fd *fds,
		       size_t n, int *node, dm_ino *ino, char *why, size_t len)
{
	struct dm_lock_view v;
	size_t i;

	for (i = 0; i < n; i++) {
		node[i] = dm_fh_node(m, fds[i].fh);
		ino[i] = dm_fh_ino(m, fds[i].fh);
		if (node[i] < 0 || dm_lock_view(m, node[i], ino[i], &v)) {
			snprintf(why, len, "open fh %d has no lock", fds[i].fh);
			return -1;
		}
	}
	return 0;
}

#define FDS_MAX 1024

enum inv_id inv_check_holders(const struct dm_model *m, struct inv_shadow *s,
			      const struct inv_fd *fds, size_t n, char *why,
			      size_t len)
{
	int node[FDS_MAX];
	dm_ino ino[FDS_MAX];
	struct fds_arg fa = { fds, node, ino, n };

	if (n > FDS_MAX) {
		snprintf(why, len, "%zu fds: more than %d to check", n, FDS_MAX);
		return INV_HOLDERS;
	}
	if (fds_prepare(m, fds, n, node, ino, why, len))
		return INV_HOLDERS;
	return for_each_lock(m, s, lock_fds, &fa, why, len);
}

/* every per-lock check in one visit of each lock */
static enum inv_id lock_all(const struct dm_model *m, struct inv_shadow *s,
			    struct sh_res *r, const struct dm_lock_view *v,
			    void *arg, char *why, size_t len)
{
	enum inv_id id = lock_holders(m, s, r, v, NULL, why, len);

	if (!id)
		id = lock_blocked(m, s, r, v, NULL, why, len);
	if (!id)
		id = lock_fds(m, s, r, v, arg, why, len);
	return id;
}

enum inv_id inv_check_step(const struct dm_model *m, struct inv_shadow *s,
			   const struct inv_fd *fds, size_t n, char *why,
			   size_t len)
{
	int node[FDS_MAX], fhs[FDS_MAX];
	dm_ino ino[FDS_MAX];
	struct fds_arg fa = { fds, node, ino, n };
	enum inv_id id;
	size_t i;

	if (n > FDS_MAX) {
		snprintf(why, len, "%zu fds: more than %d to check", n, FDS_MAX);
		return INV_HOLDERS;
	}
	id = check_compat(m, why, len);
	if (id)
		return id;
	if (s && s->bad != INV_OK) {
		snprintf(why, len, "%s", s->why);
		return s->bad;
	}
	if (fds_prepare(m, fds, n, node, ino, why, len))
		return INV_HOLDERS;
	id = for_each_lock(m, s, lock_all, &fa, why, len);
	if (id)
		return id;
	for (i = 0; i < n; i++)
		fhs[i] = fds[i].fh;
	return inv_check_poll(m, fhs, n, why, len);
}
