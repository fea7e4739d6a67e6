/* SPDX-License-Identifier: MIT */
/*
 * parse_stmt.c - one scenario statement: actor, verb, arguments, `&`,
 * `-> EXPECT`, and the static checks that follow from the actor's state
 * (one call at a time, `wait` only after `&`, fds named before use).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

static const char *arg_name(char a)
{
	switch (a) {
	case 'p': case 'P': case 'q': return "PATH";
	case 'f': return "FLAGS";
	case 'm': case 'M': return "MODE (octal)";
	case 'd': return "FD";
	case 'l': case 'L': return "LEN";
	case 'o': return "OFF";
	case 'D': return "DATA (a quoted string)";
	case 'w': return "set|cur|end";
	case 's': return "shared|private";
	case 't': return "reg|fifo|chr|blk|sock";
	case 'u': return "UID";
	case 'g': return "GID";
	case 'k': return "nl|pr|ex";
	case 'N': return "NODE (n1..n8)";
	case 'a': return "ACTOR";
	case 'e': return "ast|unlock-ast|bast|work|wake";
	case 'r': return "RULE|teardown|lock-order|cancel-lost";
	}
	return "argument";
}

/*
 * What `hangs` may name: a spec rule (O3, L8, T2 on the model), or a hang
 * class the detector derives without a rule of its own (inv_hang_name):
 * what the explorer's and ops2scn's reproducers write.
 */
static bool valid_hang(const char *w)
{
	return scnp_valid_rule(w) || !strcmp(w, "teardown") ||
	       !strcmp(w, "lock-order") || !strcmp(w, "cancel-lost");
}

static int lookup(struct pstate *p, const struct scn_name *tab, char a,
		  const char *w, int *v)
{
	if (scn_name_lookup(tab, w, v))
		return scnp_perr(p, "bad %s '%s'", arg_name(a), w);
	return 0;
}

/* one argument of letter a from token t (see scn.c for the letters) */
static int parse_arg(struct pstate *p, struct scn_stmt *st, char a,
		     struct tok *t)
{
	const char *w = t->kind == T_WORD ? t->text : NULL;
	int64_t x;
	int v, rc;

	if (!w && !strchr("pqPD", a))
		return scnp_perr(p, "expected %s, got a string", arg_name(a));
	switch (a) {
	case 'p': case 'P':
		return scnp_take_path(p, t, &st->path);
	case 'q':
		return scnp_take_path(p, t, &st->path2);
	case 'D':
		if (t->kind != T_STR)
			return scnp_perr(p, "expected %s, got '%s'",
					 arg_name(a), w);
		st->data = t->data;
		memset(&t->data, 0, sizeof(t->data));
		return 0;
	case 'f':
		if (scnp_bits(t->text, scn_flag_names, &st->flags))
			return scnp_perr(p, "bad open flags '%s'", w);
		return 0;
	case 'm': case 'M':
		if (scnp_octal(w, 07777, &st->mode))
			return scnp_perr(p, "bad mode '%s' (octal, <= 07777)", w);
		st->has_mode = true;
		return 0;
	case 'd':
		if (!scnp_valid_ident(w, false))
			return scnp_perr(p, "bad fd name '%s'", w);
		if (scnp_fd_defined(p, st->actor, w) < 0)
			return scnp_perr(p, "%s has no fd named '%s'",
					 p->s->actors[st->actor].name, w);
		strcpy(st->fd, w);
		return 0;
	case 'l':
		if (scnp_i64(w, &x) || x < 0 || x > SCN_LEN_MAX)
			return scnp_perr(p, "bad length '%s' (0..%d)", w,
					 SCN_LEN_MAX);
		st->len = x;
		return 0;
	case 'L':
		if (scnp_i64(w, &st->len))
			return scnp_perr(p, "bad length '%s'", w);
		return 0;
	case 'o':
		if (scnp_i64(w, &st->off))
			return scnp_perr(p, "bad offset '%s'", w);
		return 0;
	case 'w':
		return lookup(p, scn_whence_names, a, w, &st->flags);
	case 's':
		rc = strcmp(w, "shared") && strcmp(w, "private");
		if (rc)
			return scnp_perr(p, "bad %s '%s'", arg_name(a), w);
		st->flags = !strcmp(w, "shared");
		return 0;
	case 't':
		return lookup(p, scn_mknod_names, a, w, &st->flags);
	case 'k':
		rc = lookup(p, scn_dlm_mode_names, a, w, &v);
		st->mode = (uint32_t)v;
		return rc;
	case 'e':
		return lookup(p, scn_ev_names, a, w, &st->ev);
	case 'u':
		if (scnp_u32(w, &st->uid))
			return scnp_perr(p, "bad uid '%s'", w);
		return 0;
	case 'g':
		if (scnp_u32(w, &st->gid))
			return scnp_perr(p, "bad gid '%s'", w);
		return 0;
	case 'b':
		st->flags = 1;
		return 0;
	case 'N':
		if (scnp_node(w, &st->node))
			return scnp_perr(p, "bad node '%s' (n1..n%d)", w,
					 SCN_NODES_MAX);
		if (st->node + 1 > p->s->nodes_used)
			p->s->nodes_used = st->node + 1;
		return 0;
	case 'a':
		rc = scnp_actor(p, t->text, false, &st->peer);
		return rc;
	case 'r':
		if (!valid_hang(w))
			return scnp_perr(p, "bad hang '%s' (a rule id like L8, "
					 "or teardown, lock-order, cancel-lost)",
					 w);
		strcpy(st->rule, w);
		return 0;
	}
	return scnp_perr(p, "internal: argument letter '%c'", a);
}

