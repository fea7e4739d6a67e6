// SPDX-License-Identifier: MIT
/*
 * node.c - node faults (crash/restart through the control socket), the
 * status report, and the live invariant checker (-o check_invariants).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlmfs_fuse.h"

struct inval {
	fuse_ino_t parent;
	char *name;
};

struct inval_list {
	struct inval *v;
	size_t n, cap;
};

static void inval_add(struct inval_list *l, fuse_ino_t parent,
		      const char *name)
{
	struct inval *nv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return;	/* best effort: the entry just times out */
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].parent = parent;
	l->v[l->n].name = strdup(name);
	if (l->v[l->n].name)
		l->n++;
}

/* every name the kernel may have cached for this node: locks, then domains */
static void collect_names(struct dfs *d, struct dfs_node *nd,
			  struct inval_list *l)
{
	struct dm_dirent dom, lk;
	size_t i, j;
	dm_ino dino;
	char *dname;

	for (i = 2; dm_readdir(d->m, nd->idx, DM_ROOT_INO, i, &dom) == 1; i++) {
		dino = dom.ino;
		dname = strdup(dom.name);
		if (!dname)
			continue;
		for (j = 2; dm_readdir(d->m, nd->idx, dino, j, &lk) == 1; j++)
			inval_add(l, dfs_nodeid(nd, dino), lk.name);
		inval_add(l, FUSE_ROOT_ID, dname);
		free(dname);
	}
}

static void invalidate(struct dfs_node *nd, struct inval_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		fuse_lowlevel_notify_inval_entry(nd->se, l->v[i].parent,
						 l->v[i].name,
						 strlen(l->v[i].name));
		free(l->v[i].name);
	}
	free(l->v);
	fuse_lowlevel_notify_inval_inode(nd->se, FUSE_ROOT_ID, -1, 0);
}

/*
 * Crash node: the model ends its pending calls (EIO) and forgets its open
 * files; its fds here turn to EIO, its poll sleepers are woken once (they
 * see POLLERR) and their handles dropped, and the kernel's cached names are
 * invalidated (outside the lock: the kernel may need our replies for that).
 */
int dfs_crash(struct dfs *d, int node, char *msg, size_t len)
{
	struct dfs_node *nd = &d->node[node];
	struct inval_list l = { NULL, 0, 0 };
	struct dfs_waiter *w, *next;
	struct dfs_file *f;
	int r;

	dfs_lock(d);
	if (!dm_node_alive(d->m, node)) {
		dfs_unlock(d);
		snprintf(msg, len, "node n%d is already down", node + 1);
		return -EALREADY;
	}
	collect_names(d, nd, &l);
	r = dm_crash(d->m, node);
	for (f = d->files.next; f != &d->files; f = f->next) {
		if (f->node != node)
			continue;
		f->fh = -1;
		if (f->ph) {
			fuse_lowlevel_notify_poll(f->ph);
			fuse_pollhandle_destroy(f->ph);
			f->ph = NULL;
		}
	}
	for (w = d->waiters.next; w != &d->waiters; w = next) {
		next = w->next;
		if (w->kind == DFS_W_UNLINK_RETRY && w->node == node) {
			fuse_reply_err(w->req, EIO);
			dfs_waiter_del(w);
		}
	}
	dfs_settle(d);	/* its pending opens/unlinks are answered EIO here */
	dfs_unlock(d);
	invalidate(nd, &l);
	snprintf(msg, len, "node n%d crashed", node + 1);
	return r;
}

int dfs_restart(struct dfs *d, int node, char *msg, size_t len)
{
	struct dfs_node *nd = &d->node[node];
	struct inval_list l = { NULL, 0, 0 };
	int r;

	dfs_lock(d);
	r = dm_restart(d->m, node);
	if (!r)
		nd->inc++;	/* old nodeids now read as ESTALE */
	dfs_settle(d);
	dfs_unlock(d);
	if (r) {
		snprintf(msg, len, "node n%d is not down", node + 1);
		return r;
	}
	invalidate(nd, &l);
	snprintf(msg, len, "node n%d restarted (empty namespace)", node + 1);
	return 0;
}

