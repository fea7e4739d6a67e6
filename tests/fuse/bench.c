// SPDX-License-Identifier: MIT
/*
 * bench.c - dlmfs-fuse throughput, printed, never asserted.
 *
 *   1. uncontended open+close cycles on one node with the level cached
 *      (PR: O_RDONLY, EX: O_RDWR) against the same cycle on nullfs, a
 *      do-nothing libfuse low-level fs, interleaved in one run; the ratio
 *      is what the model and the daemon's plumbing cost per cycle.
 *   2. EX ping-pong: one process per node takes EX in turn (each open
 *      forces the other node's cached EX down); handoffs per second.
 *
 * usage: bench [-n CYCLES] [-r REPEATS] [-t SECONDS] NULLMP MP1 MP2
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* microseconds per open+close */
static double cycles(const char *path, int flags, int n)
{
	double t0;
	int i, fd;

	t0 = now();
	for (i = 0; i < n; i++) {
		fd = open(path, flags);
		if (fd < 0) {
			fprintf(stderr, "bench: open %s: %s\n", path, strerror(errno));
			exit(1);
		}
		close(fd);
	}
	return (now() - t0) * 1e6 / n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static void touch(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT, 0644);

	if (fd < 0 && errno == ETXTBSY)
		return;	/* a refused trylock still creates the file (N4) */
	if (fd < 0) {
		fprintf(stderr, "bench: create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* one side of the ping-pong: wait for the token, take EX, pass it on */
static void pingpong_side(const char *path, int in, int out, int first,
			  double secs, int report)
{
	double end = now() + secs;
	long rounds = 0;
	char tok = 't';
	int fd;

	if (first && write(out, &tok, 1) != 1)
		_exit(1);
	while (read(in, &tok, 1) == 1) {
		if (tok == 'q')
			break;
		fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(1);
		if (pwrite(fd, &rounds, sizeof(rounds), 0) < 0)
			_exit(1);
		close(fd);
		rounds++;
		tok = now() < end ? 't' : 'q';
		if (write(out, &tok, 1) != 1)
			break;
		if (tok == 'q')
			break;
	}
	if (write(report, &rounds, sizeof(rounds)) != sizeof(rounds))
		_exit(1);
	_exit(0);
}

static void pingpong(const char *p1, const char *p2, double secs)
{
	int ab[2], ba[2], rep[2], st;
	long ra = 0, rb = 0;
	pid_t a, b;
	double t0, dt;

	if (pipe(ab) || pipe(ba) || pipe(rep))
		exit(1);
	t0 = now();
	a = fork();
	if (!a)
		pingpong_side(p1, ba[0], ab[1], 1, secs, rep[1]);
	b = fork();
	if (!b)
		pingpong_side(p2, ab[0], ba[1], 0, secs, rep[1]);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	close(rep[1]);
	if (read(rep[0], &ra, sizeof(ra)) != sizeof(ra) ||
	    read(rep[0], &rb, sizeof(rb)) != sizeof(rb))
		fprintf(stderr, "bench: ping-pong side failed\n");
	dt = now() - t0;
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
	printf("EX ping-pong n1<->n2: %ld handoffs in %.2f s = %.0f handoffs/s (%.1f us each)\n",
	       ra + rb, dt, (double)(ra + rb) / dt,
	       ra + rb ? dt * 1e6 / (double)(ra + rb) : 0.0);
}

int main(int argc, char **argv)
{
	int n = 20000, reps = 5, i, opt;
	double secs = 3, np[16], dp[16], ne[16], de[16];
	char nullf[512], pr[512], ex[512], pp1[512], pp2[512];

	while ((opt = getopt(argc, argv, "n:r:t:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 't')
			secs = atof(optarg);
		else
			return 2;
	}
	if (argc - optind != 3 || n < 1 || reps < 1 || reps > 16) {
		fprintf(stderr, "usage: bench [-n CYCLES] [-r REPEATS<=16] [-t SECONDS] NULLMP MP1 MP2\n");
		return 2;
	}
	snprintf(nullf, sizeof(nullf), "%s/f", argv[optind]);
	snprintf(pr, sizeof(pr), "%s/bench", argv[optind + 1]);
	mkdir(pr, 0755);
	snprintf(pp1, sizeof(pp1), "%s/bench", argv[optind + 2]);
	mkdir(pp1, 0755);
	snprintf(pr, sizeof(pr), "%s/bench/pr", argv[optind + 1]);
	snprintf(ex, sizeof(ex), "%s/bench/ex", argv[optind + 1]);
	snprintf(pp1, sizeof(pp1), "%s/bench/pp", argv[optind + 1]);
	snprintf(pp2, sizeof(pp2), "%s/bench/pp", argv[optind + 2]);
	touch(pr, O_RDONLY);
	touch(ex, O_RDWR);
	touch(pp1, O_RDWR);
	touch(pp2, O_RDONLY | O_NONBLOCK);
	/* warm up: levels cached, dentries cached */
	cycles(nullf, O_RDONLY, 1000);
	cycles(pr, O_RDONLY, 1000);
	cycles(ex, O_RDWR, 1000);
	for (i = 0; i < reps; i++) {
		np[i] = cycles(nullf, O_RDONLY, n);
		dp[i] = cycles(pr, O_RDONLY, n);
		ne[i] = cycles(nullf, O_RDWR, n);
		de[i] = cycles(ex, O_RDWR, n);
	}
	printf("open+close, %d cycles x %d runs, median us/cycle:\n", n, reps);
	printf("  cached PR: dlmfs-fuse %.2f us, nullfs %.2f us, ratio %.2fx\n",
	       median(dp, reps), median(np, reps),
	       median(dp, reps) / median(np, reps));
	printf("  cached EX: dlmfs-fuse %.2f us, nullfs %.2f us, ratio %.2fx\n",
	       median(de, reps), median(ne, reps),
	       median(de, reps) / median(ne, reps));
	pingpong(pp1, pp2, secs);
	return 0;
}
