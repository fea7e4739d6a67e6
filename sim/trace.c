/* SPDX-License-Identifier: MIT */
/*
 * trace.c - the text trace and the recording behind the SVG timeline
 * (trace_svg.c draws it). Every line is built from the run alone, so the
 * same scenario gives byte-identical output.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_int.h"

static const char *const kind_names[] = {
	[DM_T_REQUEST] = "REQUEST", [DM_T_REFUSED] = "REFUSED",
	[DM_T_GRANT] = "GRANT", [DM_T_AST] = "AST",
	[DM_T_BAST_QUEUED] = "BASTQ", [DM_T_BAST] = "BAST",
	[DM_T_WORK] = "WORK", [DM_T_DOWNCONVERT] = "DOWNCONVERT",
	[DM_T_CANCEL] = "CANCEL", [DM_T_UNLOCK] = "UNLOCK",
	[DM_T_UNLOCK_AST] = "UNLOCK_AST", [DM_T_PUBLISH] = "PUBLISH",
	[DM_T_FETCH] = "FETCH", [DM_T_RECOVER] = "RECOVER",
	[DM_T_CRASH] = "CRASH", [DM_T_RESTART] = "RESTART",
	[DM_T_WAKE] = "WAKE",
};

const char *trace_kind_name(enum dm_trace_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) &&
	    kind_names[k])
		return kind_names[k];
	return "?";
}

struct trace *trace_new(FILE *out, bool svg)
{
	struct trace *tr = calloc(1, sizeof(*tr));

	if (!tr)
		return NULL;
	tr->out = out;
	tr->svg = svg;
	return tr;
}

static void forget(struct trace *tr)
{
	for (size_t i = 0; i < tr->nlabels; i++)
		free(tr->labels[i].text);
	for (size_t i = 0; i < tr->nlocks; i++)
		free(tr->locks[i]);
	free(tr->title);
	free(tr->ev);
	free(tr->labels);
	free(tr->arrows);
	free(tr->locks);
	tr->title = NULL;
	tr->ev = NULL;
	tr->labels = NULL;
	tr->arrows = NULL;
	tr->locks = NULL;
	tr->nev = tr->capev = tr->nlabels = tr->caplabels = 0;
	tr->narrows = tr->caparrows = tr->nlocks = tr->caplocks = 0;
	tr->nodes = 0;
	tr->ncols = 0;
	memset(tr->bastq, 0, sizeof(tr->bastq));
	memset(tr->grant_from, 0, sizeof(tr->grant_from));
	memset(tr->release, 0, sizeof(tr->release));
}

void trace_free(struct trace *tr)
{
	if (!tr)
		return;
	forget(tr);
	free(tr);
}

void trace_begin(struct trace *tr, const char *title)
{
	if (!tr)
		return;
	forget(tr);
	tr->title = strdup(title ? title : "");
	tr->seq = 0;
	if (tr->out)
		fprintf(tr->out, "== %s\n", title ? title : "");
}

bool trace_grow(void **p, size_t n, size_t *cap, size_t elem)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *q;

	if (n < *cap)
		return true;
	if (n >= TRACE_MAX_EVENTS)
		return false;
	q = realloc(*p, c * elem);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

void trace_stmt(struct trace *tr, int line, const char *text)
{
	struct trace_label *l;

	if (!tr)
		return;
	if (tr->out)
		fprintf(tr->out, "L%-4d %s\n", line, text);
	if (!tr->svg || !trace_grow((void **)&tr->labels, tr->nlabels,
				    &tr->caplabels, sizeof(*tr->labels)))
		return;
	l = &tr->labels[tr->nlabels];
	l->col = tr->ncols++;
	l->line = line;
	l->text = strdup(text);
	if (l->text)
		tr->nlabels++;
}

void trace_result(struct trace *tr, const char *got, bool ok)
{
	if (tr && tr->out)
		fprintf(tr->out, "      => %s%s\n", got && got[0] ? got : "ok",
			ok ? "" : "   <-- MISMATCH");
}

/* ---- lock states ---- */
static int put(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n < len - *o ? (size_t)n : len - *o - 1;
	return n;
}

