/* SPDX-License-Identifier: MIT */
/*
 * test_parse.c - the scenario parser and printer (sim/parse.c, sim/scn.c):
 * header, every verb, every expectation form, errors with file:line, the
 * print -> parse round trip, and hostile input that must not crash.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dm.h"
#include "scn.h"

static struct scn *parse_ok(const char *text)
{
	struct scn *s = NULL;
	char err[512];
	int rc = scn_parse_buf(text, strlen(text), "t.scn", &s, err,
			       sizeof(err));

	if (rc)
		fail_msg("unexpected parse error: %s", err);
	return s;
}

/* the error must be exactly want (file:line: reason) */
static void parse_err(const char *text, const char *want)
{
	struct scn *s = NULL;
	char err[512];
	int rc = scn_parse_buf(text, strlen(text), "t.scn", &s, err,
			       sizeof(err));

	if (!rc)
		fail_msg("parsed, expected error '%s' for:\n%s", want, text);
	assert_null(s);
	if (strcmp(err, want))
		fail_msg("error '%s', expected '%s' for:\n%s", err, want, text);
}

#define HDR "# spec: O1\n"

static void test_header(void **state)
{
	struct scn *s;

	(void)state;
	s = parse_ok("# title: a title  \n"
		     "# spec: X3 O2, X3\n"
		     "# requires: nodes=2 stack=user profile=linux-6-user,linux-5.4\n"
		     "# requires: caps=bast,stackglue faults nonroot rawdlm hangs\n"
		     "# schedule: manual\n"
		     "# a plain comment\n"
		     "\n"
		     "n1 mkdir dom -> 0\n"
		     "# spec: N1 (after the first statement: a comment)\n");
	assert_string_equal(s->title, "a title");
	assert_int_equal(s->nrules, 2);
	assert_string_equal(s->rules[0], "X3");
	assert_string_equal(s->rules[1], "O2");
	assert_int_equal(s->req.nodes, 2);
	assert_string_equal(s->req.stack, "user");
	assert_int_equal(s->req.nprofiles, 2);
	assert_string_equal(s->req.profiles[1], "linux-5.4");
	assert_int_equal(s->req.ncaps, 2);
	assert_true(s->req.faults && s->req.nonroot && s->req.rawdlm);
	assert_true(s->req.hangs && s->req.manual && s->manual);
	assert_int_equal(s->nstmts, 1);
	assert_int_equal(s->stmts[0].line, 8);
	scn_free(s);
}

/* one line per verb; checked field by field below */
static const char every_verb[] =
	"# spec: N1 M3\n"
	"# requires: nodes=3 faults nonroot rawdlm hangs\n"
	"# schedule: manual\n"
	"n1 mkdir dom 0700 -> 0\n"
	"n1 rmdir dom -> ENOTEMPTY\n"
	"A@n2 open dom/lk creat|rdwr|nonblock 0600 -> fd a\n"
	"A dup a -> fd a2\n"
	"A read a 64 -> 64 \"v1\"\n"
	"A pread a 4 60 -> \"\\0\\0\\0\\0\"\n"
	"A write a \"ab\"*3 -> 6\n"
	"A pwrite a \"zz\" 10 -> 2\n"
	"A lseek a -4 end -> 60\n"
	"A poll a -> in|rdnorm\n"
	"A getfl a -> rdwr|nonblock\n"
	"A stat dom/lk -> type=reg size=64 mode=0644 nlink=1\n"
	"A fstat a -> mode=0100644 blocks=0 uid=0 gid=0\n"
	"A statfs dom -> type=0x76a9f425 namelen=255 bsize=4096\n"
	"A truncate dom/lk 0 -> 0\n"
	"A ftruncate a 7 -> 0\n"
	"A chmod dom/lk 0600 -> 0\n"
	"A chown dom/lk 1000 100 -> 0\n"
	"A unlink dom/lk -> EBUSY\n"
	"A rename dom/lk dom/l2 -> EPERM\n"
	"A link dom/lk dom/l2 -> EPERM\n"
	"A symlink target dom/l3 -> EPERM\n"
	"A mknod dom/f fifo -> EPERM\n"
	"A readdir dom -> \"lk\"\n"
	"A fsync a -> EINVAL\n"
	"A mmap a shared -> ENODEV\n"
	"A caps -> \"bast stackglue\"\n"
	"A uid 1000 100 -> 0\n"
	"A close a2 -> 0\n"
	"K@n3 dlm-lock dom lk ex nonblock -> EAGAIN\n"
	"K dlm-lock dom lk pr &\n"
	"K hangs\n"
	"signal K -> 0\n"
	"K wait -> 0\n"
	"K dlm-unlock dom lk -> 0\n"
	"deliver n2 bast dom/lk -> 0\n"
	"deliver n1 unlock-ast\n"
	"settle\n"
	"crash n2 -> 0\n"
	"restart n2 -> 0\n";

