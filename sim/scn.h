/* SPDX-License-Identifier: MIT */
/*
 * scn.h - a parsed scenario (docs/scenario-language.md): header, actors and
 * statements with their expectations. The parser (parse.c) builds it, the
 * printer (scn.c) writes statements back in canonical text, the executor
 * (exec.c) runs it on a target.
 *
 * Every size is bounded so hostile input (the parser is fuzzed) cannot
 * make the parser allocate without limit.
 */
#ifndef DLMFS_SCN_H
#define DLMFS_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCN_FILE_MAX	(4u << 20)	/* bytes in one scenario file */
#define SCN_LINE_MAX	4096		/* bytes in one line */
#define SCN_TOKENS_MAX	64		/* tokens in one line */
#define SCN_STMTS_MAX	20000		/* statements in one scenario */
#define SCN_ACTORS_MAX	64		/* fits a uint64_t bitmask */
#define SCN_FDNAMES_MAX	1024		/* distinct (actor, fd name) pairs */
#define SCN_IDENT_MAX	32		/* actor/fd/profile/cap names, with NUL */
#define SCN_DATA_MAX	65536		/* bytes of one string after repeats */
#define SCN_LEN_MAX	(1 << 20)	/* read length */
#define SCN_RULES_MAX	32
#define SCN_PROFILES_MAX 8
#define SCN_CAPS_MAX	8
#define SCN_FIELDS_MAX	16
#define SCN_NODES_MAX	8		/* n1..n8, = DM_MAX_NODES */

enum scn_verb {
	SCN_V_NONE,
	/* calls made by an actor */
	SCN_V_MKDIR, SCN_V_RMDIR, SCN_V_OPEN, SCN_V_CLOSE, SCN_V_DUP,
	SCN_V_READ, SCN_V_PREAD, SCN_V_WRITE, SCN_V_PWRITE, SCN_V_LSEEK,
	SCN_V_POLL, SCN_V_GETFL, SCN_V_STAT, SCN_V_FSTAT, SCN_V_STATFS,
	SCN_V_TRUNCATE, SCN_V_FTRUNCATE, SCN_V_CHMOD, SCN_V_CHOWN,
	SCN_V_UNLINK, SCN_V_RENAME, SCN_V_LINK, SCN_V_SYMLINK, SCN_V_MKNOD,
	SCN_V_READDIR, SCN_V_FSYNC, SCN_V_MMAP, SCN_V_CAPS, SCN_V_UID,
	SCN_V_DLM_LOCK, SCN_V_DLM_UNLOCK,
	/* actor control */
	SCN_V_WAIT, SCN_V_HANGS,
	/* harness control */
	SCN_V_SIGNAL, SCN_V_CRASH, SCN_V_RESTART, SCN_V_SETTLE, SCN_V_DELIVER,
	SCN_V_COUNT
};

/* a call an actor makes (not wait/hangs/control) */
static inline bool scn_verb_is_call(enum scn_verb v)
{
	return v >= SCN_V_MKDIR && v <= SCN_V_DLM_UNLOCK;
}

enum scn_exp_kind {
	SCN_E_NONE,	/* `&` lines, hangs, control statements without `->` */
	SCN_E_NUM,	/* N (read: that many bytes) */
	SCN_E_ERRNO,	/* num = positive errno */
	SCN_E_FD,	/* fd NAME */
	SCN_E_BYTES,	/* "bytes": exact */
	SCN_E_PREFIX,	/* N "prefix": N bytes, prefix then zeros */
	SCN_E_MASK,	/* poll mask by names */
	SCN_E_FLAGS,	/* getfl flags by names */
	SCN_E_FIELDS,	/* key=value ... */
};

/* stat/statfs keys; a target fills the same slots */
enum scn_field_key {
	SCN_F_TYPE,	/* stat: S_IFMT bits; statfs: f_type */
	SCN_F_SIZE, SCN_F_MODE, SCN_F_NLINK, SCN_F_BLOCKS, SCN_F_UID,
	SCN_F_GID, SCN_F_BLKSIZE, SCN_F_INO,
	SCN_F_NAMELEN, SCN_F_BSIZE, SCN_F_FILES, SCN_F_BFREE, SCN_F_FFREE,
	SCN_F_COUNT
};

/* a quoted string: bytes after escapes and `*N` */
struct scn_data {
	unsigned char *bytes;	/* len bytes, NUL-terminated for convenience */
	size_t len;
	size_t unit;		/* length of the repeated unit */
	unsigned repeat;	/* N of "unit"*N, 1 if none */
};

struct scn_field {
	enum scn_field_key key;
	int64_t value;
};

struct scn_expect {
	enum scn_exp_kind kind;
	int64_t num;		/* NUM, ERRNO, PREFIX length, MASK, FLAGS */
	char fd[SCN_IDENT_MAX];	/* FD */
	struct scn_data data;	/* BYTES, PREFIX */
	struct scn_field fields[SCN_FIELDS_MAX];
	int nfields;
};

/* deliver kinds, same values as enum dm_ev_kind */
enum scn_ev { SCN_EV_AST = 1, SCN_EV_UNLOCK_AST, SCN_EV_BAST, SCN_EV_WORK,
	      SCN_EV_WAKE };

