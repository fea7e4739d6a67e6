/* SPDX-License-Identifier: MIT */
/*
 * trace_svg.c - the SVG timeline: one lane per node, x = event index, each
 * lock's level (IV/NL/PR/EX) as a step line in its own colour, BASTs (red)
 * and the ASTs that follow a remote release (green) as arrows between
 * lanes, statements as labelled dashed lines. Meant for teaching.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

#define LEFT	96
#define TOP	56
#define BAND	230	/* statement labels */
#define LANE_H	96
#define GAP	18
#define ROW	20	/* between level lines */

static const char *const palette[TRACE_MAX_LOCKS] = {
	"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
	"#7f7f7f", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173",
};

/* a lock's id: "domain/name", or "domain/name raw" for a raw DLM client */
static int intern(struct trace *tr, const char *domain, const char *name,
		  bool raw)
{
	size_t n = strlen(domain) + strlen(name) + 6;
	char *key;

	for (size_t i = 0; i < tr->nlocks; i++) {
		const char *k = tr->locks[i];
		size_t dl = strlen(domain), nl = strlen(name);

		if (!strncmp(k, domain, dl) && k[dl] == '/' &&
		    !strncmp(k + dl + 1, name, nl) &&
		    !strcmp(k + dl + 1 + nl, raw ? " raw" : ""))
			return (int)i;
	}
	if (tr->nlocks >= TRACE_MAX_LOCKS ||
	    !trace_grow((void **)&tr->locks, tr->nlocks, &tr->caplocks,
			sizeof(*tr->locks)))
		return -1;
	key = malloc(n);
	if (!key)
		return -1;
	snprintf(key, n, "%s/%s%s", domain, name, raw ? " raw" : "");
	tr->locks[tr->nlocks] = key;
	return (int)tr->nlocks++;
}

static void arrow(struct trace *tr, size_t from, int fnode, size_t to,
		  int tnode, bool bast)
{
	if (!trace_grow((void **)&tr->arrows, tr->narrows, &tr->caparrows,
			sizeof(*tr->arrows)))
		return;
	tr->arrows[tr->narrows++] = (struct trace_arrow){ from, to, fnode,
							  tnode, bast };
}

void trace_record(struct trace *tr, const struct dm_model *m,
		  const struct dm_trace *t)
{
	int lock = t->domain && t->name ?
		   intern(tr, t->domain, t->name, !t->ino) : -1;
	int node = t->node >= 0 && t->node < DM_MAX_NODES ? t->node : 0;
	struct trace_mark *mk;
	struct trace_ev *e;
	size_t x = tr->ncols;

	if (!trace_grow((void **)&tr->ev, tr->nev, &tr->capev, sizeof(*tr->ev)))
		return;
	e = &tr->ev[tr->nev++];
	memset(e, 0, sizeof(*e));
	e->col = tr->ncols++;
	e->kind = t->kind;
	e->node = node;
	e->peer = t->peer;
	e->lock = lock;
	e->mode = t->mode;
	memset(e->level, TRACE_NO_LOCK, sizeof(e->level));
	memset(e->req, DM_IV, sizeof(e->req));
	if (dm_nodes(m) > tr->nodes)
		tr->nodes = dm_nodes(m);
	for (int n = 0; n < tr->nodes && n < DM_MAX_NODES; n++) {
		size_t cnt = dm_node_alive(m, n) ? dm_lock_count(m, n) : 0;
		struct dm_lock_view v;

		for (size_t i = 0; i < cnt; i++) {
			int l;

			if (dm_lock_view_at(m, n, i, &v))
				continue;
			l = intern(tr, v.domain, v.name,
				   !v.ino && !(v.flags & DM_LF_TEARDOWN));
			if (l < 0)
				continue;
			e->level[n][l] = (signed char)v.level;
			if (v.flags & DM_LF_BUSY)
				e->req[n][l] = (signed char)v.requested;
			e->blocked[n][l] = v.flags & DM_LF_BLOCKED;
		}
	}
	if (lock < 0)
		return;
	switch (t->kind) {
	case DM_T_BAST_QUEUED:
		tr->bastq[node][lock] = (struct trace_mark){ true, x, t->peer };
		break;
	case DM_T_BAST:
		mk = &tr->bastq[node][lock];
		if (mk->set && mk->node >= 0 && mk->node < DM_MAX_NODES)
			arrow(tr, mk->col, mk->node, x, node, true);
		mk->set = false;
		break;
	case DM_T_DOWNCONVERT: case DM_T_UNLOCK:
		tr->release[lock] = (struct trace_mark){ true, x, node };
		break;
	case DM_T_GRANT:
		mk = &tr->release[lock];
		if (mk->set && mk->node != node)
			tr->grant_from[node][lock] = *mk;
		break;
	case DM_T_AST:
		mk = &tr->grant_from[node][lock];
		if (mk->set)
			arrow(tr, mk->col, mk->node, x, node, false);
		mk->set = false;
		break;
	default:
		break;
	}
}

