// SPDX-License-Identifier: MIT
/*
 * inv_shadow.c - the LVB / BAST shadow that lets the invariants judge the
 * model without trusting it.
 *
 * The shadow keeps, per resource, the value that *should* have been
 * published (a node went down from EX via DOWNCONVERT or UNLOCK) and, per
 * node, the local copy that node should see; it never reads the model's
 * LVB storage, so a model that forgets to publish is caught at the next
 * FETCH or read. It also remembers when a blocker may have vanished
 * (cancel, unlock, crash) so a stale BLOCKED flag can be told from a
 * BLOCKED flag nobody asked for (invariants.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

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
	l->snap_set = false;
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
	for (i = 0; i < DM_MAX_NODES; i++) {
		sh_loc_clear(&r->loc[i]);
		r->raw_level[i] = DM_IV;
	}
}

static int sh_grow(struct inv_shadow *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64, i, j;
	struct sh_res *nt = calloc(ncap, sizeof(*nt));
	size_t *nl = calloc(ncap / 2, sizeof(*nl));

	if (!nt || !nl) {
		free(nt);
		free(nl);
		return -1;
	}
	for (i = 0; i < s->used; i++) {
		struct sh_res *r = &s->tab[s->live[i]];

		for (j = r->hash & (ncap - 1); nt[j].used;
		     j = (j + 1) & (ncap - 1))
			;
		nt[j] = *r;
		nl[i] = j;
	}
	free(s->tab);
	free(s->live);
	s->tab = nt;
	s->live = nl;
	s->cap = ncap;
	return 0;
}

/* find or create the resource domain/name; NULL if names are unusable */
struct sh_res *inv_sh_get(struct inv_shadow *s, const char *domain,
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
	s->live[s->used++] = j;
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
	free(s->live);
	free(s);
}

void inv_shadow_reset(struct inv_shadow *s)
{
	size_t i;

	/* only the slots in use: a fuzzer resets once per input */
	for (i = 0; i < s->used; i++)
		memset(&s->tab[s->live[i]], 0, sizeof(*s->tab));
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

static void sh_crash(struct inv_shadow *s, int node)
{
	size_t i;

	s->crashes++;
	for (i = 0; i < s->used; i++) {
		struct sh_res *r = &s->tab[s->live[i]];

		sh_loc_clear(&r->loc[node]);
		r->zombies &= ~(1u << node);
		r->raw &= ~(1u << node);
	}
}

/*
 * The DLM copies the LVB into a grant's AST when it grants (the model queues
 * it then), so a fetch must match the value published at that moment, not
 * whatever recovery made of the resource while the AST was on its way.
 */
static void sh_snap(unsigned char *dst, const struct sh_res *r)
{
	memcpy(dst, r->pub, DM_LVB_LEN);
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
	uint32_t bit = 1u << node;
	const unsigned char *want = r->pub;
	bool want_valid = r->pub_valid;

	switch (t->kind) {
	case DM_T_GRANT:
		sh_snap(r->raw_snap[node], r);
		r->raw_snap_set |= bit;
		r->raw_snap_valid = (r->raw_snap_valid & ~bit) |
				    (r->pub_valid ? bit : 0);
		break;
	case DM_T_FETCH:
		if (!t->lvb)
			break;
		if (r->raw_snap_set & bit) {
			want = r->raw_snap[node];
			want_valid = r->raw_snap_valid & bit;
		}
		if (t->lvb_valid != want_valid ||
		    (want_valid && memcmp(t->lvb, want, DM_LVB_LEN)))
			sh_fail(s, "raw fetch", r->key, node, t->lvb,
				t->lvb_valid, want, want_valid);
		break;
	case DM_T_REQUEST:
		if (!sh_any_present(r)) {
			memset(r->pub, 0, DM_LVB_LEN);	/* V5 */
			r->pub_valid = true;
		}
		if (!(r->raw & (1u << node)))
			r->raw_level[node] = DM_IV;
		r->raw |= 1u << node;
		break;
	case DM_T_AST:
		if (!t->status)
			r->raw_level[node] = (signed char)t->mode;
		r->raw_snap_set &= ~bit;
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

/*
 * o2cb: the resource's master died (the model says which node recovers it;
 * the value is worked out here). The recovery master rebuilds the LVB only
 * from the PR/EX locks other survivors hold, an EX copy first; a raw lock
 * holds the current value (it never writes). None: zeros (V6).
 */
static void sh_remaster(struct sh_res *r, int dead, int rm)
{
	const unsigned char *from = NULL;
	int i, best = DM_IV;

	for (i = 0; i < DM_MAX_NODES; i++) {
		const struct sh_loc *l = &r->loc[i];

		if (i == dead || i == rm)
			continue;
		if (l->present && l->level >= DM_PR && l->level > best) {
			from = l->lvb;
			best = l->level;
		}
		if ((r->raw & (1u << i)) && r->raw_level[i] >= DM_PR &&
		    r->raw_level[i] > best) {
			from = r->pub;
			best = r->raw_level[i];
		}
	}
	if (from && from != r->pub)
		memcpy(r->pub, from, DM_LVB_LEN);
	else if (!from)
		memset(r->pub, 0, DM_LVB_LEN);
	r->pub_valid = true;
}

void inv_shadow_trace(struct inv_shadow *s, const struct dm_model *m,
		      const struct dm_trace *t)
{
	struct sh_res *r;
	struct sh_loc *l;
	const struct dm_profile *p = dm_get_profile(m);
	const unsigned char *want;
	bool want_valid, snap;

	if (t->node < 0 || t->node >= DM_MAX_NODES)
		return;
	if (t->kind == DM_T_CRASH) {
		sh_crash(s, t->node);
		return;
	}
	r = inv_sh_get(s, t->domain, t->name, true);
	if (!r)
		return;
	l = &r->loc[t->node];
	if (t->kind == DM_T_RECOVER && t->mode == DM_NL) {
		sh_remaster(r, t->node, t->peer);
		return;
	}
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
	case DM_T_GRANT:
		sh_snap(l->snap, r);
		l->snap_valid = r->pub_valid;
		l->snap_set = true;
		break;
	case DM_T_AST:
		snap = l->snap_set;
		l->snap_set = false;
		if (t->status)
			break;
		if (t->mode >= DM_PR && t->mode > l->level) {
			/* every new lock and up-convert carries VALBLK (V4) */
			memcpy(l->lvb, snap ? l->snap : r->pub, DM_LVB_LEN);
			l->valid = snap ? l->snap_valid : r->pub_valid;
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
		want = l->snap_set ? l->snap : r->pub;
		want_valid = l->snap_set ? l->snap_valid : r->pub_valid;
		if (t->lvb_valid != want_valid ||
		    (want_valid && memcmp(t->lvb, want, DM_LVB_LEN)))
			sh_fail(s, "fetch", r->key, t->node, t->lvb,
				t->lvb_valid, want, want_valid);
		memcpy(l->lvb, want, DM_LVB_LEN);
		l->valid = want_valid;
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
			l->mark = inv_sh_others_vanish(s, r, l);
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
	r = inv_sh_get(s, v.domain, v.name, true);
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
