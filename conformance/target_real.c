/* SPDX-License-Identifier: MIT */
/*
 * target_real.c - the real target's nodes and scenario lifetime.
 *
 * Each scenario gets its own root names (tr_names.c). At the end every
 * actor process is killed (a process stuck in D state is abandoned), a
 * node a scenario crashed is restarted, and a fresh cleaner process per
 * node removes what the scenario made.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm.h"
#include "fusectl.h"
#include "tr_int.h"

void tr_note(struct tr *tr, const char *fmt, ...)
{
	size_t n = strlen(tr->note);
	va_list ap;

	if (n && n + 3 < sizeof(tr->note)) {
		strcpy(tr->note + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(tr->note + n, sizeof(tr->note) - n, fmt, ap);
	va_end(ap);
}

/* ---- nodes ---- */
static void hello_value(const char *hello, const char *key, char *out,
			size_t len)
{
	char pat[32];
	const char *p;
	bool quoted;
	size_t n;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(hello, pat);
	if (!p)
		return;
	p += strlen(pat);
	quoted = *p == '"';
	p += quoted;
	n = strcspn(p, quoted ? "\"" : " ");
	snprintf(out, len, "%.*s", (int)n, p);
	if (!quoted && proto_unpath(out))
		out[0] = '\0';
}

int tr_connect_exec(struct tr *tr, struct tr_node *n)
{
	char v[64], *line = NULL;
	int ms = tr->o.timeout_ms < 10000 ? 10000 : tr->o.timeout_ms;
	int rc = chan_open_command(&n->ch, n->spec);

	if (!rc)
		rc = chan_send(&n->ch, "hello");
	if (!rc)
		rc = chan_recv(&n->ch, NULL, CHAN_HELLO, spawn_now_ms() + ms,
			       &line);
	if (rc) {
		snprintf(n->err, sizeof(n->err), "no hello from `%s` within "
			 "%d ms (%s)", n->spec, ms, rc == -EPIPE ?
			 "it exited" : strerror(-rc));
		chan_close(&n->ch, 100);
		return rc;
	}
	hello_value(line, "error", v, sizeof(v));
	if (v[0] || strncmp(line, "hello " PROTO_NAME " ", 18)) {
		snprintf(n->err, sizeof(n->err), "`%s`: %s", n->spec,
			 v[0] ? v : "not a " PROTO_NAME);
		free(line);
		chan_close(&n->ch, 100);
		return -EPROTO;
	}
	hello_value(line, "kind", v, sizeof(v));
	n->di.kind = !strcmp(v, "kernel-dlmfs") ? DETECT_KERNEL :
		     !strcmp(v, "dlmfs-fuse") ? DETECT_FUSE : DETECT_OTHER;
	hello_value(line, "magic", v, sizeof(v));
	n->di.magic = (uint32_t)strtoul(v, NULL, 0);
	hello_value(line, "fstype", n->di.fstype, sizeof(n->di.fstype));
	n->di.has_caps = strstr(line, " caps=\"") != NULL;
	hello_value(line, "caps", n->di.caps, sizeof(n->di.caps));
	hello_value(line, "stack", n->di.stack, sizeof(n->di.stack));
	hello_value(line, "profile", n->di.profile, sizeof(n->di.profile));
	hello_value(line, "others", v, sizeof(v));
	n->di.others = strcmp(v, "0") != 0;
	hello_value(line, "uid", v, sizeof(v));
	n->uid = (unsigned)strtoul(v, NULL, 10);
	free(line);
	n->err[0] = '\0';
	return 0;
}

static int connect_node(struct tr *tr, struct tr_node *n)
{
	int rc;

	if (n->exec)
		return n->ch.open && !n->ch.dead ? 0 : tr_connect_exec(tr, n);
	rc = detect_path(n->spec, &n->di);
	if (rc)
		snprintf(n->err, sizeof(n->err), "%s: %s", n->spec,
			 strerror(-rc));
	n->uid = (unsigned)geteuid();
	return rc;
}