/* is the token where an optional argument would be absent? */
static bool at_end(const struct tok *t)
{
	return !t || scnp_is_word(t, "->") || scnp_is_word(t, "&");
}

static bool optional_present(char a, const struct tok *t)
{
	if (at_end(t))
		return false;
	switch (a) {
	case 'm':
		return t->kind == T_WORD && isdigit((unsigned char)t->text[0]);
	case 'b':
		return scnp_is_word(t, "nonblock");
	default:	/* P, r */
		return true;
	}
}

static int parse_field(struct pstate *p, enum scn_verb v, char *w,
		       struct scn_field *f)
{
	static const char stat_keys[] = { SCN_F_TYPE, SCN_F_SIZE, SCN_F_MODE,
		SCN_F_NLINK, SCN_F_BLOCKS, SCN_F_UID, SCN_F_GID, SCN_F_BLKSIZE,
		SCN_F_INO };
	static const char statfs_keys[] = { SCN_F_TYPE, SCN_F_NAMELEN,
		SCN_F_BSIZE, SCN_F_BLOCKS, SCN_F_FILES, SCN_F_BFREE,
		SCN_F_FFREE };
	bool fs = v == SCN_V_STATFS;
	const char *keys = fs ? statfs_keys : stat_keys;
	size_t nkeys = fs ? sizeof(statfs_keys) : sizeof(stat_keys);
	char *val = strchr(w, '=');
	uint32_t m;
	int t;

	if (!val)
		return scnp_perr(p, "expected key=value, got '%s'", w);
	*val++ = 0;
	f->key = SCN_F_COUNT;
	for (size_t i = 0; i < nkeys; i++)
		if (!strcmp(scn_field_name((enum scn_field_key)keys[i]), w))
			f->key = (enum scn_field_key)keys[i];
	if (f->key == SCN_F_COUNT)
		return scnp_perr(p, "'%s' has no field '%s'", scn_verb_name(v), w);
	if (f->key == SCN_F_TYPE && !fs &&
	    !scn_name_lookup(scn_type_names, val, &t)) {
		f->value = t;
		return 0;
	}
	if (f->key == SCN_F_MODE) {
		if (scnp_octal(val, 0177777, &m))
			return scnp_perr(p, "bad mode '%s' (octal)", val);
		f->value = m;
		return 0;
	}
	if (scnp_i64(val, &f->value))
		return scnp_perr(p, "bad value '%s' for %s", val, w);
	return 0;
}

static const char *exp_kind_name(enum scn_exp_kind k)
{
	static const char *const n[] = { "nothing", "a number", "an errno",
		"an fd", "bytes", "N \"prefix\"", "a poll mask", "flags",
		"key=value fields" };

	return n[k];
}

