/* SPDX-License-Identifier: MIT */
/*
 * exec.c - the target-agnostic scenario executor.
 *
 * For each statement: start the call, let the target settle, compare the
 * result with the expectation. `&` calls must block at once; `wait`
 * collects them; `hangs` checks they are still blocked. The first
 * mismatch ends the run. At the end every fd left open is closed, and an
 * actor still blocked without a `hangs` line is a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "exec.h"

struct xfd {
	char name[SCN_IDENT_MAX];	/* "" once shadowed or never named */
	int handle;
};

struct xactor {
	struct xfd *fds;
	int nfds, cap;
	const struct scn_stmt *pending;	/* the `&` call not yet collected */
	bool hang_ok;			/* a `hangs` line vouched for it */
};

struct xrun {
	const struct scn *s;
	struct target *t;
	const struct exec_hooks *h;
	struct exec_report *rep;
	struct tgt_caps caps;
	bool manual;
	char text[SCN_LINE_MAX];	/* the running statement */
	char got[512];			/* its result as text */
	struct xactor a[SCN_ACTORS_MAX];
};

#define OPS(x) ((x)->t->ops)

/* ---- fds ---- */
static int fd_find(struct xactor *a, const char *name)
{
	for (int i = 0; i < a->nfds; i++)
		if (!strcmp(a->fds[i].name, name))
			return i;
	return -1;
}

