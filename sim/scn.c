/* SPDX-License-Identifier: MIT */
/*
 * scn.c - scenario construction, the verb table and canonical printing.
 * Printing then parsing gives back the same statement
 * (tests/unit/test_parse.c checks the round trip).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dm.h"
#include "scn.h"

static const char *const field_names[SCN_F_COUNT] = {
	[SCN_F_TYPE] = "type", [SCN_F_SIZE] = "size", [SCN_F_MODE] = "mode",
	[SCN_F_NLINK] = "nlink", [SCN_F_BLOCKS] = "blocks",
	[SCN_F_UID] = "uid", [SCN_F_GID] = "gid",
	[SCN_F_BLKSIZE] = "blksize", [SCN_F_INO] = "ino",
	[SCN_F_NAMELEN] = "namelen", [SCN_F_BSIZE] = "bsize",
	[SCN_F_FILES] = "files", [SCN_F_BFREE] = "bfree",
	[SCN_F_FFREE] = "ffree",
};

#define X(k) (1u << SCN_E_##k)
#define EXP_PLAIN (X(NUM) | X(ERRNO))
/*
 * Argument letters: p PATH, q second PATH, f FLAGS, m [MODE], M MODE,
 * d FD, l LEN (>= 0), L signed LEN, o OFF, D DATA, w whence,
 * s shared|private, t mknod type, u UID, g GID, k nl|pr|ex, b [nonblock],
 * N node, a ACTOR, e event kind, P [PATH], r [RULE].
 */
static const struct scn_verb_desc verbs[SCN_V_COUNT] = {
	[SCN_V_MKDIR] = { "mkdir", "pm", EXP_PLAIN },
	[SCN_V_RMDIR] = { "rmdir", "p", EXP_PLAIN },
	[SCN_V_OPEN] = { "open", "pfm", X(FD) | X(ERRNO) },
	[SCN_V_CLOSE] = { "close", "d", EXP_PLAIN },
	[SCN_V_DUP] = { "dup", "d", X(FD) | X(ERRNO) },
	[SCN_V_READ] = { "read", "dl", EXP_PLAIN | X(BYTES) | X(PREFIX) },
	[SCN_V_PREAD] = { "pread", "dlo", EXP_PLAIN | X(BYTES) | X(PREFIX) },
	[SCN_V_WRITE] = { "write", "dD", EXP_PLAIN },
	[SCN_V_PWRITE] = { "pwrite", "dDo", EXP_PLAIN },
	[SCN_V_LSEEK] = { "lseek", "dow", EXP_PLAIN },
	[SCN_V_POLL] = { "poll", "d", EXP_PLAIN | X(MASK) },
	[SCN_V_GETFL] = { "getfl", "d", EXP_PLAIN | X(FLAGS) },
	[SCN_V_STAT] = { "stat", "p", EXP_PLAIN | X(FIELDS) },
	[SCN_V_FSTAT] = { "fstat", "d", EXP_PLAIN | X(FIELDS) },
	[SCN_V_STATFS] = { "statfs", "p", EXP_PLAIN | X(FIELDS) },
	[SCN_V_TRUNCATE] = { "truncate", "pL", EXP_PLAIN },
	[SCN_V_FTRUNCATE] = { "ftruncate", "dL", EXP_PLAIN },
	[SCN_V_CHMOD] = { "chmod", "pM", EXP_PLAIN },
	[SCN_V_CHOWN] = { "chown", "pug", EXP_PLAIN },
	[SCN_V_UNLINK] = { "unlink", "p", EXP_PLAIN },
	[SCN_V_RENAME] = { "rename", "pq", EXP_PLAIN },
	[SCN_V_LINK] = { "link", "pq", EXP_PLAIN },
	[SCN_V_SYMLINK] = { "symlink", "pq", EXP_PLAIN },
	[SCN_V_MKNOD] = { "mknod", "pt", EXP_PLAIN },
	[SCN_V_READDIR] = { "readdir", "p", X(BYTES) | X(ERRNO) },
	[SCN_V_FSYNC] = { "fsync", "d", EXP_PLAIN },
	[SCN_V_MMAP] = { "mmap", "ds", EXP_PLAIN },
	[SCN_V_CAPS] = { "caps", "", EXP_PLAIN | X(BYTES) },
	[SCN_V_UID] = { "uid", "ug", EXP_PLAIN },
	[SCN_V_DLM_LOCK] = { "dlm-lock", "pqkb", EXP_PLAIN },
	[SCN_V_DLM_UNLOCK] = { "dlm-unlock", "pq", EXP_PLAIN },
	[SCN_V_WAIT] = { "wait", "", 0 },	/* those of the call collected */
	[SCN_V_HANGS] = { "hangs", "r", 0 },
	[SCN_V_SIGNAL] = { "signal", "a", EXP_PLAIN },
	[SCN_V_CRASH] = { "crash", "N", EXP_PLAIN },
	[SCN_V_RESTART] = { "restart", "N", EXP_PLAIN },
	[SCN_V_SETTLE] = { "settle", "", EXP_PLAIN },
	[SCN_V_DELIVER] = { "deliver", "NeP", EXP_PLAIN },
};
#undef X

