/* SPDX-License-Identifier: MIT */
/*
 * test_wire.c - the protocol's encodings (proto.c), statements to requests
 * and responses to results (wire.c), the command line (opts.c) and the
 * rule table (summary.c).
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

#include "conform.h"
#include "proto.h"
#include "summary.h"
#include "wire.h"

static void test_path_encoding(void **state)
{
	struct pbuf b;
	char tok[64];

	(void)state;
	pbuf_init(&b);
	pbuf_path(&b, "dom/a b%c\x01\x7f");
	assert_string_equal(b.s, "dom/a%20b%25c%01%7f");
	snprintf(tok, sizeof(tok), "%s", b.s);
	assert_int_equal(proto_unpath(tok), 0);
	assert_string_equal(tok, "dom/a b%c\x01\x7f");
	pbuf_reset(&b);
	pbuf_path(&b, "");
	assert_string_equal(b.s, "-");
	pbuf_reset(&b);
	pbuf_path(&b, "-");
	assert_string_equal(b.s, "%2d");
	snprintf(tok, sizeof(tok), "-");
	assert_int_equal(proto_unpath(tok), 0);
	assert_string_equal(tok, "");
	snprintf(tok, sizeof(tok), "a%%00b");
	assert_int_equal(proto_unpath(tok), -EINVAL);
	snprintf(tok, sizeof(tok), "a%%4");
	assert_int_equal(proto_unpath(tok), -EINVAL);
	pbuf_free(&b);
}

static void test_hex_and_numbers(void **state)
{
	struct pbuf b;
	char tok[64];
	int64_t v;
	uint32_t u;
	int fl;

	(void)state;
	pbuf_init(&b);
	pbuf_hex(&b, (const unsigned char *)"\x00\xff" "A", 3);
	assert_string_equal(b.s, "00ff41");
	pbuf_reset(&b);
	pbuf_hex(&b, NULL, 0);
	assert_string_equal(b.s, "-");
	snprintf(tok, sizeof(tok), "00FF41");
	assert_int_equal(proto_unhex(tok), 3);
	assert_memory_equal(tok, "\x00\xff" "A", 3);
	snprintf(tok, sizeof(tok), "abc");
	assert_int_equal(proto_unhex(tok), -EINVAL);
	snprintf(tok, sizeof(tok), "zz");
	assert_int_equal(proto_unhex(tok), -EINVAL);
	assert_int_equal(proto_i64("-12", &v), 0);
	assert_int_equal(v, -12);
	assert_int_equal(proto_i64("12x", &v), -EINVAL);
	assert_int_equal(proto_u32("-1", &u), -EINVAL);
	assert_int_equal(proto_octal("0644", &u), 0);
	assert_int_equal(u, 0644);
	assert_int_equal(proto_octal("9", &u), -EINVAL);
	assert_int_equal(proto_flags("rdwr|creat|nonblock", &fl), 0);
	assert_int_equal(fl, O_RDWR | O_CREAT | O_NONBLOCK);
	assert_int_equal(proto_flags("rdonly|0x100000", &fl), 0);
	assert_int_equal(fl, 0x100000);
	assert_int_equal(proto_flags("rdwr|", &fl), -EINVAL);
	assert_int_equal(proto_flags("bogus", &fl), -EINVAL);
	assert_int_equal(proto_errno("ETXTBSY"), ETXTBSY);
	assert_int_equal(proto_errno("-26"), 26);
	assert_int_equal(proto_errno("EWHAT"), 0);
	assert_true(proto_valid_actor("A.12"));
	assert_false(proto_valid_actor("a b"));
	assert_false(proto_valid_actor(""));
	pbuf_free(&b);
}

static void test_reader(void **state)
{
	struct proto_reader r;
	int p[2];
	char *l;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "one\r\ntwo\nthr", 12), 12);
	proto_reader_init(&r, p[0], 64);
	assert_true(proto_reader_fill(&r) > 0);
	l = proto_reader_line(&r);
	assert_string_equal(l, "one");
	l = proto_reader_line(&r);
	assert_string_equal(l, "two");
	assert_null(proto_reader_line(&r));
	assert_int_equal(write(p[1], "ee\n", 3), 3);
	close(p[1]);
	assert_true(proto_reader_fill(&r) > 0);
	assert_string_equal(proto_reader_line(&r), "three");
	assert_int_equal(proto_reader_fill(&r), 0);
	assert_true(r.eof);
	proto_reader_free(&r);
	close(p[0]);
}

/* parse one statement and render its request */
static void req(const char *stmt, int fd, const char *want)
{
	char text[512], err[256];
	struct wire_call c = { .actor = "A.1", .fd = fd };
	struct scn *s;
	struct pbuf b;

	snprintf(text, sizeof(text), "# spec: N1\n# requires: nonroot\n%s\n",
		 stmt);
	if (scn_parse_buf(text, strlen(text), "w.scn", &s, err, sizeof(err)))
		fail_msg("%s", err);
	c.st = &s->stmts[s->nstmts - 1];
	c.path = c.st->path;
	c.path2 = c.st->path2;
	pbuf_init(&b);
	assert_int_equal(wire_request(&c, &b), 0);
	assert_string_equal(b.s, want);
	pbuf_free(&b);
	scn_free(s);
}