/* ---- actors ---- */
struct chan *tr_actor_chan(struct tr *tr, int i, bool start)
{
	struct tr_actor *a = &tr->a[i];
	struct tr_node *n = &tr->nodes[a->node];
	int rc;

	if (n->exec) {
		if (!n->ch.open || n->ch.dead) {
			tr_note(tr, "node n%d: the agent `%s` is gone%s%s",
				a->node + 1, n->spec, n->ch.last_bad[0] ?
				"; it said: " : "", n->ch.last_bad);
			return NULL;
		}
		a->started = true;
		return &n->ch;
	}
	if (!a->started) {
		if (!start)
			return NULL;
		rc = chan_open_actor(&a->ch, n->spec, tr_preload(tr, n));
		if (rc) {
			tr_note(tr, "cannot fork actor %s: %s", a->name,
				strerror(-rc));
			return NULL;
		}
		a->started = true;
	}
	return &a->ch;
}

static void reap_abandoned(struct tr *tr)
{
	for (int i = 0; i < tr->nabandoned;) {
		if (waitpid(tr->abandoned[i], NULL, WNOHANG) != 0)
			tr->abandoned[i] = tr->abandoned[--tr->nabandoned];
		else
			i++;
	}
}

void tr_kill_actor(struct tr *tr, int i)
{
	struct tr_actor *a = &tr->a[i];
	struct tr_node *n = &tr->nodes[a->node];
	char line[64], *resp = NULL;
	pid_t pid = a->ch.sp.pid;

	if (!a->started)
		return;
	if (!n->exec) {
		if (!chan_close(&a->ch, 100)) {
			fprintf(stderr, "dlmfs-conform: actor %s (pid %d) did "
				"not die (uninterruptible sleep?); abandoned\n",
				a->name, (int)pid);
			if (tr->nabandoned < TR_ABANDONED_MAX)
				tr->abandoned[tr->nabandoned++] = pid;
		}
	} else if (n->ch.open && !n->ch.dead) {
		snprintf(line, sizeof(line), "kill %s", a->name);
		if (!chan_send(&n->ch, line))
			chan_recv(&n->ch, a->name, CHAN_CTL, spawn_now_ms() +
				  tr->o.timeout_ms, &resp);
		free(resp);
		chan_forget(&n->ch, a->name);
	}
	a->started = a->pending = a->gave_up = false;
}

static void name_actor(struct tr *tr, int i, const char *base)
{
	struct tr_actor *a = &tr->a[i];

	if (!tr->nodes[a->node].exec)
		snprintf(a->name, sizeof(a->name), "%s", base);
	else if (snprintf(a->name, sizeof(a->name), "%s.%u", base, tr->seq) >=
		 (int)sizeof(a->name))
		snprintf(a->name, sizeof(a->name), "a%d.%u", i, tr->seq);
}

/* ---- cleanup ---- */
static int64_t simple_call(struct tr *tr, int i, const char *verb,
			   const char *path, struct tgt_result *r)
{
	struct pbuf b;
	int rc;

	tgt_result_init(r);
	pbuf_init(&b);
	pbuf_printf(&b, "%s %s ", tr->a[i].name, verb);
	pbuf_path(&b, path);
	rc = tr_call_sync(tr, i, b.s, tr->o.timeout_ms, r);
	pbuf_free(&b);
	return rc ? rc : r->status;
}

/*
 * remove path on the cleaner's node: 0, or -errno of what stayed. With
 * dir, a directory is only emptied and *dir set: the caller removes it.
 */