static int parse_expect(struct pstate *p, struct scn_stmt *st, int i)
{
	enum scn_verb v = st->verb == SCN_V_WAIT ? st->bg_verb : st->verb;
	struct scn_expect *e = &st->exp;
	int n = p->ntoks - i, rc = 0, bits;
	struct tok *t = &p->toks[i];
	char *w = t->text;

	if (n <= 0)
		return scnp_perr(p, "missing expectation after '->'");
	if (t->kind == T_STR) {
		e->kind = SCN_E_BYTES;
		e->data = t->data;
		memset(&t->data, 0, sizeof(t->data));
		n -= 1;
	} else if (!strcmp(w, "fd")) {
		if (n < 2 || p->toks[i + 1].kind != T_WORD ||
		    !scnp_valid_ident(p->toks[i + 1].text, false))
			return scnp_perr(p, "'fd' needs a name");
		e->kind = SCN_E_FD;
		strcpy(e->fd, p->toks[i + 1].text);
		n -= 2;
	} else if (isdigit((unsigned char)w[0]) || w[0] == '-') {
		if (scnp_i64(w, &e->num))
			return scnp_perr(p, "bad number '%s'", w);
		e->kind = SCN_E_NUM;
		n -= 1;
		if (n && p->toks[i + 1].kind == T_STR) {
			e->kind = SCN_E_PREFIX;
			e->data = p->toks[i + 1].data;
			memset(&p->toks[i + 1].data, 0, sizeof(e->data));
			n -= 1;
			if (e->num < (int64_t)e->data.len || e->num > SCN_LEN_MAX)
				return scnp_perr(p, "%s \"prefix\": the count must "
						 "cover the prefix", w);
		}
	} else if (w[0] == 'E' && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789") == strlen(w)) {
		e->kind = SCN_E_ERRNO;
		e->num = scn_errno_value(w);
		if (!e->num)
			return scnp_perr(p, "unknown errno '%s'", w);
		n -= 1;
	} else if (strchr(w, '=')) {
		e->kind = SCN_E_FIELDS;
		for (; n > 0; n--, i++) {
			if (p->toks[i].kind != T_WORD)
				return scnp_perr(p, "expected key=value");
			if (e->nfields == SCN_FIELDS_MAX)
				return scnp_perr(p, "too many fields");
			rc = parse_field(p, v, p->toks[i].text,
					 &e->fields[e->nfields++]);
			if (rc)
				return rc;
		}
	} else if (v == SCN_V_POLL || v == SCN_V_GETFL) {
		bool poll = v == SCN_V_POLL;

		if (scnp_bits(w, poll ? scn_mask_names : scn_flag_names, &bits))
			return scnp_perr(p, "bad %s '%s'", poll ? "poll mask" :
					 "flags", w);
		e->kind = poll ? SCN_E_MASK : SCN_E_FLAGS;
		e->num = bits;
		n -= 1;
	} else {
		return scnp_perr(p, "cannot read expectation '%s'", w);
	}
	if (n > 0)
		return scnp_perr(p, "unexpected tokens after the expectation");
	if (!(scn_verb_desc(v)->exps & (1u << e->kind)))
		return scnp_perr(p, "'%s' cannot expect %s", scn_verb_name(v),
				 exp_kind_name(e->kind));
	return 0;
}

/* the header must ask for what a statement uses, so targets can skip */
static int check_requires(struct pstate *p, const struct scn_stmt *st)
{
	const struct scn_req *r = &p->s->req;
	const char *need = NULL;

	switch (st->verb) {
	case SCN_V_CRASH: case SCN_V_RESTART:
		need = r->faults ? NULL : "# requires: faults";
		break;
	case SCN_V_UID:
		need = r->nonroot ? NULL : "# requires: nonroot";
		break;
	case SCN_V_DLM_LOCK: case SCN_V_DLM_UNLOCK:
		need = r->rawdlm ? NULL : "# requires: rawdlm";
		break;
	case SCN_V_HANGS:
		need = r->hangs ? NULL : "# requires: hangs";
		break;
	case SCN_V_DELIVER:
		need = p->s->manual ? NULL : "# schedule: manual";
		break;
	default:
		break;
	}
	if (need)
		return scnp_perr(p, "'%s' needs '%s' in the header",
				 scn_verb_name(st->verb), need);
	return 0;
}

/* before arguments: what the actor's state allows */
static int check_actor_before(struct pstate *p, struct scn_stmt *st)
{
	int a = st->actor;
	const char *name = p->s->actors[a].name;

	if (st->verb == SCN_V_WAIT || st->verb == SCN_V_HANGS) {
		if (!p->pending[a])
			return scnp_perr(p, "%s %s: no call started with '&'",
					 name, scn_verb_name(st->verb));
		st->bg_verb = p->pending_verb[a];
		return 0;
	}
	if (p->pending[a])
		return scnp_perr(p, "%s already has a call in progress (line %d)",
				 name, p->pending[a]);
	return 0;
}

