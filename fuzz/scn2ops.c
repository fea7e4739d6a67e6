// SPDX-License-Identifier: MIT
/*
 * scn2ops.c - the seed generator: turn each corpus scenario into an `ops`
 * input (fz_ops.h) that makes the same calls, so the fuzzer starts from
 * the situations the corpus teaches.
 *
 *   scn2ops OUTDIR FILE.scn...     writes OUTDIR/<name>.ops
 *
 * The mapping is approximate by design (seeds need not replay exactly):
 * actors keep their node (nodes past FZ_MAX_NODES wrap), the first domain
 * and lock names become dom0/lk0..., write data becomes seeded letters,
 * `deliver` picks the first deliverable event, and a non-manual scenario
 * gets a settle op after every statement. Unsupported verbs are dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_ops.h"

#define MAX_NAMES 16
#define OUT_MAX 4096

struct gen {
	const struct scn *s;
	struct fz_hdr h;
	int fuzz_actor[SCN_ACTORS_MAX];
	char fds[FZ_MAX_ACTORS][X_MAX_FDS][SCN_IDENT_MAX];
	int nfd[FZ_MAX_ACTORS];
	char doms[MAX_NAMES][SCN_IDENT_MAX * 2], locks[MAX_NAMES][SCN_IDENT_MAX * 2];
	int ndoms, nlocks;
	uint8_t out[OUT_MAX];
	size_t len;
};

static int name_idx(char tab[][SCN_IDENT_MAX * 2], int *n, const char *name,
		    size_t len, int max)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strlen(tab[i]) == len && !strncmp(tab[i], name, len))
			return i % max;
	if (*n < MAX_NAMES && len < SCN_IDENT_MAX * 2) {
		memcpy(tab[*n], name, len);
		tab[*n][len] = '\0';
		(*n)++;
	}
	return (*n - 1) % max;
}

/* lock byte for PATH; -1 if not dom or dom/lk; *is_dom for a domain */
static int lock_byte(struct gen *g, const char *path, bool *is_dom)
{
	const char *slash;
	int d, l = 0;

	if (!path || !*path || *path == '/')
		return -1;
	slash = strchr(path, '/');
	*is_dom = !slash;
	d = name_idx(g->doms, &g->ndoms, path,
		     slash ? (size_t)(slash - path) : strlen(path), FZ_MAX_DOMS);
	if (slash) {
		if (!slash[1] || strchr(slash + 1, '/'))
			return -1;
		l = name_idx(g->locks, &g->nlocks, slash + 1, strlen(slash + 1),
			     FZ_MAX_LOCKS);
	}
	return d << 4 | l | (*is_dom ? 0x08 : 0);
}

static int actor_of(struct gen *g, int a)
{
	return a >= 0 && a < g->s->nactors ? g->fuzz_actor[a] : 0;
}

static int slot_of(struct gen *g, int fa, const char *fd)
{
	int i;

	for (i = 0; i < g->nfd[fa]; i++)
		if (!strcmp(g->fds[fa][i], fd))
			return i;
	return 0;
}

static void fd_add(struct gen *g, int fa, const char *name)
{
	if (g->nfd[fa] < X_MAX_FDS)
		snprintf(g->fds[fa][g->nfd[fa]++], SCN_IDENT_MAX, "%s", name);
}

static void fd_drop(struct gen *g, int fa, int slot)
{
	if (slot < g->nfd[fa])
		memcpy(g->fds[fa][slot], g->fds[fa][--g->nfd[fa]], SCN_IDENT_MAX);
}

static void put(struct gen *g, int code, int a0, int a1, int a2, int a3)
{
	struct fz_op op = { (uint8_t)code,
			    { (uint8_t)a0, (uint8_t)a1, (uint8_t)a2, (uint8_t)a3 } };

	if (g->len + 5 <= OUT_MAX)
		g->len += fz_op_encode(&op, g->out + g->len);
}

