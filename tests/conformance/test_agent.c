/* SPDX-License-Identifier: MIT */
/*
 * test_agent.c - dlmfs-agent round-trips every request of PROTOCOL.md on
 * a scratch directory (tmpfs where available, where these calls succeed):
 * hello, every actor verb, blocked calls with signal and kill, two actors
 * at once, path encoding, malformed requests and bye.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "actor.h"
#include "chan.h"
#include "conf_helpers.h"

struct fx {
	char dir[PATH_MAX];
	struct chan ch;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || ch_mkdtemp(f->dir, sizeof(f->dir), "agent") ||
	    chan_open_agent(&f->ch, f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *line = NULL;

	if (!chan_send(&f->ch, "bye"))
		chan_recv(&f->ch, "bye", CHAN_CALL, spawn_now_ms() + 3000, &line);
	free(line);
	chan_close(&f->ch, 1000);
	ch_rmtree(f->dir);
	free(f);
	return 0;
}

/* send a request; the answer for actor (or NULL after ms) */
static char *ask(struct fx *f, const char *actor, enum chan_kind kind, int ms,
		 const char *fmt, ...)
{
	char req[4096], *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	assert_int_equal(chan_send(&f->ch, req), 0);
	if (chan_recv(&f->ch, actor, kind, spawn_now_ms() + ms, &line))
		return NULL;
	return line;
}

static void expect_eq(struct fx *f, const char *req, const char *want)
{
	char actor[PROTO_ACTOR_MAX];
	char *got;

	snprintf(actor, sizeof(actor), "%.*s", (int)strcspn(req, " "), req);
	got = ask(f, actor, CHAN_CALL, 5000, "%s", req);
	if (!got)
		fail_msg("`%s`: no answer", req);
	if (strcmp(got, want)) {
		char copy[512];

		snprintf(copy, sizeof(copy), "%s", got);
		free(got);
		fail_msg("`%s`: got `%s`, want `%s`", req, copy, want);
	}
	free(got);
}

/* the answer must contain every word of want */
static void expect_has(struct fx *f, const char *req, const char *want)
{
	char actor[PROTO_ACTOR_MAX], w[512], copy[512], *save = NULL, *t;
	char *got;

	snprintf(actor, sizeof(actor), "%.*s", (int)strcspn(req, " "), req);
	got = ask(f, actor, CHAN_CALL, 5000, "%s", req);
	if (!got)
		fail_msg("`%s`: no answer", req);
	snprintf(copy, sizeof(copy), "%s ", got);
	free(got);
	snprintf(w, sizeof(w), "%s", want);
	for (t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char word[520];

		snprintf(word, sizeof(word), " %s ", t);
		if (!strstr(copy, word) && strncmp(copy, word + 1, strlen(t) + 1))
			fail_msg("`%s`: got `%s`, missing `%s`", req, copy, t);
	}
}

static void test_hello(void **state)
{
	struct fx *f = *state;
	char *h = ask(f, NULL, CHAN_HELLO, 5000, "hello");

	assert_non_null(h);
	assert_true(!strncmp(h, "hello dlmfs-agent 1 kind=other magic=0x", 39));
	assert_non_null(strstr(h, " stack=- "));
	for (size_t i = 0; actor_verb_at(i); i++)
		assert_non_null(strstr(h, actor_verb_at(i)));
	free(h);
}

static void test_namespace(void **state)
{
	struct fx *f = *state;

	expect_eq(f, "A mkdir d 0755", "A ok 0");
	expect_eq(f, "A mkdir d 0755", "A err EEXIST");
	expect_has(f, "A stat d", "A stat type=dir mode=040755 nlink=2");
	expect_has(f, "A stat /d", "type=dir");	/* "/" names the root */
	expect_eq(f, "A mknod d/p fifo", "A ok 0");
	expect_eq(f, "A mknod d/r reg", "A ok 0");
	expect_eq(f, "A rename d/r d/r2", "A ok 0");
	expect_eq(f, "A link d/r2 d/r3", "A ok 0");
	expect_eq(f, "A symlink target d/s", "A ok 0");
	expect_eq(f, "A readdir d", "A names p r2 r3 s");
	expect_eq(f, "A chmod d/r2 0600", "A ok 0");
	expect_has(f, "A stat d/r2", "type=reg mode=0100600 nlink=2 size=0");
	expect_eq(f, "A chown d/r2 1 2", "A ok 0");
	expect_has(f, "A stat d/r2", "uid=1 gid=2");
	expect_eq(f, "A truncate d/r2 10", "A ok 0");
	expect_has(f, "A stat d/r3", "size=10");
	expect_eq(f, "A truncate d/r2 -1", "A err EINVAL");
	expect_eq(f, "A unlink d/r3", "A ok 0");
	expect_eq(f, "A unlink d/r3", "A err ENOENT");
	expect_eq(f, "A rmdir d", "A err ENOTEMPTY");
	expect_eq(f, "A unlink d", "A err EISDIR");
	expect_eq(f, "A statfs -", "A err ENOENT");
	expect_has(f, "A statfs /", "A statfs bsize=4096 namelen=255");
	expect_has(f, "A statfs d", "namelen=255");
	expect_eq(f, "A readdir nothere", "A err ENOENT");
	expect_eq(f, "A readdir /", "A names d");
}

