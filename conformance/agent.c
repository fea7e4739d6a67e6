/* SPDX-License-Identifier: MIT */
/*
 * agent.c - the dlmfs-agent loop: requests on `in` are control requests
 * (hello, kill, signal, bye) or actor requests forwarded to that actor's
 * process (forked on first use, running actor_serve); every actor's
 * response line is copied to `out` as soon as it arrives, so a blocked
 * actor never delays the others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor.h"
#include "agent.h"
#include "spawn.h"

#define AGENT_ACTORS_MAX 256

struct agent_actor {
	char name[PROTO_ACTOR_MAX];
	struct spawned sp;
	struct proto_reader r;
	int pending;		/* requests forwarded, not yet answered */
};

struct agent {
	const char *root;
	int in, out;
	struct agent_actor *actors[AGENT_ACTORS_MAX];
	int nactors;
	struct pbuf line;
};

void agent_hello(const char *root, struct pbuf *out)
{
	struct detect_info di;
	int rc = detect_path(root, &di);

	pbuf_printf(out, "hello %s %d", PROTO_NAME, PROTO_VERSION);
	if (rc) {
		pbuf_printf(out, " error=%s", strerror(-rc));
	} else {
		pbuf_printf(out, " kind=%s magic=0x%x fstype=",
			    detect_kind_name(di.kind), di.magic);
		pbuf_path(out, di.fstype);
		if (di.has_caps)
			pbuf_printf(out, " caps=\"%s\"", di.caps);
		pbuf_puts(out, " stack=");
		pbuf_path(out, di.stack);
		pbuf_puts(out, " profile=");
		pbuf_path(out, di.profile);
		pbuf_printf(out, " others=%d", di.others);
	}
	pbuf_printf(out, " uid=%u pid=%d verbs=", (unsigned)geteuid(),
		    (int)getpid());
	for (size_t i = 0; actor_verb_at(i); i++)
		pbuf_printf(out, "%s%s", i ? "," : "", actor_verb_at(i));
	pbuf_puts(out, "\n");
}

static int emit(struct agent *ag, const char *s)
{
	return proto_write_all(ag->out, s, strlen(s));
}

static int emitf2(struct agent *ag, const char *name, const char *what)
{
	pbuf_reset(&ag->line);
	pbuf_printf(&ag->line, "%s %s\n", name, what);
	return emit(ag, ag->line.s);
}

static struct agent_actor *find(struct agent *ag, const char *name)
{
	for (int i = 0; i < ag->nactors; i++)
		if (!strcmp(ag->actors[i]->name, name))
			return ag->actors[i];
	return NULL;
}

static void drop(struct agent *ag, struct agent_actor *a)
{
	int i;

	spawn_kill(&a->sp, 50);
	proto_reader_free(&a->r);
	for (i = 0; i < ag->nactors && ag->actors[i] != a; i++)
		;
	if (i < ag->nactors)
		ag->actors[i] = ag->actors[--ag->nactors];
	free(a);
}

static struct agent_actor *spawn_named(struct agent *ag, const char *name)
{
	struct agent_actor *a;

	if (ag->nactors == AGENT_ACTORS_MAX)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name);
	if (spawn_actor(ag->root, NULL, &a->sp)) {
		free(a);
		return NULL;
	}
	proto_reader_init(&a->r, a->sp.rfd, PROTO_LINE_MAX);
	ag->actors[ag->nactors++] = a;
	return a;
}

/* a control request; 1 if `bye` */
static int control(struct agent *ag, char **tok, int n)
{
	struct agent_actor *a;

	if (!strcmp(tok[0], "hello") && n == 1) {
		pbuf_reset(&ag->line);
		agent_hello(ag->root, &ag->line);
		emit(ag, ag->line.s);
		return 0;
	}
	if (!strcmp(tok[0], "bye") && n == 1)
		return 1;	/* answered once pending calls are flushed */
	if (n != 2 || !proto_valid_actor(tok[1])) {
		emit(ag, "? bad control request\n");
		return 0;
	}
	a = find(ag, tok[1]);
	if (!strcmp(tok[0], "kill")) {
		if (a)
			drop(ag, a);
		emitf2(ag, tok[1], "killed");
	} else if (!a) {
		emitf2(ag, tok[1], "unknown");
	} else {
		kill(a->sp.pid, SIGINT);
		emitf2(ag, tok[1], "signalled");
	}
	return 0;
}

static bool is_control(const char *w)
{
	return !strcmp(w, "hello") || !strcmp(w, "bye") ||
	       !strcmp(w, "kill") || !strcmp(w, "signal");
}

