// SPDX-License-Identifier: MIT
/*
 * h_fsdiff.c - the `fsdiff` harness: the `ops` byte format (fz_ops.h)
 * run at once on a live dlmfs-fuse (FSD_NODES mounts, one daemon per
 * process, fsd_mount.c) and on an in-process model that settles after
 * every call as the daemon does. The first difference in a result (errno,
 * bytes, offset, poll mask, stat fields) is a finding.
 *
 * Nothing may block for ever: an open the model says blocks is run with a
 * 5 ms timer and both sides must answer EINTR (dlmfs-fuse ends a blocked
 * open on FUSE INTERRUPT, dm_op_interrupt does the same); any other open
 * gets a 2 s safety timer; unlink runs only when the model's lock is not
 * BUSY (FUSE cannot interrupt it). Scheduling ops (deliver, settle, check)
 * are skipped: both sides settle after every call. Crash and restart go
 * to the daemon's control socket and to dm_crash/dm_restart (never through
 * a forked client: a child closing inherited fds would FLUSH them, and the
 * daemon's unlink would wait for their RELEASE); a crash ends the node's
 * fds on both sides. Each
 * input uses fresh domain names and is cleaned up afterwards (nodes left
 * down are restarted).
 *
 * Known, tolerated: a zero-length write at position >= 64 is ENOSPC on the
 * model (dlmfs checks the position first) and 0 through FUSE (the kernel's
 * FUSE module answers zero-length writes without asking the daemon).
 *
 * env: DLMFS_FUSE (daemon, default build/dlmfs-fuse), DLMFS_FSDIFF_PROFILE
 * (default linux-6), DLMFS_FSDIFF_DIR (where the mount dir goes, /tmp),
 * DLMFS_FSDIFF_TRACE (print every step's two answers on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fsd.h"
#include "fz.h"
#include "fz_ops.h"

#define SETTLE_MAX	1000000
#define BLOCK_MS	5
#define SAFETY_MS	2000
#define POLL_EVENTS	(POLLIN | POLLRDNORM | POLLPRI | POLLOUT)

struct sfd {
	int real, fh, node;
};

struct sact {
	int node, nfd;
	struct sfd fd[X_MAX_FDS];
};

struct fsd {
	struct fsd_mount mnt;
	struct dm_model *m;
	bool down[FSD_NODES];
	unsigned long serial;
	struct fz_hdr h;
	struct sact act[FZ_MAX_ACTORS];
	int open_on[FSD_NODES];
	char dom[FZ_MAX_DOMS][48];
	int step;
	char *why;
	size_t whylen;
	bool trace;		/* DLMFS_FSDIFF_TRACE: every step on stderr */
};

static void on_alarm(int sig)
{
	(void)sig;	/* only to interrupt the call */
}

