/* SPDX-License-Identifier: MIT */
/*
 * tr_calls.c - the real target's calls: translate the statement's paths,
 * send one request to the actor's process, and judge time: an `&` call
 * that answers within block_ms did not block; a call that must complete
 * gets timeout_ms. Poll expectations of POLLIN wait for it (poll with a
 * timeout); expectations of 0 allow a transient POLLIN to clear.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tr_int.h"
#include "wire.h"

/* calls after which the cluster may still be moving (ASTs, BASTs) */
static bool causes_traffic(enum scn_verb v)
{
	switch (v) {
	case SCN_V_OPEN: case SCN_V_CLOSE: case SCN_V_UNLINK:
	case SCN_V_MKDIR: case SCN_V_RMDIR:
		return true;
	default:
		return false;
	}
}

static void want_settle(struct tr *tr, enum scn_verb v)
{
	if (tr->s && tr->s->nodes_used >= 2 && causes_traffic(v))
		tr->settle_due = true;
}

void tr_settle(void *t)
{
	struct tr *tr = t;

	if (!tr->settle_due)
		return;
	tr->settle_due = false;
	usleep((useconds_t)tr->o.settle_ms * 1000);
}

/* the root's entries, as the scenario named them; others are hidden */
static void filter_root_names(struct tr *tr, struct tgt_result *r)
{
	size_t pos = 0;
	char *src, *save = NULL, *w;

	if (!r->data)
		return;
	src = strdup((char *)r->data);
	if (!src)
		return;
	for (w = strtok_r(src, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char *show = NULL;

		for (int i = 0; i < tr->nnames && !show; i++) {
			const struct tr_name *n = &tr->names[i];

			if (!strcmp(n->real, w))
				show = n->orig;
		}
		if (show)
			pos += (size_t)sprintf((char *)r->data + pos, "%s%s",
					       pos ? " " : "", show);
	}
	r->data[pos] = '\0';
	r->len = pos;
	free(src);
}

/* the root's nlink counts every domain: discount other people's */
static void fix_root_nlink(struct tr *tr, int i, struct tgt_result *r)
{
	struct tgt_result d;
	struct pbuf b;
	int foreign = 0;
	char *save = NULL, *w;

	if (!(r->fields & (1u << SCN_F_NLINK)))
		return;
	tgt_result_init(&d);
	pbuf_init(&b);
	pbuf_printf(&b, "%s readdir .", tr->a[i].name);
	if (!tr_call_sync(tr, i, b.s, tr->o.timeout_ms, &d) && d.status == 0 &&
	    d.data) {
		for (w = strtok_r((char *)d.data, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			bool ours = false;

			for (int k = 0; k < tr->nnames; k++)
				ours |= !strcmp(tr->names[k].real, w);
			foreign += !ours;
		}
	}
	r->field[SCN_F_NLINK] -= foreign;
	pbuf_free(&b);
	tgt_result_clear(&d);
}

static bool is_root(struct tr *tr, const char *path)
{
	char p[PATH_MAX];

	if (!path)
		return false;
	tr_path(tr, path, p, sizeof(p));
	return !strcmp(p, ".");
}

/* results that name the root's entries are seen through the renaming */
static void post(struct tr *tr, int i, const struct scn_stmt *st,
		 struct tgt_result *r)
{
	enum detect_kind k = tr->nodes[tr->a[i].node].di.kind;

	if (r->status < 0 || !is_root(tr, st->path))
		return;
	if (st->verb == SCN_V_READDIR)
		filter_root_names(tr, r);
	else if (st->verb == SCN_V_STAT && k != DETECT_OTHER)
		fix_root_nlink(tr, i, r);
}

static int reply(struct tr *tr, int i, char *line, struct tgt_result *r)
{
	char why[256];
	int rc = wire_reply(line, r, why, sizeof(why));

	if (rc)
		tr_note(tr, "%s: %s", tr->a[i].name, why);
	free(line);
	return rc;
}

int tr_call_send(struct tr *tr, int i, const char *line)
{
	struct chan *ch = tr_actor_chan(tr, i, true);

	return ch ? chan_send(ch, line) : -EIO;
}

int tr_call_recv(struct tr *tr, int i, long long end, struct tgt_result *r)
{
	struct chan *ch = tr_actor_chan(tr, i, false);
	char *resp;
	int rc;

	if (!ch)
		return -EIO;
	rc = chan_recv(ch, tr->a[i].name, CHAN_CALL, end, &resp);
	if (rc == -ETIMEDOUT) {
		tr->a[i].pending = true;	/* its answer is still due */
		tr->a[i].gave_up = true;
	}
	if (rc)
		return rc;
	return reply(tr, i, resp, r);
}

int tr_call_sync(struct tr *tr, int i, const char *line, int ms,
		 struct tgt_result *r)
{
	int rc = tr_call_send(tr, i, line);

	return rc ? rc : tr_call_recv(tr, i, spawn_now_ms() + ms, r);
}

static bool wants_zero_mask(const struct scn_stmt *st)
{
	return (st->exp.kind == SCN_E_MASK || st->exp.kind == SCN_E_NUM) &&
	       st->exp.num == 0;
}

/*
 * On a plain directory (not a mount point) `rmdir /` would remove the
 * node's directory and ruin every later scenario: refuse such calls there.
 */
static bool harms_root(struct tr *tr, const struct tgt_call *c)
{
	const struct scn_stmt *st = c->st;

	if (tr->nodes[c->node].di.kind != DETECT_OTHER)
		return false;
	switch (st->verb) {
	case SCN_V_RMDIR: case SCN_V_UNLINK: case SCN_V_CHMOD:
	case SCN_V_CHOWN: case SCN_V_TRUNCATE:
		return is_root(tr, st->path);
	case SCN_V_RENAME: case SCN_V_LINK:
		return is_root(tr, st->path) || is_root(tr, st->path2);
	default:
		return false;
	}
}

int tr_start(void *t, const struct tgt_call *c, struct tgt_result *r)
{
	struct tr *tr = t;
	const struct scn_stmt *st = c->st;
	char p1[PATH_MAX], p2[PATH_MAX];
	struct wire_call w = { .st = st, .fd = c->fd, .epoll = tr->o.epoll };
	long long end = spawn_now_ms() + tr->o.block_ms;
	struct tr_actor *a;
	struct chan *ch;
	struct pbuf b;
	char *line;
	int rc;

	if (c->actor < 0 || c->actor >= SCN_ACTORS_MAX || !tr->s)
		return -EINVAL;
	a = &tr->a[c->actor];
	if (a->pending)
		return -EBUSY;
	if (st->verb == SCN_V_DLM_LOCK || st->verb == SCN_V_DLM_UNLOCK)
		return -EOPNOTSUPP;
	if (harms_root(tr, c)) {
		tr_note(tr, "refused `%s` on the root of n%d: it is not a dlmfs "
			"mount, the call could remove or change the node's "
			"directory", scn_verb_name(st->verb), c->node + 1);
		return -EPERM;
	}
	ch = tr_actor_chan(tr, c->actor, true);
	if (!ch)
		return -EIO;
	w.actor = a->name;
	if (st->path) {
		/* a symlink's TARGET is a string, not a path on the node */
		if (st->verb == SCN_V_SYMLINK)
			snprintf(p1, sizeof(p1), "%s", st->path);
		else
			tr_path(tr, st->path, p1, sizeof(p1));
		w.path = p1;
	}
	if (st->path2) {
		tr_path(tr, st->path2, p2, sizeof(p2));
		w.path2 = p2;
	}
	if (st->verb == SCN_V_POLL && !st->bg && st->exp.kind == SCN_E_MASK &&
	    st->exp.num)
		w.poll_ms = tr->o.timeout_ms;
	pbuf_init(&b);
	for (;;) {
		rc = wire_request(&w, &b);
		if (rc)
			goto out;
		rc = chan_send(ch, b.s);
		if (rc) {
			tr_note(tr, "%s: cannot send the request (%s)", a->name,
				strerror(-rc));
			goto out;
		}
		want_settle(tr, st->verb);
		rc = chan_recv(ch, a->name, CHAN_CALL, spawn_now_ms() +
			       (st->bg ? tr->o.block_ms : tr->o.timeout_ms),
			       &line);
		if (rc == -ETIMEDOUT) {
			a->pending = true;
			a->gave_up = !st->bg;
			a->st = st;
			rc = TGT_BLOCKED;
			goto out;
		}
		if (rc) {
			tr_note(tr, "%s: no answer: %s%s%s", a->name,
				rc == -EPIPE ? "its process or agent is gone" :
				strerror(-rc), ch->last_bad[0] ? "; agent: " : "",
				ch->last_bad);
			goto out;
		}
		rc = reply(tr, c->actor, line, r);
		if (rc)
			goto out;
		/* a POLLIN that clears within block_ms was transient (P2) */
		if (st->verb != SCN_V_POLL || !wants_zero_mask(st) ||
		    r->status <= 0 || spawn_now_ms() >= end)
			break;
		tgt_result_clear(r);
		usleep(20000);
	}
	post(tr, c->actor, st, r);
	rc = TGT_DONE;
out:
	pbuf_free(&b);
	return rc;
}

int tr_wait(void *t, int actor, struct tgt_result *r)
{
	struct tr *tr = t;
	struct tr_actor *a;
	struct chan *ch;
	char *line;
	int rc, ms;

	if (actor < 0 || actor >= SCN_ACTORS_MAX || !tr->a[actor].pending) {
		r->status = -ECHILD;
		return TGT_DONE;
	}
	a = &tr->a[actor];
	ch = tr_actor_chan(tr, actor, false);
	if (!ch)
		return -EIO;
	/* `wait` gives the call its time; `hangs` and the end only look */
	ms = a->gave_up || tr->ending || tr->next == SCN_V_HANGS ? 0 :
	     tr->o.timeout_ms;
	rc = chan_recv(ch, a->name, CHAN_CALL, spawn_now_ms() + ms, &line);
	if (rc == -ETIMEDOUT)
		return TGT_BLOCKED;
	a->pending = false;
	a->gave_up = false;
	if (rc) {
		tr_note(tr, "%s: no answer: %s", a->name, rc == -EPIPE ?
			"its process or agent is gone" : strerror(-rc));
		return rc;
	}
	rc = reply(tr, actor, line, r);
	if (rc)
		return rc;
	post(tr, actor, a->st, r);
	want_settle(tr, a->st->verb);
	return TGT_DONE;
}

int tr_signal(void *t, int actor)
{
	struct tr *tr = t;
	struct tr_actor *a;
	struct pbuf b;
	char *line = NULL;
	int rc;

	if (actor < 0 || actor >= SCN_ACTORS_MAX)
		return -EINVAL;
	a = &tr->a[actor];
	if (!a->started)
		return 0;	/* no process yet: nothing to interrupt */
	if (!tr->nodes[a->node].exec) {
		rc = kill(a->ch.sp.pid, SIGINT) ? -errno : 0;
	} else {
		pbuf_init(&b);
		pbuf_printf(&b, "signal %s", a->name);
		rc = chan_send(&tr->nodes[a->node].ch, b.s);
		if (!rc)
			rc = chan_recv(&tr->nodes[a->node].ch, a->name, CHAN_CTL,
				       spawn_now_ms() + tr->o.timeout_ms, &line);
		/* "unknown": no process, so nothing to interrupt */
		if (!rc && !strstr(line, " signalled") &&
		    !strstr(line, " unknown"))
			rc = -EPROTO;
		free(line);
		pbuf_free(&b);
	}
	if (tr->s && tr->s->nodes_used >= 2)
		tr->settle_due = true;
	return rc;
}

int tr_close(void *t, int actor, int fd)
{
	struct tr *tr = t;
	struct tgt_result r;
	struct pbuf b;
	int rc;

	if (actor < 0 || actor >= SCN_ACTORS_MAX || !tr->a[actor].started)
		return -EBADF;
	if (tr->a[actor].pending)
		return -EBUSY;	/* its process is killed at the end anyway */
	tgt_result_init(&r);
	pbuf_init(&b);
	pbuf_printf(&b, "%s close %d", tr->a[actor].name, fd);
	rc = tr_call_sync(tr, actor, b.s, tr->o.timeout_ms, &r);
	if (!rc)
		rc = (int)r.status;
	pbuf_free(&b);
	tgt_result_clear(&r);
	return rc;
}