static void test_every_verb(void **state)
{
	struct scn *s;
	const struct scn_stmt *st;

	(void)state;
	s = parse_ok(every_verb);
	assert_int_equal(s->nstmts, 40);
	assert_int_equal(s->nodes_used, 3);
	st = &s->stmts[0];
	assert_int_equal(st->verb, SCN_V_MKDIR);
	assert_true(st->has_mode);
	assert_int_equal(st->mode, 0700);
	st = &s->stmts[2];
	assert_int_equal(st->verb, SCN_V_OPEN);
	assert_int_equal(st->flags, O_CREAT | O_RDWR | O_NONBLOCK);
	assert_int_equal(st->mode, 0600);
	assert_int_equal(st->node, 1);
	assert_int_equal(st->exp.kind, SCN_E_FD);
	assert_string_equal(st->exp.fd, "a");
	st = &s->stmts[4];
	assert_int_equal(st->exp.kind, SCN_E_PREFIX);
	assert_int_equal(st->exp.num, 64);
	assert_int_equal(st->exp.data.len, 2);
	st = &s->stmts[5];
	assert_int_equal(st->len, 4);
	assert_int_equal(st->off, 60);
	assert_int_equal(st->exp.kind, SCN_E_BYTES);
	assert_int_equal(st->exp.data.len, 4);
	st = &s->stmts[6];
	assert_int_equal(st->data.len, 6);
	assert_memory_equal(st->data.bytes, "ababab", 6);
	assert_int_equal(st->data.repeat, 3);
	st = &s->stmts[8];
	assert_int_equal(st->off, -4);
	assert_int_equal(st->flags, SEEK_END);
	assert_int_equal(s->stmts[9].exp.kind, SCN_E_MASK);
	assert_int_equal(s->stmts[9].exp.num, POLLIN | POLLRDNORM);
	assert_int_equal(s->stmts[10].exp.kind, SCN_E_FLAGS);
	assert_int_equal(s->stmts[10].exp.num, O_RDWR | O_NONBLOCK);
	st = &s->stmts[11];
	assert_int_equal(st->exp.kind, SCN_E_FIELDS);
	assert_int_equal(st->exp.nfields, 4);
	assert_int_equal(st->exp.fields[0].value, S_IFREG);
	assert_int_equal(st->exp.fields[2].value, 0644);
	assert_int_equal(s->stmts[12].exp.fields[0].value, 0100644);
	assert_int_equal(s->stmts[13].exp.fields[0].value, 0x76a9f425);
	assert_int_equal(s->stmts[17].uid, 1000);
	assert_int_equal(s->stmts[17].gid, 100);
	assert_int_equal(s->stmts[18].exp.num, EBUSY);
	assert_string_equal(s->stmts[19].path2, "dom/l2");
	assert_int_equal(s->stmts[22].flags, S_IFIFO);
	assert_int_equal(s->stmts[25].flags, 1);
	st = &s->stmts[29];
	assert_int_equal(st->verb, SCN_V_DLM_LOCK);
	assert_int_equal(st->mode, DM_EX);
	assert_int_equal(st->flags, 1);
	assert_true(s->stmts[30].bg);
	assert_int_equal(s->stmts[30].exp.kind, SCN_E_NONE);
	assert_int_equal(s->stmts[31].verb, SCN_V_HANGS);
	assert_int_equal(s->stmts[32].verb, SCN_V_SIGNAL);
	assert_int_equal(s->stmts[32].peer, s->stmts[30].actor);
	assert_int_equal(s->stmts[33].bg_verb, SCN_V_DLM_LOCK);
	st = &s->stmts[35];
	assert_int_equal(st->ev, SCN_EV_BAST);
	assert_int_equal(st->node, 1);
	assert_string_equal(st->path, "dom/lk");
	assert_null(s->stmts[36].path);
	assert_int_equal(s->stmts[36].exp.kind, SCN_E_NONE);
	assert_int_equal(s->stmts[38].verb, SCN_V_CRASH);
	assert_int_equal(s->stmts[39].verb, SCN_V_RESTART);
	scn_free(s);
}