/* repeating: a tick that lands before the call enters the kernel is not lost */
static void timer(int ms)
{
	struct itimerval it = { { ms / 1000, (ms % 1000) * 1000 },
				{ ms / 1000, (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void *fsd_init(void)
{
	struct fsd *s = calloc(1, sizeof(*s));
	const char *bin = getenv("DLMFS_FUSE"), *prof;
	struct sigaction sa = { .sa_handler = on_alarm };
	char why[512];

	prof = getenv("DLMFS_FSDIFF_PROFILE");
	if (!prof)
		prof = DM_PROFILE_DEFAULT;
	if (!s)
		return NULL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: EINTR */
	umask(022);
	s->trace = getenv("DLMFS_FSDIFF_TRACE") != NULL;
	s->m = dm_new(dm_profile_find(prof), FSD_NODES);
	if (!s->m || fsd_mount_start(&s->mnt, getenv("DLMFS_FSDIFF_DIR"),
				     bin ? bin : "build/dlmfs-fuse", prof,
				     FSD_NODES, why, sizeof(why))) {
		fprintf(stderr, "fsdiff: %s\n", s->m ? why : "bad profile");
		dm_free(s->m);
		free(s);
		return NULL;
	}
	return s;
}

static void fsd_fini(void *ctx)
{
	struct fsd *s = ctx;

	fsd_mount_stop(&s->mnt);
	dm_free(s->m);
	free(s);
}

static void settle(struct fsd *s)
{
	dm_settle(s->m, SETTLE_MAX);
}

static int diff(struct fsd *s, const char *what, long long model,
		long long real);

/* model and dlmfs-fuse answered; 1 (with why) if they differ */
static int judge(struct fsd *s, const char *what, long long model,
		 long long real)
{
	if (s->trace)
		fprintf(stderr, "fsdiff: step %d: %s: model %lld, dlmfs-fuse "
			"%lld\n", s->step, what, model, real);
	return model != real ? diff(s, what, model, real) : 0;
}

static int diff(struct fsd *s, const char *what, long long model,
		long long real)
{
	snprintf(s->why, s->whylen, "step %d: %s: model %lld, dlmfs-fuse %lld",
		 s->step, what, model, real);
	return 1;
}

static int sys(long long rc)
{
	return rc < 0 ? -errno : 0;
}

static void paths(struct fsd *s, const struct fz_op *op, int node, bool dom,
		  char *rel, char *abs)
{
	int d = fz_dom(op->arg[1], s->h.doms), l = fz_lock(op->arg[1], s->h.locks);

	if (dom)
		snprintf(rel, 64, "%s", s->dom[d]);
	else
		snprintf(rel, 64, "%s/lk%d", s->dom[d], l);
	snprintf(abs, FSD_PATH_MAX + 64, "%s/%s", s->mnt.mp[node], rel);
}

/* close fd slot k of actor a on both sides; wait for the daemon's RELEASE */
static int close_fd(struct fsd *s, struct sact *a, int k, bool check)
{
	struct sfd f = a->fd[k];
	int rm, rr;

	rm = dm_release(s->m, f.fh);
	settle(s);
	rr = close(f.real) ? -errno : 0;
	a->fd[k] = a->fd[--a->nfd];
	s->open_on[f.node]--;
	if (fsd_wait_files(&s->mnt, s->open_on, 1000)) {
		snprintf(s->why, s->whylen, "step %d: close: the daemon never "
			 "saw the RELEASE (1 s)", s->step);
		return 1;
	}
	return check ? judge(s, "close", rm, rr) : 0;
}

static int do_open(struct fsd *s, struct sact *a, const struct fz_op *op)
{
	int flags = O_CREAT | ((op->arg[0] & 0x40) ? O_RDWR : O_RDONLY) |
		    ((op->arg[0] & 0x80) ? O_NONBLOCK : 0);
	char rel[64], abs[FSD_PATH_MAX + 64], what[128];
	int fh = -1, rm, rr, blocks = 0;
	dm_op_id id = 0;

	if (a->nfd >= X_MAX_FDS)
		return 0;
	paths(s, op, a->node, false, rel, abs);
	rm = dm_sys_open(s->m, a->node, rel, flags, 0644, &DM_CTX_ROOT, &fh,
			 &id);
	settle(s);
	if (rm == DM_PENDING) {
		rm = dm_op_status(s->m, id, &fh);
		blocks = rm == DM_PENDING;
	}
	timer(blocks ? BLOCK_MS : SAFETY_MS);
	rr = open(abs, flags, 0644);
	timer(0);
	if (blocks) {
		dm_op_interrupt(s->m, id);
		settle(s);
		rm = dm_op_status(s->m, id, &fh);
	}
	if (id)
		dm_op_forget(s->m, id);
	snprintf(what, sizeof(what), "n%d open %s %s%s%s", a->node + 1, rel,
		 (flags & O_RDWR) ? "rdwr" : "rdonly",
		 (flags & O_NONBLOCK) ? "|nonblock" : "",
		 blocks ? " (model: blocks)" : "");
	if (rm >= 0 && rr >= 0) {
		judge(s, what, 0, 0);
		a->fd[a->nfd++] = (struct sfd){ rr, fh, a->node };
		s->open_on[a->node]++;
		return 0;
	}
	if (rr >= 0) {
		close(rr);
		return diff(s, what, rm, rr);
	}
	rr = -errno;
	if (rm >= 0) {
		dm_release(s->m, fh);
		settle(s);
	}
	return judge(s, what, rm, rr);
}

static int do_fd_op(struct fsd *s, struct sact *a, const struct fz_op *op)
{
	unsigned char bm[X_DATA_MAX], br[X_DATA_MAX], data[X_DATA_MAX];
	const uint8_t *g = op->arg;
	struct pollfd p;
	struct sfd *f;
	long long rm, rr;
	int k, len;
	char what[64];

	if (!a->nfd)
		return 0;
	k = fz_slot(op) % a->nfd;
	f = &a->fd[k];
	len = g[1] % (X_DATA_MAX + 1);
	snprintf(what, sizeof(what), "n%d %s", a->node + 1, fz_op_name(op->code));
	switch (op->code) {
	case FZ_CLOSE:
		return close_fd(s, a, k, true);
	case FZ_READ:
	case FZ_PREAD:
		rm = op->code == FZ_READ ? dm_read(s->m, f->fh, bm, (size_t)len) :
		     dm_pread(s->m, f->fh, bm, (size_t)len, (int8_t)g[2]);
		rr = op->code == FZ_READ ? read(f->real, br, (size_t)len) :
		     pread(f->real, br, (size_t)len, (int8_t)g[2]);
		rr = rr < 0 ? sys(rr) : rr;
		if (rm == rr && rm > 0 && memcmp(bm, br, (size_t)rm)) {
			snprintf(s->why, s->whylen, "step %d: %s: the %lld bytes "
				 "differ", s->step, what, rm);
			return 1;
		}
		break;
	case FZ_WRITE:
	case FZ_PWRITE:
		x_fill_data(op->code == FZ_WRITE ? g[2] : g[3], data,
			    (size_t)len);
		rm = op->code == FZ_WRITE ? dm_write(s->m, f->fh, data, (size_t)len) :
		     dm_pwrite(s->m, f->fh, data, (size_t)len, (int8_t)g[2]);
		rr = op->code == FZ_WRITE ? write(f->real, data, (size_t)len) :
		     pwrite(f->real, data, (size_t)len, (int8_t)g[2]);
		rr = rr < 0 ? sys(rr) : rr;
		/* known: FUSE answers a zero-length write itself (fs/README) */
		if (!len && rm == -ENOSPC && rr == 0)
			rr = rm;
		break;
	case FZ_LSEEK:
		rm = dm_lseek(s->m, f->fh, (int8_t)g[1], g[2] % 3);
		rr = lseek(f->real, (int8_t)g[1], g[2] % 3);
		rr = rr < 0 ? sys(rr) : rr;
		break;
	default:	/* FZ_POLL */
		rm = dm_poll(s->m, f->fh) & POLL_EVENTS;
		p = (struct pollfd){ f->real, POLL_EVENTS, 0 };
		rr = poll(&p, 1, 0) < 0 ? -errno : p.revents;
		break;
	}
	settle(s);
	return judge(s, what, rm, rr);
}

static bool lock_busy(struct fsd *s, int node, const char *rel)
{
	struct dm_lock_view v;
	dm_ino ino;

	return !dm_resolve(s->m, node, rel, &ino) &&
	       !dm_lock_view(s->m, node, ino, &v) && (v.flags & DM_LF_BUSY);
}

/* 0 same, 1 finding, 2 the model blocked where we cannot follow */
static int do_path_op(struct fsd *s, struct sact *a, const struct fz_op *op)
{
	bool dom = op->code == FZ_MKDIR || op->code == FZ_RMDIR ||
		   (op->code == FZ_STAT && (op->arg[1] & 0x08));
	char rel[64], abs[FSD_PATH_MAX + 64], what[128];
	struct dm_stat ms;
	struct stat rs;
	dm_op_id id = 0;
	int rm, rr;

	paths(s, op, a->node, dom, rel, abs);
	snprintf(what, sizeof(what), "n%d %s %s", a->node + 1,
		 fz_op_name(op->code), rel);
	switch (op->code) {
	case FZ_MKDIR:
		rm = dm_sys_mkdir(s->m, a->node, rel, 0755, &DM_CTX_ROOT);
		rr = sys(mkdir(abs, 0755));
		break;
	case FZ_RMDIR:
		rm = dm_sys_rmdir(s->m, a->node, rel, &DM_CTX_ROOT);
		rr = sys(rmdir(abs));
		break;
	case FZ_UNLINK:
		if (lock_busy(s, a->node, rel))
			return 0;
		rm = dm_sys_unlink(s->m, a->node, rel, &DM_CTX_ROOT, &id);
		settle(s);
		if (rm == DM_PENDING) {
			rm = dm_op_status(s->m, id, NULL);
			dm_op_forget(s->m, id);
			if (rm == DM_PENDING)
				return 2;
		}
		rr = sys(unlink(abs));
		break;
	default:	/* FZ_STAT */
		rm = dm_sys_stat(s->m, a->node, rel, &ms);
		rr = sys(stat(abs, &rs));
		if (rm || rr)
			break;
		if (ms.mode != rs.st_mode)
			return diff(s, "stat mode", ms.mode, rs.st_mode);
		if (ms.nlink != rs.st_nlink)
			return diff(s, "stat nlink", ms.nlink, (long long)rs.st_nlink);
		if (ms.size != rs.st_size)
			return diff(s, "stat size", ms.size, rs.st_size);
		break;
	}
	settle(s);
	return judge(s, what, rm, rr);
}

/* crash|restart node over the control socket: 0 if the daemon said ok */
static int ctl(struct fsd *s, const char *cmd, int node)
{
	char req[32], ans[256];

	snprintf(req, sizeof(req), "%s %d", cmd, node + 1);
	return fsd_ctl(&s->mnt, req, ans, sizeof(ans)) ? 1 : 0;
}

/* crash or restart a node on both sides; a crash ends its fds */
static int do_fault(struct fsd *s, const struct fz_op *op)
{
	int nd = op->arg[0] % s->h.nodes, rm, rr, i;
	bool crash = op->code == FZ_CRASH;
	char what[64];

	rm = crash ? dm_crash(s->m, nd) : dm_restart(s->m, nd);
	settle(s);
	rr = ctl(s, crash ? "crash" : "restart", nd);
	snprintf(what, sizeof(what), "%s n%d ok (model %d)",
		 crash ? "crash" : "restart", nd + 1, rm);
	if (judge(s, what, rm == 0, rr == 0))
		return 1;
	if (rm)
		return 0;
	s->down[nd] = crash;
	for (i = 0; crash && i < s->h.actors; i++) {
		struct sact *a = &s->act[i];

		if (a->node != nd)
			continue;
		while (a->nfd)
			close(a->fd[--a->nfd].real);
	}
	if (crash)
		s->open_on[nd] = 0;
	return 0;
}

/* close everything, unlink every lock, remove every domain, everywhere */
static void cleanup(struct fsd *s)
{
	char rel[64], abs[FSD_PATH_MAX + 64];
	dm_op_id id;
	int i, n, d, l, rc;

	for (i = 0; i < s->h.actors; i++)
		while (s->act[i].nfd)
			close_fd(s, &s->act[i], 0, false);
	for (n = 0; n < s->h.nodes; n++) {
		if (s->down[n]) {
			dm_restart(s->m, n);
			settle(s);
			ctl(s, "restart", n);
			s->down[n] = false;
		}
		for (d = 0; d < s->h.doms; d++) {
			for (l = 0; l < s->h.locks; l++) {
				snprintf(rel, sizeof(rel), "%s/lk%d", s->dom[d], l);
				snprintf(abs, sizeof(abs), "%s/%s", s->mnt.mp[n], rel);
				if (lock_busy(s, n, rel) ||
				    dm_sys_unlink(s->m, n, rel, &DM_CTX_ROOT,
						  &id) == DM_PENDING)
					continue;
				settle(s);
				rc = unlink(abs) ? -errno : 0;
				if (s->trace)
					fprintf(stderr, "fsdiff: cleanup: n%d "
						"unlink %s: %d\n", n + 1, rel, rc);
			}
			snprintf(abs, sizeof(abs), "%s/%s", s->mnt.mp[n], s->dom[d]);
			rmdir(abs);
		}
	}
}

static int fsd_one(void *ctx, const uint8_t *buf, size_t len, char *why,
		   size_t whylen)
{
	struct fsd *s = ctx;
	struct fz_in in;
	struct fz_op op;
	int rc = 0, nops = 0, d, i;

	s->why = why;
	s->whylen = whylen;
	dm_reset(s->m);
	memset(s->act, 0, sizeof(s->act));
	memset(s->open_on, 0, sizeof(s->open_on));
	fz_in_init(&in, buf, len);
	fz_hdr_decode(&in, &s->h, FSD_NODES);
	s->serial++;
	for (d = 0; d < FZ_MAX_DOMS; d++)
		snprintf(s->dom[d], sizeof(s->dom[d]), "fz%d_%lu_%d",
			 (int)getpid(), s->serial, d);
	for (i = 0; i < s->h.actors; i++)
		s->act[i].node = i % s->h.nodes;
	for (s->step = 1; !rc && nops++ < FZ_MAX_OPS && fz_op_next(&in, &op);
	     s->step++) {
		struct sact *a = &s->act[fz_actor(&op, s->h.actors)];

		switch (op.code) {
		case FZ_OPEN:
			rc = do_open(s, a, &op);
			break;
		case FZ_CLOSE:
		case FZ_READ:
		case FZ_PREAD:
		case FZ_WRITE:
		case FZ_PWRITE:
		case FZ_LSEEK:
		case FZ_POLL:
			rc = do_fd_op(s, a, &op);
			break;
		case FZ_UNLINK:
		case FZ_MKDIR:
		case FZ_RMDIR:
		case FZ_STAT:
			rc = do_path_op(s, a, &op);
			break;
		case FZ_CRASH:
		case FZ_RESTART:
			rc = do_fault(s, &op);
			break;
		default:	/* scheduling: both sides settle after every call */
			break;
		}
	}
	cleanup(s);
	return rc == 1;
}

static const struct fz_harness harness = {
	.name = "fsdiff",
	.init = fsd_init,
	.one = fsd_one,
	.fini = fsd_fini,
	.max_len = FZ_INPUT_MAX,
};

const struct fz_harness *fz_harness(void)
{
	return &harness;
}