static void test_fd_calls(void **state)
{
	struct fx *f = *state;

	expect_eq(f, "A mkdir d 0755", "A ok 0");
	expect_eq(f, "A open d/x rdwr|creat 0644", "A fd 3");
	expect_eq(f, "A write 3 616263", "A ok 3");
	expect_eq(f, "A pwrite 3 7a 5", "A ok 1");
	expect_eq(f, "A pread 3 10 0", "A data 61626300007a");
	expect_eq(f, "A pread 3 10 100", "A data -");
	expect_eq(f, "A lseek 3 1 set", "A ok 1");
	expect_eq(f, "A read 3 2", "A data 6263");
	expect_eq(f, "A lseek 3 0 cur", "A ok 3");
	expect_eq(f, "A lseek 3 -1 end", "A ok 5");
	expect_eq(f, "A lseek 3 -100 set", "A err EINVAL");
	expect_eq(f, "A read 3 0", "A data -");
	expect_eq(f, "A write 3 -", "A ok 0");
	expect_eq(f, "A getfl 3", "A flags rdwr");
	expect_eq(f, "A dup 3", "A fd 4");
	expect_has(f, "A fstat 4", "A stat type=reg size=6 mode=0100644");
	expect_eq(f, "A ftruncate 3 2", "A ok 0");
	expect_has(f, "A fstat 3", "size=2");
	expect_eq(f, "A fsync 3", "A ok 0");
	expect_eq(f, "A mmap 3 shared", "A ok 0");
	expect_eq(f, "A mmap 3 private", "A ok 0");
	expect_eq(f, "A poll 3 0", "A mask 325");	/* in|out|rdnorm|wrnorm */
	expect_eq(f, "A epoll 3 0", "A err EPERM");	/* regular tmpfs file */
	expect_eq(f, "A close 4", "A ok 0");
	expect_eq(f, "A close 4", "A err EBADF");
	expect_eq(f, "A open d/x wronly|append|nonblock 0644", "A fd 4");
	expect_eq(f, "A getfl 4", "A flags wronly|nonblock|append");
	expect_eq(f, "A read 4 1", "A err EBADF");
	expect_eq(f, "A open d/none rdonly 0644", "A err ENOENT");
	expect_eq(f, "A open d/x rdwr|creat|excl 0644", "A err EEXIST");
	/* a fifo: epoll works on it */
	expect_eq(f, "A mknod d/p fifo", "A ok 0");
	expect_eq(f, "A open d/p rdwr|nonblock 0644", "A fd 5");
	expect_eq(f, "A epoll 5 0", "A mask 260");	/* out|wrnorm */
	expect_eq(f, "A write 5 41", "A ok 1");
	expect_eq(f, "A poll 5 100", "A mask 325");
}

static void test_caps(void **state)
{
	struct fx *f = *state;
	const char *caps = "bast stackglue";

	if (setxattr(f->dir, "user.dlmfs.capabilities", caps, strlen(caps), 0)) {
		/* this tmpfs takes no user xattrs: the error comes through */
		expect_has(f, "A caps", "A err");
		return;
	}
	expect_eq(f, "A caps", "A data 6261737420737461636b676c7565");
}

static void test_uid(void **state)
{
	struct fx *f = *state;

	if (geteuid()) {
		expect_eq(f, "C uid 0 0", "C err EPERM");
		return;
	}
	assert_int_equal(chmod(f->dir, 0755), 0);	/* mkdtemp made it 0700 */
	expect_eq(f, "A mknod secret reg", "A ok 0");
	expect_eq(f, "A chmod secret 0600", "A ok 0");
	expect_eq(f, "C uid 65534 65534", "C ok 0");
	expect_eq(f, "C open secret rdonly 0644", "C err EACCES");
	expect_has(f, "C stat secret", "uid=0");
	expect_eq(f, "A open secret rdonly 0644", "A fd 3");	/* A is root */
}

