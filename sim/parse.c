/* SPDX-License-Identifier: MIT */
/*
 * parse.c - the scenario parser (docs/scenario-language.md).
 *
 * Line by line, no recursion, every length bounded: the parser is fuzzed.
 * Besides syntax it checks what can be known statically (an actor pinned
 * to one node, fds named before use, every `&` collected, the header
 * requiring what the statements use), so a scenario bug is reported with
 * its line before anything runs.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "parse_int.h"

int scnp_perr(struct pstate *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return -EINVAL;
}

/* ---- lexing ---- */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int lex_string(struct pstate *p, char **cp, struct scn_data *d)
{
	unsigned char unit[SCN_LINE_MAX];
	size_t n = 0, total;
	unsigned long rep = 1;
	char *c = *cp + 1;

	for (;; c++) {
		unsigned char ch = (unsigned char)*c;

		if (!ch)
			return scnp_perr(p, "unterminated string");
		if (ch == '"')
			break;
		if (ch == '\\') {
			c++;
			switch (*c) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case '0': ch = 0; break;
			case '\\': ch = '\\'; break;
			case '"': ch = '"'; break;
			case 'x':
				if (hexval(c[1]) < 0 || hexval(c[2]) < 0)
					return scnp_perr(p, "\\x needs two hex digits");
				ch = (unsigned char)(hexval(c[1]) * 16 + hexval(c[2]));
				c += 2;
				break;
			default:
				return scnp_perr(p, "unknown escape '\\%c' in string",
					    *c ? *c : '0');
			}
		}
		unit[n++] = ch;
	}
	c++;
	if (*c == '*') {
		char *end;

		c++;
		if (!isdigit((unsigned char)*c))
			return scnp_perr(p, "'*' after a string needs a count");
		errno = 0;
		rep = strtoul(c, &end, 10);
		if (errno || rep < 1 || rep > SCN_DATA_MAX)
			return scnp_perr(p, "repeat count must be 1..%d", SCN_DATA_MAX);
		c = end;
	}
	if (*c && *c != ' ' && *c != '\t' && *c != '#')
		return scnp_perr(p, "unexpected '%c' after a string", *c);
	total = n * rep;
	if (total > SCN_DATA_MAX)
		return scnp_perr(p, "string longer than %d bytes", SCN_DATA_MAX);
	d->bytes = malloc(total + 1);
	if (!d->bytes)
		return scnp_perr(p, "out of memory");
	for (size_t i = 0; i < rep; i++)
		memcpy(d->bytes + i * n, unit, n);
	d->bytes[total] = 0;
	d->len = total;
	d->unit = n;
	d->repeat = (unsigned)rep;
	*cp = c;
	return 0;
}

static void toks_free(struct pstate *p)
{
	for (int i = 0; i < p->ntoks; i++)
		free(p->toks[i].data.bytes);
	p->ntoks = 0;
}

static int lex(struct pstate *p, char *c)
{
	int rc;

	for (;;) {
		struct tok *t;

		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c || *c == '#')
			return 0;
		if (p->ntoks == SCN_TOKENS_MAX)
			return scnp_perr(p, "too many tokens (max %d)", SCN_TOKENS_MAX);
		t = &p->toks[p->ntoks++];
		memset(t, 0, sizeof(*t));
		if (*c == '"') {
			t->kind = T_STR;
			rc = lex_string(p, &c, &t->data);
			if (rc)
				return rc;
			continue;
		}
		t->kind = T_WORD;
		t->text = c;
		for (; *c && *c != ' ' && *c != '\t' && *c != '#'; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return scnp_perr(p, "control character 0x%02x",
					    (unsigned char)*c);
			if (*c == '"')
				return scnp_perr(p, "unexpected '\"' inside '%.*s'",
					    (int)(c - t->text), t->text);
		}
		if (*c == '#') {
			*c = 0;
			return 0;
		}
		if (*c)
			*c++ = 0;
	}
}

/* ---- small value parsers ---- */
bool scnp_is_word(const struct tok *t, const char *w)
{
	return t && t->kind == T_WORD && !strcmp(t->text, w);
}