const struct scn_verb_desc *scn_verb_desc(enum scn_verb v)
{
	if (v <= SCN_V_NONE || v >= SCN_V_COUNT)
		return NULL;
	return &verbs[v];
}

enum scn_verb scn_verb_lookup(const char *name)
{
	for (int v = SCN_V_NONE + 1; v < SCN_V_COUNT; v++)
		if (!strcmp(verbs[v].name, name))
			return v;
	return SCN_V_NONE;
}

const char *scn_verb_name(enum scn_verb v)
{
	const struct scn_verb_desc *d = scn_verb_desc(v);

	return d ? d->name : "?";
}

const char *scn_field_name(enum scn_field_key k)
{
	return (unsigned)k < SCN_F_COUNT ? field_names[k] : "?";
}

const char *scn_ev_name(int ev)
{
	const char *n = scn_name_of(scn_ev_names, ev);

	return n ? n : "?";
}

int scn_getfl_mask(void)
{
	return O_ACCMODE | O_NONBLOCK | O_APPEND | O_DIRECT;
}

/* ---- a bounded string builder: keeps counting past the end, like snprintf */
struct sb {
	char *buf;
	size_t len, pos;
};

static void sb_putc(struct sb *b, char c)
{
	if (b->pos + 1 < b->len)
		b->buf[b->pos] = c;
	b->pos++;
}

static void sb_puts(struct sb *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_puts(b, tmp);
}

static int sb_end(struct sb *b)
{
	if (b->len)
		b->buf[b->pos < b->len ? b->pos : b->len - 1] = '\0';
	return (int)(b->pos > INT32_MAX ? INT32_MAX : b->pos);
}

static void sb_bytes(struct sb *b, const unsigned char *p, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (c == '\n') {
			sb_puts(b, "\\n");
		} else if (c == '\t') {
			sb_puts(b, "\\t");
		} else if (c == 0) {
			sb_puts(b, "\\0");
		} else if (c < 0x20 || c >= 0x7f) {
			sb_printf(b, "\\x%02x", c);
		} else {
			sb_putc(b, (char)c);
		}
	}
	sb_putc(b, '"');
}

static void sb_data(struct sb *b, const struct scn_data *d)
{
	if (d->repeat > 1 && d->unit && d->unit * d->repeat == d->len) {
		sb_bytes(b, d->bytes, d->unit);
		sb_printf(b, "*%u", d->repeat);
	} else {
		sb_bytes(b, d->bytes, d->len);
	}
}

/* names joined by '|', leftover bits in hex; zero_name when nothing set */
static void sb_bits(struct sb *b, const struct scn_name *t, unsigned v,
		    const char *zero_name)
{
	bool first = true;

	if (!v) {
		sb_puts(b, zero_name);
		return;
	}
	for (; t->name; t++) {
		unsigned bits = (unsigned)t->value;

		if (!bits || (v & bits) != bits)
			continue;
		sb_puts(b, first ? "" : "|");
		sb_puts(b, t->name);
		v &= ~bits;
		first = false;
	}
	if (v)
		sb_printf(b, "%s0x%x", first ? "" : "|", v);
}

static void sb_flags(struct sb *b, int flags)
{
	int acc = flags & O_ACCMODE;

	/* the access mode first, by value: rdonly is 0 */
	sb_puts(b, scn_name_of(scn_flag_names, acc));
	flags &= ~O_ACCMODE;
	if (flags) {
		sb_putc(b, '|');
		sb_bits(b, scn_flag_names + 4, (unsigned)flags, "");
	}
}

int scn_format_flags(int flags, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };

	sb_flags(&b, flags);
	return sb_end(&b);
}

int scn_format_mask(unsigned mask, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };

	sb_bits(&b, scn_mask_names, mask, "0");
	return sb_end(&b);
}

int scn_format_bytes(const unsigned char *p, size_t n, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };

	sb_bytes(&b, p, n);
	return sb_end(&b);
}

