// SPDX-License-Identifier: MIT
/*
 * h_api.c - the `api` harness: bytes -> direct calls of every model entry
 * point (model/dm.h), valid and invalid arguments alike (nodes out of
 * range, stale fhs and op ids, NULL out-pointers the API allows, odd
 * names, paths, flags, modes, offsets, unprivileged callers), events
 * delivered when the input says so, on all four profiles.
 *
 * Findings: a crash; a negative result that is not an errno (< -4095);
 * on the >= 5.19 profiles, a state invariant (inv_check with the LVB
 * shadow fed from the trace and from every read and write) that breaks.
 * Pre-5.19 profiles break mutual exclusion by design (docs/findings/), so
 * there only robustness is judged. DLMFS_API_TRACE=1 prints every call
 * (name, argument bytes, result) on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fz.h"
#include "invariants.h"

#define NPROF		4
#define NODES_MAX	3
#define CALLS_MAX	512
#define TRACK		16

struct api {
	struct dm_model *m[NPROF][NODES_MAX];
	struct inv_shadow *sh;
	struct dm_model *cur;
	int nodes;
	bool check;
	bool trace;		/* DLMFS_API_TRACE: every call on stderr */
	const uint8_t *p;
	size_t n, i;
	dm_ino ino[TRACK];
	int fh[TRACK];
	dm_op_id op[TRACK];
	int nino, nfh, nop;
	unsigned char buf[256];
};

static const char *const names[] = {
	"d0", "d1", "lk0", "lk1", "", ".", "..", "a/b", "$x", "d0", "lk0",
	"0123456789012345678901234567890",		/* 31: longest lock */
	"01234567890123456789012345678901",		/* 32 */
	"012345678901234567890123456789012345678901234567890123456789012",
	"0123456789012345678901234567890123456789012345678901234567890123",
};
static const char *const paths[] = {
	"d0", "d0/lk0", "d0/lk1", "d1", "d1/lk0", "/d0/lk0", "d0//lk0",
	"d0/lk0/", "d0/", "./d0/lk0", "d0/../d1", "d0/./lk0", "", "/", "..",
	"d0/lk0/x", "d0/sub/lk0", "x/y/z/w/v/u/t/s/r/q", "d0/$lk", "$d",
	"/d0/../d0/../d0/lk0", "d0/0123456789012345678901234567890123456789",
};
static const uint32_t modes[] = {
	0644, 0755, 0, 07777, 0600, 0444, 0222, 0111, S_IFREG | 0644,
	S_IFIFO | 0644, S_IFCHR | 0600, S_IFDIR | 0755, S_IFSOCK | 0644,
	S_IFBLK | 0600, 01777, 0666,
};
static const int64_t offs[] = {
	0, 1, 8, 63, 64, 65, 100, -1, -64, INT64_MAX, INT64_MIN, 4096,
};
static const struct dm_ctx ctxs[] = {
	{ 0, 0, 022, 1 }, { 1000, 1000, 022, 2 }, { 1001, 1000, 077, 3 },
	{ 1000, 100, 0, 4 },
};
static const char *const call_names[57] = {
	"lookup", "getattr", "setattr", "mkdir", "mknod", "rmdir", "unlink",
	"rename", "link", "symlink", "readdir", "statfs", "access",
	"open", "release", "pread", "pwrite", "read", "write", "lseek",
	"poll", "getfl", "fstat", "ftruncate", "fsync", "mmap", "fh_node",
	"caps",
	"resolve", "sys_mkdir", "sys_rmdir", "sys_open", "sys_unlink",
	"sys_stat", "sys_statfs", "sys_truncate", "sys_chmod", "sys_chown",
	"sys_rename", "sys_link", "sys_symlink", "sys_mknod", "sys_readdir",
	"op_status", "op_forget", "op_signal", "op_interrupt", "op_wait",
	"deliver", "settle", "notes", "crash/restart", "raw_lock",
	"raw_unlock", "lock_views", "res_views", "misc",
};
static const char *const profs[NPROF] = {
	"linux-6", "linux-6-user", "linux-5.4", "linux-3.x",
};

static uint8_t u8(struct api *a)
{
	return a->i < a->n ? a->p[a->i++] : 0;
}

