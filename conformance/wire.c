/* SPDX-License-Identifier: MIT */
/*
 * wire.c - build protocol requests from scenario statements and turn
 * responses into target results. Defaults (mkdir 0755, open 0644) are the
 * model target's, so both targets run the same calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void path_arg(struct pbuf *b, const char *p)
{
	pbuf_puts(b, " ");
	pbuf_path(b, p ? p : "");
}

int wire_request(const struct wire_call *c, struct pbuf *b)
{
	const struct scn_stmt *st = c->st;
	const char *verb = scn_verb_name(st->verb);
	char flags[256];

	pbuf_reset(b);
	pbuf_printf(b, "%s %s", c->actor, verb);
	switch (st->verb) {
	case SCN_V_MKDIR:
		path_arg(b, c->path);
		pbuf_printf(b, " 0%o", st->has_mode ? st->mode : 0755);
		break;
	case SCN_V_OPEN:
		path_arg(b, c->path);
		scn_format_flags(st->flags, flags, sizeof(flags));
		pbuf_printf(b, " %s 0%o", flags,
			    st->has_mode ? st->mode : 0644);
		break;
	case SCN_V_RMDIR: case SCN_V_STAT: case SCN_V_STATFS:
	case SCN_V_UNLINK: case SCN_V_READDIR:
		path_arg(b, c->path);
		break;
	case SCN_V_RENAME: case SCN_V_LINK: case SCN_V_SYMLINK:
		path_arg(b, c->path);
		path_arg(b, c->path2);
		break;
	case SCN_V_TRUNCATE:
		path_arg(b, c->path);
		pbuf_printf(b, " %" PRId64, st->len);
		break;
	case SCN_V_CHMOD:
		path_arg(b, c->path);
		pbuf_printf(b, " 0%o", st->mode);
		break;
	case SCN_V_CHOWN:
		path_arg(b, c->path);
		pbuf_printf(b, " %u %u", st->uid, st->gid);
		break;
	case SCN_V_MKNOD:
		path_arg(b, c->path);
		pbuf_printf(b, " %s", scn_name_of(scn_mknod_names, st->flags));
		break;
	case SCN_V_CLOSE: case SCN_V_DUP: case SCN_V_GETFL:
	case SCN_V_FSTAT: case SCN_V_FSYNC:
		pbuf_printf(b, " %d", c->fd);
		break;
	case SCN_V_READ:
		pbuf_printf(b, " %d %" PRId64, c->fd, st->len);
		break;
	case SCN_V_PREAD:
		pbuf_printf(b, " %d %" PRId64 " %" PRId64, c->fd, st->len,
			    st->off);
		break;
	case SCN_V_WRITE: case SCN_V_PWRITE:
		pbuf_printf(b, " %d ", c->fd);
		pbuf_hex(b, st->data.bytes, st->data.len);
		if (st->verb == SCN_V_PWRITE)
			pbuf_printf(b, " %" PRId64, st->off);
		break;
	case SCN_V_LSEEK:
		pbuf_printf(b, " %d %" PRId64 " %s", c->fd, st->off,
			    scn_name_of(scn_whence_names, st->flags));
		break;
	case SCN_V_POLL:
		pbuf_reset(b);
		pbuf_printf(b, "%s %s %d %d", c->actor, c->epoll ? "epoll" :
			    "poll", c->fd, c->poll_ms);
		break;
	case SCN_V_FTRUNCATE:
		pbuf_printf(b, " %d %" PRId64, c->fd, st->len);
		break;
	case SCN_V_MMAP:
		pbuf_printf(b, " %d %s", c->fd, st->flags ? "shared" :
			    "private");
		break;
	case SCN_V_CAPS:
		break;
	case SCN_V_UID:
		pbuf_printf(b, " %u %u", st->uid, st->gid);
		break;
	default:
		return -EINVAL;	/* dlm-lock/unlock and controls: no syscall */
	}
	return b->oom ? -ENOMEM : 0;
}

/* ---- responses ---- */
static int field_key(const char *k, bool fs)
{
	static const char *const stat_keys[] = { "type", "size", "mode",
		"nlink", "blocks", "uid", "gid", "blksize", "ino" };
	static const int stat_ids[] = { SCN_F_TYPE, SCN_F_SIZE, SCN_F_MODE,
		SCN_F_NLINK, SCN_F_BLOCKS, SCN_F_UID, SCN_F_GID,
		SCN_F_BLKSIZE, SCN_F_INO };
	static const char *const fs_keys[] = { "type", "bsize", "namelen",
		"blocks", "bfree", "files", "ffree" };
	static const int fs_ids[] = { SCN_F_TYPE, SCN_F_BSIZE, SCN_F_NAMELEN,
		SCN_F_BLOCKS, SCN_F_BFREE, SCN_F_FILES, SCN_F_FFREE };
	const char *const *keys = fs ? fs_keys : stat_keys;
	const int *ids = fs ? fs_ids : stat_ids;
	size_t n = fs ? sizeof(fs_ids) / sizeof(fs_ids[0]) :
			sizeof(stat_ids) / sizeof(stat_ids[0]);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], k))
			return ids[i];
	return -1;	/* unknown keys are ignored: newer agents may add some */
}

