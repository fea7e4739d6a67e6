/* SPDX-License-Identifier: MIT */
/*
 * actor.c - parse one protocol request (PROTOCOL.md), run it through the
 * verb table (actor_calls.c), and the actor process's loop.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actor_int.h"
#include "scn.h"

const char *actor_verb_at(size_t i)
{
	for (size_t k = 0; actor_verb_table[k].name; k++)
		if (k == i)
			return actor_verb_table[k].name;
	return NULL;
}

/*
 * A request's path names root/PATH; leading '/' are dropped and "/" or "."
 * is the root itself, so `rmdir /` is rmdir of the mount point (EBUSY),
 * not of "." (EINVAL). The empty path stays empty (ENOENT).
 */
static const char *full_path(const struct actor *a, char *t, char *buf)
{
	bool slash = *t == '/';

	while (*t == '/')
		t++;
	if ((slash && !*t) || !strcmp(t, "."))
		snprintf(buf, PATH_MAX, "%s", a->root);
	else if (!*t)
		buf[0] = '\0';
	else if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", a->root, t) >= PATH_MAX)
		return "path too long";
	return NULL;
}

/* one argument; NULL or a reason */
static const char *parse_arg(const struct actor *a, char c, char *t,
			     struct actor_args *g)
{
	int64_t x;
	int v;

	switch (c) {
	case 'p': case 'q':
		if (proto_unpath(t))
			return "bad path";
		*(c == 'p' ? &g->path : &g->path2) = g->full[c == 'q'];
		return full_path(a, t, g->full[c == 'q']);
	case 'S':
		if (proto_unpath(t))
			return "bad path";
		g->target = t;
		return NULL;
	case 'f':
		return proto_flags(t, &g->flags) ? "bad flags" : NULL;
	case 'M':
		return proto_octal(t, &g->mode) ? "bad mode" : NULL;
	case 'd':
		if (proto_i64(t, &x) || x < 0 || x > INT32_MAX)
			return "bad fd";
		g->fd = (int)x;
		return NULL;
	case 'l': case 'L':
		if (proto_i64(t, &x) || (c == 'l' && (x < 0 ||
						       x > PROTO_DATA_MAX)))
			return "bad length";
		g->len = x;
		return NULL;
	case 'o':
		return proto_i64(t, &g->off) ? "bad offset" : NULL;
	case 'x': {
		long n = proto_unhex(t);

		if (n < 0)
			return "bad hex";
		g->data = t;
		g->dlen = (size_t)n;
		return NULL;
	}
	case 'w':
		if (scn_name_lookup(scn_whence_names, t, &v))
			return "bad whence";
		g->whence = v;
		return NULL;
	case 's':
		if (strcmp(t, "shared") && strcmp(t, "private"))
			return "bad mmap kind";
		g->shared = !strcmp(t, "shared");
		return NULL;
	case 't':
		if (scn_name_lookup(scn_mknod_names, t, &v))
			return "bad node type";
		g->type = (uint32_t)v;
		return NULL;
	case 'u': case 'g':
		return proto_u32(t, c == 'u' ? &g->uid : &g->gid) ?
		       "bad id" : NULL;
	case 'T':
		if (proto_i64(t, &x) || x < 0 || x > 3600000)
			return "bad timeout";
		g->timeout = (int)x;
		return NULL;
	}
	return "bad argument kind";
}

int actor_exec(struct actor *a, char *line, struct pbuf *out)
{
	char *tok[PROTO_TOKENS_MAX];
	const struct actor_verb *v;
	struct actor_args g;
	const char *why = NULL;
	int n = proto_split(line, tok, PROTO_TOKENS_MAX);

	pbuf_reset(out);
	memset(&g, 0, sizeof(g));
	if (n < 1) {
		pbuf_puts(out, "? bad empty request\n");
		return 1;
	}
	if (!proto_valid_actor(tok[0])) {
		pbuf_puts(out, "? bad actor name\n");
		return 1;
	}
	pbuf_puts(out, tok[0]);
	if (n < 2) {
		why = "missing verb";
		goto bad;
	}
	for (v = actor_verb_table; v->name && strcmp(v->name, tok[1]); v++)
		;
	if (!v->name) {
		why = "unknown verb";
		goto bad;
	}
	if ((size_t)(n - 2) != strlen(v->args)) {
		why = "wrong number of arguments";
		goto bad;
	}
	for (int i = 0; v->args[i] && !why; i++)
		why = parse_arg(a, v->args[i], tok[i + 2], &g);
	if (why)
		goto bad;
	errno = 0;
	v->fn(a, &g, out);
	pbuf_puts(out, "\n");
	return 0;
bad:
	pbuf_printf(out, " bad %s\n", why);
	return 1;
}

static void on_sigint(int sig)
{
	(void)sig;
}

int actor_serve(int rfd, int wfd, const char *root)
{
	struct sigaction sa = { .sa_handler = on_sigint };	/* no SA_RESTART */
	char real[PATH_MAX];
	struct actor a = { .root = realpath(root, real) ? real : root };
	struct proto_reader r;
	struct pbuf out;
	char *line;
	sigset_t intr;
	int rc = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&intr);
	sigaddset(&intr, SIGINT);
	sigprocmask(SIG_UNBLOCK, &intr, NULL);
	signal(SIGPIPE, SIG_DFL);
	umask(022);
	if (chdir(a.root))
		return 3;
	proto_reader_init(&r, rfd, PROTO_LINE_MAX);
	pbuf_init(&out);
	for (;;) {
		while ((line = proto_reader_line(&r))) {
			actor_exec(&a, line, &out);
			if (out.oom || proto_write_all(wfd, out.s, out.len)) {
				rc = 1;
				goto done;
			}
		}
		if (r.eof)
			break;
		long n = proto_reader_fill(&r);

		if (n < 0 && n != -EINTR && n != -EAGAIN) {
			rc = 1;
			break;
		}
	}
done:
	pbuf_free(&out);
	proto_reader_free(&r);
	return rc;
}
