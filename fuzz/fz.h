/* SPDX-License-Identifier: MIT */
/*
 * fz.h - what a fuzz harness gives the common driver (fz_main.c).
 *
 * Every harness is built twice from the same source: with afl-clang-fast
 * the driver is an AFL++ persistent-mode loop; with plain gcc it is a
 * replayer that runs every file (or directory of files) on its command
 * line, stdin if none. A harness never aborts by itself: one() returns 1
 * with a reason, and the driver prints it (with the replayed file) and
 * calls abort(), which is what AFL counts as a crash.
 */
#ifndef DLMFS_FZ_H
#define DLMFS_FZ_H

#include <stddef.h>
#include <stdint.h>

#define FZ_WHY_MAX 1024

struct fz_harness {
	const char *name;
	/* once per process, before the fork server; NULL on failure */
	void *(*init)(void);
	/* one input: 0 fine, 1 a finding (why says what), -1 cannot run */
	int (*one)(void *ctx, const uint8_t *buf, size_t len, char *why,
		   size_t whylen);
	void (*fini)(void *ctx);
	size_t max_len;		/* longer inputs are cut to this */
};

/* each harness file defines this */
const struct fz_harness *fz_harness(void);

#endif