static void test_block_signal_kill(void **state)
{
	struct fx *f = *state;
	char *l;

	expect_eq(f, "A mknod p fifo", "A ok 0");
	/* no writer: the open blocks for real */
	assert_null(ask(f, "A", CHAN_CALL, 200, "A open p rdonly 0644"));
	l = ask(f, "A", CHAN_CTL, 5000, "signal A");
	assert_string_equal(l, "A signalled");
	free(l);
	assert_int_equal(chan_recv(&f->ch, "A", CHAN_CALL, spawn_now_ms() + 5000,
				   &l), 0);
	assert_string_equal(l, "A err EINTR");	/* no SA_RESTART */
	free(l);
	/* two actors: A blocks until B opens the other end */
	assert_null(ask(f, "A", CHAN_CALL, 200, "A open p rdonly 0644"));
	expect_eq(f, "B open p wronly 0644", "B fd 3");
	assert_int_equal(chan_recv(&f->ch, "A", CHAN_CALL, spawn_now_ms() + 5000,
				   &l), 0);
	assert_string_equal(l, "A fd 3");
	free(l);
	expect_eq(f, "B close 3", "B ok 0");
	/* kill a blocked actor; its name then starts a fresh process */
	assert_null(ask(f, "K", CHAN_CALL, 200, "K open p rdonly 0644"));
	l = ask(f, "K", CHAN_CTL, 5000, "kill K");
	assert_string_equal(l, "K killed");
	free(l);
	expect_eq(f, "K getfl 3", "K err EBADF");
	expect_eq(f, "K getfl 0", "K flags rdonly");
	l = ask(f, "Z", CHAN_CTL, 5000, "kill Z");	/* never existed */
	assert_string_equal(l, "Z killed");
	free(l);
	l = ask(f, "Z", CHAN_CTL, 5000, "signal Z");
	assert_string_equal(l, "Z unknown");
	free(l);
}

static void test_encoding(void **state)
{
	struct fx *f = *state;

	expect_eq(f, "A mkdir d 0755", "A ok 0");
	expect_eq(f, "A open d/a%20b%25c rdwr|creat 0644", "A fd 3");
	expect_eq(f, "A open d/%2d rdwr|creat 0644", "A fd 4");
	expect_eq(f, "A readdir d", "A names %2d a%20b%25c");
	expect_has(f, "A stat d/a%20b%25c", "type=reg");
	expect_eq(f, "A write 3 00ff0a", "A ok 3");
	expect_eq(f, "A pread 3 8 0", "A data 00ff0a");
	expect_eq(f, "A open d/%0a rdonly 0644", "A err ENOENT");
	expect_eq(f, "A write 3 0", "A bad bad hex");
}

static void test_bad_requests(void **state)
{
	struct fx *f = *state;
	char *l;

	expect_eq(f, "A frob", "A bad unknown verb");
	expect_eq(f, "A open x", "A bad wrong number of arguments");
	expect_eq(f, "A read 3 -1", "A bad bad length");
	expect_eq(f, "A open x rdwr|bogus 0644", "A bad bad flags");
	expect_eq(f, "A mkdir %zz 0755", "A bad bad path");
	expect_eq(f, "A mkdir x 0999", "A bad bad mode");
	expect_eq(f, "A lseek 3 0 middle", "A bad bad whence");
	expect_eq(f, "A mknod x door", "A bad bad node type");
	expect_eq(f, "A poll 3 -5", "A bad bad timeout");
	expect_eq(f, "A mmap 3 maybe", "A bad bad mmap kind");
	expect_eq(f, "A mkdir %00 0755", "A bad bad path");
	assert_int_equal(chan_send(&f->ch, "!x mkdir d 0755"), 0);
	assert_int_equal(chan_send(&f->ch, "kill"), 0);
	/* an answer for A shows the agent went on after both */
	expect_eq(f, "A mkdir ok 0755", "A ok 0");
	assert_non_null(strstr(f->ch.last_bad, "? bad"));
	l = ask(f, "A", CHAN_CALL, 5000, "A stat ok");
	assert_non_null(l);
	free(l);
}

static void test_bye_flushes(void **state)
{
	struct fx *f = *state;
	char *l = NULL;

	/* the pipelined answer still comes before bye */
	assert_int_equal(chan_send(&f->ch, "A mkdir d 0755"), 0);
	assert_int_equal(chan_send(&f->ch, "bye"), 0);
	assert_int_equal(chan_recv(&f->ch, "A", CHAN_CALL, spawn_now_ms() + 5000,
				   &l), 0);
	assert_string_equal(l, "A ok 0");
	free(l);
	assert_int_equal(chan_recv(&f->ch, "bye", CHAN_CALL, spawn_now_ms() +
				   5000, &l), 0);
	assert_string_equal(l, "bye");
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_signal_kill, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bye_flushes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