static void test_requests(void **state)
{
	(void)state;
	req("A@n1 mkdir dom -> 0", -1, "A.1 mkdir dom 0755");
	req("A@n1 mkdir dom 0700 -> 0", -1, "A.1 mkdir dom 0700");
	req("A@n1 open \"d m/lk\" creat|rdwr|nonblock -> fd a", -1,
	    "A.1 open d%20m/lk rdwr|creat|nonblock 0644");
	req("A@n1 rmdir dom -> 0", -1, "A.1 rmdir dom");
	req("A@n1 stat / -> type=dir", -1, "A.1 stat /");
	req("A@n1 statfs / -> type=0x76a9f425", -1, "A.1 statfs /");
	req("A@n1 unlink dom/lk -> 0", -1, "A.1 unlink dom/lk");
	req("A@n1 readdir dom -> \"\"", -1, "A.1 readdir dom");
	req("A@n1 rename a b -> EPERM", -1, "A.1 rename a b");
	req("A@n1 link a b -> EPERM", -1, "A.1 link a b");
	req("A@n1 symlink t dom/s -> EPERM", -1, "A.1 symlink t dom/s");
	req("A@n1 truncate dom/lk 0 -> 0", -1, "A.1 truncate dom/lk 0");
	req("A@n1 chmod dom/lk 0600 -> 0", -1, "A.1 chmod dom/lk 0600");
	req("A@n1 chown dom/lk 1 2 -> 0", -1, "A.1 chown dom/lk 1 2");
	req("A@n1 mknod dom/f fifo -> EPERM", -1, "A.1 mknod dom/f fifo");
	req("A@n1 caps -> \"bast\"", -1, "A.1 caps");
	req("A@n1 uid 1 2 -> 0", -1, "A.1 uid 1 2");
	/* descriptor calls: the handle is the actor's real fd */
	req("A@n1 open x rdwr -> fd a\nA close a -> 0", 3, "A.1 close 3");
	req("A@n1 open x rdwr -> fd a\nA dup a -> fd b", 3, "A.1 dup 3");
	req("A@n1 open x rdwr -> fd a\nA read a 64 -> 64", 3, "A.1 read 3 64");
	req("A@n1 open x rdwr -> fd a\nA pread a 4 60 -> 4", 3,
	    "A.1 pread 3 4 60");
	req("A@n1 open x rdwr -> fd a\nA write a \"hi\\0\" -> 3", 3,
	    "A.1 write 3 686900");
	req("A@n1 open x rdwr -> fd a\nA write a \"\" -> 0", 3, "A.1 write 3 -");
	req("A@n1 open x rdwr -> fd a\nA pwrite a \"z\" 10 -> 1", 3,
	    "A.1 pwrite 3 7a 10");
	req("A@n1 open x rdwr -> fd a\nA lseek a -1 end -> 63", 3,
	    "A.1 lseek 3 -1 end");
	req("A@n1 open x rdwr -> fd a\nA poll a -> 0", 3, "A.1 poll 3 0");
	req("A@n1 open x rdwr -> fd a\nA getfl a -> rdwr", 3, "A.1 getfl 3");
	req("A@n1 open x rdwr -> fd a\nA fstat a -> size=64", 3, "A.1 fstat 3");
	req("A@n1 open x rdwr -> fd a\nA ftruncate a 0 -> 0", 3,
	    "A.1 ftruncate 3 0");
	req("A@n1 open x rdwr -> fd a\nA fsync a -> EINVAL", 3, "A.1 fsync 3");
	req("A@n1 open x rdwr -> fd a\nA mmap a shared -> ENODEV", 3,
	    "A.1 mmap 3 shared");
}

