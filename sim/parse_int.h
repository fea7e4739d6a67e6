/* SPDX-License-Identifier: MIT */
/*
 * parse_int.h - state shared by the scenario parser's two halves:
 * parse.c (lexer, values, header, driver) and parse_stmt.c (statements).
 * Not an API: only the parser includes it.
 */
#ifndef DLMFS_PARSE_INT_H
#define DLMFS_PARSE_INT_H

#include "scn.h"

enum tok_kind { T_WORD, T_STR };

struct tok {
	enum tok_kind kind;
	char *text;		/* WORD: NUL-terminated inside the line copy */
	struct scn_data data;	/* STR: owned until taken */
};

struct fdname {
	int actor;
	char name[SCN_IDENT_MAX];
};

struct pstate {
	struct scn *s;
	const char *name;
	int line;
	char *err;
	size_t errlen;
	bool have_spec;
	int pending[SCN_ACTORS_MAX];	/* line of an uncollected `&`, 0 if none */
	enum scn_verb pending_verb[SCN_ACTORS_MAX];
	bool hanged[SCN_ACTORS_MAX];	/* `hangs` seen for that call */
	struct fdname *fds;
	int nfds;
	struct tok toks[SCN_TOKENS_MAX];
	int ntoks;
	char buf[SCN_LINE_MAX + 1];
};

/* "file:line: reason" into p->err; returns -EINVAL */
__attribute__((format(printf, 2, 3)))
int scnp_perr(struct pstate *p, const char *fmt, ...);

bool scnp_is_word(const struct tok *t, const char *w);
int scnp_i64(const char *t, int64_t *v);
int scnp_u32(const char *t, uint32_t *v);
int scnp_octal(const char *t, uint32_t max, uint32_t *v);
int scnp_node(const char *t, int *node);
bool scnp_valid_ident(const char *t, bool upper_first);
bool scnp_valid_rule(const char *t);
int scnp_bits(const char *w, const struct scn_name *tab, int *out);
int scnp_take_path(struct pstate *p, struct tok *t, char **out);
int scnp_fd_defined(struct pstate *p, int actor, const char *name);
int scnp_fd_define(struct pstate *p, int actor, const char *name);
int scnp_actor(struct pstate *p, char *t, bool may_pin, int *actor);

/* parse_stmt.c: the statement in p->toks */
int scnp_stmt(struct pstate *p);

#endif