/* a path prints bare unless the parser would read it otherwise */
static void sb_path(struct sb *b, const char *p)
{
	bool bare = *p && strcmp(p, "->") && strcmp(p, "&");

	for (const char *c = p; *c && bare; c++)
		if (*c <= ' ' || *c == '"' || *c == '#' || *c == 0x7f ||
		    (unsigned char)*c >= 0x80)
			bare = false;
	if (bare)
		sb_puts(b, p);
	else
		sb_bytes(b, (const unsigned char *)p, strlen(p));
}

static void sb_node(struct sb *b, int node)
{
	sb_printf(b, "n%d", node + 1);
}

static void sb_expect(struct sb *b, const struct scn_stmt *st,
		      const struct scn_expect *e)
{
	enum scn_verb v = st->verb == SCN_V_WAIT ? st->bg_verb : st->verb;
	const char *n;

	switch (e->kind) {
	case SCN_E_NONE:
		break;
	case SCN_E_NUM:
		sb_printf(b, "%" PRId64, e->num);
		break;
	case SCN_E_ERRNO:
		n = scn_errno_name((int)e->num);
		if (n)
			sb_puts(b, n);
		else	/* -N compares the same status */
			sb_printf(b, "%" PRId64, -e->num);
		break;
	case SCN_E_FD:
		sb_puts(b, "fd ");
		sb_puts(b, e->fd);
		break;
	case SCN_E_BYTES:
		sb_data(b, &e->data);
		break;
	case SCN_E_PREFIX:
		sb_printf(b, "%" PRId64 " ", e->num);
		sb_data(b, &e->data);
		break;
	case SCN_E_MASK:
		sb_bits(b, scn_mask_names, (unsigned)e->num, "0");
		break;
	case SCN_E_FLAGS:
		sb_flags(b, (int)e->num);
		break;
	case SCN_E_FIELDS:
		for (int i = 0; i < e->nfields; i++) {
			const struct scn_field *f = &e->fields[i];

			sb_puts(b, i ? " " : "");
			sb_puts(b, scn_field_name(f->key));
			sb_putc(b, '=');
			n = scn_name_of(scn_type_names, (int)f->value);
			if (f->key == SCN_F_TYPE && v != SCN_V_STATFS && n)
				sb_puts(b, n);
			else if (f->key == SCN_F_TYPE)
				sb_printf(b, "0x%" PRIx64, (uint64_t)f->value);
			else if (f->key == SCN_F_MODE)
				sb_printf(b, "0%" PRIo64, (uint64_t)f->value);
			else
				sb_printf(b, "%" PRId64, f->value);
		}
		break;
	}
}

int scn_print_expect(const struct scn_stmt *st, const struct scn_expect *e,
		     char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };

	sb_expect(&b, st, e);
	return sb_end(&b);
}

static void sb_arg(struct sb *b, const struct scn *s,
		   const struct scn_stmt *st, char a)
{
	const char *n = NULL;

	switch (a) {
	case 'p': case 'P':
		if (st->path)
			sb_path(b, st->path);
		return;
	case 'q':
		sb_path(b, st->path2 ? st->path2 : "");
		return;
	case 'f':
		sb_flags(b, st->flags);
		return;
	case 'm': case 'M':
		if (st->has_mode)
			sb_printf(b, "0%o", st->mode);
		return;
	case 'd':
		sb_puts(b, st->fd);
		return;
	case 'l': case 'L':
		sb_printf(b, "%" PRId64, st->len);
		return;
	case 'o':
		sb_printf(b, "%" PRId64, st->off);
		return;
	case 'D':
		sb_data(b, &st->data);
		return;
	case 'w':
		n = scn_name_of(scn_whence_names, st->flags);
		break;
	case 's':
		n = st->flags ? "shared" : "private";
		break;
	case 't':
		n = scn_name_of(scn_mknod_names, st->flags);
		break;
	case 'u':
		sb_printf(b, "%u", st->uid);
		return;
	case 'g':
		sb_printf(b, "%u", st->gid);
		return;
	case 'k':
		n = scn_name_of(scn_dlm_mode_names, (int)st->mode);
		break;
	case 'b':
		n = st->flags ? "nonblock" : NULL;
		break;
	case 'N':
		sb_node(b, st->node);
		return;
	case 'a':
		if (st->peer >= 0 && st->peer < s->nactors)
			sb_puts(b, s->actors[st->peer].name);
		return;
	case 'e':
		n = scn_ev_name(st->ev);
		break;
	case 'r':
		n = st->rule[0] ? st->rule : NULL;
		break;
	}
	if (n)
		sb_puts(b, n);
}