static int reply(const char *line, struct tgt_result *r)
{
	char buf[512], why[256];

	snprintf(buf, sizeof(buf), "%s", line);
	tgt_result_init(r);
	return wire_reply(buf, r, why, sizeof(why));
}

static void test_replies(void **state)
{
	struct tgt_result r;

	(void)state;
	assert_int_equal(reply("A ok 17", &r), 0);
	assert_int_equal(r.status, 17);
	assert_int_equal(reply("A err ETXTBSY", &r), 0);
	assert_int_equal(r.status, -ETXTBSY);
	assert_int_equal(reply("A err -200", &r), 0);
	assert_int_equal(r.status, -200);
	assert_int_equal(reply("A fd 5", &r), 0);
	assert_int_equal(r.fd, 5);
	assert_int_equal(r.status, 0);
	assert_int_equal(reply("A mask 65", &r), 0);
	assert_int_equal(r.status, POLLIN | POLLRDNORM);
	assert_int_equal(reply("A flags rdwr|nonblock", &r), 0);
	assert_int_equal(r.status, O_RDWR | O_NONBLOCK);
	assert_int_equal(reply("A data 686900", &r), 0);
	assert_int_equal(r.status, 3);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "hi\0", 3);
	tgt_result_clear(&r);
	assert_int_equal(reply("A data -", &r), 0);
	assert_int_equal(r.len, 0);
	tgt_result_clear(&r);
	assert_int_equal(reply("A names b%20c d", &r), 0);
	assert_string_equal((char *)r.data, "b c d");
	tgt_result_clear(&r);
	assert_int_equal(reply("A names", &r), 0);
	assert_string_equal((char *)r.data, "");
	tgt_result_clear(&r);
	assert_int_equal(reply("A stat type=reg mode=0100644 nlink=1 size=64 "
			       "future=1", &r), 0);
	assert_int_equal(r.field[SCN_F_TYPE], S_IFREG);
	assert_int_equal(r.field[SCN_F_MODE], 0100644);
	assert_int_equal(r.field[SCN_F_SIZE], 64);
	assert_true(r.fields & (1u << SCN_F_NLINK));
	assert_false(r.fields & (1u << SCN_F_UID));
	assert_int_equal(reply("A statfs type=0x76a9f425 namelen=255", &r), 0);
	assert_int_equal(r.field[SCN_F_TYPE], 0x76a9f425);
	assert_int_equal(r.field[SCN_F_NAMELEN], 255);
	assert_int_equal(reply("A bad unknown verb", &r), -EPROTO);
	assert_int_equal(reply("? bad actor name", &r), -EPROTO);
	assert_int_equal(reply("A died", &r), -EPIPE);
	assert_int_equal(reply("A whatever 1", &r), -EPROTO);
	assert_int_equal(reply("A err EWHAT", &r), -EPROTO);
	assert_int_equal(reply("A data 0", &r), -EPROTO);
}