static void test_strings(void **state)
{
	struct scn *s;
	const struct scn_data *d;

	(void)state;
	s = parse_ok(HDR "A@n1 open d/l rdwr -> fd a\n"
		     "A write a \"\\x41\\0\\t\\n\\\\\\\"#\" -> 7 # comment \"x\n"
		     "A write a \"\"*5 -> 0\n"
		     "A read a 64 -> \"ab\"*32\n"
		     "n1 open \"d/a b\" rdonly -> ENOENT\n");
	d = &s->stmts[1].data;
	assert_int_equal(d->len, 7);
	assert_memory_equal(d->bytes, "A\0\t\n\\\"#", 7);
	assert_int_equal(s->stmts[2].data.len, 0);
	assert_int_equal(s->stmts[3].exp.data.len, 64);
	assert_string_equal(s->stmts[4].path, "d/a b");
	scn_free(s);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ HDR "n1 opne dom -> 0\n", "t.scn:2: unknown verb 'opne'" },
		{ HDR "mkdir dom -> 0\n",
		  "t.scn:2: 'mkdir' needs an actor (e.g. 'n1 mkdir ...')" },
		{ HDR "a1 mkdir dom -> 0\n", "t.scn:2: unknown verb or actor 'a1'" },
		{ HDR "A mkdir d -> 0\n",
		  "t.scn:2: actor A used before being pinned (write A@nK)" },
		{ HDR "A@n1 mkdir d -> 0\nA@n2 mkdir d -> 0\n",
		  "t.scn:3: actor A is pinned to n1, not n2" },
		{ HDR "A@n9 mkdir d -> 0\n", "t.scn:2: bad node 'n9' (n1..n8)" },
		{ HDR "n1@n2 mkdir d -> 0\n",
		  "t.scn:2: node actor 'n1' cannot run on n2" },
		{ HDR "n1 mkdir d\n", "t.scn:2: missing '-> EXPECT'" },
		{ HDR "n1 mkdir d ->\n", "t.scn:2: missing expectation after '->'" },
		{ HDR "n1 mkdir d -> 0 0\n",
		  "t.scn:2: unexpected tokens after the expectation" },
		{ HDR "n1 mkdir d -> fd a\n", "t.scn:2: 'mkdir' cannot expect an fd" },
		{ HDR "n1 mkdir d -> EWHAT\n", "t.scn:2: unknown errno 'EWHAT'" },
		{ HDR "n1 mkdir d 0999 -> 0\n",
		  "t.scn:2: bad mode '0999' (octal, <= 07777)" },
		{ HDR "n1 mkdir d x -> 0\n", "t.scn:2: unexpected 'x'" },
		{ HDR "n1 open d bogus -> fd a\n", "t.scn:2: bad open flags 'bogus'" },
		{ HDR "n1 open d -> fd a\n", "t.scn:2: 'open' needs FLAGS" },
		{ HDR "n1 close a -> 0\n", "t.scn:2: n1 has no fd named 'a'" },
		{ HDR "n1 open d rdwr -> fd a\nn2 close a -> 0\n",
		  "t.scn:3: n2 has no fd named 'a'" },
		{ HDR "n1 open d rdwr -> fd a\nn1 write a abc -> 3\n",
		  "t.scn:3: expected DATA (a quoted string), got 'abc'" },
		{ HDR "n1 open d rdwr -> fd a\nn1 read a -1 -> 0\n",
		  "t.scn:3: bad length '-1' (0..1048576)" },
		{ HDR "n1 open d rdwr -> fd a\nn1 lseek a 0 start -> 0\n",
		  "t.scn:3: bad set|cur|end 'start'" },
		{ HDR "n1 open d rdwr -> fd a\nn1 read a 64 -> 2 \"abc\"\n",
		  "t.scn:3: 2 \"prefix\": the count must cover the prefix" },
		{ HDR "n1 open d rdwr -> fd a\nn1 poll a -> in|bogus\n",
		  "t.scn:3: bad poll mask 'in|bogus'" },
		{ HDR "n1 stat d -> namelen=255\n",
		  "t.scn:2: 'stat' has no field 'namelen'" },
		{ HDR "n1 stat d -> mode=9\n", "t.scn:2: bad mode '9' (octal)" },
		{ HDR "n1 mkdir d -> \"x\n", "t.scn:2: unterminated string" },
		{ HDR "n1 mkdir \"\\q\" -> 0\n",
		  "t.scn:2: unknown escape '\\q' in string" },
		{ HDR "n1 mkdir \"\\x4\" -> 0\n", "t.scn:2: \\x needs two hex digits" },
		{ HDR "n1 mkdir \"a\"x -> 0\n", "t.scn:2: unexpected 'x' after a string" },
		{ HDR "n1 mkdir \"a\"*0 -> 0\n", "t.scn:2: repeat count must be 1..65536" },
		{ HDR "n1 mkdir \"ab\"*40000 -> 0\n",
		  "t.scn:2: string longer than 65536 bytes" },
		{ HDR "n1 mkdir \"a\\0b\" -> 0\n", "t.scn:2: path contains a NUL byte" },
		{ HDR "n1 mkdir a\"b -> 0\n", "t.scn:2: unexpected '\"' inside 'a'" },
		{ HDR "n1 open d rdwr &\n",
		  "t.scn:2: n1's call started here is never collected (add 'n1 wait "
		  "-> ...' or 'n1 hangs')" },
		{ HDR "n1 open d rdwr & -> fd a\n",
		  "t.scn:2: a '&' line has no expectation: collect it with 'n1 wait "
		  "-> ...'" },
		{ HDR "n1 open d rdwr &\nn1 mkdir e -> 0\n",
		  "t.scn:3: n1 already has a call in progress (line 2)" },
		{ HDR "n1 wait -> 0\n", "t.scn:2: n1 wait: no call started with '&'" },
		{ HDR "settle &\n",
		  "t.scn:2: only calls can run in the background ('&')" },
		{ HDR "n1 crash n1 -> 0\n",
		  "t.scn:2: 'crash' is a harness statement: write it without an actor" },
		{ HDR "crash n1 -> 0\n",
		  "t.scn:2: 'crash' needs '# requires: faults' in the header" },
		{ HDR "n1 uid 1 1 -> 0\n",
		  "t.scn:2: 'uid' needs '# requires: nonroot' in the header" },
		{ HDR "n1 dlm-lock d l ex -> 0\n",
		  "t.scn:2: 'dlm-lock' needs '# requires: rawdlm' in the header" },
		{ HDR "deliver n1 ast -> 0\n",
		  "t.scn:2: 'deliver' needs '# schedule: manual' in the header" },
		{ HDR "# requires: hangs\nn1 open d rdwr &\nn1 hangs L0 \n",
		  "t.scn:4: bad hang 'L0' (a rule id like L8, or teardown, "
		  "lock-order, cancel-lost)" },
		{ HDR "# requires: hangs\nn1 open d rdwr &\nn1 hangs order\n",
		  "t.scn:4: bad hang 'order' (a rule id like L8, or teardown, "
		  "lock-order, cancel-lost)" },
		{ HDR "n1 open d rdwr &\nn1 hangs\n",
		  "t.scn:3: 'hangs' needs '# requires: hangs' in the header" },
		{ HDR "# requires: faults\nA@n2 open d rdwr &\ncrash n2 -> 0\n"
		  "A wait -> 0\n", "t.scn:5: A wait: no call started with '&'" },
		{ HDR "signal Z -> 0\n",
		  "t.scn:2: actor Z used before being pinned (write Z@nK)" },
		{ "n1 mkdir d -> 0\n",
		  "t.scn:1: missing '# spec: RULE...' header before the first "
		  "statement" },
		{ "# spec: Q1\n", "t.scn:1: bad rule id 'Q1' (e.g. X3)" },
		{ "# spec: O1\n", "t.scn:1: no statements" },
		{ "# spec: O1\n# note: x\n",
		  "t.scn:2: unknown header key 'note' (title, spec, requires, "
		  "schedule)" },
		{ HDR "# requires: nodes=9\n", "t.scn:2: nodes must be 1..8" },
		{ HDR "# requires: stack=gfs\n", "t.scn:2: stack must be o2cb or user" },
		{ HDR "# requires: fast\n",
		  "t.scn:2: unknown requirement 'fast' (nodes= stack= profile= caps= "
		  "faults nonroot rawdlm hangs manual)" },
		{ HDR "# schedule: random\n", "t.scn:2: schedule must be manual or auto" },
		{ HDR "# title: a\n# title: b\n", "t.scn:3: duplicate title" },
		{ HDR "n1 mkdir d\x01 -> 0\n", "t.scn:2: control character 0x01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_err(cases[i].text, cases[i].want);
}