static int node(struct api *a)
{
	return (int)(u8(a) % (a->nodes + 2)) - 1;
}

static dm_ino ino(struct api *a)
{
	uint8_t b = u8(a);

	return b < 0xc0 && a->nino ? a->ino[b % a->nino] : (dm_ino)(b & 7);
}

static int fh(struct api *a)
{
	uint8_t b = u8(a);

	return b < 0xc0 && a->nfh ? a->fh[b % a->nfh] : (int)(b & 7) - 2;
}

static dm_op_id opid(struct api *a)
{
	uint8_t b = u8(a);

	return b < 0xc0 && a->nop ? a->op[b % a->nop] : (dm_op_id)(b & 3);
}

#define PICK(a, t) (t[u8(a) % (sizeof(t) / sizeof(t[0]))])

static const struct dm_ctx *ctx(struct api *a)
{
	uint8_t b = u8(a);

	return b == 0xff ? NULL : &ctxs[b % 4];
}

static int oflags(struct api *a)
{
	uint8_t b = u8(a), c = u8(a);
	int f = (b & 3) | ((b & 4) ? O_CREAT : 0) | ((b & 8) ? O_EXCL : 0) |
		((b & 16) ? O_NONBLOCK : 0) | ((b & 32) ? O_TRUNC : 0) |
		((b & 64) ? O_APPEND : 0) | ((b & 128) ? O_DIRECT : 0);

	if (c & 1)
		f |= O_DIRECTORY;
	if (c & 2)
		f |= O_TMPFILE;
	if (c & 4)
		f |= O_CLOEXEC | O_NOATIME;
	return f;
}

static void keep_ino(struct api *a, int rc, const struct dm_stat *st)
{
	if (!rc)
		a->ino[a->nino++ % TRACK] = st->ino, a->nino %= TRACK + 1;
}

static void keep_fh(struct api *a, int rc, int h)
{
	if (!rc && h > 0)
		a->fh[a->nfh++ % TRACK] = h, a->nfh %= TRACK + 1;
}

static void keep_op(struct api *a, int rc, dm_op_id id)
{
	if (rc == DM_PENDING)
		a->op[a->nop++ % TRACK] = id, a->nop %= TRACK + 1;
}

static void trace(void *arg, const struct dm_model *m, const struct dm_trace *t)
{
	inv_shadow_trace(arg, m, t);
}

/* inode-level namespace calls */
static long ns_call(struct api *a, int code)
{
	struct dm_model *m = a->cur;
	struct dm_setattr sa;
	struct dm_dirent de;
	struct dm_statfs sf;
	struct dm_stat st;
	dm_op_id id = 0;
	/* every argument read up front, in order: C leaves the order of
	 * evaluation of call arguments open, gcc and clang differ */
	int nd = node(a), rc;
	dm_ino i = ino(a), i2 = ino(a);
	uint8_t b = u8(a), v = u8(a);
	const char *n1 = PICK(a, names), *n2 = PICK(a, names);
	uint32_t md = PICK(a, modes);
	const struct dm_ctx *c = ctx(a);
	int64_t off = PICK(a, offs);

	switch (code) {
	case 0:
		rc = dm_lookup(m, nd, i, n1, (b & 1) ? NULL : &st);
		if (!(b & 1))
			keep_ino(a, rc, &st);
		return rc;
	case 1:
		return dm_getattr(m, nd, i, (b & 1) ? NULL : &st);
	case 2:
		sa.valid = v & 0x3f;
		sa.mode = md;
		sa.uid = ctxs[b % 4].uid;
		sa.gid = ctxs[(b >> 2) % 4].gid;
		sa.size = off;
		sa.atime = sa.mtime = b;
		return dm_setattr(m, nd, i, (b & 0x80) ? NULL : &sa, c, &st);
	case 3:
		rc = dm_mkdir(m, nd, i, n1, md, c, &st);
		keep_ino(a, rc, &st);
		return rc;
	case 4:
		rc = dm_mknod(m, nd, i, n1, md, c, &st);
		keep_ino(a, rc, &st);
		return rc;
	case 5:
		return dm_rmdir(m, nd, i, n1);
	case 6:
		rc = dm_unlink(m, nd, i, n1, (b & 1) ? NULL : &id);
		keep_op(a, rc, id);
		return rc;
	case 7:
		return dm_rename(m, nd, i, n1, i2, n2);
	case 8:
		return dm_link(m, nd, i, i2, n1);
	case 9:
		return dm_symlink(m, nd, i, n1, (b & 1) ? NULL : n2);
	case 10:
		return dm_readdir(m, nd, i, b & 7, (b & 8) ? NULL : &de);
	case 11:
		return dm_statfs(m, nd, (b & 1) ? NULL : &sf);
	default:
		return dm_access(m, nd, i, (int)(b & 0x0f), c);
	}
}

