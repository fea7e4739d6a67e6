// SPDX-License-Identifier: MIT
/*
 * stress.c - N nodes x P processes doing random open/trylock/read/write/
 * poll/close/unlink on a few locks for a while, with kill -9 of random
 * workers. Every blocking open is bounded by an interval timer (the FUSE
 * interrupt ends it with EINTR), every poll has a timeout, the whole run
 * has a watchdog.
 *
 * Cross-process check, in shared memory: a worker publishes what it holds
 * after open() returns and retracts it before close(), so a grant that
 * overlaps an incompatible holder on another node is seen by whichever
 * of the two looks second. (The daemon runs -o check_invariants too.)
 *
 * usage: stress [-t SECONDS] [-s SEED] [-p PROCS] MP...
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NLOCK 4
#define MAXW 64
#define NHOLD 2

enum { LV_NONE = 0, LV_PR = 1, LV_EX = 2 };

struct hold {
	int lock, node, level;
};

struct slot {
	int dying;
	struct hold h[NHOLD];
};

struct shared {
	struct slot w[MAXW];
	unsigned long ops, granted, refused, eintr, teardown, unlinked, kills, reap_ms;
	unsigned long errors, violations;
	int msg_taken;
	char msg[512];
};

struct cfg {
	const char *mp[8];
	int nmp, procs;
	double secs;
	uint64_t seed;
};

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(struct shared *sh, unsigned long *ctr, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static void report(struct shared *sh, unsigned long *ctr, const char *fmt,
		   ...)
{
	va_list ap;

	__atomic_add_fetch(ctr, 1, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&sh->msg_taken, 1, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
	va_end(ap);
}

static void on_alarm(int sig)
{
	(void)sig;	/* no SA_RESTART: the blocked open returns EINTR */
}