static void test_limits(void **state)
{
	char *big = malloc(SCN_LINE_MAX + 64);
	struct scn *s = NULL;
	char err[256];
	size_t n;

	(void)state;
	assert_non_null(big);
	n = (size_t)sprintf(big, HDR "n1 mkdir ");
	memset(big + n, 'a', SCN_LINE_MAX);
	strcpy(big + n + SCN_LINE_MAX, " -> 0\n");
	parse_err(big, "t.scn:2: line longer than 4096 bytes");
	assert_int_not_equal(scn_parse_buf(HDR "n1 mkdir d\0 -> 0\n", 27, "t.scn",
					   &s, err, sizeof(err)), 0);
	assert_string_equal(err, "t.scn:2: NUL byte in line");
	free(big);
}

/* print every statement, parse the printout, print again: same text */
static void test_roundtrip(void **state)
{
	struct scn *s, *s2;
	char *buf = NULL, a[8192], b[8192], err[512];
	size_t len = 0;
	FILE *f;

	(void)state;
	s = parse_ok(every_verb);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	scn_fprint(f, s);
	fclose(f);
	if (scn_parse_buf(buf, len, "printed", &s2, err, sizeof(err)))
		fail_msg("reparse failed: %s\n%s", err, buf);
	assert_int_equal(s2->nstmts, s->nstmts);
	for (size_t i = 0; i < s->nstmts; i++) {
		scn_print_stmt(s, &s->stmts[i], a, sizeof(a), true);
		scn_print_stmt(s2, &s2->stmts[i], b, sizeof(b), true);
		assert_string_equal(a, b);
	}
	scn_print_stmt(s, &s->stmts[2], a, sizeof(a), true);
	assert_string_equal(a, "A@n2 open dom/lk rdwr|creat|nonblock 0600 -> fd a");
	scn_print_stmt(s, &s->stmts[6], a, sizeof(a), false);
	assert_string_equal(a, "A@n2 write a \"ab\"*3");
	scn_print_stmt(s, &s->stmts[0], a, sizeof(a), true);
	assert_string_equal(a, "n1 mkdir dom 0700 -> 0");
	scn_print_stmt(s, &s->stmts[11], a, sizeof(a), true);
	assert_string_equal(a, "A@n2 stat dom/lk -> type=reg size=64 mode=0644 "
			    "nlink=1");
	scn_free(s2);
	free(buf);
	scn_free(s);
}