/* a read through fh at off: checked against the LVB shadow */
static int judge_read(struct api *a, int h, int64_t off, ssize_t got,
		      char *why, size_t len)
{
	if (!a->check || got < 0)
		return 0;
	return inv_shadow_read(a->sh, a->cur, h, off, a->buf, got, why, len) !=
	       INV_OK;
}

static long file_call(struct api *a, int code, char *why, size_t whylen)
{
	struct dm_model *m = a->cur;
	int h = fh(a), nfh = -1, rc;
	uint8_t b = u8(a);
	size_t len = u8(a);
	int64_t off = PICK(a, offs), pos;
	int nd = node(a);
	dm_ino i = ino(a);
	int fl = oflags(a);
	const struct dm_ctx *c = ctx(a);
	struct dm_stat st;
	dm_op_id id = 0;
	ssize_t n;

	switch (code) {
	case 0:
		rc = dm_open(m, nd, i, fl, c, (b & 1) ? NULL : &nfh,
			     (b & 2) ? NULL : &id);
		keep_fh(a, rc, nfh);
		keep_op(a, rc, id);
		return rc;
	case 1:
		return dm_release(m, h);
	case 2:
	case 4:
		pos = code == 2 ? off : dm_lseek(m, h, 0, SEEK_CUR);
		n = code == 2 ? dm_pread(m, h, (b & 1) ? NULL : a->buf, len, off) :
		    dm_read(m, h, (b & 1) ? NULL : a->buf, len);
		if (!(b & 1) && judge_read(a, h, pos, n, why, whylen))
			return -100000;
		return n;
	case 3:
	case 5:
		memset(a->buf, 'a' + b % 26, sizeof(a->buf));
		n = code == 3 ? dm_pwrite(m, h, (b & 1) ? NULL : a->buf, len, off) :
		    dm_write(m, h, (b & 1) ? NULL : a->buf, len);
		if (n > 0)
			inv_shadow_write(a->sh, m, h, a->buf, (size_t)n);
		return n;
	case 6:
		return dm_lseek(m, h, off, (int)(b % 5) - 1);
	case 7:
		return dm_poll(m, h);
	case 8:
		return dm_getfl(m, h);
	case 9:
		return dm_fstat(m, h, (b & 1) ? NULL : &st);
	case 10:
		return dm_ftruncate(m, h, off, c);
	case 11:
		return dm_fsync(m, h);
	case 12:
		return dm_mmap(m, h, b & 1);
	case 13:
		return dm_fh_node(m, h) + (long)dm_fh_ino(m, h) * 0;
	default:
		return dm_caps(m, (b & 1) ? NULL : (char *)a->buf, len % 70);
	}
}