static void bounded(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* after a grant: nobody on another node may hold an incompatible level */
static void check_grant(struct shared *sh, int self, int lock, int node,
			int level)
{
	int i, j;

	for (i = 0; i < MAXW; i++) {
		if (i == self || __atomic_load_n(&sh->w[i].dying, __ATOMIC_SEQ_CST))
			continue;
		for (j = 0; j < NHOLD; j++) {
			struct hold h;

			h.lock = __atomic_load_n(&sh->w[i].h[j].lock, __ATOMIC_SEQ_CST);
			h.node = __atomic_load_n(&sh->w[i].h[j].node, __ATOMIC_SEQ_CST);
			h.level = __atomic_load_n(&sh->w[i].h[j].level, __ATOMIC_SEQ_CST);
			if (h.level == LV_NONE || h.lock != lock ||
			    h.node == node)
				continue;
			if (level == LV_EX || h.level == LV_EX)
				report(sh, &sh->violations,
				       "lock %d: n%d granted %s beside n%d's %s holder",
				       lock, node + 1, level == LV_EX ? "EX" : "PR",
				       h.node + 1, h.level == LV_EX ? "EX" : "PR");
		}
	}
}

static void publish(struct hold *h, int lock, int node, int level)
{
	__atomic_store_n(&h->lock, lock, __ATOMIC_SEQ_CST);
	__atomic_store_n(&h->node, node, __ATOMIC_SEQ_CST);
	__atomic_store_n(&h->level, level, __ATOMIC_SEQ_CST);
}

static void worker(const struct cfg *c, struct shared *sh, int self, int node,
		   uint64_t seed, double until)
{
	struct slot *me = &sh->w[self];
	int fd[NHOLD] = { -1, -1 };
	char path[512], buf[64];
	struct pollfd p;
	uint64_t s = seed;
	int op, k, lock, level, flags, r;

	while (now() < until) {
		__atomic_add_fetch(&sh->ops, 1, __ATOMIC_RELAXED);
		op = (int)(rnd(&s) % 100);
		k = (int)(rnd(&s) % NHOLD);
		if (op < 35 && fd[k] < 0) {
			bool nb = rnd(&s) % 3 == 0;
			int other = fd[!k] >= 0 ? !k : -1;

			/*
			 * A pending unlink holds the directory lock (as in the
			 * kernel), and O_CREAT or a lookup of a missing name
			 * waits for it uninterruptibly: a holder doing that can
			 * close a deadlock cycle across nodes. So a holder only
			 * re-opens the lock it holds (cached name, no O_CREAT).
			 */
			lock = other >= 0 ? me->h[other].lock :
					    (int)(rnd(&s) % NLOCK);
			level = rnd(&s) % 2 ? LV_EX : LV_PR;
			flags = (level == LV_EX ? O_RDWR : O_RDONLY) |
				(other >= 0 ? 0 : O_CREAT) | (nb ? O_NONBLOCK : 0);
			snprintf(path, sizeof(path), "%s/st/l%d", c->mp[node], lock);
			bounded(200 + (long)(rnd(&s) % 800));
			r = open(path, flags, 0644);
			bounded(0);
			if (r >= 0) {
				fd[k] = r;
				publish(&me->h[k], lock, node, level);
				check_grant(sh, self, lock, node, level);
				__atomic_add_fetch(&sh->granted, 1, __ATOMIC_RELAXED);
			} else if (errno == ETXTBSY && nb) {
				__atomic_add_fetch(&sh->refused, 1, __ATOMIC_RELAXED);
			} else if (errno == EINTR) {
				__atomic_add_fetch(&sh->eintr, 1, __ATOMIC_RELAXED);
			} else if (errno == EAGAIN || errno == ENOENT ||
				   errno == ETXTBSY) {
				/* open racing an unlink of that name (O7) */
				__atomic_add_fetch(&sh->teardown, 1, __ATOMIC_RELAXED);
			} else {
				report(sh, &sh->errors, "open lock %d on n%d flags %#x: %s",
				       lock, node + 1, flags, strerror(errno));
			}
		} else if (op < 50 && fd[k] >= 0) {
			r = (int)pread(fd[k], buf, sizeof(buf), 0);
			if (r != 0 && r != 64)
				report(sh, &sh->errors, "pread lock %d n%d -> %d: %s",
				       me->h[k].lock, node + 1, r, strerror(errno));
		} else if (op < 60 && fd[k] >= 0 && me->h[k].level == LV_EX) {
			snprintf(buf, sizeof(buf), "w%d-%llu", self,
				 (unsigned long long)(rnd(&s) % 1000));
			r = (int)pwrite(fd[k], buf, strlen(buf), 0);
			if (r != (int)strlen(buf))
				report(sh, &sh->errors, "pwrite lock %d n%d -> %d: %s",
				       me->h[k].lock, node + 1, r, strerror(errno));
		} else if (op < 70 && fd[k] >= 0) {
			p.fd = fd[k];
			p.events = POLLIN;
			r = poll(&p, 1, (int)(rnd(&s) % 20));
			if (r < 0 && errno != EINTR)
				report(sh, &sh->errors, "poll lock %d n%d -> %d: %s",
				       me->h[k].lock, node + 1, r, strerror(errno));
		} else if (op < 90 && fd[k] >= 0) {
			publish(&me->h[k], -1, -1, LV_NONE);
			close(fd[k]);
			fd[k] = -1;
		} else if (op < 95 && fd[0] < 0 && fd[1] < 0) {
			/*
			 * unlink waits uninterruptibly for an in-flight request
			 * (T1), like the kernel: a holder that unlinks can close
			 * a deadlock cycle, so only empty-handed workers unlink.
			 */
			lock = (int)(rnd(&s) % NLOCK);
			snprintf(path, sizeof(path), "%s/st/l%d", c->mp[node], lock);
			r = unlink(path);
			if (!r)
				__atomic_add_fetch(&sh->unlinked, 1, __ATOMIC_RELAXED);
			else if (errno != EBUSY && errno != ENOENT)
				report(sh, &sh->errors, "unlink lock %d n%d -> %d: %s",
				       lock, node + 1, r, strerror(errno));
		} else {
			usleep((useconds_t)(rnd(&s) % 5000));
		}
	}
	for (k = 0; k < NHOLD; k++) {
		if (fd[k] >= 0) {
			publish(&me->h[k], -1, -1, LV_NONE);
			close(fd[k]);
		}
	}
}

static pid_t spawn(const struct cfg *c, struct shared *sh, int self,
		   uint64_t seed, double until)
{
	struct sigaction sa;
	pid_t pid;
	int k;

	memset(&sh->w[self], 0, sizeof(sh->w[self]));
	for (k = 0; k < NHOLD; k++)
		sh->w[self].h[k].lock = -1;
	pid = fork();
	if (pid)
		return pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	worker(c, sh, self, self % c->nmp, seed, until);
	_exit(0);
}

/* a random worker, preferring one that holds a lock right now */
static int pick_holder(struct shared *sh, int n, uint64_t *ks)
{
	int i, j, start = (int)(rnd(ks) % (uint64_t)n);

	for (i = 0; i < n; i++) {
		j = (start + i) % n;
		if (__atomic_load_n(&sh->w[j].h[0].level, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&sh->w[j].h[1].level, __ATOMIC_SEQ_CST))
			return j;
	}
	return start;
}

/* waitpid with a deadline: a process in an unanswered FUSE call stays */
static bool reap(pid_t pid, double secs)
{
	double end = now() + secs;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now() > end)
			return false;
		usleep(5000);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct cfg c = { .procs = 8, .secs = 30, .seed = 1 };
	pid_t pids[MAXW];
	struct shared *sh;
	double start, until, next_kill, t0;
	uint64_t ks;
	int i, n, opt, st, alive, hung = 0;
	char path[512];

	if (getenv("STRESS_SECONDS"))
		c.secs = atof(getenv("STRESS_SECONDS"));
	if (getenv("STRESS_SEED"))
		c.seed = strtoull(getenv("STRESS_SEED"), NULL, 0);
	while ((opt = getopt(argc, argv, "t:s:p:")) != -1) {
		if (opt == 't')
			c.secs = atof(optarg);
		else if (opt == 's')
			c.seed = strtoull(optarg, NULL, 0);
		else if (opt == 'p')
			c.procs = atoi(optarg);
		else
			return 2;
	}
	for (; optind < argc && c.nmp < 8; optind++)
		c.mp[c.nmp++] = argv[optind];
	n = c.nmp * c.procs;
	if (!c.nmp || n > MAXW) {
		fprintf(stderr, "usage: stress [-t SECONDS] [-s SEED] [-p PROCS] MP... (<= %d workers)\n",
			MAXW);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < c.nmp; i++) {
		snprintf(path, sizeof(path), "%s/st", c.mp[i]);
		mkdir(path, 0755);
	}
	printf("# stress: %d nodes x %d processes, %.0f s, seed %llu\n", c.nmp,
	       c.procs, c.secs, (unsigned long long)c.seed);
	start = now();
	until = start + c.secs;
	ks = c.seed * 7919 + 1;
	for (i = 0; i < n; i++)
		pids[i] = spawn(&c, sh, i, c.seed * 1000003 + (uint64_t)i, until);
	next_kill = start + 0.2;
	while (now() < until) {
		usleep(20000);
		if (now() < next_kill)
			continue;
		/* kill -9 a random worker (likely a holder) and replace it */
		i = pick_holder(sh, n, &ks);
		__atomic_store_n(&sh->w[i].dying, 1, __ATOMIC_SEQ_CST);
		t0 = now();
		kill(pids[i], SIGKILL);
		if (!reap(pids[i], 10)) {
			report(sh, &sh->errors, "worker %d: unkillable 10 s after kill -9",
			       i);
			break;
		}
		sh->kills++;
		sh->reap_ms += (unsigned long)((now() - t0) * 1000);
		pids[i] = spawn(&c, sh, i, rnd(&ks), until);
		next_kill = now() + 0.1 + (double)(rnd(&ks) % 400) / 1000;
	}
	/* watchdog: every wait in a worker is bounded by ~1 s */
	for (alive = n; alive && now() < until + 20;) {
		for (i = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					report(sh, &sh->errors, "worker %d died (status %#x)",
					       i, st);
				pids[i] = 0;
				alive--;
			}
		}
		usleep(20000);
	}
	for (i = 0; i < n; i++) {
		if (pids[i] > 0) {
			hung++;
			kill(pids[i], SIGKILL);
		}
	}
	printf("# ops %lu, opens granted %lu, trylocks refused %lu, interrupted %lu, teardown races %lu, unlinks %lu, kills %lu (%.1f ms to reap)\n",
	       sh->ops, sh->granted, sh->refused, sh->eintr, sh->teardown,
	       sh->unlinked, sh->kills,
	       sh->kills ? (double)sh->reap_ms / (double)sh->kills : 0.0);
	if (sh->msg_taken)
		printf("# first problem: %s\n", sh->msg);
	printf("%s - no incompatible grants across nodes (%lu)\n",
	       sh->violations ? "not ok" : "ok", sh->violations);
	printf("%s - no unexpected errors (%lu)\n",
	       sh->errors ? "not ok" : "ok", sh->errors);
	printf("%s - no hung workers (%d)\n", hung ? "not ok" : "ok", hung);
	printf("%s - work got done\n", sh->granted ? "ok" : "not ok");
	return sh->violations || sh->errors || hung || !sh->granted ? 1 : 0;
}
