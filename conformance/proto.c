/* SPDX-License-Identifier: MIT */
/*
 * proto.c - token encodings, tokenizer and line reader of the dlmfs-agent
 * protocol (PROTOCOL.md).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "scn.h"

/* ---- pbuf ---- */
void pbuf_init(struct pbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void pbuf_free(struct pbuf *b)
{
	free(b->s);
	pbuf_init(b);
}

void pbuf_reset(struct pbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->s)
		b->s[0] = '\0';
}

static bool pbuf_grow(struct pbuf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	char *p;

	if (want <= b->cap)
		return true;
	if (want > PROTO_LINE_MAX + 1) {
		b->oom = true;
		return false;
	}
	want = want < 256 ? 256 : want * 2;
	p = realloc(b->s, want);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->s = p;
	b->cap = want;
	return true;
}

void pbuf_put(struct pbuf *b, const char *s, size_t n)
{
	if (!pbuf_grow(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void pbuf_puts(struct pbuf *b, const char *s)
{
	pbuf_put(b, s, strlen(s));
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !pbuf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char hexdig[] = "0123456789abcdef";

void pbuf_path(struct pbuf *b, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (!*p) {
		pbuf_puts(b, "-");
		return;
	}
	if (!strcmp(path, "-")) {
		pbuf_puts(b, "%2d");
		return;
	}
	for (; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%') {
			char e[3] = { '%', hexdig[*p >> 4], hexdig[*p & 15] };

			pbuf_put(b, e, 3);
		} else {
			pbuf_put(b, (const char *)p, 1);
		}
	}
}

void pbuf_hex(struct pbuf *b, const unsigned char *p, size_t n)
{
	if (!n) {
		pbuf_puts(b, "-");
		return;
	}
	if (!pbuf_grow(b, 2 * n))
		return;
	for (size_t i = 0; i < n; i++) {
		b->s[b->len++] = hexdig[p[i] >> 4];
		b->s[b->len++] = hexdig[p[i] & 15];
	}
	b->s[b->len] = '\0';
}

/* ---- decoding ---- */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int proto_unpath(char *tok)
{
	char *o = tok;

	if (!strcmp(tok, "-")) {
		*tok = '\0';
		return 0;
	}
	for (const char *i = tok; *i; i++) {
		if (*i != '%') {
			*o++ = *i;
			continue;
		}
		int hi = hexval(i[1]), lo = hi < 0 ? -1 : hexval(i[2]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -EINVAL;
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return 0;
}

long proto_unhex(char *tok)
{
	size_t n = strlen(tok);

	if (!strcmp(tok, "-"))
		return 0;
	if (n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(tok[i]), lo = hexval(tok[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		tok[i / 2] = (char)(hi << 4 | lo);
	}
	tok[n / 2] = '\0';
	return (long)(n / 2);
}

bool proto_valid_actor(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= PROTO_ACTOR_MAX)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		      *c == '.'))
			return false;
	return true;
}

int proto_i64(const char *tok, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(tok, &end, 0);
	if (errno || end == tok || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int proto_u32(const char *tok, uint32_t *v)
{
	int64_t x;

	if (proto_i64(tok, &x) || x < 0 || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int proto_octal(const char *tok, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(tok, &end, 8);
	if (errno || end == tok || *end || x > 0177777 || *tok == '-')
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int proto_flags(const char *tok, int *flags)
{
	char piece[64];
	const char *p = tok;
	int v = 0;

	while (*p) {
		size_t n = strcspn(p, "|");
		int bit;

		if (!n || n >= sizeof(piece))
			return -EINVAL;
		memcpy(piece, p, n);
		piece[n] = '\0';
		if (scn_name_lookup(scn_flag_names, piece, &bit)) {
			int64_t x;

			if (strncmp(piece, "0x", 2) || proto_i64(piece, &x) ||
			    x < 0 || x > INT32_MAX)
				return -EINVAL;
			bit = (int)x;
		}
		v |= bit;
		p += n;
		if (*p == '|' && !*++p)
			return -EINVAL;
	}
	*flags = v;
	return 0;
}

int proto_errno(const char *tok)
{
	int64_t x;
	int e = scn_errno_value(tok);

	if (e)
		return e;
	if (!proto_i64(tok, &x) && x < 0 && x > -4096)
		return (int)-x;
	return 0;
}

const char *proto_errname(int err, char *buf, size_t len)
{
	const char *n = scn_errno_name(err);

	if (n)
		return n;
	snprintf(buf, len, "-%d", err);
	return buf;
}

int proto_split(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = '\0';
		if (!*p)
			return n;
		if (n == max)
			return -E2BIG;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
}

/* ---- reader ---- */
void proto_reader_init(struct proto_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max;
}

void proto_reader_free(struct proto_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}

long proto_reader_fill(struct proto_reader *r)
{
	ssize_t n;

	if (r->used) {
		memmove(r->buf, r->buf + r->used, r->len - r->used);
		r->len -= r->used;
		r->used = 0;
	}
	if (r->cap - r->len < 4096) {
		size_t cap = r->cap ? r->cap * 2 : 8192;
		char *p;

		if (cap > r->max + 8192) {
			/* an over-long line: drop what we have of it */
			r->overflow = true;
			r->len = 0;
			cap = r->cap;
		}
		if (cap != r->cap) {
			p = realloc(r->buf, cap);
			if (!p)
				return -ENOMEM;
			r->buf = p;
			r->cap = cap;
		}
	}
	n = read(r->fd, r->buf + r->len, r->cap - r->len - 1);
	if (n < 0)
		return -errno;
	if (!n)
		r->eof = true;
	r->len += (size_t)n;
	return n;
}

char *proto_reader_line(struct proto_reader *r)
{
	char *nl;
	size_t i;

	for (;;) {
		/* drop the line handed out last time */
		if (r->used) {
			memmove(r->buf, r->buf + r->used, r->len - r->used);
			r->len -= r->used;
			r->used = 0;
		}
		if (!r->len)
			return NULL;
		nl = memchr(r->buf, '\n', r->len);
		if (!nl)
			return NULL;
		i = (size_t)(nl - r->buf);
		r->used = i + 1;
		*nl = '\0';
		if (i && r->buf[i - 1] == '\r')
			r->buf[i - 1] = '\0';
		if (!r->overflow)
			return r->buf;
		r->overflow = false;	/* the tail of a dropped line */
	}
}

int proto_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