/* the path level */
static long sys_call(struct api *a, int code)
{
	struct dm_model *m = a->cur;
	int nd = node(a), h = -1, rc;
	const char *p = PICK(a, paths), *p2 = PICK(a, paths);
	const struct dm_ctx *c = ctx(a);
	uint8_t b = u8(a);
	uint32_t md = PICK(a, modes);
	int fl = oflags(a);
	int64_t off = PICK(a, offs);
	struct dm_dirent de;
	struct dm_statfs sf;
	struct dm_stat st;
	dm_op_id id = 0;
	dm_ino i;

	switch (code) {
	case 0:
		rc = dm_resolve(m, nd, (b & 1) ? NULL : p, &i);
		if (!rc)
			a->ino[a->nino++ % TRACK] = i, a->nino %= TRACK + 1;
		return rc;
	case 1:
		return dm_sys_mkdir(m, nd, p, md, c);
	case 2:
		return dm_sys_rmdir(m, nd, p, c);
	case 3:
		rc = dm_sys_open(m, nd, p, fl, md, c,
				 (b & 1) ? NULL : &h, &id);
		keep_fh(a, rc, h);
		keep_op(a, rc, id);
		return rc;
	case 4:
		rc = dm_sys_unlink(m, nd, p, c, (b & 1) ? NULL : &id);
		keep_op(a, rc, id);
		return rc;
	case 5:
		return dm_sys_stat(m, nd, p, (b & 1) ? NULL : &st);
	case 6:
		return dm_sys_statfs(m, nd, p, (b & 1) ? NULL : &sf);
	case 7:
		return dm_sys_truncate(m, nd, p, off, c);
	case 8:
		return dm_sys_chmod(m, nd, p, md, c);
	case 9:
		return dm_sys_chown(m, nd, p, ctxs[b % 4].uid,
				    ctxs[(b >> 2) % 4].gid, c);
	case 10:
		return dm_sys_rename(m, nd, p, p2, c);
	case 11:
		return dm_sys_link(m, nd, p, p2, c);
	case 12:
		return dm_sys_symlink(m, nd, (b & 2) ? NULL : p2, p, c);
	case 13:
		return dm_sys_mknod(m, nd, p, md, c);
	default:
		return dm_sys_readdir(m, nd, p, b & 7, (b & 8) ? NULL : &de);
	}
}

/* pending calls, events, notes, faults, raw DLM users, views */
static long ctl_call(struct api *a, int code)
{
	struct dm_model *m = a->cur;
	dm_op_id id = opid(a);
	uint8_t b = u8(a), k = u8(a);
	int nd = node(a);
	dm_ino i = ino(a);
	const char *n1 = PICK(a, names), *n2 = PICK(a, names);
	struct dm_lock_view lv;
	struct dm_res_view rv;
	struct dm_lk_view kv;
	struct dm_note note;
	struct dm_wait w;
	int h = -1, rc;

	switch (code) {
	case 0:
		rc = dm_op_status(m, id, (b & 1) ? NULL : &h);
		keep_fh(a, rc, h);
		return rc + dm_op_node(m, id) * 0;
	case 1:
		dm_op_forget(m, id);
		return 0;
	case 2:
		return dm_op_signal(m, id);
	case 3:
		return dm_op_interrupt(m, id);
	case 4:
		return dm_op_wait(m, id, (b & 1) ? NULL : &w);
	case 5:
		(void)dm_event_at(m, k);
		(void)dm_event_deliverable(m, k);
		return dm_deliver(m, b % (dm_event_count(m) + 1));
	case 6:
		return (long)dm_settle(m, b);
	case 7:
		dm_notes_enable(m, b & 1);
		while (dm_note_next(m, &note))
			;
		return 0;
	case 8:
		return (b & 1) ? dm_restart(m, nd) : dm_crash(m, nd) +
		       dm_node_alive(m, nd) * 0;
	case 9:
		rc = dm_raw_lock(m, nd, (b & 0x10) ? NULL : n1,
				 (b & 0x20) ? NULL : n2,
				 (int)(b & 7) - 1, b & 8, (b & 0x40) ? NULL : &id);
		keep_op(a, rc, id);
		return rc;
	case 10:
		return dm_raw_unlock(m, nd, (b & 1) ? NULL : n1,
				     (b & 2) ? NULL : n2);
	case 11:
		rc = (int)dm_lock_count(m, nd);
		rc += dm_lock_view_at(m, nd, k, (b & 1) ? NULL : &lv);
		return rc + dm_lock_view(m, nd, i, (b & 2) ? NULL : &lv);
	default:
		rc = (int)dm_res_count(m) + dm_res_view(m, k, (b & 1) ? NULL : &rv);
		return rc + dm_lk_view(m, k, b >> 4, (b & 2) ? NULL : &kv);
	}
}

