// SPDX-License-Identifier: MIT
/*
 * fz_main.c - the driver every harness links: an AFL++ persistent-mode
 * loop when built with afl-clang-fast (which defines
 * __AFL_FUZZ_TESTCASE_LEN), else a corpus replayer:
 *
 *   HARNESS [-k] [-v] [FILE|DIR]...   (stdin when no argument)
 *
 * A directory is replayed file by file in name order (dot files and
 * README* skipped). A finding prints "HARNESS: FILE: why" and aborts,
 * as under AFL; -k keeps going and exits 1 at the end instead.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN

__AFL_FUZZ_INIT();

int main(void)
{
	const struct fz_harness *h = fz_harness();
	char why[FZ_WHY_MAX];
	unsigned char *buf;
	void *ctx = h->init();

	if (!ctx) {
		fprintf(stderr, "%s: cannot initialise\n", h->name);
		return 2;
	}
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;

		if (len > h->max_len)
			len = h->max_len;
		if (h->one(ctx, buf, len, why, sizeof(why)) > 0) {
			fprintf(stderr, "%s: %s\n", h->name, why);
			abort();
		}
	}
	h->fini(ctx);
	return 0;
}

#else

struct replay {
	const struct fz_harness *h;
	void *ctx;
	bool keep_going, verbose;
	unsigned long inputs, findings, errors;
	unsigned char *buf;
};

static int read_all(FILE *f, unsigned char *buf, size_t max, size_t *len)
{
	size_t n = fread(buf, 1, max, f);

	if (ferror(f))
		return -EIO;
	*len = n;
	return 0;
}

static void run_one(struct replay *r, const char *name, FILE *f)
{
	char why[FZ_WHY_MAX];
	size_t len = 0;
	int rc;

	if (read_all(f, r->buf, r->h->max_len, &len)) {
		fprintf(stderr, "%s: %s: read error\n", r->h->name, name);
		r->errors++;
		return;
	}
	if (r->verbose)
		fprintf(stderr, "%s: %s (%zu bytes)\n", r->h->name, name, len);
	r->inputs++;
	why[0] = '\0';
	rc = r->h->one(r->ctx, r->buf, len, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "%s: %s: cannot run: %s\n", r->h->name, name,
			why);
		r->errors++;
	} else if (rc > 0) {
		fprintf(stderr, "%s: %s: %s\n", r->h->name, name, why);
		r->findings++;
		if (!r->keep_going) {
			r->h->fini(r->ctx);	/* fsdiff: unmount first */
			abort();
		}
	}
}

static void run_file(struct replay *r, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", r->h->name, path, strerror(errno));
		r->errors++;
		return;
	}
	run_one(r, path, f);
	fclose(f);
}

static int skip_name(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6);
}

static void run_path(struct replay *r, const char *path)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int n, i;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s: %s\n", r->h->name, path, strerror(errno));
		r->errors++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(r, path);
		return;
	}
	n = scandir(path, &ents, skip_name, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", r->h->name, path, strerror(errno));
		r->errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
		if (!stat(sub, &st) && S_ISREG(st.st_mode))
			run_file(r, sub);
		free(ents[i]);
	}
	free(ents);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct replay r = { .h = fz_harness() };
	double t0 = now_s();
	int i, first = 1;

	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (!strcmp(argv[first], "-k")) {
			r.keep_going = true;
		} else if (!strcmp(argv[first], "-v")) {
			r.verbose = true;
		} else if (!strcmp(argv[first], "--")) {
			first++;
			break;
		} else {
			fprintf(stderr, "usage: %s [-k] [-v] [FILE|DIR]...   "
				"(replays AFL inputs; stdin if none)\n", argv[0]);
			return !strcmp(argv[first], "-h") ? 0 : 2;
		}
	}
	r.buf = malloc(r.h->max_len + 1);
	r.ctx = r.buf ? r.h->init() : NULL;
	if (!r.ctx) {
		fprintf(stderr, "%s: cannot initialise\n", r.h->name);
		free(r.buf);
		return 2;
	}
	if (first == argc)
		run_one(&r, "<stdin>", stdin);
	for (i = first; i < argc; i++)
		run_path(&r, argv[i]);
	r.h->fini(r.ctx);
	free(r.buf);
	printf("%s: %lu inputs replayed, %lu findings, %lu errors (%.2f s)\n",
	       r.h->name, r.inputs, r.findings, r.errors, now_s() - t0);
	return r.findings || r.errors ? 1 : 0;
}

#endif