int trace_node_state(const struct dm_model *m, int node, char *buf,
		     size_t len)
{
	static const char *const flag_names[] = { "BUSY", "BLOCKED",
		"TEARDOWN", NULL, "QUEUED", "CANCEL" };
	size_t n = dm_lock_count(m, node), o = 0;
	struct dm_lock_view v;

	if (len)
		buf[0] = 0;
	if (!dm_node_alive(m, node))
		return put(buf, len, &o, "down");
	if (!n)
		return put(buf, len, &o, "-");
	for (size_t i = 0; i < n; i++) {
		if (dm_lock_view_at(m, node, i, &v))
			continue;
		put(buf, len, &o, "%s%s/%s %s", i ? ", " : "", v.domain, v.name,
		    dm_mode_name(v.level));
		if (v.requested != DM_IV && v.requested != v.level)
			put(buf, len, &o, ">%s", dm_mode_name(v.requested));
		if (v.flags & DM_LF_BLOCKED)
			put(buf, len, &o, "!%s", dm_mode_name(v.blocking));
		if (v.ro_holders)
			put(buf, len, &o, " pr%u", v.ro_holders);
		if (v.ex_holders)
			put(buf, len, &o, " ex%u", v.ex_holders);
		for (unsigned b = 0; b < 6; b++)
			if ((v.flags & (1u << b)) && flag_names[b])
				put(buf, len, &o, " %s", flag_names[b]);
		/* no inode: a poisoned dlmfs lock (T2) or an in-kernel user */
		if (!v.ino)
			put(buf, len, &o, (v.flags & DM_LF_TEARDOWN) ?
			    " zombie" : " raw");
	}
	return (int)o;
}

/* a short readable LVB: the bytes up to the trailing zeros */
static void lvb_text(const struct dm_trace *t, char *buf, size_t len)
{
	size_t n = DM_LVB_LEN, o = 0;

	if (!t->lvb) {
		snprintf(buf, len, "-");
		return;
	}
	if (!t->lvb_valid) {
		snprintf(buf, len, "invalid");
		return;
	}
	while (n && !t->lvb[n - 1])
		n--;
	put(buf, len, &o, "\"");
	for (size_t i = 0; i < n && i < 16; i++) {
		unsigned char c = t->lvb[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			put(buf, len, &o, "%c", c);
		else
			put(buf, len, &o, "\\x%02x", c);
	}
	put(buf, len, &o, "%s\"", n > 16 ? "..." : "");
}

static void print_event(struct trace *tr, const struct dm_model *m,
			const struct dm_trace *t)
{
	char what[160], st[256], lv[96];
	size_t o = 0;

	put(what, sizeof(what), &o, "n%d", t->node + 1);
	if (t->domain && t->name)
		put(what, sizeof(what), &o, " %s/%s", t->domain, t->name);
	switch (t->kind) {
	case DM_T_BAST_QUEUED:
		put(what, sizeof(what), &o, " blocks n%d's %s", t->peer + 1,
		    dm_mode_name(t->mode));
		break;
	case DM_T_PUBLISH: case DM_T_FETCH: case DM_T_RECOVER:
		lvb_text(t, lv, sizeof(lv));
		put(what, sizeof(what), &o, " lvb=%s", lv);
		break;
	case DM_T_CRASH: case DM_T_RESTART:
		break;
	default:
		if (t->mode != DM_IV)
			put(what, sizeof(what), &o, " %s", dm_mode_name(t->mode));
		if (t->status)
			put(what, sizeof(what), &o, " status=%d", t->status);
		break;
	}
	fprintf(tr->out, "  %4u %-11s %-30s", tr->seq, trace_kind_name(t->kind),
		what);
	for (int n = 0; n < dm_nodes(m); n++) {
		trace_node_state(m, n, st, sizeof(st));
		fprintf(tr->out, " | n%d %s", n + 1, st);
	}
	fputc('\n', tr->out);
}

void trace_event(struct trace *tr, const struct dm_model *m,
		 const struct dm_trace *t)
{
	if (!tr)
		return;
	tr->seq++;
	if (tr->out)
		print_event(tr, m, t);
	if (tr->svg)
		trace_record(tr, m, t);
}