int scnp_i64(const char *t, int64_t *v)
{
	bool hex = (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'));
	char *end;
	long long x;

	if (!isdigit((unsigned char)t[t[0] == '-']))
		return -EINVAL;
	errno = 0;
	x = strtoll(t, &end, hex ? 16 : 10);
	if (errno || *end || end == t)
		return -EINVAL;
	*v = x;
	return 0;
}

int scnp_u32(const char *t, uint32_t *v)
{
	int64_t x;

	if (scnp_i64(t, &x) || x < 0 || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int scnp_octal(const char *t, uint32_t max, uint32_t *v)
{
	unsigned long x = 0;

	if (!*t || strlen(t) > 8)
		return -EINVAL;
	for (; *t; t++) {
		if (*t < '0' || *t > '7')
			return -EINVAL;
		x = x * 8 + (unsigned long)(*t - '0');
	}
	if (x > max)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int scnp_node(const char *t, int *node)
{
	if (t[0] != 'n' || t[1] < '1' || t[1] > '0' + SCN_NODES_MAX || t[2])
		return -EINVAL;
	*node = t[1] - '1';
	return 0;
}

bool scnp_valid_ident(const char *t, bool upper_first)
{
	size_t n = strlen(t);

	if (!n || n >= SCN_IDENT_MAX)
		return false;
	if (upper_first ? !isupper((unsigned char)t[0]) :
	    !(isalpha((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && *t != '_')
			return false;
	return true;
}

/* rule ids: one letter of the spec's sections, then 1-3 digits */
bool scnp_valid_rule(const char *t)
{
	size_t n = strlen(t);

	if (n < 2 || n > 4 || !strchr("NOLXVPATCM", t[0]) || t[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isdigit((unsigned char)t[i]))
			return false;
	return true;
}

/* a '|' list of names from t, or hex numbers for bits without a name */
int scnp_bits(const char *w, const struct scn_name *tab, int *out)
{
	char copy[SCN_LINE_MAX + 1], *save = NULL;
	int v = 0;

	snprintf(copy, sizeof(copy), "%s", w);	/* strtok_r cuts its input */
	for (char *e = strtok_r(copy, "|", &save); e;
	     e = strtok_r(NULL, "|", &save)) {
		int64_t x;
		int bit;

		if (!scn_name_lookup(tab, e, &bit))
			v |= bit;
		else if (!scnp_i64(e, &x) && x >= 0 && x <= INT32_MAX)
			v |= (int)x;
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int scnp_take_path(struct pstate *p, struct tok *t, char **out)
{
	const char *src = t->kind == T_WORD ? t->text : (char *)t->data.bytes;
	size_t n = t->kind == T_WORD ? strlen(src) : t->data.len;

	if (memchr(src, 0, n))
		return scnp_perr(p, "path contains a NUL byte");
	*out = strdup(src);
	return *out ? 0 : scnp_perr(p, "out of memory");
}

/* ---- actors and fd names ---- */
int scnp_fd_defined(struct pstate *p, int actor, const char *name)
{
	for (int i = 0; i < p->nfds; i++)
		if (p->fds[i].actor == actor && !strcmp(p->fds[i].name, name))
			return i;
	return -1;
}

int scnp_fd_define(struct pstate *p, int actor, const char *name)
{
	struct fdname *n;

	if (scnp_fd_defined(p, actor, name) >= 0)
		return 0;
	if (p->nfds >= SCN_FDNAMES_MAX)
		return scnp_perr(p, "too many fd names (max %d)", SCN_FDNAMES_MAX);
	n = realloc(p->fds, (size_t)(p->nfds + 1) * sizeof(*n));
	if (!n)
		return scnp_perr(p, "out of memory");
	p->fds = n;
	n[p->nfds].actor = actor;
	strcpy(n[p->nfds].name, name);
	p->nfds++;
	return 0;
}

/* "A@n2", "A", "n1" -> actor index */
int scnp_actor(struct pstate *p, char *t, bool may_pin, int *actor)
{
	char *at = strchr(t, '@');
	struct scn *s = p->s;
	int node = -1, i;

	if (at) {
		*at = 0;
		if (scnp_node(at + 1, &node))
			return scnp_perr(p, "bad node '%s' (n1..n%d)", at + 1,
				    SCN_NODES_MAX);
		if (!may_pin)
			return scnp_perr(p, "'%s@%s': pin actors where they act", t,
				    at + 1);
	}
	if (!scnp_node(t, &i)) {
		if (at && node != i)
			return scnp_perr(p, "node actor '%s' cannot run on n%d", t,
				    node + 1);
		node = i;
	} else if (!scnp_valid_ident(t, true)) {
		if (scn_verb_lookup(t) != SCN_V_NONE)
			return scnp_perr(p, "'%s' needs an actor (e.g. 'n1 %s ...')",
				    t, t);
		return scnp_perr(p, "unknown verb or actor '%s'", t);
	}
	for (i = 0; i < s->nactors; i++) {
		if (strcmp(s->actors[i].name, t))
			continue;
		if (node >= 0 && node != s->actors[i].node)
			return scnp_perr(p, "actor %s is pinned to n%d, not n%d", t,
				    s->actors[i].node + 1, node + 1);
		*actor = i;
		return 0;
	}
	if (node < 0)
		return scnp_perr(p, "actor %s used before being pinned (write %s@nK)",
			    t, t);
	i = scn_actor(s, t, node);
	if (i < 0)
		return scnp_perr(p, "too many actors (max %d)", SCN_ACTORS_MAX);
	*actor = i;
	return 0;
}

/* ---- header ---- */
static int parse_requires(struct pstate *p, char *v)
{
	struct scn_req *r = &p->s->req;
	char *save = NULL;

	for (char *w = strtok_r(v, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char *val = strchr(w, '=');
		int64_t n;

		if (val)
			*val++ = 0;
		if (!strcmp(w, "nodes") && val) {
			if (scnp_i64(val, &n) || n < 1 || n > SCN_NODES_MAX)
				return scnp_perr(p, "nodes must be 1..%d",
					    SCN_NODES_MAX);
			r->nodes = (int)n;
		} else if (!strcmp(w, "stack") && val) {
			if (strcmp(val, "o2cb") && strcmp(val, "user"))
				return scnp_perr(p, "stack must be o2cb or user");
			strcpy(r->stack, val);
		} else if ((!strcmp(w, "profile") || !strcmp(w, "caps")) &&
			   val) {
			bool prof = w[0] == 'p';
			int *cnt = prof ? &r->nprofiles : &r->ncaps;
			int max = prof ? SCN_PROFILES_MAX : SCN_CAPS_MAX;

			for (char *e = val, *next; e; e = next) {
				next = strchr(e, ',');
				if (next)
					*next++ = 0;
				if (!*e || strlen(e) >= SCN_IDENT_MAX ||
				    strspn(e, "abcdefghijklmnopqrstuvwxyz"
					   "0123456789.-_") != strlen(e))
					return scnp_perr(p, "bad %s name '%s'", w, e);
				if (*cnt >= max)
					return scnp_perr(p, "too many %s names", w);
				strcpy(prof ? r->profiles[*cnt] : r->caps[*cnt],
				       e);
				(*cnt)++;
			}
		} else if (!val && !strcmp(w, "faults")) {
			r->faults = true;
		} else if (!val && !strcmp(w, "nonroot")) {
			r->nonroot = true;
		} else if (!val && !strcmp(w, "rawdlm")) {
			r->rawdlm = true;
		} else if (!val && !strcmp(w, "hangs")) {
			r->hangs = true;
		} else if (!val && !strcmp(w, "manual")) {
			r->manual = true;
		} else {
			return scnp_perr(p, "unknown requirement '%s' (nodes= stack= "
				    "profile= caps= faults nonroot rawdlm hangs "
				    "manual)", w);
		}
	}
	return 0;
}

static int parse_header(struct pstate *p, char *c)
{
	struct scn *s = p->s;
	char *key, *end;

	while (*c == ' ' || *c == '\t')
		c++;
	key = c;
	while (*c >= 'a' && *c <= 'z')
		c++;
	if (c == key || *c != ':')
		return 0;	/* a plain comment */
	*c++ = 0;
	while (*c == ' ' || *c == '\t')
		c++;
	for (end = c + strlen(c); end > c && (end[-1] == ' ' ||
					     end[-1] == '\t'); end--)
		end[-1] = 0;
	if (!strcmp(key, "title")) {
		if (s->title)
			return scnp_perr(p, "duplicate title");
		s->title = strdup(c);
		return s->title ? 0 : scnp_perr(p, "out of memory");
	}
	if (!strcmp(key, "spec")) {
		char *save = NULL;

		for (char *w = strtok_r(c, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			bool dup = false;

			if (!scnp_valid_rule(w))
				return scnp_perr(p, "bad rule id '%s' (e.g. X3)", w);
			for (int i = 0; i < s->nrules; i++)
				dup |= !strcmp(s->rules[i], w);
			if (dup)
				continue;
			if (s->nrules >= SCN_RULES_MAX)
				return scnp_perr(p, "too many rule ids");
			strcpy(s->rules[s->nrules++], w);
		}
		p->have_spec = s->nrules > 0;
		return 0;
	}
	if (!strcmp(key, "requires"))
		return parse_requires(p, c);
	if (!strcmp(key, "schedule")) {
		if (!strcmp(c, "manual"))
			s->manual = s->req.manual = true;
		else if (strcmp(c, "auto"))
			return scnp_perr(p, "schedule must be manual or auto");
		return 0;
	}
	return scnp_perr(p, "unknown header key '%s' (title, spec, requires, "
		    "schedule)", key);
}

/* ---- driver ---- */
static int finish(struct pstate *p)
{
	struct scn *s = p->s;

	if (!p->have_spec)
		return scnp_perr(p, "missing '# spec: RULE...' header");
	if (!s->nstmts)
		return scnp_perr(p, "no statements");
	for (int a = 0; a < s->nactors; a++) {
		if (p->pending[a] && !p->hanged[a]) {
			p->line = p->pending[a];
			return scnp_perr(p, "%s's call started here is never collected "
				    "(add '%s wait -> ...' or '%s hangs')",
				    s->actors[a].name, s->actors[a].name,
				    s->actors[a].name);
		}
	}
	return 0;
}

int scn_parse_buf(const char *buf, size_t len, const char *name,
		  struct scn **out, char *err, size_t errlen)
{
	struct pstate *p;
	size_t pos = 0;
	int rc = 0;

	*out = NULL;
	if (errlen)
		err[0] = 0;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	p->s = scn_new(name);
	if (!p->s) {
		rc = scnp_perr(p, "out of memory");
		goto out;
	}
	if (len > SCN_FILE_MAX) {
		rc = scnp_perr(p, "file larger than %u bytes", SCN_FILE_MAX);
		goto out;
	}
	while (pos < len && !rc) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - buf) : len) - pos;
		char *c = p->buf;

		p->line++;
		if (n > SCN_LINE_MAX) {
			rc = scnp_perr(p, "line longer than %d bytes", SCN_LINE_MAX);
			break;
		}
		memcpy(p->buf, buf + pos, n);
		p->buf[n] = 0;
		pos += n + 1;
		if (memchr(p->buf, 0, n)) {
			rc = scnp_perr(p, "NUL byte in line");
			break;
		}
		if (n && p->buf[n - 1] == '\r')
			p->buf[n - 1] = 0;
		while (*c == ' ' || *c == '\t')
			c++;
		if (*c == '#') {
			if (!p->s->nstmts)
				rc = parse_header(p, c + 1);
			continue;
		}
		rc = lex(p, c);
		if (!rc && p->ntoks)
			rc = scnp_stmt(p);
		toks_free(p);
	}
	if (!rc) {
		p->line = p->line ? p->line : 1;
		rc = finish(p);
	}
out:
	if (rc)
		scn_free(p->s);
	else
		*out = p->s;
	free(p->fds);
	free(p);
	return rc;
}

int scn_parse_file(const char *path, struct scn **out, char *err,
		   size_t errlen)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		char *n;
		size_t got;

		if (len == cap || !buf) {
			if (buf)
				cap *= 2;
			n = realloc(buf, cap);
			if (!n) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = n;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len > SCN_FILE_MAX) {
			rc = -EFBIG;
			snprintf(err, errlen, "%s: file larger than %u bytes",
				 path, SCN_FILE_MAX);
			goto out;
		}
		if (!got)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = scn_parse_buf(buf, len, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}