/* one request line from `in`; 1 on bye */
static int request(struct agent *ag, char *line)
{
	char *tok[PROTO_TOKENS_MAX], name[PROTO_ACTOR_MAX];
	size_t len = strlen(line);
	struct agent_actor *a;
	char *copy;
	int n, rc = 0;

	copy = malloc(len + 2);
	if (!copy)
		return emit(ag, "? bad out of memory\n"), 0;
	memcpy(copy, line, len);
	copy[len] = '\n';
	copy[len + 1] = '\0';
	n = proto_split(line, tok, PROTO_TOKENS_MAX);
	if (n <= 0) {
		if (n < 0)
			emit(ag, "? bad too many tokens\n");
		goto out;
	}
	if (is_control(tok[0])) {
		rc = control(ag, tok, n);
		goto out;
	}
	if (!proto_valid_actor(tok[0])) {
		emit(ag, "? bad actor name\n");
		goto out;
	}
	snprintf(name, sizeof(name), "%s", tok[0]);
	a = find(ag, name);
	if (!a)
		a = spawn_named(ag, name);
	if (!a) {
		emitf2(ag, name, "err EAGAIN");
		goto out;
	}
	if (proto_write_all(a->sp.wfd, copy, len + 1)) {
		drop(ag, a);
		emitf2(ag, name, "died");
	} else {
		a->pending++;
	}
out:
	free(copy);
	return rc;
}

/* copy an actor's responses to out; false once it is gone */
static bool relay(struct agent *ag, struct agent_actor *a)
{
	long n = proto_reader_fill(&a->r);
	char *l;

	while ((l = proto_reader_line(&a->r))) {
		size_t len = strlen(l);

		l[len] = '\n';
		proto_write_all(ag->out, l, len + 1);
		l[len] = '\0';
		if (a->pending)
			a->pending--;
	}
	if (n == 0 || (n < 0 && n != -EINTR && n != -EAGAIN)) {
		emitf2(ag, a->name, "died");
		drop(ag, a);
		return false;
	}
	return true;
}

/* poll the actors (and in, if in >= 0) once; returns poll's result */
static int poll_once(struct agent *ag, int in, int ms, bool *in_ready)
{
	struct pollfd pf[AGENT_ACTORS_MAX + 1];
	int n = ag->nactors, rc;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;	/* actors killed earlier that finally died */
	pf[0] = (struct pollfd){ .fd = in, .events = POLLIN };
	for (int i = 0; i < n; i++)
		pf[i + 1] = (struct pollfd){ .fd = ag->actors[i]->sp.rfd,
					     .events = POLLIN };
	rc = poll(pf, (nfds_t)n + 1, ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	/* responses first: they never depend on a later request */
	for (int i = n - 1; i >= 0; i--)
		if (pf[i + 1].revents)
			relay(ag, ag->actors[i]);
	*in_ready = in >= 0 && pf[0].revents;
	return rc;
}

/* at bye or EOF: answers already on their way still get out (2 s) */
static void flush_pending(struct agent *ag)
{
	long long end = spawn_now_ms() + 2000;
	bool dummy;

	for (;;) {
		int busy = 0;

		for (int i = 0; i < ag->nactors; i++)
			busy += ag->actors[i]->pending;
		if (!busy || spawn_now_ms() >= end)
			return;
		if (poll_once(ag, -1, 50, &dummy) < 0)
			return;
	}
}

int agent_run(const char *root, int in, int out)
{
	struct agent ag = { .root = root, .in = in, .out = out };
	struct proto_reader r;
	int rc = 0, done = 0;
	bool ready;
	char *l;

	signal(SIGPIPE, SIG_IGN);
	pbuf_init(&ag.line);
	proto_reader_init(&r, in, PROTO_LINE_MAX);
	while (!done) {
		int n = poll_once(&ag, in, 1000, &ready);

		if (n < 0) {
			rc = 1;
			break;
		}
		if (!ready)
			continue;
		long got = proto_reader_fill(&r);

		while (!done && (l = proto_reader_line(&r)))
			done = request(&ag, l);
		if (got == 0 || (got < 0 && got != -EINTR && got != -EAGAIN))
			break;
	}
	flush_pending(&ag);
	if (done)
		emit(&ag, "bye\n");
	while (ag.nactors)
		drop(&ag, ag.actors[0]);
	proto_reader_free(&r);
	pbuf_free(&ag.line);
	return rc;
}