static int rm_tree(struct tr *tr, int i, const char *path, int depth,
		   bool *dir)
{
	struct tgt_result r;
	char *save = NULL, *w, *sub;
	int64_t rc = simple_call(tr, i, "unlink", path, &r);

	tgt_result_clear(&r);
	if (rc == 0 || rc == -ENOENT || rc == -ENAMETOOLONG)
		return 0;	/* an over-long name was never created */
	if (rc != -EISDIR || depth <= 0)
		return (int)rc;
	rc = simple_call(tr, i, "readdir", path, &r);
	if (rc == 0 && r.data) {
		for (w = strtok_r((char *)r.data, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			if (asprintf(&sub, "%s/%s", path, w) < 0)
				continue;
			rm_tree(tr, i, sub, depth - 1, NULL);
			free(sub);
		}
	}
	tgt_result_clear(&r);
	if (dir) {
		*dir = true;
		return 0;
	}
	rc = simple_call(tr, i, "rmdir", path, &r);
	tgt_result_clear(&r);
	return rc == -ENOENT ? 0 : (int)rc;
}

/* empty the scenario's names on node; dirs[k]: name k is a directory left */
static void cleanup_node(struct tr *tr, int node, bool *dirs)
{
	int i = TR_CLEANER(node);

	for (int k = 0; k < tr->nnames; k++) {
		const char *real = tr->names[k].real;
		int rc;

		if (!strcmp(real, ".") || !strcmp(real, ".."))
			continue;
		rc = rm_tree(tr, i, real, 3, &dirs[k]);
		if (tr->a[i].gave_up) {
			fprintf(stderr, "dlmfs-conform: %s: cleanup of n%d "
				"stuck on %s; giving up on that node\n",
				tr->s->file, node + 1, real);
			break;
		}
		if (rc)
			fprintf(stderr, "dlmfs-conform: %s: cleanup: n%d %s "
				"stays (%s)\n", tr->s->file, node + 1, real,
				strerror(-rc));
	}
}

/*
 * rmdir the emptied root directories on all nodes at once: leaving a DLM
 * domain that had locks takes o2dlm up to 4 s (dlm_thread's tick purges
 * the lock resources), and every node leaves on its own
 */
static void cleanup_dirs(struct tr *tr, bool dirs[][TR_NAMES_MAX])
{
	for (int k = 0; k < tr->nnames; k++) {
		bool sent[SCN_NODES_MAX] = { false };
		long long end = spawn_now_ms() + tr->o.timeout_ms;
		struct tgt_result r;
		struct pbuf b;
		int rc;

		for (int n = 0; n < tr->nnodes; n++) {
			int i = TR_CLEANER(n);

			if (!dirs[n][k] || tr->a[i].gave_up)
				continue;
			pbuf_init(&b);
			pbuf_printf(&b, "%s rmdir ", tr->a[i].name);
			pbuf_path(&b, tr->names[k].real);
			sent[n] = !tr_call_send(tr, i, b.s);
			pbuf_free(&b);
		}
		for (int n = 0; n < tr->nnodes; n++) {
			if (!sent[n])
				continue;
			tgt_result_init(&r);
			rc = tr_call_recv(tr, TR_CLEANER(n), end, &r);
			if (!rc)
				rc = (int)r.status;
			tgt_result_clear(&r);
			if (rc && rc != -ENOENT)
				fprintf(stderr, "dlmfs-conform: %s: cleanup: n%d "
					"%s stays (%s)\n", tr->s->file, n + 1,
					tr->names[k].real, strerror(-rc));
		}
	}
}

static void cleanup(struct tr *tr)
{
	bool dirs[SCN_NODES_MAX][TR_NAMES_MAX];

	memset(dirs, 0, sizeof(dirs));
	for (int n = 0; n < tr->nnodes; n++)
		if (!tr->nodes[n].err[0])
			cleanup_node(tr, n, dirs[n]);
	cleanup_dirs(tr, dirs);
	for (int n = 0; n < tr->nnodes; n++)
		tr_kill_actor(tr, TR_CLEANER(n));
}

/* ---- target ops ---- */
static void tr_end(void *t)
{
	struct tr *tr = t;

	if (!tr->s)
		return;
	for (int i = 0; i < SCN_ACTORS_MAX; i++)
		tr_kill_actor(tr, i);
	/* the next scenario starts with every node up */
	for (int n = 0; n < tr->nnodes; n++)
		if (tr->nodes[n].crashed && tr_restart(tr, n))
			fprintf(stderr, "dlmfs-conform: %s: cannot restart n%d: "
				"%s\n", tr->s->file, n + 1, tr->note);
	cleanup(tr);
	reap_abandoned(tr);
	tr_names_free(tr);
	tr->s = NULL;
}

static int tr_begin(void *t, const struct scn *s, char *why, size_t len)
{
	struct tr *tr = t;

	if (tr->s)
		tr_end(tr);
	reap_abandoned(tr);
	tr->seq++;
	snprintf(tr->prefix, sizeof(tr->prefix), "c%d-%u-", (int)getpid(),
		 tr->seq);
	tr->note[0] = '\0';
	tr->next = SCN_V_NONE;
	tr->ending = tr->settle_due = false;
	for (int n = 0; n < tr->nnodes; n++) {
		if (connect_node(tr, &tr->nodes[n])) {
			snprintf(why, len, "node n%d: %s", n + 1,
				 tr->nodes[n].err);
			return -EIO;
		}
	}
	tr->s = s;
	tr_collect_names(tr, s);
	for (int i = 0; i < TR_ACTORS; i++) {
		struct tr_actor *a = &tr->a[i];
		bool cleaner = i >= SCN_ACTORS_MAX;
		int node = cleaner ? i - SCN_ACTORS_MAX :
			   i < s->nactors ? s->actors[i].node : 0;

		memset(a, 0, sizeof(*a));
		chan_init(&a->ch);
		a->node = node < tr->nnodes ? node : 0;
		name_actor(tr, i, cleaner ? "_clean" : i < s->nactors ?
			   s->actors[i].name : "_none");
	}
	return 0;
}

static void tr_caps(void *t, struct tgt_caps *c)
{
	struct tr *tr = t;
	const struct detect_info *d = &tr->nodes[0].di;
	const char *emulated = tr->fuse_profile[0] ? tr->fuse_profile :
			       d->profile;
	const struct dm_profile *ep = emulated[0] ?
				      dm_profile_find(emulated) : NULL;
	const char *stack = tr->o.stack ? tr->o.stack :
			    d->stack[0] ? d->stack :
			    ep && ep->stack == DM_STACK_USER ? "user" : "o2cb";

	memset(c, 0, sizeof(*c));
	c->nodes = tr->nnodes;
	snprintf(c->stack, sizeof(c->stack), "%s", stack);
	/* --profile, else what dlmfs-fuse says it emulates, else modern */
	snprintf(c->profile, sizeof(c->profile), "%s", tr->o.profile ?
		 tr->o.profile : emulated[0] ? emulated :
		 !strcmp(stack, "user") ? "linux-6-user" : "linux-6");
	snprintf(c->caps, sizeof(c->caps), "%s", d->has_caps ? d->caps : "");
	/* an actor can become another user, and that user gets in */
	c->nonroot = true;
	for (int n = 0; n < tr->nnodes; n++)
		c->nonroot &= tr->nodes[n].uid == 0 && tr->nodes[n].di.others;
	c->hangs = tr->o.allow_hangs;
	c->faults = tr->o.fuse_ctl || tr->o.fault_cmd;
}

/* --fuse-ctl: its profile, and which daemon node each --node is */
static int connect_fuse(struct tr *tr, char *err, size_t len)
{
	char real[PATH_MAX], why[128];
	int rc;

	for (int n = 0; n < tr->nnodes; n++) {
		struct tr_node *nd = &tr->nodes[n];

		if (nd->exec || !realpath(nd->spec, real)) {
			snprintf(err, len, "--fuse-ctl: n%d (%s) is not a local "
				 "mount", n + 1, nd->spec);
			return -EINVAL;
		}
		rc = fusectl_status(tr->o.fuse_ctl, why, sizeof(why), real,
				    &nd->fuse_node, tr->o.timeout_ms);
		if (rc || nd->fuse_node < 0) {
			snprintf(err, len, "--fuse-ctl %s: %s", tr->o.fuse_ctl,
				 rc ? why : "no node of that daemon is mounted "
				 "there");
			return rc ? rc : -EINVAL;
		}
		snprintf(tr->fuse_profile, sizeof(tr->fuse_profile), "%.31s",
			 why);
	}
	return 0;
}

static int tr_deliver(void *t, int node, int ev, const char *path,
		      char *why, size_t len)
{
	(void)t;
	(void)node;
	(void)ev;
	(void)path;
	snprintf(why, len, "a real target has no manual schedule");
	return -EOPNOTSUPP;
}

static const struct target_ops tr_ops = {
	.name = "real",
	.begin = tr_begin,
	.caps = tr_caps,
	.start = tr_start,
	.wait = tr_wait,
	.settle = tr_settle,
	.signal = tr_signal,
	.crash = tr_crash,
	.restart = tr_restart,
	.deliver = tr_deliver,
	.close = tr_close,
	.check = NULL,
	.end = tr_end,
};

struct target *target_real_new(const struct real_opts *o, char *err,
			       size_t len)
{
	struct tr *tr;

	if (o->nnodes < 1 || o->nnodes > SCN_NODES_MAX) {
		snprintf(err, len, "between 1 and %d nodes, got %d",
			 SCN_NODES_MAX, o->nnodes);
		return NULL;
	}
	tr = calloc(1, sizeof(*tr));
	if (!tr) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	tr->o = *o;
	tr->tgt.ops = &tr_ops;
	tr->tgt.priv = tr;
	tr->nnodes = o->nnodes;
	for (int n = 0; n < o->nnodes; n++) {
		struct tr_node *nd = &tr->nodes[n];

		chan_init(&nd->ch);
		nd->exec = !strncmp(o->nodes[n], "exec:", 5);
		nd->spec = nd->exec ? o->nodes[n] + 5 : o->nodes[n];
		if (connect_node(tr, nd)) {
			snprintf(err, len, "node n%d: %s", n + 1, nd->err);
			target_real_free(&tr->tgt);
			return NULL;
		}
	}
	if (o->fuse_ctl && connect_fuse(tr, err, len)) {
		target_real_free(&tr->tgt);
		return NULL;
	}
	for (int n = 0; n < o->nnodes; n++) {
		if (tr_compat_probe(tr, n, err, len)) {
			target_real_free(&tr->tgt);
			return NULL;
		}
	}
	return &tr->tgt;
}

void target_real_free(struct target *t)
{
	struct tr *tr;
	char *line = NULL;

	if (!t)
		return;
	tr = t->priv;
	tr_end(tr);
	for (int n = 0; n < tr->nnodes; n++) {
		struct chan *ch = &tr->nodes[n].ch;

		if (ch->open && !ch->dead && !chan_send(ch, "bye"))
			chan_recv(ch, "bye", CHAN_CALL, spawn_now_ms() + 3000,
				  &line);
		free(line);
		line = NULL;
		chan_close(ch, 1000);
	}
	reap_abandoned(tr);
	tr_names_free(tr);
	free(tr);
}

void target_real_describe(struct target *t, FILE *f, const char *prefix)
{
	struct tr *tr = t->priv;

	for (int n = 0; n < tr->nnodes; n++) {
		const struct tr_node *nd = &tr->nodes[n];
		const struct detect_info *d = &nd->di;
		char stack[64];

		tr_node_stack(tr, nd, stack, sizeof(stack));
		fprintf(f, "%sn%d: %s%s: %s (statfs magic 0x%x, fstype %s%s), "
			"caps %s%s%s, stack %s, uid %u\n", prefix, n + 1,
			nd->exec ? "exec:" : "", nd->spec,
			detect_kind_name(d->kind), d->magic,
			d->fstype[0] ? d->fstype : "?",
			d->others ? "" : ", other users locked out",
			d->has_caps ? "\"" : "", d->has_caps ? d->caps : "none",
			d->has_caps ? "\"" : "", stack, nd->uid);
	}
	tr_compat_describe(tr, f, prefix);
}

void target_real_stmt(struct target *t, const struct scn_stmt *st)
{
	struct tr *tr = t->priv;

	tr->next = st ? st->verb : SCN_V_NONE;
}

void target_real_ending(struct target *t)
{
	((struct tr *)t->priv)->ending = true;
}

const char *target_real_note(struct target *t)
{
	return ((struct tr *)t->priv)->note;
}
