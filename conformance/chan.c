/* SPDX-License-Identifier: MIT */
/*
 * chan.c - send requests to an actor or agent child and collect its
 * tagged responses with deadlines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"

void chan_init(struct chan *c)
{
	memset(c, 0, sizeof(*c));
	c->sp.pid = -1;
	c->sp.wfd = c->sp.rfd = -1;
}

static void opened(struct chan *c)
{
	proto_reader_init(&c->r, c->sp.rfd, PROTO_LINE_MAX);
	c->open = true;
	c->dead = false;
}

int chan_open_actor(struct chan *c, const char *root, const char *preload)
{
	int rc;

	chan_init(c);
	rc = spawn_actor(root, preload, &c->sp);
	if (!rc)
		opened(c);
	return rc;
}

int chan_open_command(struct chan *c, const char *command)
{
	int rc;

	chan_init(c);
	rc = spawn_command(command, &c->sp);
	if (!rc)
		opened(c);
	return rc;
}

int chan_open_agent(struct chan *c, const char *root)
{
	int rc;

	chan_init(c);
	rc = spawn_agent(root, &c->sp);
	if (!rc)
		opened(c);
	return rc;
}

static void slot_free(struct chan_slot *s)
{
	free(s->call);
	free(s->ctl);
	s->call = s->ctl = NULL;
}

bool chan_close(struct chan *c, int ms)
{
	bool gone = true;
	pid_t pid = c->sp.pid;

	if (!c->open)
		return true;
	spawn_kill(&c->sp, ms);
	if (pid > 0)
		gone = spawn_reap(pid, 0, NULL);
	proto_reader_free(&c->r);
	for (int i = 0; i < c->nslots; i++)
		slot_free(&c->slots[i]);
	free(c->slots);
	free(c->hello);
	chan_init(c);
	return gone;
}

int chan_send(struct chan *c, const char *line)
{
	size_t n = strlen(line);
	char *buf;
	int rc;

	if (!c->open || c->dead)
		return -EPIPE;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, line, n);
	buf[n] = '\n';
	rc = proto_write_all(c->sp.wfd, buf, n + 1);
	free(buf);
	if (rc)
		c->dead = true;
	return rc;
}

static struct chan_slot *slot(struct chan *c, const char *name, bool add)
{
	for (int i = 0; i < c->nslots; i++)
		if (!strcmp(c->slots[i].name, name))
			return &c->slots[i];
	if (!add)
		return NULL;
	if (c->nslots == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		struct chan_slot *n = realloc(c->slots, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		c->slots = n;
		c->cap = cap;
	}
	memset(&c->slots[c->nslots], 0, sizeof(c->slots[0]));
	snprintf(c->slots[c->nslots].name, PROTO_ACTOR_MAX, "%s", name);
	return &c->slots[c->nslots++];
}

static void store(char **where, const char *line)
{
	free(*where);
	*where = strdup(line);
}

/* file one response line under its actor */
static void dispatch(struct chan *c, const char *line)
{
	char tag[PROTO_ACTOR_MAX], kind[16];
	size_t n = strcspn(line, " ");
	const char *rest = line + n + (line[n] == ' ');
	struct chan_slot *s;

	if (!strncmp(line, "hello ", 6)) {
		store(&c->hello, line);
		return;
	}
	if (line[0] == '?' || n >= sizeof(tag) || !n) {
		snprintf(c->last_bad, sizeof(c->last_bad), "%s", line);
		return;
	}
	memcpy(tag, line, n);
	tag[n] = '\0';
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(rest, " "), rest);
	s = slot(c, tag, true);
	if (!s)
		return;
	if (!strcmp(kind, "killed") || !strcmp(kind, "signalled") ||
	    !strcmp(kind, "unknown"))
		store(&s->ctl, line);
	else
		store(&s->call, line);
}

static char **want(struct chan *c, const char *actor, enum chan_kind kind)
{
	struct chan_slot *s;

	if (kind == CHAN_HELLO)
		return &c->hello;
	s = slot(c, actor, false);
	if (!s)
		return NULL;
	return kind == CHAN_CTL ? &s->ctl : &s->call;
}

int chan_recv(struct chan *c, const char *actor, enum chan_kind kind,
	      long long deadline, char **line)
{
	char **w, *l;

	*line = NULL;
	for (;;) {
		w = want(c, actor, kind);
		if (w && *w) {
			*line = *w;
			*w = NULL;
			return 0;
		}
		if (!c->open || c->dead)
			return -EPIPE;
		long long left = deadline - spawn_now_ms();
		struct pollfd p = { .fd = c->sp.rfd, .events = POLLIN };

		if (left < 0)
			left = 0;
		int rc = poll(&p, 1, (int)(left > 3600000 ? 3600000 : left));

		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc <= 0) {
			if (spawn_now_ms() >= deadline)
				return -ETIMEDOUT;
			continue;
		}
		long got = proto_reader_fill(&c->r);

		while ((l = proto_reader_line(&c->r)))
			dispatch(c, l);
		if (got == 0 || (got < 0 && got != -EINTR && got != -EAGAIN))
			c->dead = true;
	}
}

void chan_forget(struct chan *c, const char *actor)
{
	struct chan_slot *s = slot(c, actor, false);

	if (s)
		slot_free(s);
}