/* after a good statement: update the actor state it changes */
static int update_state(struct pstate *p, const struct scn_stmt *st)
{
	int a = st->actor;

	if (st->verb == SCN_V_CRASH) {
		for (int i = 0; i < p->s->nactors; i++) {
			if (p->s->actors[i].node != st->node)
				continue;
			p->pending[i] = 0;	/* the process died */
			for (int j = 0; j < p->nfds; j++)
				if (p->fds[j].actor == i)
					p->fds[j--] = p->fds[--p->nfds];
		}
		return 0;
	}
	if (a < 0)
		return 0;
	if (st->bg) {
		p->pending[a] = st->line;
		p->pending_verb[a] = st->verb;
		p->hanged[a] = false;
	} else if (st->verb == SCN_V_WAIT) {
		p->pending[a] = 0;
	} else if (st->verb == SCN_V_HANGS) {
		p->hanged[a] = true;
	}
	if (st->exp.kind == SCN_E_FD)
		return scnp_fd_define(p, a, st->exp.fd);
	return 0;
}

int scnp_stmt(struct pstate *p)
{
	const struct scn_verb_desc *d;
	struct scn_stmt *st;
	struct tok *t = &p->toks[0];
	int i = 1, rc;

	st = scn_add(p->s);
	if (!st)
		return scnp_perr(p, "too many statements (max %d)", SCN_STMTS_MAX);
	st->line = p->line;
	if (!p->have_spec)
		return scnp_perr(p, "missing '# spec: RULE...' header before "
				 "the first statement");
	if (t->kind != T_WORD)
		return scnp_perr(p, "a statement starts with an actor or a "
				 "control word, not a string");
	st->verb = scn_verb_lookup(t->text);
	if (st->verb < SCN_V_SIGNAL) {
		rc = scnp_actor(p, t->text, true, &st->actor);
		if (rc)
			return rc;
		st->node = p->s->actors[st->actor].node;
		if (p->ntoks < 2 || p->toks[1].kind != T_WORD)
			return scnp_perr(p, "%s: missing verb", t->text);
		st->verb = scn_verb_lookup(p->toks[1].text);
		if (st->verb == SCN_V_NONE)
			return scnp_perr(p, "unknown verb '%s'", p->toks[1].text);
		if (st->verb >= SCN_V_SIGNAL)
			return scnp_perr(p, "'%s' is a harness statement: write "
					 "it without an actor",
					 p->toks[1].text);
		rc = check_actor_before(p, st);
		if (rc)
			return rc;
		i = 2;
	}
	d = scn_verb_desc(st->verb);
	rc = check_requires(p, st);
	if (rc)
		return rc;
	for (const char *a = d->args; *a; a++) {
		struct tok *at = i < p->ntoks ? &p->toks[i] : NULL;

		if (strchr("mbPr", *a)) {
			if (!optional_present(*a, at))
				continue;
		} else if (at_end(at)) {
			return scnp_perr(p, "'%s' needs %s", d->name,
					 arg_name(*a));
		}
		rc = parse_arg(p, st, *a, at);
		if (rc)
			return rc;
		i++;
	}
	if (i < p->ntoks && scnp_is_word(&p->toks[i], "&")) {
		if (!scn_verb_is_call(st->verb))
			return scnp_perr(p, "only calls can run in the "
					 "background ('&')");
		st->bg = true;
		i++;
	}
	if (i < p->ntoks && scnp_is_word(&p->toks[i], "->")) {
		if (st->bg)
			return scnp_perr(p, "a '&' line has no expectation: "
					 "collect it with '%s wait -> ...'",
					 p->s->actors[st->actor].name);
		if (st->verb == SCN_V_HANGS)
			return scnp_perr(p, "'hangs' takes no expectation");
		rc = parse_expect(p, st, i + 1);
		if (rc)
			return rc;
	} else if (i < p->ntoks) {
		struct tok *x = &p->toks[i];

		return scnp_perr(p, "unexpected %s%s%s", x->kind == T_STR ?
				 "string" : "'", x->kind == T_STR ? "" :
				 x->text, x->kind == T_STR ? "" : "'");
	} else if (!st->bg && (scn_verb_is_call(st->verb) ||
			       st->verb == SCN_V_WAIT)) {
		return scnp_perr(p, "missing '-> EXPECT'");
	}
	return update_state(p, st);
}
