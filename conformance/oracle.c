/* SPDX-License-Identifier: MIT */
/*
 * oracle.c - run the model beside a real target and keep the first
 * divergence as a transcript (see oracle.h). The executor sees the real
 * target's results and handles; the model's handles are mapped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "oracle.h"
#include "proto.h"

struct omap {
	int actor, real, model;
};

struct oracle {
	struct target tgt;
	struct target *real, *model;
	const struct scn *s;
	const struct scn_stmt *cur;
	bool model_on;		/* the model runs this scenario */
	bool diverged;
	int steps;
	struct pbuf log;	/* the transcript so far */
	struct pbuf report;
	struct omap *map;
	int nmap, cap;
	bool mpending[SCN_ACTORS_MAX];
};

#define R(o) ((o)->real->ops)
#define M(o) ((o)->model->ops)

/* ---- handles ---- */
static int map_model(struct oracle *o, int actor, int real)
{
	for (int i = 0; i < o->nmap; i++)
		if (o->map[i].actor == actor && o->map[i].real == real)
			return o->map[i].model;
	return -1;
}

static void map_add(struct oracle *o, int actor, int real, int model)
{
	for (int i = 0; i < o->nmap; i++) {
		if (o->map[i].actor == actor && o->map[i].real == real) {
			o->map[i].model = model;	/* the number was reused */
			return;
		}
	}
	if (o->nmap == o->cap) {
		int cap = o->cap ? o->cap * 2 : 16;
		struct omap *n = realloc(o->map, (size_t)cap * sizeof(*n));

		if (!n)
			return;
		o->map = n;
		o->cap = cap;
	}
	o->map[o->nmap++] = (struct omap){ actor, real, model };
}

/* ---- comparing ---- */
static void show(const struct scn_stmt *st, int rc, const struct tgt_result *r,
		 char *buf, size_t len)
{
	if (rc == TGT_BLOCKED) {
		snprintf(buf, len, "blocked");
		return;
	}
	if (rc < 0) {
		snprintf(buf, len, "cannot run it (%s)", strerror(-rc));
		return;
	}
	struct scn_expect bytes = { .kind = SCN_E_BYTES };

	/* bytes always as bytes, even where the scenario only counts them */
	exec_format_result(st, r->data && r->status >= 0 ? &bytes : &st->exp,
			   r, buf, len);
}

static void step(struct oracle *o, int rr, const struct tgt_result *r,
		 int rm, const struct tgt_result *mr)
{
	const struct scn_stmt *st = o->cur;
	char text[512], got[512], want[512];

	if (!st || o->diverged || !o->model_on)
		return;
	o->steps++;
	scn_print_stmt(o->s, st, text, sizeof(text), false);
	show(st, rr, r, got, sizeof(got));
	show(st, rm, mr, want, sizeof(want));
	if (!strcmp(got, want)) {
		pbuf_printf(&o->log, "  %d: %s -> %s\n", st->line, text, got);
		return;
	}
	o->diverged = true;
	pbuf_printf(&o->report, "first divergence from the model at step %d "
		    "(%s:%d):\n%s  %d: %s\n      model:    %s\n"
		    "      observed: %s\n", o->steps, o->s->file, st->line,
		    o->log.s ? o->log.s : "", st->line, text, want, got);
}

/* ---- ops ---- */
static int o_begin(void *t, const struct scn *s, char *why, size_t len)
{
	struct oracle *o = t;
	char mwhy[256];
	int rc = R(o)->begin(o->real->priv, s, why, len);

	o->s = s;
	o->cur = NULL;
	o->diverged = false;
	o->steps = 0;
	o->nmap = 0;
	pbuf_reset(&o->log);
	pbuf_reset(&o->report);
	memset(o->mpending, 0, sizeof(o->mpending));
	o->model_on = !M(o)->begin(o->model->priv, s, mwhy, sizeof(mwhy));
	if (!o->model_on)
		pbuf_printf(&o->report, "the model cannot run this scenario: "
			    "%s\n", mwhy);
	return rc;
}

static void o_caps(void *t, struct tgt_caps *c)
{
	struct oracle *o = t;

	R(o)->caps(o->real->priv, c);
}