struct scn_stmt {
	int line;
	enum scn_verb verb;
	int actor;		/* scn->actors index; -1 for harness control */
	int node;		/* 0-based node it runs on or names; -1 if none */
	int peer;		/* signal: the actor signalled; else -1 */
	bool bg;		/* trailing `&` */
	char *path;		/* PATH, OLD, TARGET, DOMAIN; NULL if none */
	char *path2;		/* NEW, PATH (symlink), NAME (dlm-*) */
	int flags;		/* open: O_*; lseek: SEEK_*; mmap: 1 shared;
				 * mknod: S_IF*; dlm-lock: 1 nonblock */
	uint32_t mode;		/* mkdir/open/chmod MODE; dlm-lock: DM_ mode */
	bool has_mode;
	int64_t len;		/* read/pread LEN, truncate LEN */
	int64_t off;		/* pread/pwrite/lseek OFF */
	uint32_t uid, gid;
	char fd[SCN_IDENT_MAX];	/* FD argument */
	int ev;			/* deliver: enum scn_ev */
	char rule[SCN_IDENT_MAX];	/* hangs RULE, "" if none */
	enum scn_verb bg_verb;	/* wait/hangs: verb of the call collected */
	struct scn_data data;	/* write/pwrite DATA */
	struct scn_expect exp;
};

struct scn_req {
	int nodes;		/* 0 if not given */
	char stack[8];		/* "", "o2cb", "user" */
	char profiles[SCN_PROFILES_MAX][SCN_IDENT_MAX];
	int nprofiles;
	char caps[SCN_CAPS_MAX][SCN_IDENT_MAX];
	int ncaps;
	bool faults, nonroot, rawdlm, hangs, manual;
};

struct scn_actor {
	char name[SCN_IDENT_MAX];	/* "A", or "n1" for a bare node */
	int node;			/* 0-based */
};

struct scn {
	char *file;		/* name used in messages */
	char *title;		/* NULL if none */
	char rules[SCN_RULES_MAX][8];
	int nrules;
	struct scn_req req;
	bool manual;		/* # schedule: manual */
	int nodes_used;		/* highest node named + 1 */
	struct scn_actor actors[SCN_ACTORS_MAX];
	int nactors;
	struct scn_stmt *stmts;
	size_t nstmts, cap;
};

/* name <-> value tables shared by the parser and the printer */
struct scn_name {
	const char *name;
	int value;
};
extern const struct scn_name scn_flag_names[], scn_mask_names[],
	scn_whence_names[], scn_mknod_names[], scn_dlm_mode_names[],
	scn_ev_names[], scn_type_names[];
/* 0 and *value, or -ENOENT */
int scn_name_lookup(const struct scn_name *t, const char *name, int *value);
const char *scn_name_of(const struct scn_name *t, int value);

/*
 * Per verb: its name, its arguments (one letter each, see scn.c) and the
 * expectation kinds it accepts (bit 1 << enum scn_exp_kind).
 */
struct scn_verb_desc {
	const char *name;
	const char *args;
	unsigned exps;
};
const struct scn_verb_desc *scn_verb_desc(enum scn_verb v);
enum scn_verb scn_verb_lookup(const char *name);

/* ---- parse.c ---- */
/*
 * Parse a scenario. 0 and *out, or -errno and "file:line: reason" in err.
 * name is the file name used in messages.
 */
int scn_parse_buf(const char *buf, size_t len, const char *name,
		  struct scn **out, char *err, size_t errlen);
int scn_parse_file(const char *path, struct scn **out, char *err,
		   size_t errlen);

/* ---- scn.c: construction, printing, tables ---- */
struct scn *scn_new(const char *file);
void scn_free(struct scn *s);
/* find or add an actor; -1 if the table is full or the node differs */
int scn_actor(struct scn *s, const char *name, int node);
/* append a zeroed statement (actor/node/peer -1); NULL on ENOMEM or full */
struct scn_stmt *scn_add(struct scn *s);
void scn_stmt_clear(struct scn_stmt *st);

/*
 * Write one statement in canonical text (with `-> EXPECT` if with_exp);
 * returns the length it needed, like snprintf.
 */
int scn_print_stmt(const struct scn *s, const struct scn_stmt *st, char *buf,
		   size_t len, bool with_exp);
int scn_print_expect(const struct scn_stmt *st, const struct scn_expect *e,
		     char *buf, size_t len);
/* the whole scenario (header + statements), parseable again */
void scn_fprint(FILE *f, const struct scn *s);

const char *scn_verb_name(enum scn_verb v);
const char *scn_errno_name(int err);		/* positive errno; NULL if unknown */
int scn_errno_value(const char *name);		/* 0 if unknown */
const char *scn_field_name(enum scn_field_key k);
const char *scn_ev_name(int ev);
/* "rdwr|nonblock" etc.; return the length needed */
int scn_format_flags(int flags, char *buf, size_t len);
int scn_format_mask(unsigned mask, char *buf, size_t len);
/* quote bytes with C escapes; returns the length needed */
int scn_format_bytes(const unsigned char *b, size_t n, char *buf, size_t len);
/* bits getfl compares: access mode, nonblock, append, direct */
int scn_getfl_mask(void);

#endif