static void stmt(struct gen *g, const struct scn_stmt *st)
{
	int fa = actor_of(g, st->actor), slot = 0, lb = 0, len;
	bool is_dom = false;
	int8_t off = (int8_t)(st->off < -128 ? -128 : st->off > 127 ? 127 :
			      st->off);

	if (st->path)
		lb = lock_byte(g, st->path, &is_dom);
	if (st->fd[0])
		slot = slot_of(g, fa, st->fd);
	len = st->len > X_DATA_MAX ? X_DATA_MAX : (int)st->len;
	switch (st->verb) {
	case SCN_V_MKDIR:
	case SCN_V_RMDIR:
		if (lb >= 0 && is_dom)
			put(g, st->verb == SCN_V_MKDIR ? FZ_MKDIR : FZ_RMDIR,
			    fa, lb, 0, 0);
		break;
	case SCN_V_OPEN:
		if (lb < 0 || is_dom)
			break;
		put(g, FZ_OPEN, fa | ((st->flags & O_ACCMODE) != O_RDONLY ?
				      0x40 : 0) |
		    ((st->flags & O_NONBLOCK) ? 0x80 : 0), lb, 0, 0);
		if (!st->bg && st->exp.kind == SCN_E_FD)
			fd_add(g, fa, st->exp.fd);
		break;
	case SCN_V_WAIT:
		if (st->exp.kind == SCN_E_FD)
			fd_add(g, fa, st->exp.fd);
		break;
	case SCN_V_CLOSE:
		put(g, FZ_CLOSE, fa | slot << 3, 0, 0, 0);
		fd_drop(g, fa, slot);
		break;
	case SCN_V_READ:
		put(g, FZ_READ, fa | slot << 3, len, 0, 0);
		break;
	case SCN_V_PREAD:
		put(g, FZ_PREAD, fa | slot << 3, len, (uint8_t)off, 0);
		break;
	case SCN_V_WRITE:
		put(g, FZ_WRITE, fa | slot << 3, (int)st->data.len % 256,
		    st->line, 0);
		break;
	case SCN_V_PWRITE:
		put(g, FZ_PWRITE, fa | slot << 3, (int)st->data.len % 256,
		    (uint8_t)off, st->line);
		break;
	case SCN_V_LSEEK:
		put(g, FZ_LSEEK, fa | slot << 3, (uint8_t)off, st->flags, 0);
		break;
	case SCN_V_POLL:
		put(g, FZ_POLL, fa | slot << 3, 0, 0, 0);
		break;
	case SCN_V_STAT:
	case SCN_V_UNLINK:
		if (lb >= 0 && (st->verb == SCN_V_STAT || !is_dom))
			put(g, st->verb == SCN_V_STAT ? FZ_STAT : FZ_UNLINK,
			    fa, lb, 0, 0);
		break;
	case SCN_V_CRASH:
	case SCN_V_RESTART:
		put(g, st->verb == SCN_V_CRASH ? FZ_CRASH : FZ_RESTART,
		    st->node % FZ_MAX_NODES, 0, 0, 0);
		break;
	case SCN_V_DELIVER:
		put(g, FZ_DELIVER, 0, 0, 0, 0);
		break;
	case SCN_V_SETTLE:
		put(g, FZ_SETTLE, 0, 0, 0, 0);
		break;
	default:
		return;
	}
	if (!g->s->manual)
		put(g, FZ_SETTLE, 0, 0, 0, 0);
}

static int generate(struct gen *g, const struct scn *s)
{
	int per_node[SCN_NODES_MAX] = { 0 }, i, max = 0;
	size_t k;

	memset(g, 0, sizeof(*g));
	g->s = s;
	g->h.nodes = s->nodes_used > s->req.nodes ? s->nodes_used : s->req.nodes;
	if (g->h.nodes < 1)
		g->h.nodes = 1;
	if (g->h.nodes > FZ_MAX_NODES)
		g->h.nodes = FZ_MAX_NODES;
	g->h.prof = !strcmp(s->req.stack, "user");
	for (i = 0; i < s->nactors; i++) {
		int node = s->actors[i].node % g->h.nodes;
		int maxk = (FZ_MAX_ACTORS - 1 - node) / g->h.nodes;
		int fa = node + g->h.nodes * (per_node[node]++ % (maxk + 1));

		g->fuzz_actor[i] = fa;
		if (fa + 1 > max)
			max = fa + 1;
	}
	g->h.actors = max ? max : 1;
	g->len = 2;
	for (k = 0; k < s->nstmts; k++)
		stmt(g, &s->stmts[k]);
	g->h.doms = g->ndoms > 1 ? 2 : 1;
	g->h.locks = g->nlocks > FZ_MAX_LOCKS ? FZ_MAX_LOCKS :
		     g->nlocks ? g->nlocks : 1;
	fz_hdr_encode(&g->h, g->out);
	return g->len > 2 ? 0 : -ENODATA;
}

int main(int argc, char **argv)
{
	struct gen *g = malloc(sizeof(*g));
	char err[512], path[4096];
	int i, written = 0, bad = 0;

	if (argc < 3 || !g) {
		fprintf(stderr, "usage: scn2ops OUTDIR FILE.scn...\n");
		free(g);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		struct scn *s;
		FILE *f;

		if (scn_parse_file(argv[i], &s, err, sizeof(err))) {
			fprintf(stderr, "scn2ops: %s\n", err);
			bad++;
			continue;
		}
		base = base ? base + 1 : argv[i];
		if (!generate(g, s)) {
			snprintf(path, sizeof(path), "%s/%.*s.ops", argv[1],
				 (int)(strlen(base) > 4 ? strlen(base) - 4 :
				       strlen(base)), base);
			f = fopen(path, "wb");
			if (!f || fwrite(g->out, 1, g->len, f) != g->len) {
				fprintf(stderr, "scn2ops: %s: %s\n", path,
					strerror(errno));
				bad++;
			} else {
				written++;
			}
			if (f)
				fclose(f);
		}
		scn_free(s);
	}
	free(g);
	printf("scn2ops: %d seeds written to %s\n", written, argv[1]);
	return bad ? 1 : 0;
}