/*
 * `hangs` names a spec rule or one of the hang detector's derived classes
 * (inv_hang_name: what the explorer's reproducers write), and prints back.
 */
static void test_hang_names(void **state)
{
	static const char *const names[] = { "L8", "O3", "T2", "teardown",
					     "lock-order", "cancel-lost" };
	char text[512], line[128];
	size_t o = 0, i;
	struct scn *s;

	(void)state;
	o += (size_t)snprintf(text, sizeof(text),
			      HDR "# requires: hangs\n");
	for (i = 0; i < 6; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "A%zu@n1 open d/l rdwr &\nA%zu hangs %s\n",
				      i, i, names[i]);
	s = parse_ok(text);
	assert_int_equal(s->nstmts, 12);
	for (i = 0; i < 6; i++) {
		char want[64];

		assert_int_equal(s->stmts[2 * i + 1].verb, SCN_V_HANGS);
		assert_string_equal(s->stmts[2 * i + 1].rule, names[i]);
		scn_print_stmt(s, &s->stmts[2 * i + 1], line, sizeof(line), true);
		snprintf(want, sizeof(want), "A%zu@n1 hangs %s", i, names[i]);
		assert_string_equal(line, want);
	}
	/* the canonical print parses back to the same names */
	{
		char *buf = NULL, err[512];
		size_t len = 0;
		struct scn *s2 = NULL;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		scn_fprint(f, s);
		fclose(f);
		if (scn_parse_buf(buf, len, "printed", &s2, err, sizeof(err)))
			fail_msg("reparse failed: %s\n%s", err, buf);
		for (i = 0; i < 6; i++)
			assert_string_equal(s2->stmts[2 * i + 1].rule, names[i]);
		scn_free(s2);
		free(buf);
	}
	scn_free(s);
}