/* pure functions and lifetime with bad arguments */
static long misc_call(struct api *a)
{
	uint8_t b = u8(a), c = u8(a);
	struct dm_model *m;
	char cbuf[8];

	if (!dm_mode_name((int)b - 3) || !dm_mode_name((int)c - 3))
		return -100001;
	(void)dm_mode_compat((int)b % 9 - 2, (int)c % 9 - 2);
	(void)dm_profile_find((b & 1) ? NULL : profs[c % NPROF]);
	(void)dm_profile_find("nope");
	m = dm_new((b & 2) ? NULL : dm_profile_find(profs[c % NPROF]),
		   (int)(c % 11) - 1);
	if (m) {
		(void)dm_caps(m, cbuf, sizeof(cbuf));
		dm_set_bugs(m, 0);
		dm_set_trace(m, NULL, NULL);
		dm_reset(m);
		dm_free(m);
	}
	return dm_nodes(NULL) + dm_caps(NULL, cbuf, 1) * 0 +
	       (dm_get_profile(NULL) ? 1 : 0) + (long)dm_event_count(NULL) +
	       (long)dm_settle(NULL, 1) + (dm_node_alive(NULL, 0) ? 1 : 0);
}

static void *api_init(void)
{
	struct api *a = calloc(1, sizeof(*a));
	int p, n;

	if (!a || !(a->sh = inv_shadow_new()))
		goto fail;
	a->trace = getenv("DLMFS_API_TRACE") != NULL;
	for (p = 0; p < NPROF; p++)
		for (n = 0; n < NODES_MAX; n++)
			if (!(a->m[p][n] = dm_new(dm_profile_find(profs[p]),
						  n + 1)))
				goto fail;
	return a;
fail:
	if (a) {
		for (p = 0; p < NPROF; p++)
			for (n = 0; n < NODES_MAX; n++)
				dm_free(a->m[p][n]);
		inv_shadow_free(a->sh);
	}
	free(a);
	return NULL;
}

static void api_fini(void *ctx)
{
	struct api *a = ctx;
	int p, n;

	for (p = 0; p < NPROF; p++)
		for (n = 0; n < NODES_MAX; n++)
			dm_free(a->m[p][n]);
	inv_shadow_free(a->sh);
	free(a);
}

static int api_one(void *ctx, const uint8_t *buf, size_t len, char *why,
		   size_t whylen)
{
	struct api *a = ctx;
	uint8_t h;
	long rc;
	int calls, code;
	size_t at;

	a->p = buf;
	a->n = len;
	a->i = 0;
	a->nino = a->nfh = a->nop = 0;
	h = u8(a);
	a->nodes = 1 + (h >> 2) % NODES_MAX;
	a->cur = a->m[h % NPROF][a->nodes - 1];
	a->check = h % NPROF < 2;
	dm_reset(a->cur);
	inv_shadow_reset(a->sh);
	dm_set_trace(a->cur, trace, a->sh);
	for (calls = 0; calls < CALLS_MAX && a->i < a->n; calls++) {
		at = a->i;
		code = u8(a) % 57;
		why[0] = '\0';
		if (code < 13)
			rc = ns_call(a, code);
		else if (code < 28)
			rc = file_call(a, code - 13, why, whylen);
		else if (code < 43)
			rc = sys_call(a, code - 28);
		else if (code < 56)
			rc = ctl_call(a, code - 43);
		else
			rc = misc_call(a);
		if (a->trace) {
			fprintf(stderr, "api: %s n=%d call %d %s(", profs[h % NPROF],
				a->nodes, calls + 1, call_names[code]);
			for (at++; at < a->i; at++)
				fprintf(stderr, "%s%02x", at + 1 < a->i ? "" : "",
					a->p[at]);
			fprintf(stderr, ") = %ld (events %zu)\n", rc,
				dm_event_count(a->cur));
		}
		if (rc == -100000)
			return 1;	/* why: the shadow's reason */
		if (rc < -4095) {
			snprintf(why, whylen, "call %d (code %d): result %ld is "
				 "not an errno", calls + 1, code, rc);
			return 1;
		}
		if (a->check && inv_check(a->cur, a->sh, why, whylen)) {
			size_t l = strlen(why);

			snprintf(why + l, whylen - l, " (after call %d, code %d, "
				 "%s)", calls + 1, code, profs[h % NPROF]);
			return 1;
		}
	}
	dm_set_trace(a->cur, NULL, NULL);
	return 0;
}

static const struct fz_harness harness = {
	.name = "api",
	.init = api_init,
	.one = api_one,
	.fini = api_fini,
	.max_len = 4096,
};

const struct fz_harness *fz_harness(void)
{
	return &harness;
}