static size_t put(char *buf, size_t len, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t len, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pos >= len)
		return pos;
	va_start(ap, fmt);
	n = vsnprintf(buf + pos, len - pos, fmt, ap);
	va_end(ap);
	return n < 0 ? pos : pos + (size_t)n;
}

void dfs_status(struct dfs *d, char *buf, size_t len)
{
	struct dm_lock_view v;
	struct dfs_waiter *w;
	struct dfs_file *f;
	size_t pos = 0, i;
	unsigned nf, nw;
	int k;

	dfs_lock(d);
	pos = put(buf, len, pos, "profile %s nodes %d settles %lu%s%s\n",
		  dm_get_profile(d->m)->name, d->nnodes, d->settles,
		  d->o.check_invariants ? " check_invariants" : "",
		  d->o.strict_signals ? " strict_signals" : "");
	for (k = 0; k < d->nnodes; k++) {
		nf = nw = 0;
		for (f = d->files.next; f != &d->files; f = f->next)
			nf += f->node == k && f->fh >= 0;
		for (w = d->waiters.next; w != &d->waiters; w = w->next)
			nw += w->node == k;
		pos = put(buf, len, pos,
			  "n%d %s inc %u files %u waiters %u mount %s\n", k + 1,
			  dm_node_alive(d->m, k) ? "up" : "down",
			  d->node[k].inc, nf, nw, d->node[k].mountpoint);
		for (i = 0; !dm_lock_view_at(d->m, k, i, &v); i++)
			pos = put(buf, len, pos,
				  "  n%d %s/%s level %s ro %u ex %u%s%s%s\n",
				  k + 1, v.domain, v.name,
				  dm_mode_name(v.level), v.ro_holders,
				  v.ex_holders,
				  (v.flags & DM_LF_BUSY) ? " BUSY" : "",
				  (v.flags & DM_LF_BLOCKED) ? " BLOCKED" : "",
				  (v.flags & DM_LF_TEARDOWN) ? " TEARDOWN" : "");
	}
	dfs_unlock(d);
}

static void violation(struct dfs *d, const char *what)
{
	fprintf(stderr, "dlmfs-fuse: INVARIANT VIOLATED after settle %lu: %s\n",
		d->settles, what);
	fflush(stderr);
	abort();
}

/* after every settle: DLM grants compatible, holders within the level */
void dfs_check(struct dfs *d)
{
	struct dm_res_view rv;
	struct dm_lk_view a, b;
	struct dm_lock_view v;
	char why[256];
	size_t i, j, k;
	int n;

	for (i = 0; !dm_res_view(d->m, i, &rv); i++) {
		for (j = 0; j < rv.nlocks; j++) {
			if (dm_lk_view(d->m, i, j, &a) || a.granted == DM_IV)
				continue;
			for (k = j + 1; k < rv.nlocks; k++) {
				if (dm_lk_view(d->m, i, k, &b) ||
				    b.granted == DM_IV ||
				    dm_mode_compat(a.granted, b.granted))
					continue;
				snprintf(why, sizeof(why),
					 "%s/%s granted %s to n%d and %s to n%d",
					 rv.domain, rv.name,
					 dm_mode_name(a.granted), a.node + 1,
					 dm_mode_name(b.granted), b.node + 1);
				violation(d, why);
			}
		}
	}
	for (n = 0; n < d->nnodes; n++) {
		for (i = 0; !dm_lock_view_at(d->m, n, i, &v); i++) {
			if ((!v.ex_holders || v.level == DM_EX) &&
			    (!v.ro_holders || v.level == DM_PR ||
			     v.level == DM_EX))
				continue;
			snprintf(why, sizeof(why),
				 "n%d %s/%s at %s with %u PR and %u EX holders",
				 n + 1, v.domain, v.name, dm_mode_name(v.level),
				 v.ro_holders, v.ex_holders);
			violation(d, why);
		}
	}
}