/* ---- drawing ---- */
static void esc(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			fputc((unsigned char)s[i] < 0x20 ? '?' : s[i], f);
		}
	}
	if (strlen(s) > max)
		fputs("...", f);
}

/* y of a level inside lane n: EX on top, IV at the bottom */
static int level_y(int n, int level)
{
	int row = level >= DM_EX ? 0 : level >= DM_PR ? 1 : level >= DM_NL ? 2 : 3;

	return TOP + BAND + n * (LANE_H + GAP) + 14 + row * ROW;
}

static char letter(enum dm_trace_kind k)
{
	static const char l[] = " RxGAbBWDCUuPFVXZw";

	return (unsigned)k < sizeof(l) - 1 ? l[k] : '?';
}

static void draw_lanes(const struct trace *tr, FILE *f, int dx, int right)
{
	static const char *const lv[] = { "EX", "PR", "NL", "IV" };

	for (int n = 0; n < tr->nodes; n++) {
		int y = TOP + BAND + n * (LANE_H + GAP);

		fprintf(f, "<rect x=\"4\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"#f6f6f6\"/>\n", y, right + 10, LANE_H);
		fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"16\" "
			"font-weight=\"bold\">n%d</text>\n", y + 48, n + 1);
		for (int r = 0; r < 4; r++) {
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				"stroke=\"#ddd\"/>\n", LEFT - 6, y + 14 + r * ROW,
				right + 10, y + 14 + r * ROW);
			fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
				"fill=\"#888\">%s</text>\n", LEFT - 30,
				y + 18 + r * ROW, lv[r]);
		}
		for (size_t i = 0; i < tr->nev; i++) {
			const struct trace_ev *e = &tr->ev[i];

			if (e->node != n)
				continue;
			fprintf(f, "<text x=\"%zu\" y=\"%d\" font-size=\"9\" "
				"text-anchor=\"middle\" fill=\"#444\">%c<title>%s "
				"%s</title></text>\n", LEFT + e->col * (size_t)dx,
				y + LANE_H - 4, letter(e->kind),
				trace_kind_name(e->kind), dm_mode_name(e->mode));
		}
	}
}

static void draw_levels(const struct trace *tr, FILE *f, int dx, int right)
{
	for (size_t l = 0; l < tr->nlocks; l++) {
		for (int n = 0; n < tr->nodes; n++) {
			bool open = false;

			for (size_t i = 0; i < tr->nev; i++) {
				int lvl = tr->ev[i].level[n][l];
				size_t x = LEFT + tr->ev[i].col * (size_t)dx;

				if (lvl == TRACE_NO_LOCK) {
					if (open)
						fprintf(f, "\"/>\n");
					open = false;
					continue;
				}
				if (!open)
					fprintf(f, "<path fill=\"none\" stroke=\"%s\" "
						"stroke-width=\"3\" d=\"M%zu %d",
						palette[l], x, level_y(n, lvl));
				else
					fprintf(f, " H%zu V%d", x, level_y(n, lvl));
				open = true;
			}
			if (open)	/* the level holds to the end */
				fprintf(f, " H%d\"/>\n", right);
		}
	}
}

/* a pale band while BLOCKED, a dashed line at the level being asked for */
static void draw_waits(const struct trace *tr, FILE *f, int dx, int right)
{
	for (size_t i = 0; i < tr->nev; i++) {
		const struct trace_ev *e = &tr->ev[i];
		size_t x = LEFT + e->col * (size_t)dx;
		size_t x2 = i + 1 < tr->nev ? LEFT + tr->ev[i + 1].col * (size_t)dx :
			    (size_t)right;

		for (int n = 0; n < tr->nodes; n++) {
			int y = TOP + BAND + n * (LANE_H + GAP);

			for (size_t l = 0; l < tr->nlocks; l++) {
				int rq = e->req[n][l];

				if (e->blocked[n][l])
					fprintf(f, "<rect x=\"%zu\" y=\"%d\" "
						"width=\"%zu\" height=\"%d\" "
						"fill=\"#d62728\" opacity=\"0.10\"/>\n",
						x, y, x2 - x, LANE_H);
				if (rq != DM_IV && rq != e->level[n][l])
					fprintf(f, "<line x1=\"%zu\" y1=\"%d\" "
						"x2=\"%zu\" y2=\"%d\" stroke=\"%s\" "
						"stroke-dasharray=\"4,3\"/>\n", x,
						level_y(n, rq), x2, level_y(n, rq),
						palette[l]);
			}
		}
	}
}

