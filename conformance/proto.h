/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the dlmfs-agent line protocol (conformance/PROTOCOL.md):
 * token encodings, a bounded line reader and the tokenizer that the actor
 * executor (actor.c), the agent (agent.c) and the runner's channels
 * (chan.c) share.
 */
#ifndef DLMFS_PROTO_H
#define DLMFS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION	1
#define PROTO_NAME	"dlmfs-agent"
/* a read's length (scn.h SCN_LEN_MAX) in hex, plus room for the rest */
#define PROTO_DATA_MAX	(1u << 20)
#define PROTO_LINE_MAX	(2 * PROTO_DATA_MAX + 4096)
#define PROTO_TOKENS_MAX 32
#define PROTO_ACTOR_MAX	32	/* bytes of an actor name, with NUL */

/* ---- a growable string ---- */
struct pbuf {
	char *s;
	size_t len, cap;
	bool oom;		/* an append failed; the content is truncated */
};

void pbuf_init(struct pbuf *b);
void pbuf_free(struct pbuf *b);
void pbuf_reset(struct pbuf *b);
void pbuf_put(struct pbuf *b, const char *s, size_t n);
void pbuf_puts(struct pbuf *b, const char *s);
__attribute__((format(printf, 2, 3)))
void pbuf_printf(struct pbuf *b, const char *fmt, ...);
/* " %HH"-encoded path token (PROTOCOL.md "PATH") */
void pbuf_path(struct pbuf *b, const char *path);
/* hex token, "-" when n == 0 */
void pbuf_hex(struct pbuf *b, const unsigned char *p, size_t n);

/* ---- decoding (in place: the output is never longer than the token) ---- */
/* PATH token -> bytes; 0, or -EINVAL (bad escape, NUL byte) */
int proto_unpath(char *tok);
/* hex token -> bytes in place; returns the length or -EINVAL */
long proto_unhex(char *tok);
bool proto_valid_actor(const char *name);
int proto_i64(const char *tok, int64_t *v);
int proto_u32(const char *tok, uint32_t *v);
int proto_octal(const char *tok, uint32_t *v);
/* "rdwr|creat" (scn_flag_names, or 0xHEX pieces) -> O_* bits */
int proto_flags(const char *tok, int *flags);
/* the errno of a name ("ETXTBSY"), or a negative number "-26"; 0 if none */
int proto_errno(const char *tok);
const char *proto_errname(int err, char *buf, size_t len);

/* split a line at blanks, in place; returns the count or -E2BIG */
int proto_split(char *line, char **tok, int max);

/*
 * A line reader on a file descriptor. proto_reader_fill reads what is
 * available (one read(2)); proto_reader_line hands out complete lines.
 */
struct proto_reader {
	int fd;
	char *buf;
	size_t len, cap, max;
	size_t used;		/* bytes of the line handed out last */
	bool eof;
	bool overflow;		/* a line exceeded max; it was dropped */
};

void proto_reader_init(struct proto_reader *r, int fd, size_t max);
void proto_reader_free(struct proto_reader *r);
/* one read(2): > 0 bytes read, 0 at EOF, -errno (EAGAIN/EINTR included) */
long proto_reader_fill(struct proto_reader *r);
/* the next complete line without its '\n' (valid until the next call), or NULL */
char *proto_reader_line(struct proto_reader *r);

/* write all of buf (retrying short writes and EINTR): 0 or -errno */
int proto_write_all(int fd, const char *buf, size_t len);

#endif