static int o_start(void *t, const struct tgt_call *c, struct tgt_result *r)
{
	struct oracle *o = t;
	struct tgt_call mc = *c;
	struct tgt_result mr;
	int rr = R(o)->start(o->real->priv, c, r), rm;

	if (!o->model_on || o->diverged)
		return rr;
	tgt_result_init(&mr);
	if (c->fd >= 0)
		mc.fd = map_model(o, c->actor, c->fd);
	rm = M(o)->start(o->model->priv, &mc, &mr);
	if (rm == TGT_BLOCKED && !c->st->bg) {
		M(o)->settle(o->model->priv);
		rm = M(o)->wait(o->model->priv, c->actor, &mr);
	}
	if (rm == TGT_BLOCKED)
		o->mpending[c->actor] = true;
	if (rr == TGT_DONE && rm == TGT_DONE && r->fd >= 0 && mr.fd >= 0)
		map_add(o, c->actor, r->fd, mr.fd);
	/* a non-`&` call the real target gave up on is judged by wait */
	if (!(rr == TGT_BLOCKED && !c->st->bg))
		step(o, rr, r, rm, &mr);
	tgt_result_clear(&mr);
	return rr;
}

static int o_wait(void *t, int actor, struct tgt_result *r)
{
	struct oracle *o = t;
	struct tgt_result mr;
	int rr = R(o)->wait(o->real->priv, actor, r), rm = TGT_BLOCKED;

	if (!o->model_on || o->diverged || actor < 0 ||
	    actor >= SCN_ACTORS_MAX)
		return rr;
	tgt_result_init(&mr);
	if (o->mpending[actor]) {
		rm = M(o)->wait(o->model->priv, actor, &mr);
		if (rm == TGT_DONE)
			o->mpending[actor] = false;
	} else {
		mr.status = -ECHILD;	/* the model had finished it */
		rm = TGT_DONE;
	}
	if (rr == TGT_DONE && rm == TGT_DONE && r->fd >= 0 && mr.fd >= 0)
		map_add(o, actor, r->fd, mr.fd);
	step(o, rr, r, rm, &mr);
	tgt_result_clear(&mr);
	return rr;
}

static void o_settle(void *t)
{
	struct oracle *o = t;

	R(o)->settle(o->real->priv);
	if (o->model_on)
		M(o)->settle(o->model->priv);
}

static int o_signal(void *t, int actor)
{
	struct oracle *o = t;

	if (o->model_on && !o->diverged)
		M(o)->signal(o->model->priv, actor);
	return R(o)->signal(o->real->priv, actor);
}

static int o_crash(void *t, int node)
{
	struct oracle *o = t;

	if (o->model_on && !o->diverged) {
		M(o)->crash(o->model->priv, node);
		/* the node's processes died: their calls are gone */
		for (int i = 0; i < o->s->nactors; i++)
			if (o->s->actors[i].node == node)
				o->mpending[i] = false;
	}
	return R(o)->crash(o->real->priv, node);
}

static int o_restart(void *t, int node)
{
	struct oracle *o = t;

	if (o->model_on && !o->diverged)
		M(o)->restart(o->model->priv, node);
	return R(o)->restart(o->real->priv, node);
}

static int o_deliver(void *t, int node, int ev, const char *path, char *why,
		     size_t len)
{
	struct oracle *o = t;

	return R(o)->deliver(o->real->priv, node, ev, path, why, len);
}

static int o_close(void *t, int actor, int fd)
{
	struct oracle *o = t;
	int m = map_model(o, actor, fd);

	if (o->model_on && m >= 0)
		M(o)->close(o->model->priv, actor, m);
	return R(o)->close(o->real->priv, actor, fd);
}

static void o_end(void *t)
{
	struct oracle *o = t;

	R(o)->end(o->real->priv);
	if (o->model_on)
		M(o)->end(o->model->priv);
	o->model_on = false;
}

static const struct target_ops oracle_ops = {
	.name = "real+oracle",
	.begin = o_begin,
	.caps = o_caps,
	.start = o_start,
	.wait = o_wait,
	.settle = o_settle,
	.signal = o_signal,
	.crash = o_crash,
	.restart = o_restart,
	.deliver = o_deliver,
	.close = o_close,
	.check = NULL,
	.end = o_end,
};

struct target *oracle_new(struct target *real, struct target *model)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->real = real;
	o->model = model;
	pbuf_init(&o->log);
	pbuf_init(&o->report);
	o->tgt.ops = &oracle_ops;
	o->tgt.priv = o;
	return &o->tgt;
}

void oracle_free(struct target *t)
{
	struct oracle *o;

	if (!t)
		return;
	o = t->priv;
	target_model_free(o->model);
	pbuf_free(&o->log);
	pbuf_free(&o->report);
	free(o->map);
	free(o);
}

void oracle_stmt(struct target *t, const struct scn_stmt *st)
{
	((struct oracle *)t->priv)->cur = st;
}

const char *oracle_report(struct target *t)
{
	struct oracle *o = t->priv;

	return o->report.s ? o->report.s : "";
}