static void draw_arrows(const struct trace *tr, FILE *f, int dx)
{
	for (size_t i = 0; i < tr->narrows; i++) {
		const struct trace_arrow *a = &tr->arrows[i];
		int y1 = TOP + BAND + a->from_node * (LANE_H + GAP) + LANE_H / 2;
		int y2 = TOP + BAND + a->to_node * (LANE_H + GAP) + LANE_H / 2;

		fprintf(f, "<line x1=\"%zu\" y1=\"%d\" x2=\"%zu\" y2=\"%d\" "
			"stroke=\"%s\" stroke-width=\"1.5\" marker-end=\"url(#%s)\"/>\n",
			LEFT + a->from_col * (size_t)dx, y1,
			LEFT + a->to_col * (size_t)dx, y2,
			a->bast ? "#d62728" : "#2ca02c", a->bast ? "rb" : "ga");
	}
}

static void draw_labels(const struct trace *tr, FILE *f, int dx, int bottom)
{
	for (size_t i = 0; i < tr->nlabels; i++) {
		const struct trace_label *l = &tr->labels[i];
		size_t x = LEFT + l->col * (size_t)dx;

		fprintf(f, "<line x1=\"%zu\" y1=\"%d\" x2=\"%zu\" y2=\"%d\" "
			"stroke=\"#aaa\" stroke-dasharray=\"3,3\"/>\n", x,
			TOP + BAND - 4, x, bottom);
		fprintf(f, "<text transform=\"translate(%zu,%d) rotate(-40)\" "
			"font-size=\"11\">L%d ", x + 2, TOP + BAND - 8, l->line);
		esc(f, l->text, 52);
		fprintf(f, "</text>\n");
	}
}

int trace_svg(const struct trace *tr, FILE *f)
{
	int dx = tr->ncols > 200 ? 8 : tr->ncols > 80 ? 14 : 22;
	int lanes_end = TOP + BAND + tr->nodes * (LANE_H + GAP);
	int right = LEFT + (int)(tr->ncols + 1) * dx;
	int width = right + 300;	/* room for the last labels */
	int height = lanes_end + 56 + 18 * (int)(tr->nlocks + 2);
	int y = lanes_end + 24;

	if (width < 1180)
		width = 1180;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" font-family=\"monospace\">\n", width, height);
	fprintf(f, "<defs><marker id=\"rb\" markerWidth=\"8\" markerHeight=\"8\" "
		"refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" "
		"fill=\"#d62728\"/></marker><marker id=\"ga\" markerWidth=\"8\" "
		"markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path "
		"d=\"M0,0 L8,4 L0,8 z\" fill=\"#2ca02c\"/></marker></defs>\n");
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"10\" y=\"24\" font-size=\"16\">");
	esc(f, tr->title ? tr->title : "", 120);
	fprintf(f, "</text>\n");
	draw_lanes(tr, f, dx, right);
	draw_labels(tr, f, dx, lanes_end);
	draw_waits(tr, f, dx, right);
	draw_levels(tr, f, dx, right);
	draw_arrows(tr, f, dx);
	for (size_t l = 0; l < tr->nlocks; l++, y += 18) {
		fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"24\" height=\"4\" "
			"fill=\"%s\"/><text x=\"40\" y=\"%d\" font-size=\"12\">",
			y - 4, palette[l], y);
		esc(f, tr->locks[l], 80);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"11\" fill=\"#444\">"
		"red arrow: BAST (queued -&gt; delivered); green arrow: AST "
		"granted by a remote release; dashed: level requested; red "
		"band: BLOCKED</text>\n", y + 4);
	fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"11\" fill=\"#444\">"
		"R request, x refused, G grant, A ast, b bast queued, B bast, "
		"W work, D downconvert, C cancel, U unlock, u unlock-ast, "
		"P publish, F fetch, V recover, X crash, Z restart, w wake"
		"</text>\n", y + 20);
	fprintf(f, "</svg>\n");
	return ferror(f) ? -1 : 0;
}
