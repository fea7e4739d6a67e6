/* SPDX-License-Identifier: MIT */
/*
 * o2dlm_smoke.c - ocfs2-tools' libo2dlm, unmodified, on two dlmfs-fuse
 * nodes: `o2dlm_smoke N1 N2` (with libdlmfs-compat.so preloaded) checks
 * capabilities, domains, EX/PR locks, a refused trylock, the LVB handed
 * from node to node, and a BAST through poll; `o2dlm_smoke --refused N1`
 * (without it, no ocfs2_dlmfs module) checks libo2dlm sees no capabilities
 * and refuses a mount whose f_type is FUSE's.
 * Prints "N passed, N failed".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <o2dlm/o2dlm.h>

static int passed, failed;

static void check(const char *what, errcode_t got, errcode_t want)
{
	if (got == want) {
		passed++;
		printf("ok - %s\n", what);
		return;
	}
	failed++;
	printf("not ok - %s: got %ld (%s), want %ld (%s)\n", what, (long)got,
	       got ? error_message(got) : "0", (long)want,
	       want ? error_message(want) : "0");
}

struct waiter {
	struct o2dlm_ctxt *c;
	errcode_t rc;
};

static void *lock_ex(void *arg)
{
	struct waiter *w = arg;

	w->rc = o2dlm_lock(w->c, "bast", 0, O2DLM_LEVEL_EXMODE);
	return NULL;
}

static int basts;

static void on_bast(void *arg)
{
	(void)arg;
	basts++;
}

static void smoke(const char *n1, const char *n2)
{
	struct o2dlm_ctxt *c1 = NULL, *c2 = NULL;
	struct waiter w = { 0 };
	char lvb[64] = "";
	unsigned int n = 0;
	struct pollfd p;
	pthread_t t;
	int yes = 0, fd = -1;

	check("supports bast (the capabilities file)", o2dlm_supports_bast(&yes),
	      0);
	check("...it says bast", yes, 1);
	check("supports stackglue", o2dlm_supports_stackglue(&yes), 0);
	check("...it says stackglue", yes, 1);
	check("initialize on n1 (f_type is dlmfs)",
	      o2dlm_initialize(n1, "o2dlm-smoke", &c1), 0);
	check("initialize on n2", o2dlm_initialize(n2, "o2dlm-smoke", &c2), 0);
	if (!c1 || !c2)
		return;
	check("EX on n1", o2dlm_lock(c1, "lk", 0, O2DLM_LEVEL_EXMODE), 0);
	check("write the LVB on n1",
	      o2dlm_write_lvb(c1, "lk", "from-n1", 8, &n), 0);
	check("PR trylock on n2 is refused",
	      o2dlm_lock(c2, "lk", O2DLM_TRYLOCK, O2DLM_LEVEL_PRMODE),
	      O2DLM_ET_TRYLOCK_FAILED);
	check("unlock on n1", o2dlm_unlock(c1, "lk"), 0);
	check("PR on n2", o2dlm_lock(c2, "lk", 0, O2DLM_LEVEL_PRMODE), 0);
	check("read the LVB on n2", o2dlm_read_lvb(c2, "lk", lvb, sizeof(lvb),
						   &n), 0);
	check("...it is n1's", strcmp(lvb, "from-n1"), 0);
	check("unlock on n2", o2dlm_unlock(c2, "lk"), 0);
	/* a BAST: n1 holds EX with a poll fd, n2 asks for EX */
	check("EX with a BAST on n1", o2dlm_lock_with_bast(c1, "bast", 0,
		O2DLM_LEVEL_EXMODE, on_bast, NULL, &fd), 0);
	w.c = c2;
	w.rc = -1;
	pthread_create(&t, NULL, lock_ex, &w);
	p.fd = fd;
	p.events = POLLIN;
	check("POLLIN on n1 within 5 s", poll(&p, 1, 5000) == 1 &&
	      (p.revents & POLLIN), 1);
	o2dlm_process_bast(c1, fd);
	check("the BAST function ran", basts, 1);
	check("unlock on n1", o2dlm_unlock(c1, "bast"), 0);
	pthread_join(t, NULL);
	check("n2's EX is granted", w.rc, 0);
	check("unlock on n2", o2dlm_unlock(c2, "bast"), 0);
	check("destroy n1", o2dlm_destroy(c1), 0);
	check("destroy n2", o2dlm_destroy(c2), 0);
}

int main(int argc, char **argv)
{
	struct o2dlm_ctxt *c = NULL;
	int yes = -1;

	initialize_o2dl_error_table();
	if (argc == 3 && !strcmp(argv[1], "--refused")) {
		check("no capabilities file", o2dlm_supports_bast(&yes), 0);
		check("...so no bast", yes, 0);
		check("initialize refuses FUSE's f_type",
		      o2dlm_initialize(argv[2], "o2dlm-smoke", &c) != 0, 1);
	} else if (argc == 3) {
		smoke(argv[1], argv[2]);
	} else {
		fprintf(stderr, "usage: o2dlm_smoke N1 N2 | --refused N1\n");
		return 2;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