static int fd_add(struct xactor *a, const char *name, int handle)
{
	int i = name[0] ? fd_find(a, name) : -1;

	if (i >= 0)	/* rebinding a name: the old fd stays, for cleanup */
		a->fds[i].name[0] = 0;
	if (a->nfds == a->cap) {
		int cap = a->cap ? a->cap * 2 : 8;
		struct xfd *n = realloc(a->fds, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		a->fds = n;
		a->cap = cap;
	}
	snprintf(a->fds[a->nfds].name, SCN_IDENT_MAX, "%s", name);
	a->fds[a->nfds++].handle = handle;
	return 0;
}

static void fd_del(struct xactor *a, int i)
{
	a->fds[i] = a->fds[--a->nfds];
}

/* ---- formatting and matching ---- */
static enum scn_verb call_verb(const struct scn_stmt *st)
{
	return st->verb == SCN_V_WAIT || st->verb == SCN_V_HANGS ?
	       st->bg_verb : st->verb;
}

static int fmt_errno(int64_t status, char *buf, size_t len)
{
	const char *n = status < 0 && status > -100000 ?
			scn_errno_name((int)-status) : NULL;

	if (n)
		return snprintf(buf, len, "%s", n);
	return snprintf(buf, len, "%" PRId64, status);
}

static int fmt_fields(const struct scn_stmt *st, const struct scn_expect *e,
		      const struct tgt_result *r, char *buf, size_t len)
{
	struct scn_stmt tmp = *st;
	size_t n = 0;

	/* print what the target gave, for the keys the expectation names */
	tmp.exp = *e;
	for (int i = 0; i < e->nfields; i++) {
		enum scn_field_key k = e->fields[i].key;

		tmp.exp.fields[i].value = r->field[k];
		if (!(r->fields & (1u << k)))
			tmp.exp.fields[i].value = -1;
	}
	tmp.verb = call_verb(st);
	n = (size_t)scn_print_expect(&tmp, &tmp.exp, buf, len);
	return (int)n;
}

int exec_format_result(const struct scn_stmt *st, const struct scn_expect *e,
		       const struct tgt_result *r, char *buf, size_t len)
{
	enum scn_verb v = call_verb(st);
	enum scn_exp_kind k = e ? e->kind : SCN_E_NONE;
	size_t trim;
	int n;

	if (r->status < 0)
		return fmt_errno(r->status, buf, len);
	switch (v) {
	case SCN_V_OPEN: case SCN_V_DUP:
		return snprintf(buf, len, "fd");
	case SCN_V_POLL:
		return scn_format_mask((unsigned)r->status, buf, len);
	case SCN_V_GETFL:
		return scn_format_flags((int)r->status & scn_getfl_mask(),
					buf, len);
	case SCN_V_STAT: case SCN_V_FSTAT: case SCN_V_STATFS:
		if (k == SCN_E_FIELDS)
			return fmt_fields(st, e, r, buf, len);
		break;
	case SCN_V_READ: case SCN_V_PREAD:
		if (k == SCN_E_NUM || !r->data)
			break;
		/* trailing zero bytes read as `N "prefix"` */
		for (trim = r->len; trim && !r->data[trim - 1]; trim--)
			;
		if (trim == r->len)
			return scn_format_bytes(r->data, r->len, buf, len);
		n = snprintf(buf, len, "%zu ", r->len);
		if (n < 0 || (size_t)n >= len)
			return n;
		return n + scn_format_bytes(r->data, trim, buf + n, len - (size_t)n);
	case SCN_V_READDIR: case SCN_V_CAPS:
		if (k != SCN_E_NUM && r->data)
			return scn_format_bytes(r->data, r->len, buf, len);
		break;
	default:
		break;
	}
	return snprintf(buf, len, "%" PRId64, r->status);
}

static bool zeros(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool field_matches(const struct scn_field *f,
			  const struct tgt_result *r)
{
	int64_t got = r->field[f->key];

	if (!(r->fields & (1u << f->key)))
		return false;
	/* mode=0644 checks the permission bits, mode=0100644 all of st_mode */
	if (f->key == SCN_F_MODE && !(f->value & S_IFMT))
		got &= 07777;
	return got == f->value;
}

bool exec_matches(const struct scn_stmt *st, const struct scn_expect *e,
		  const struct tgt_result *r)
{
	enum scn_verb v = call_verb(st);
	size_t dl = e->data.len;

	switch (e->kind) {
	case SCN_E_NONE:
		return r->status == 0;
	case SCN_E_NUM:
		if (v == SCN_V_GETFL && r->status >= 0)
			return (r->status & scn_getfl_mask()) == e->num;
		return r->status == e->num;
	case SCN_E_ERRNO:
		return r->status == -e->num;
	case SCN_E_FD:
		return r->status >= 0 && r->fd >= 0;
	case SCN_E_BYTES:
		return r->status >= 0 && r->len == dl &&
		       (!dl || !memcmp(r->data, e->data.bytes, dl));
	case SCN_E_PREFIX:
		return r->status == e->num && r->len == (size_t)e->num &&
		       (!dl || !memcmp(r->data, e->data.bytes, dl)) &&
		       zeros(r->data + dl, r->len - dl);
	case SCN_E_MASK:
		return r->status == e->num;
	case SCN_E_FLAGS:
		return r->status >= 0 &&
		       (r->status & scn_getfl_mask()) == e->num;
	case SCN_E_FIELDS:
		if (r->status != 0)
			return false;
		for (int i = 0; i < e->nfields; i++)
			if (!field_matches(&e->fields[i], r))
				return false;
		return true;
	}
	return false;
}

/* ---- requirements ---- */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

int exec_check_requires(const struct scn *s, const struct tgt_caps *c,
			char *why, size_t len)
{
	const struct scn_req *r = &s->req;
	int need = r->nodes > s->nodes_used ? r->nodes : s->nodes_used;
	bool prof = false;

	if (c->nodes < need)
		return snprintf(why, len, "needs %d nodes, the target has %d",
				need, c->nodes), 1;
	if (r->stack[0] && strcmp(r->stack, c->stack))
		return snprintf(why, len, "needs stack=%s, the target runs %s",
				r->stack, c->stack), 1;
	for (int i = 0; i < r->nprofiles; i++)
		prof |= !strcmp(r->profiles[i], c->profile);
	/* the language's default: the modern kernel, filtered by stack */
	if (!r->nprofiles)
		prof = !strcmp(c->profile, "linux-6") ||
		       !strcmp(c->profile, "linux-6-user");
	if (!prof)
		return snprintf(why, len, "pins %s behaviour, the target behaves "
				"as %s", r->nprofiles ? r->profiles[0] :
				"linux-6", c->profile), 1;
	for (int i = 0; i < r->ncaps; i++)
		if (!has_word(c->caps, r->caps[i]))
			return snprintf(why, len, "needs capability %s",
					r->caps[i]), 1;
	if ((r->faults && !c->faults) || (r->nonroot && !c->nonroot) ||
	    (r->rawdlm && !c->rawdlm) || (r->hangs && !c->hangs) ||
	    ((r->manual || s->manual) && !c->manual))
		return snprintf(why, len, "needs %s", r->faults && !c->faults ?
				"faults" : r->nonroot && !c->nonroot ?
				"nonroot" : r->rawdlm && !c->rawdlm ? "rawdlm" :
				r->hangs && !c->hangs ? "hangs" :
				"a manual schedule"), 1;
	return 0;
}

/* ---- running ---- */
/* snprintf for messages where cutting a long statement short is fine */
__attribute__((format(printf, 3, 4)))
static void msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct xrun *x, const struct scn_stmt *st, const char *fmt,
		...)
{
	struct exec_report *rep = x->rep;
	char msg[EXEC_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->verdict = EXEC_FAIL;
	rep->line = st ? st->line : 0;
	if (st)
		msgf(rep->reason, sizeof(rep->reason), "%s:%d: `%s`: %s",
		     x->s->file, st->line, x->text, msg);
	else
		msgf(rep->reason, sizeof(rep->reason), "%s: %s", x->s->file,
		     msg);
	return -1;
}

/* keep a handle the scenario did not name, so cleanup closes it */
static void adopt(struct xrun *x, int actor, const struct tgt_result *r)
{
	if (r->fd >= 0 && actor >= 0 && fd_add(&x->a[actor], "", r->fd))
		OPS(x)->close(x->t->priv, actor, r->fd);
}

/* compare, then apply what a matching result means for the actor */
static int judge(struct xrun *x, const struct scn_stmt *st,
		 const struct tgt_result *r)
{
	const struct scn_expect *e = &st->exp;
	char want[512];
	int i;

	exec_format_result(st, e, r, x->got, sizeof(x->got));
	if (!exec_matches(st, e, r)) {
		adopt(x, st->actor, r);
		if (e->kind == SCN_E_NONE)
			snprintf(want, sizeof(want), "0");
		else
			scn_print_expect(st, e, want, sizeof(want));
		return fail(x, st, "expected %s, got %s", want, x->got);
	}
	if (e->kind == SCN_E_FD && fd_add(&x->a[st->actor], e->fd, r->fd))
		return fail(x, st, "out of memory");
	if (st->verb == SCN_V_CLOSE && r->status == 0) {
		i = fd_find(&x->a[st->actor], st->fd);
		if (i >= 0)
			fd_del(&x->a[st->actor], i);
	}
	return 0;
}

static int run_call(struct xrun *x, const struct scn_stmt *st,
		    struct tgt_result *r)
{
	struct tgt_call c = { x->s, st, st->actor, st->node, -1 };
	struct xactor *a = &x->a[st->actor];
	int rc, i;

	if (st->fd[0]) {
		i = fd_find(a, st->fd);
		if (i < 0)
			return fail(x, st, "%s has no open fd '%s'",
				    x->s->actors[st->actor].name, st->fd);
		c.fd = a->fds[i].handle;
	}
	rc = OPS(x)->start(x->t->priv, &c, r);
	if (rc < 0) {
		fmt_errno(rc, x->got, sizeof(x->got));
		return fail(x, st, "the %s target cannot run it (%s)",
			    OPS(x)->name, x->got);
	}
	if (st->bg) {
		if (rc == TGT_DONE) {
			exec_format_result(st, NULL, r, x->got, sizeof(x->got));
			adopt(x, st->actor, r);
			return fail(x, st, "expected to block, but it returned %s",
				    x->got);
		}
		a->pending = st;
		a->hang_ok = false;
		snprintf(x->got, sizeof(x->got), "blocked");
		return 0;
	}
	if (rc == TGT_BLOCKED && !x->manual) {
		OPS(x)->settle(x->t->priv);
		rc = OPS(x)->wait(x->t->priv, st->actor, r);
	}
	if (rc == TGT_BLOCKED) {
		a->pending = st;
		a->hang_ok = true;	/* already reported */
		scn_print_expect(st, &st->exp, x->got, sizeof(x->got));
		return fail(x, st, "expected %s, got blocked%s%s%s", x->got,
			    r->hang[0] ? " (hang " : "", r->hang,
			    r->hang[0] ? ")" : x->manual ?
			    " (manual schedule: start it with '&')" : "");
	}
	return judge(x, st, r);
}

static int run_wait(struct xrun *x, const struct scn_stmt *st,
		    struct tgt_result *r)
{
	struct xactor *a = &x->a[st->actor];
	char want[512];
	int rc;

	if (!a->pending)
		return fail(x, st, "no blocked call to collect");
	rc = OPS(x)->wait(x->t->priv, st->actor, r);
	if (rc < 0)
		return fail(x, st, "the target cannot wait (%d)", rc);
	if (st->verb == SCN_V_HANGS) {
		if (rc == TGT_DONE) {
			a->pending = NULL;
			exec_format_result(st, NULL, r, x->got, sizeof(x->got));
			adopt(x, st->actor, r);
			return fail(x, st, "expected a hang, but the call "
				    "returned %s", x->got);
		}
		snprintf(x->got, sizeof(x->got), "blocked%s%s", r->hang[0] ?
			 " " : "", r->hang);
		if (st->rule[0] && x->caps.classify && !has_word(r->hang, st->rule))
			return fail(x, st, "expected hang %s, got %s", st->rule,
				    r->hang[0] ? r->hang :
				    "a wait the hang detector cannot explain");
		a->hang_ok = true;
		return 0;
	}
	if (rc == TGT_BLOCKED) {
		scn_print_expect(st, &st->exp, want, sizeof(want));
		return fail(x, st, "expected %s, got still blocked%s%s%s", want,
			    r->hang[0] ? " (hang " : "", r->hang,
			    r->hang[0] ? ")" : "");
	}
	a->pending = NULL;
	return judge(x, st, r);
}

static int run_control(struct xrun *x, const struct scn_stmt *st,
		       struct tgt_result *r)
{
	char why[256] = "";
	void *t = x->t->priv;
	int rc;

	switch (st->verb) {
	case SCN_V_SIGNAL:
		r->status = OPS(x)->signal(t, st->peer);
		break;
	case SCN_V_CRASH:
		r->status = OPS(x)->crash(t, st->node);
		if (r->status)
			break;
		for (int i = 0; i < x->s->nactors; i++) {
			if (x->s->actors[i].node != st->node)
				continue;
			x->a[i].nfds = 0;	/* gone with the process */
			x->a[i].pending = NULL;
		}
		break;
	case SCN_V_RESTART:
		r->status = OPS(x)->restart(t, st->node);
		break;
	case SCN_V_SETTLE:
		OPS(x)->settle(t);
		break;
	case SCN_V_DELIVER:
		r->status = OPS(x)->deliver(t, st->node, st->ev, st->path, why,
					    sizeof(why));
		break;
	default:
		return fail(x, st, "internal: not a control statement");
	}
	rc = judge(x, st, r);
	if (rc && why[0]) {
		size_t n = strlen(x->rep->reason);

		snprintf(x->rep->reason + n, sizeof(x->rep->reason) - n,
			 " (%s)", why);
	}
	return rc;
}

static int run_stmt(struct xrun *x, const struct scn_stmt *st)
{
	struct tgt_result r;
	char why[512];
	int rc;

	tgt_result_init(&r);
	scn_print_stmt(x->s, st, x->text, sizeof(x->text), true);
	if (x->h && x->h->before)
		x->h->before(x->h->arg, x->s, st, x->text);
	scn_print_stmt(x->s, st, x->text, sizeof(x->text), false);
	x->got[0] = 0;
	if (scn_verb_is_call(st->verb))
		rc = run_call(x, st, &r);
	else if (st->verb == SCN_V_WAIT || st->verb == SCN_V_HANGS)
		rc = run_wait(x, st, &r);
	else
		rc = run_control(x, st, &r);
	if (!rc && !x->manual)
		OPS(x)->settle(x->t->priv);
	if (!rc && OPS(x)->check) {
		why[0] = 0;
		if (OPS(x)->check(x->t->priv, why, sizeof(why)))
			rc = fail(x, st, "%s", why);
	}
	if (x->h && x->h->after)
		x->h->after(x->h->arg, x->s, st, x->got, !rc);
	tgt_result_clear(&r);
	return rc;
}

/* after the last statement: no unexplained blocked actor */
static void check_end(struct xrun *x)
{
	struct tgt_result r;

	for (int i = 0; i < x->s->nactors; i++) {
		struct xactor *a = &x->a[i];
		const struct scn_stmt *st = a->pending;

		if (!st)
			continue;
		tgt_result_init(&r);
		if (OPS(x)->wait(x->t->priv, i, &r) == TGT_DONE) {
			a->pending = NULL;
			adopt(x, i, &r);
		} else if (!a->hang_ok && x->rep->verdict == EXEC_PASS) {
			scn_print_stmt(x->s, st, x->text, sizeof(x->text), false);
			fail(x, st, "%s still blocked at end%s%s",
			     x->s->actors[i].name, r.hang[0] ? ", hang " : "",
			     r.hang);
		}
		tgt_result_clear(&r);
	}
}

int exec_run(const struct scn *s, struct target *t,
	     const struct exec_hooks *hooks, struct exec_report *rep)
{
	struct xrun *x;
	char why[512] = "";
	int rc;

	memset(rep, 0, sizeof(*rep));
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->s = s;
	x->t = t;
	x->h = hooks;
	x->rep = rep;
	x->manual = s->manual;
	rc = t->ops->begin(t->priv, s, why, sizeof(why));
	if (rc) {
		fail(x, NULL, "%s", why[0] ? why : "the target cannot start");
		goto out;
	}
	t->ops->caps(t->priv, &x->caps);
	if (exec_check_requires(s, &x->caps, rep->reason, sizeof(rep->reason))) {
		rep->verdict = EXEC_SKIP;
		goto end;
	}
	for (size_t i = 0; i < s->nstmts; i++)
		if (run_stmt(x, &s->stmts[i]))
			break;
	check_end(x);
end:
	for (int i = 0; i < s->nactors; i++)
		for (int j = 0; j < x->a[i].nfds; j++)
			t->ops->close(t->priv, i, x->a[i].fds[j].handle);
	t->ops->end(t->priv);
out:
	for (int i = 0; i < SCN_ACTORS_MAX; i++)
		free(x->a[i].fds);
	free(x);
	return 0;
}
