// SPDX-License-Identifier: MIT
/*
 * fz_dec.c - decode (and, for the seed generator, encode) the op byte
 * format of fz_ops.h. Total: every byte string is a valid input.
 */
#include <stdlib.h>
#include <string.h>

#include "fz_ops.h"

const char *const fz_prof_names[FZ_NPROFS] = { "linux-6", "linux-6-user" };

static const struct {
	const char *name;
	uint8_t nargs;
} ops[FZ_NOPS] = {
	[FZ_OPEN] = { "open", 2 },	/* A L */
	[FZ_CLOSE] = { "close", 1 },	/* A */
	[FZ_READ] = { "read", 2 },	/* A LEN */
	[FZ_PREAD] = { "pread", 3 },	/* A LEN OFF */
	[FZ_WRITE] = { "write", 3 },	/* A LEN SEED */
	[FZ_PWRITE] = { "pwrite", 4 },	/* A LEN OFF SEED */
	[FZ_LSEEK] = { "lseek", 3 },	/* A OFF WHENCE */
	[FZ_POLL] = { "poll", 1 },	/* A */
	[FZ_UNLINK] = { "unlink", 2 },	/* A L */
	[FZ_MKDIR] = { "mkdir", 2 },	/* A L */
	[FZ_RMDIR] = { "rmdir", 2 },	/* A L */
	[FZ_STAT] = { "stat", 2 },	/* A L */
	[FZ_DELIVER] = { "deliver", 1 },	/* K */
	[FZ_SETTLE] = { "settle", 0 },
	[FZ_CRASH] = { "crash", 1 },	/* K */
	[FZ_RESTART] = { "restart", 1 },	/* K */
	[FZ_CHECK] = { "check", 0 },
};

void fz_in_init(struct fz_in *in, const uint8_t *p, size_t n)
{
	in->p = p;
	in->n = n;
	in->i = 0;
}

static uint8_t get8(struct fz_in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

void fz_hdr_decode(struct fz_in *in, struct fz_hdr *h, int max_nodes)
{
	uint8_t h0 = get8(in), h1 = get8(in);

	h->prof = h0 & 1;
	h->nodes = 1 + ((h0 >> 1) & 3);
	if (h->nodes > max_nodes)
		h->nodes = max_nodes;
	h->actors = 1 + (h1 & 7) % FZ_MAX_ACTORS;
	h->doms = 1 + ((h1 >> 3) & 1);
	h->locks = 1 + ((h1 >> 4) & 3) % FZ_MAX_LOCKS;
}

void fz_hdr_encode(const struct fz_hdr *h, uint8_t out[2])
{
	out[0] = (uint8_t)((h->prof & 1) | ((h->nodes - 1) & 3) << 1);
	out[1] = (uint8_t)(((h->actors - 1) & 7) | ((h->doms - 1) & 1) << 3 |
			   ((h->locks - 1) & 3) << 4);
}

int fz_op_nargs(int code)
{
	return code >= 0 && code < FZ_NOPS ? ops[code].nargs : 0;
}

const char *fz_op_name(int code)
{
	return code >= 0 && code < FZ_NOPS ? ops[code].name : "?";
}

bool fz_op_next(struct fz_in *in, struct fz_op *op)
{
	int i, n;

	if (in->i >= in->n)
		return false;
	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)(get8(in) % FZ_NOPS);
	n = ops[op->code].nargs;
	for (i = 0; i < n; i++)
		op->arg[i] = get8(in);
	return true;
}

size_t fz_op_encode(const struct fz_op *op, uint8_t *out)
{
	int i, n = fz_op_nargs(op->code);

	out[0] = op->code;
	for (i = 0; i < n; i++)
		out[1 + i] = op->arg[i];
	return 1 + (size_t)n;
}

/* the explorer parses bug names; reuse its table rather than copy it */
int fz_parse_bugs(const char *s, unsigned *bugs)
{
	struct explore_opts o;
	char err[256], *end;
	char *argv[] = { "explore", "--seed", "0", "--bug", NULL, NULL };
	unsigned long v;

	*bugs = 0;
	if (!s || !*s)
		return 0;
	v = strtoul(s, &end, 0);
	if (!*end) {
		*bugs = (unsigned)v;
		return 0;
	}
	explore_opts_default(&o);
	o.out = NULL;
	argv[4] = (char *)s;
	if (explore_parse(5, argv, &o, err, sizeof(err)))
		return -1;
	*bugs = o.bugs;
	return 0;
}