/* buf outlives the call: the options point into it */
static int parse_in(char *buf, size_t len, struct conf_opts *o,
		    const char *args)
{
	char *argv[32], *save = NULL;
	int argc = 0, rc;
	FILE *devnull = fopen("/dev/null", "w");

	snprintf(buf, len, "dlmfs-conform %s", args);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 31;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	rc = conf_parse_opts(argc, argv, o, devnull, devnull);
	fclose(devnull);
	return rc;
}

#define parse(o, args) parse_in(buf, sizeof(buf), (o), (args))

static void test_options(void **state)
{
	struct conf_opts o;
	char buf[512];

	(void)state;
	assert_int_equal(parse(&o, "--target model x.scn"), 0);
	assert_true(o.model);
	assert_int_equal(o.real.block_ms, REAL_BLOCK_MS);
	assert_int_equal(o.real.timeout_ms, REAL_TIMEOUT_MS);
	assert_int_equal(o.real.settle_ms, REAL_BLOCK_MS);
	assert_int_equal(o.repeat, 1);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "--node /a --node exec:ssh --block-ms 50 "
			       "--rule O2 --rule X3 --repeat 3 --oracle model "
			       "--profile linux-5.4 --stack user x.scn"), 0);
	assert_false(o.model);
	assert_int_equal(o.real.nnodes, 2);
	assert_string_equal(o.real.nodes[1], "exec:ssh");
	assert_int_equal(o.real.settle_ms, 50);
	assert_int_equal(o.nrules, 2);
	assert_int_equal(o.repeat, 3);
	assert_true(o.oracle);
	assert_string_equal(o.real.profile, "linux-5.4");
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "-h"), 1);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "--bogus x.scn"), 2);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "x.scn --repeat 0"), 2);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "x.scn --profile linux-9"), 2);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "x.scn --oracle model"), 2);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "--target model --node /a x.scn"), 2);
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "--target model"), 2);	/* no files */
	conf_opts_free(&o);
	assert_int_equal(parse(&o, "x.scn --timeout-ms"), 2);
	conf_opts_free(&o);
}

static void test_summary(void **state)
{
	char err[256], *table = NULL;
	struct scn *a, *b;
	struct sum_case c[3];
	const char *ta = "# spec: N10 N2\nn1 mkdir d -> 0\n";
	const char *tb = "# spec: N2 O1\nn1 mkdir d -> 0\n";

	(void)state;
	assert_int_equal(scn_parse_buf(ta, strlen(ta), "a", &a, err,
				       sizeof(err)), 0);
	assert_int_equal(scn_parse_buf(tb, strlen(tb), "b", &b, err,
				       sizeof(err)), 0);
	c[0] = (struct sum_case){ a, true, EXEC_PASS };
	c[1] = (struct sum_case){ b, true, EXEC_FAIL };
	c[2] = (struct sum_case){ NULL, true, EXEC_FAIL };	/* parse error */
	assert_int_equal(sum_table(c, 3, &table), 0);
	/* N2 before N10 (by number), one pass and one failure for N2 */
	assert_non_null(strstr(table, "N2          1      1       0  FAIL\n"
			       "N10         1      0       0\n"));
	assert_non_null(strstr(table, "O1          0      1       0  FAIL"));
	assert_non_null(strstr(table, "rules: 3 pinned, 2 covered by a passing "
			       "scenario, 2 with a failure, 0 only skipped"));
	assert_non_null(strstr(table, "scenarios: 3 run, 1 passed, 2 failed, "
			       "0 skipped"));
	free(table);
	scn_free(a);
	scn_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_encoding),
		cmocka_unit_test(test_hex_and_numbers),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