/* a scenario built in code (the explorer's minimizer does this) prints */
static void test_construct(void **state)
{
	struct scn *s = scn_new("built");
	struct scn_stmt *st;
	char line[256];
	int a;

	(void)state;
	assert_non_null(s);
	a = scn_actor(s, "W", 1);
	assert_int_equal(a, 0);
	assert_int_equal(scn_actor(s, "W", 1), 0);
	assert_int_equal(scn_actor(s, "W", 2), -1);	/* pinned elsewhere */
	st = scn_add(s);
	st->verb = SCN_V_OPEN;
	st->actor = a;
	st->node = 1;
	st->path = strdup("d/x y");
	st->flags = O_RDONLY | O_NONBLOCK;
	st->exp.kind = SCN_E_ERRNO;
	st->exp.num = ETXTBSY;
	scn_print_stmt(s, st, line, sizeof(line), true);
	assert_string_equal(line, "W@n2 open \"d/x y\" rdonly|nonblock -> ETXTBSY");
	/* snprintf-like: the length it needed, truncated safely */
	assert_int_equal(scn_print_stmt(s, st, line, 5, true),
			 (int)strlen("W@n2 open \"d/x y\" rdonly|nonblock -> "
				     "ETXTBSY"));
	assert_string_equal(line, "W@n2");
	scn_free(s);
}

static void test_tables(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(scn_errno_name(ETXTBSY), "ETXTBSY");
	assert_string_equal(scn_errno_name(EAGAIN), "EAGAIN");
	assert_int_equal(scn_errno_value("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(scn_errno_value("EHWPOISON"), EHWPOISON);
	assert_int_equal(scn_errno_value("ENOPE"), 0);
	assert_null(scn_errno_name(99999));
	scn_format_flags(O_WRONLY | O_APPEND | 0x40000000, buf, sizeof(buf));
	assert_string_equal(buf, "wronly|append|0x40000000");
	scn_format_mask(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	scn_format_bytes((const unsigned char *)"a\0\x7f\"", 4, buf, sizeof(buf));
	assert_string_equal(buf, "\"a\\0\\x7f\\\"\"");
	assert_int_equal(scn_verb_lookup("dlm-unlock"), SCN_V_DLM_UNLOCK);
	assert_int_equal(scn_verb_lookup("nope"), SCN_V_NONE);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_parse_XXXXXX", err[512];
	struct scn *s = NULL;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(scn_parse_file("/nonexistent/x.scn", &s, err,
					sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.scn: cannot open: No such file "
			    "or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(HDR "n1 mkdir d -> 0\r\nn1 rmdir d -> 0", f);	/* CRLF, no final \n */
	fclose(f);
	assert_int_equal(scn_parse_file(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s->nstmts, 2);
	assert_string_equal(s->file, path);
	scn_free(s);
	unlink(path);
}

/* random mutations of a valid scenario: parse or fail, never crash/leak */
static void test_hostile(void **state)
{
	static const char alphabet[] = "nA@1&->\"\\x*#|= \n0EfdMrpo";
	size_t base = strlen(every_verb);
	char *buf = malloc(base + 64);
	uint64_t seed = 42;
	struct scn *s;
	char err[512];

	(void)state;
	assert_non_null(buf);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = base;

		memcpy(buf, every_verb, base);
		for (int k = 0; k < 4 && len; k++) {
			size_t pos;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			pos = (size_t)(seed >> 33) % len;
			if ((seed >> 20) & 1)
				buf[pos] = alphabet[(seed >> 40) % (sizeof(alphabet) - 1)];
			else
				len = pos;	/* truncate */
		}
		s = NULL;
		if (!scn_parse_buf(buf, len, "fuzz", &s, err, sizeof(err))) {
			assert_non_null(s);
			scn_free(s);
		} else {
			assert_null(s);
			assert_true(strncmp(err, "fuzz", 4) == 0);
		}
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_every_verb),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_hang_names),
		cmocka_unit_test(test_construct),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