int scn_print_stmt(const struct scn *s, const struct scn_stmt *st, char *buf,
		   size_t len, bool with_exp)
{
	const struct scn_verb_desc *d = scn_verb_desc(st->verb);
	struct sb b = { buf, len, 0 };

	if (!d) {
		sb_puts(&b, "?");
		return sb_end(&b);
	}
	if (st->actor >= 0 && st->actor < s->nactors) {
		const struct scn_actor *a = &s->actors[st->actor];

		bool bare_node = a->name[0] == 'n' && a->name[1] >= '1' &&
				 a->name[1] <= '8' && !a->name[2];

		sb_puts(&b, a->name);
		if (!bare_node) {
			sb_putc(&b, '@');
			sb_node(&b, a->node);
		}
		sb_putc(&b, ' ');
	}
	sb_puts(&b, d->name);
	for (const char *a = d->args; *a; a++) {
		size_t before = b.pos;

		sb_putc(&b, ' ');
		sb_arg(&b, s, st, *a);
		if (b.pos == before + 1)	/* optional argument absent */
			b.pos = before;
	}
	if (st->bg)
		sb_puts(&b, " &");
	if (with_exp && st->exp.kind != SCN_E_NONE) {
		sb_puts(&b, " -> ");
		sb_expect(&b, st, &st->exp);
	}
	return sb_end(&b);
}

void scn_fprint(FILE *f, const struct scn *s)
{
	char line[SCN_LINE_MAX * 4];

	if (s->title)
		fprintf(f, "# title: %s\n", s->title);
	fprintf(f, "# spec:");
	for (int i = 0; i < s->nrules; i++)
		fprintf(f, " %s", s->rules[i]);
	fprintf(f, "\n# requires:");
	if (s->req.nodes)
		fprintf(f, " nodes=%d", s->req.nodes);
	if (s->req.stack[0])
		fprintf(f, " stack=%s", s->req.stack);
	for (int i = 0; i < s->req.nprofiles; i++)
		fprintf(f, "%s%s", i ? "," : " profile=", s->req.profiles[i]);
	for (int i = 0; i < s->req.ncaps; i++)
		fprintf(f, "%s%s", i ? "," : " caps=", s->req.caps[i]);
	fprintf(f, "%s%s%s%s%s\n", s->req.faults ? " faults" : "",
		s->req.nonroot ? " nonroot" : "", s->req.rawdlm ? " rawdlm" : "",
		s->req.hangs ? " hangs" : "",
		s->req.manual && !s->manual ? " manual" : "");
	if (s->manual)
		fprintf(f, "# schedule: manual\n");
	for (size_t i = 0; i < s->nstmts; i++) {
		scn_print_stmt(s, &s->stmts[i], line, sizeof(line), true);
		fprintf(f, "%s\n", line);
	}
}

/* ---- construction ---- */
struct scn *scn_new(const char *file)
{
	struct scn *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->file = strdup(file ? file : "<scenario>");
	if (!s->file) {
		free(s);
		return NULL;
	}
	return s;
}

void scn_stmt_clear(struct scn_stmt *st)
{
	free(st->path);
	free(st->path2);
	free(st->data.bytes);
	free(st->exp.data.bytes);
	memset(st, 0, sizeof(*st));
	st->actor = st->node = st->peer = -1;
}

void scn_free(struct scn *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nstmts; i++)
		scn_stmt_clear(&s->stmts[i]);
	free(s->stmts);
	free(s->title);
	free(s->file);
	free(s);
}

int scn_actor(struct scn *s, const char *name, int node)
{
	int i;

	for (i = 0; i < s->nactors; i++) {
		if (!strcmp(s->actors[i].name, name))
			return s->actors[i].node == node ? i : -1;
	}
	if (s->nactors >= SCN_ACTORS_MAX || strlen(name) >= SCN_IDENT_MAX ||
	    node < 0 || node >= SCN_NODES_MAX)
		return -1;
	strcpy(s->actors[i].name, name);
	s->actors[i].node = node;
	if (node + 1 > s->nodes_used)
		s->nodes_used = node + 1;
	return s->nactors++;
}

struct scn_stmt *scn_add(struct scn *s)
{
	struct scn_stmt *st;

	if (s->nstmts >= SCN_STMTS_MAX)
		return NULL;
	if (s->nstmts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct scn_stmt *n = realloc(s->stmts, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->stmts = n;
		s->cap = cap;
	}
	st = &s->stmts[s->nstmts++];
	memset(st, 0, sizeof(*st));
	st->actor = st->node = st->peer = -1;
	return st;
}