static int parse_fields(char **tok, int n, bool fs, struct tgt_result *r,
			char *why, size_t len)
{
	for (int i = 0; i < n; i++) {
		char *v = strchr(tok[i], '=');
		int key, t;
		int64_t x;

		if (!v)
			return snprintf(why, len, "bad field '%s'", tok[i]),
			       -EPROTO;
		*v++ = '\0';
		key = field_key(tok[i], fs);
		if (key < 0)
			continue;
		if (key == SCN_F_TYPE && !fs &&
		    !scn_name_lookup(scn_type_names, v, &t))
			x = t;
		else if (proto_i64(v, &x))
			return snprintf(why, len, "bad value %s=%s", tok[i], v),
			       -EPROTO;
		r->field[key] = x;
		r->fields |= 1u << key;
	}
	return 0;
}

/* "a%20b c" -> data "a b c" (decoded names, one blank between) */
static int parse_names(char *rest, struct tgt_result *r)
{
	size_t total = strlen(rest) + 1, pos = 0;
	char *save = NULL, *w;

	r->data = malloc(total);
	if (!r->data)
		return -ENOMEM;
	for (w = strtok_r(rest, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (proto_unpath(w))
			return -EPROTO;
		pos += (size_t)sprintf((char *)r->data + pos, "%s%s",
				       pos ? " " : "", w);
	}
	r->data[pos] = '\0';
	r->len = pos;
	return 0;
}

int wire_reply(char *line, struct tgt_result *r, char *why, size_t len)
{
	char *tok[PROTO_TOKENS_MAX], kind[16];
	size_t tl = strcspn(line, " ");
	char *rest = line + tl + (line[tl] == ' ');
	int n, flags, e;
	long dl;

	why[0] = '\0';
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(rest, " "), rest);
	if (line[0] == '?' || !strcmp(kind, "bad")) {
		snprintf(why, len, "agent refused the request: %s", rest);
		return -EPROTO;
	}
	if (!strcmp(kind, "died")) {
		snprintf(why, len, "the actor process died");
		return -EPIPE;
	}
	if (!strcmp(kind, "names")) {
		rest += strlen(kind);
		r->status = 0;
		return parse_names(rest, r) ?
		       (snprintf(why, len, "bad names"), -EPROTO) : 0;
	}
	n = proto_split(line, tok, PROTO_TOKENS_MAX);
	if (n < 2)
		return snprintf(why, len, "short response"), -EPROTO;
	if (n < 3 && strcmp(kind, "stat") && strcmp(kind, "statfs"))
		return snprintf(why, len, "short '%s' response", kind), -EPROTO;
	if (!strcmp(kind, "ok") || !strcmp(kind, "mask"))
		return proto_i64(tok[2], &r->status) ?
		       (snprintf(why, len, "bad number"), -EPROTO) : 0;
	if (!strcmp(kind, "err")) {
		e = proto_errno(tok[2]);
		if (!e)
			return snprintf(why, len, "bad errno %s", tok[2]),
			       -EPROTO;
		r->status = -e;
		return 0;
	}
	if (!strcmp(kind, "fd")) {
		int64_t fd;

		if (proto_i64(tok[2], &fd) || fd < 0 || fd > INT32_MAX)
			return snprintf(why, len, "bad fd"), -EPROTO;
		r->fd = (int)fd;
		r->status = 0;
		return 0;
	}
	if (!strcmp(kind, "data")) {
		dl = proto_unhex(tok[2]);
		if (dl < 0)
			return snprintf(why, len, "bad hex"), -EPROTO;
		r->data = malloc((size_t)dl + 1);
		if (!r->data)
			return -ENOMEM;
		memcpy(r->data, tok[2], (size_t)dl);
		r->data[dl] = '\0';
		r->len = (size_t)dl;
		r->status = dl;
		return 0;
	}
	if (!strcmp(kind, "flags")) {
		if (proto_flags(tok[2], &flags))
			return snprintf(why, len, "bad flags %s", tok[2]),
			       -EPROTO;
		r->status = flags;
		return 0;
	}
	if (!strcmp(kind, "stat") || !strcmp(kind, "statfs")) {
		r->status = 0;
		return parse_fields(tok + 2, n - 2, !strcmp(kind, "statfs"),
				    r, why, len);
	}
	snprintf(why, len, "unknown response '%s'", kind);
	return -EPROTO;
}
