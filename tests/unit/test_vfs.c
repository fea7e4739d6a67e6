/* SPDX-License-Identifier: MIT */
/*
 * test_vfs.c - the dlmfs VFS layer (kernel dlmfs.c) of the model.
 *
 * Namespace N1-N6 with exact errno through the path layer (dm_sys_*) and
 * the inode layer (dm_lookup, dm_mkdir, ...); open-flag decoding O1/O2/O5;
 * read/write/pread/pwrite/lseek (V1, V2, A4) and the era quirks of spec
 * §11; poll P1/P2; stat A1, setattr A2, statfs A3, mmap/fsync A5; the
 * capabilities string C1; crash/restart, reset and bad arguments.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_helpers.h"

#define LK "/dom/lk"
#define IN_RDNORM (DM_POLLIN | DM_POLLRDNORM)

static const struct dm_ctx user_ctx = { 1000, 1000, 022, 0 };

static void setup_domain(struct dm_model *m)
{
	int n;

	for (n = 0; n < dm_nodes(m); n++)
		mh_mkdir(m, n, "dom");
}

static dm_ino resolve(struct dm_model *m, int node, const char *path)
{
	dm_ino ino = 0;
	int rc = dm_resolve(m, node, path, &ino);

	if (rc < 0)
		fail_msg("resolve %s on node %d: %s", path, node,
			 mh_errname(rc));
	assert_true(ino != 0);
	return ino;
}

/* path of '/' + @n copies of @c (+ optional prefix dir) into @buf */
static const char *long_name(char *buf, size_t len, const char *dir, char c,
			     size_t n)
{
	size_t off;

	assert_true(strlen(dir) + 2 + n < len);
	off = (size_t)snprintf(buf, len, "%s/", dir);
	memset(buf + off, c, n);
	buf[off + n] = '\0';
	return buf;
}

/* open as @ctx, settling through a pending open: fh or -errno */
static int open_ctx(struct dm_model *m, int node, const char *path, int flags,
		    uint32_t mode, const struct dm_ctx *ctx)
{
	dm_op_id op = 0;
	int fh = -1, rc;

	rc = dm_sys_open(m, node, path, flags, mode, ctx, &fh, &op);
	if (rc == DM_PENDING) {
		mh_settle(m);
		rc = mh_op(m, op, &fh);
		assert_true(rc != DM_PENDING);
	}
	return rc < 0 ? rc : fh;
}

/* entries of a directory other than "." and "..", as "a b c" (unsorted) */
static size_t list_dir(struct dm_model *m, int node, const char *path,
		       char names[][DM_NAME_MAX + 1], size_t max)
{
	struct dm_dirent ent;
	size_t idx, n = 0;
	int rc;

	for (idx = 0;; idx++) {
		memset(&ent, 0, sizeof(ent));
		rc = dm_sys_readdir(m, node, path, idx, &ent);
		assert_true(rc == 0 || rc == 1);
		if (rc == 0)
			break;
		assert_non_null(ent.name);
		if (idx == 0) {
			assert_string_equal(ent.name, ".");
			continue;
		}
		if (idx == 1) {
			assert_string_equal(ent.name, "..");
			continue;
		}
		assert_true(n < max);
		snprintf(names[n++], DM_NAME_MAX + 1, "%s", ent.name);
		assert_true(idx < 100);
	}
	return n;
}

static bool has_name(char names[][DM_NAME_MAX + 1], size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return true;
	return false;
}

/* ---- namespace ---- */

/* N1: the root supports lookup, mkdir, rmdir only */
static void test_n1_root_path_layer(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	char names[8][DM_NAME_MAX + 1];

	assert_rc(mh_open_now(m, 0, "/lk", O_RDWR | O_CREAT), -EACCES);
	assert_rc(mh_open_now(m, 0, "/lk", O_RDONLY | O_CREAT), -EACCES);
	assert_rc(mh_open_now(m, 0, "/lk", O_RDONLY), -ENOENT);
	assert_rc(dm_sys_mknod(m, 0, "/lk", S_IFREG | 0644, &mh_root),
		  -EACCES);
	assert_rc(dm_sys_mknod(m, 0, "/fifo", S_IFIFO | 0644, &mh_root),
		  -EPERM);
	assert_rc(dm_sys_symlink(m, 0, "target", "/sl", &mh_root), -EPERM);
	mh_mkdir(m, 0, "dom");
	assert_rc(dm_sys_link(m, 0, "/dom", "/dom2", &mh_root), -EPERM);
	assert_rc(dm_sys_rename(m, 0, "/dom", "/dom2", &mh_root), -EPERM);
	assert_int_equal(list_dir(m, 0, "/", names, 8), 1);
	assert_string_equal(names[0], "dom");
}

static void test_n1_root_inode_layer(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_stat st;
	dm_ino dom;

	assert_rc(dm_mknod(m, 0, DM_ROOT_INO, "lk", S_IFREG | 0644, &mh_root,
			   &st), -EACCES);
	assert_rc(dm_mknod(m, 0, DM_ROOT_INO, "fifo", S_IFIFO | 0644,
			   &mh_root, &st), -EPERM);
	assert_rc(dm_symlink(m, 0, DM_ROOT_INO, "sl", "target"), -EPERM);
	assert_rc(dm_mkdir(m, 0, DM_ROOT_INO, "dom", 0755, &mh_root, &st), 0);
	assert_true(S_ISDIR(st.mode));
	dom = st.ino;
	assert_true(dom != 0 && dom != DM_ROOT_INO);
	assert_rc(dm_lookup(m, 0, DM_ROOT_INO, "dom", &st), 0);
	assert_int_equal(st.ino, dom);
	assert_rc(dm_lookup(m, 0, DM_ROOT_INO, "nope", &st), -ENOENT);
	assert_rc(dm_rename(m, 0, DM_ROOT_INO, "dom", DM_ROOT_INO, "dom2"),
		  -EPERM);
	assert_rc(dm_link(m, 0, dom, DM_ROOT_INO, "dom2"), -EPERM);
	assert_rc(dm_lookup(m, 0, DM_ROOT_INO, "dom2", &st), -ENOENT);
}

/* N1 [derived, VFS]: O_TMPFILE needs a tmpfile op */
static void test_n1_tmpfile(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);

	mh_mkdir(m, 0, "dom");
	assert_rc(mh_open_now(m, 0, "/dom", O_TMPFILE | O_RDWR), -EOPNOTSUPP);
}

/* N2: domain names: len >= 64 -> EINVAL; '$' allowed; EEXIST; > 255 */
static void test_n2_domain_names(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	char buf[400];
	struct dm_stat st;

	assert_rc(dm_sys_mkdir(m, 0, long_name(buf, sizeof(buf), "", 'd', 63),
			       0755, &mh_root), 0);
	assert_rc(dm_sys_mkdir(m, 0, long_name(buf, sizeof(buf), "", 'e', 64),
			       0755, &mh_root), -EINVAL);
	assert_rc(dm_sys_mkdir(m, 0, long_name(buf, sizeof(buf), "", 'f', 200),
			       0755, &mh_root), -EINVAL);
	assert_rc(dm_sys_mkdir(m, 0, long_name(buf, sizeof(buf), "", 'g', 256),
			       0755, &mh_root), -ENAMETOOLONG);
	assert_rc(dm_sys_mkdir(m, 0, "/$dom", 0755, &mh_root), 0);	/* §14 */
	assert_rc(dm_sys_mkdir(m, 0, "/$dom", 0755, &mh_root), -EEXIST);

	memset(buf, 'h', 64);
	buf[64] = '\0';
	assert_rc(dm_mkdir(m, 0, DM_ROOT_INO, buf, 0755, &mh_root, &st),
		  -EINVAL);
	buf[63] = '\0';
	assert_rc(dm_mkdir(m, 0, DM_ROOT_INO, buf, 0755, &mh_root, &st), 0);
	assert_rc(dm_mkdir(m, 0, DM_ROOT_INO, buf, 0755, &mh_root, &st),
		  -EEXIST);
	assert_rc(dm_mkdir(m, 0, DM_ROOT_INO, "a b\tc", 0755, &mh_root, &st),
		  0);
	/* joining a domain creates no lock resource */
	assert_int_equal(dm_res_count(m), 0);
}

/* N3: a domain supports lookup, create, unlink only */
static void test_n3_domain_path_layer(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);

	mh_mkdir(m, 0, "dom");
	assert_rc(dm_sys_mknod(m, 0, LK, S_IFREG | 0644, &mh_root), 0);
	assert_rc(dm_sys_mkdir(m, 0, "/dom/sub", 0755, &mh_root), -EPERM);
	assert_rc(dm_sys_rmdir(m, 0, LK, &mh_root), -ENOTDIR);
	assert_rc(mh_unlink(m, 0, "/dom"), -EISDIR);
	assert_rc(dm_sys_rename(m, 0, LK, "/dom/lk2", &mh_root), -EPERM);
	assert_rc(dm_sys_link(m, 0, LK, "/dom/lk2", &mh_root), -EPERM);
	assert_rc(dm_sys_symlink(m, 0, "lk", "/dom/sl", &mh_root), -EPERM);
	assert_rc(dm_sys_mknod(m, 0, "/dom/fifo", S_IFIFO | 0644, &mh_root),
		  -EPERM);
	mh_mkdir(m, 0, "dom2");
	assert_rc(dm_sys_rename(m, 0, LK, "/dom2/lk", &mh_root), -EPERM);
	assert_rc(dm_sys_link(m, 0, LK, "/dom2/lk", &mh_root), -EPERM);
	resolve(m, 0, LK);
	assert_rc(dm_resolve(m, 0, "/dom/lk2", &(dm_ino){ 0 }), -ENOENT);
}

static void test_n3_domain_inode_layer(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_stat st;
	dm_ino dom, lk;
	dm_op_id op = 0;

	mh_mkdir(m, 0, "dom");
	dom = resolve(m, 0, "/dom");
	assert_rc(dm_mknod(m, 0, dom, "lk", S_IFREG | 0644, &mh_root, &st), 0);
	assert_true(S_ISREG(st.mode));
	lk = st.ino;
	assert_rc(dm_lookup(m, 0, dom, "lk", &st), 0);
	assert_int_equal(st.ino, lk);
	assert_rc(dm_mkdir(m, 0, dom, "sub", 0755, &mh_root, &st), -EPERM);
	assert_rc(dm_rmdir(m, 0, dom, "lk"), -ENOTDIR);
	assert_rc(dm_unlink(m, 0, DM_ROOT_INO, "dom", &op), -EISDIR);
	assert_rc(dm_rename(m, 0, dom, "lk", dom, "x"), -EPERM);
	assert_rc(dm_link(m, 0, lk, dom, "x"), -EPERM);
	assert_rc(dm_symlink(m, 0, dom, "sl", "lk"), -EPERM);
	assert_rc(dm_mknod(m, 0, dom, "fifo", S_IFIFO | 0644, &mh_root, &st),
		  -EPERM);
	assert_rc(dm_mknod(m, 0, dom, "$x", S_IFREG | 0644, &mh_root, &st),
		  -EINVAL);
	assert_rc(dm_unlink(m, 0, dom, "lk", &op), 0);	/* never granted */
	assert_rc(dm_lookup(m, 0, dom, "lk", &st), -ENOENT);
	assert_rc(dm_rmdir(m, 0, DM_ROOT_INO, "dom"), 0);
	assert_rc(dm_lookup(m, 0, DM_ROOT_INO, "dom", &st), -ENOENT);
}

/* N4: lock names: len >= 32 or leading '$' -> EINVAL; creation is local */
static void test_n4_lock_names(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	char buf[400];
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, long_name(buf, sizeof(buf), "/dom", 'a', 31),
		     O_RDONLY | O_CREAT);
	assert_true(fh >= 0);					/* §14 */
	assert_rc(mh_open_now(m, 0,
			      long_name(buf, sizeof(buf), "/dom", 'b', 32),
			      O_RDONLY | O_CREAT), -EINVAL);
	assert_rc(dm_sys_mknod(m, 0,
			       long_name(buf, sizeof(buf), "/dom", 'c', 32),
			       S_IFREG | 0644, &mh_root), -EINVAL);
	assert_rc(mh_open_now(m, 0,
			      long_name(buf, sizeof(buf), "/dom", 'd', 256),
			      O_RDONLY | O_CREAT), -ENAMETOOLONG);
	assert_rc(mh_open_now(m, 0, "/dom/$lk", O_RDONLY | O_CREAT), -EINVAL);
	assert_rc(dm_sys_mknod(m, 0, "/dom/$lk", S_IFREG | 0644, &mh_root),
		  -EINVAL);
	/* only byte 0 is checked */
	assert_rc(dm_sys_mknod(m, 0, "/dom/a$", S_IFREG | 0644, &mh_root), 0);

	/* creation alone makes no DLM call */
	mh_settle(m);
	mh_trace_clear(state);
	assert_int_equal(dm_res_count(m), 1);
	assert_rc(dm_sys_mknod(m, 0, "/dom/quiet", S_IFREG | 0644, &mh_root),
		  0);
	assert_int_equal(dm_event_count(m), 0);
	assert_int_equal(dm_res_count(m), 1);
	assert_int_equal(mh_trace_count(state, DM_T_REQUEST, -1), 0);
	resolve(m, 0, "/dom/quiet");
}

/* N5: the namespace is node-local */
static void test_n5_node_local(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	char names[8][DM_NAME_MAX + 1];
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	assert_rc(dm_resolve(m, 1, "/dom", &(dm_ino){ 0 }), -ENOENT);
	assert_int_equal(list_dir(m, 1, "/", names, 8), 0);
	mh_mkdir(m, 1, "dom");
	assert_rc(dm_resolve(m, 1, LK, &(dm_ino){ 0 }), -ENOENT);
	assert_rc(mh_open_now(m, 1, LK, O_RDONLY), -ENOENT);
	assert_int_equal(list_dir(m, 1, "/dom", names, 8), 0);
	assert_int_equal(list_dir(m, 0, "/dom", names, 8), 1);
	assert_string_equal(names[0], "lk");
	/* same name on node 1 = same DLM resource (dir + file name, N5) */
	fh = mh_open(m, 1, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	assert_int_equal(dm_res_count(m), 1);
}

/* N6: ENOENT / EEXIST */
static void test_n6_enoent_eexist(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	int fh;

	mh_mkdir(m, 0, "dom");
	assert_rc(mh_open_now(m, 0, "/dom/none", O_RDONLY), -ENOENT);
	assert_rc(mh_open_now(m, 0, "/dom/none", O_RDWR | O_NONBLOCK),
		  -ENOENT);
	assert_rc(mh_open_now(m, 0, "/nodom/lk", O_RDONLY | O_CREAT), -ENOENT);
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT | O_EXCL);
	assert_true(fh >= 0);
	assert_rc(mh_open_now(m, 0, LK, O_RDONLY | O_CREAT | O_EXCL), -EEXIST);
	assert_rc(dm_sys_mknod(m, 0, LK, S_IFREG | 0644, &mh_root), -EEXIST);
	/* O_CREAT without O_EXCL on an existing file just opens it */
	fh = mh_open_now(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
}

/* N6: modes/owners come from the creator; may_open enforces them locally */
static void test_n6_permissions(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_stat st;
	dm_op_id op = 0;
	dm_ino ino;
	int fh = -1, rc;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);	/* 0644 & ~022 */
	assert_true(fh >= 0);
	mh_close(m, fh);
	ino = resolve(m, 0, LK);

	fh = open_ctx(m, 0, LK, O_RDONLY, 0, &user_ctx);
	assert_true(fh >= 0);
	mh_close(m, fh);
	/* EX needs write permission: refused before any DLM work */
	rc = dm_sys_open(m, 0, LK, O_RDWR, 0, &user_ctx, &fh, &op);
	assert_rc(rc, -EACCES);
	rc = dm_sys_open(m, 0, LK, O_WRONLY | O_NONBLOCK, 0, &user_ctx, &fh,
			 &op);
	assert_rc(rc, -EACCES);
	assert_rc(dm_access(m, 0, ino, R_OK, &user_ctx), 0);
	assert_rc(dm_access(m, 0, ino, W_OK, &user_ctx), -EACCES);
	assert_rc(dm_access(m, 0, ino, W_OK, &mh_root), 0);

	/* PR needs read permission */
	fh = open_ctx(m, 0, "/dom/priv", O_RDONLY | O_CREAT, 0600, &mh_root);
	assert_true(fh >= 0);
	assert_rc(open_ctx(m, 0, "/dom/priv", O_RDONLY, 0, &user_ctx),
		  -EACCES);

	/* creating needs write permission on the directory [VFS] */
	assert_rc(open_ctx(m, 0, "/dom/mine", O_RDONLY | O_CREAT, 0666,
			   &user_ctx), -EACCES);
	assert_rc(dm_sys_mkdir(m, 0, "/udom", 0755, &user_ctx), -EACCES);

	/* the creator owns the file; umask applies */
	assert_rc(dm_sys_chmod(m, 0, "/dom", 0777, &mh_root), 0);
	fh = open_ctx(m, 0, "/dom/mine", O_RDWR | O_CREAT, 0666, &user_ctx);
	assert_true(fh >= 0);
	assert_rc(dm_sys_stat(m, 0, "/dom/mine", &st), 0);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.gid, 1000);
	assert_int_equal(st.mode, S_IFREG | 0644);
}

/* readdir: ".", "..", then this node's entries */
static void test_readdir(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	char names[8][DM_NAME_MAX + 1];
	struct dm_dirent ent;

	assert_int_equal(list_dir(m, 0, "/", names, 8), 0);
	mh_mkdir(m, 0, "a");
	mh_mkdir(m, 0, "b");
	assert_int_equal(list_dir(m, 0, "/", names, 8), 2);
	assert_true(has_name(names, 2, "a"));
	assert_true(has_name(names, 2, "b"));
	assert_rc(dm_sys_mknod(m, 0, "/a/x", S_IFREG | 0644, &mh_root), 0);
	assert_rc(dm_sys_mknod(m, 0, "/a/y", S_IFREG | 0644, &mh_root), 0);
	assert_int_equal(list_dir(m, 0, "/a", names, 8), 2);
	assert_true(has_name(names, 2, "x"));
	assert_true(has_name(names, 2, "y"));
	assert_int_equal(list_dir(m, 0, "/b", names, 8), 0);

	/* inode layer, entry types */
	assert_rc(dm_readdir(m, 0, DM_ROOT_INO, 2, &ent), 1);
	assert_true(S_ISDIR(ent.mode));
	assert_rc(dm_readdir(m, 0, resolve(m, 0, "/a"), 2, &ent), 1);
	assert_true(S_ISREG(ent.mode));
	assert_rc(dm_readdir(m, 0, DM_ROOT_INO, 4, &ent), 0);
	assert_rc(dm_readdir(m, 0, DM_ROOT_INO, 1000, &ent), 0);
	assert_rc(dm_sys_readdir(m, 0, "/a/x", 0, &ent), -ENOTDIR);
	assert_rc(dm_sys_readdir(m, 0, "/zz", 0, &ent), -ENOENT);
}

/* T3: rmdir */
static void test_t3_rmdir(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
	assert_rc(dm_sys_rmdir(m, 0, "/dom", &mh_root), -ENOTEMPTY);
	assert_rc(dm_rmdir(m, 0, DM_ROOT_INO, "dom"), -ENOTEMPTY);
	mh_close(m, fh);
	mh_settle(m);
	assert_rc(mh_unlink(m, 0, LK), 0);
	assert_rc(dm_sys_rmdir(m, 0, "/dom", &mh_root), 0);	/* §14 */
	assert_rc(dm_resolve(m, 0, "/dom", &(dm_ino){ 0 }), -ENOENT);
	assert_rc(dm_sys_rmdir(m, 0, "/dom", &mh_root), -ENOENT);
	assert_rc(dm_sys_rmdir(m, 0, "/", &mh_root), -EBUSY);
	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
}

/* ---- open flags ---- */

/* O1: O_RDONLY -> PR; any of O_WRONLY/O_RDWR (also accmode 3) -> EX */
static void test_o1_levels_and_ebadf(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	unsigned char buf[DM_LVB_LEN];
	struct dm_lock_view v;
	int pr, wo, rw, a3;

	mh_mkdir(m, 0, "dom");
	pr = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(pr >= 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_PR);
	assert_int_equal(v.ro_holders, 1);
	assert_int_equal(v.ex_holders, 0);

	wo = mh_open(m, 0, LK, O_WRONLY);
	assert_true(wo >= 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_EX);
	assert_int_equal(v.ex_holders, 1);

	rw = mh_open_now(m, 0, LK, O_RDWR);
	assert_true(rw >= 0);
	a3 = mh_open_now(m, 0, LK, O_ACCMODE);
	assert_true(a3 >= 0);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.ro_holders, 1);
	assert_int_equal(v.ex_holders, 3);

	/* V2/§14: write on O_RDONLY and read on O_WRONLY -> EBADF */
	assert_rc(dm_write(m, pr, "x", 1), -EBADF);
	assert_rc(dm_pwrite(m, pr, "x", 1, 0), -EBADF);
	assert_rc(dm_read(m, wo, buf, sizeof(buf)), -EBADF);
	assert_rc(dm_pread(m, wo, buf, sizeof(buf), 0), -EBADF);
	assert_rc(dm_write(m, wo, "w", 1), 1);
	assert_rc(dm_pread(m, rw, buf, 1, 0), 1);
	assert_int_equal(buf[0], 'w');
	assert_rc(dm_pread(m, pr, buf, 1, 0), 1);	/* V3: local at once */
	assert_int_equal(buf[0], 'w');

	assert_int_equal(dm_fh_node(m, pr), 0);
	assert_int_equal(dm_fh_ino(m, pr), resolve(m, 0, LK));
}

/* O5: O_APPEND dropped from F_GETFL and never honoured */
static void test_o5_append_dropped(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	int fh, fl;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_APPEND | O_CREAT | O_NONBLOCK);
	assert_true(fh >= 0);
	fl = dm_getfl(m, fh);
	assert_true(fl >= 0);
	assert_int_equal(fl & O_ACCMODE, O_RDWR);
	assert_false(fl & O_APPEND);
	assert_true(fl & O_NONBLOCK);
	assert_false(fl & O_CREAT);	/* VFS clears open-time-only flags */
	assert_rc(dm_write(m, fh, "abc", 3), 3);	/* not at 64: no ENOSPC */
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 3);
	mh_expect_lvb(m, fh, "abc", 3);

	fh = mh_open_now(m, 0, LK, O_RDONLY);
	fl = dm_getfl(m, fh);
	assert_int_equal(fl & O_ACCMODE, O_RDONLY);
	assert_false(fl & O_NONBLOCK);
}

/* O5 + A2 (§14): O_TRUNC takes the lock, the truncate is dropped */
static void test_o5_trunc_keeps_lvb(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_stat st;
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fh, "keep", 4), 4);
	mh_close(m, fh);
	fh = mh_open(m, 0, LK, O_RDWR | O_TRUNC);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, "keep", 4);
	assert_rc(dm_fstat(m, fh, &st), 0);
	assert_int_equal(st.size, DM_LVB_LEN);
}

/* O5 [derived] + §14: O_DIRECT -> EINVAL after the lock; file created */
static void test_o5_direct_einval_after_lock(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_lock_view v;

	mh_mkdir(m, 0, "dom");
	assert_rc(mh_open(m, 0, LK, O_RDWR | O_DIRECT | O_CREAT), -EINVAL);
	resolve(m, 0, LK);
	mh_lock(m, 0, LK, &v);
	assert_int_equal(v.level, DM_EX);	/* the lock was acquired */
	assert_int_equal(v.ro_holders + v.ex_holders, 0);	/* and dropped */
}

/* ---- LVB read/write ---- */

static void fill_pattern(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)("0123456789abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ+-")[i % 64];
}

/* V1 + V5 (§14): 64-byte snapshot, offset honoured, short at the end */
static void test_v1_read(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	unsigned char zero[DM_LVB_LEN] = { 0 }, pat[DM_LVB_LEN];
	unsigned char buf[128];
	int pr, ex;

	mh_mkdir(m, 0, "dom");
	pr = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_rc(dm_read(m, pr, buf, sizeof(buf)), 64);
	assert_memory_equal(buf, zero, DM_LVB_LEN);
	assert_rc(dm_read(m, pr, buf, sizeof(buf)), 0);
	assert_rc(dm_lseek(m, pr, 0, SEEK_CUR), 64);
	assert_rc(dm_pread(m, pr, buf, 0, 0), 0);
	mh_close(m, pr);

	ex = mh_open(m, 0, LK, O_RDWR);
	fill_pattern(pat, sizeof(pat));
	assert_rc(dm_write(m, ex, pat, sizeof(pat)), 64);
	assert_rc(dm_pread(m, ex, buf, 4, 60), 4);	/* §14 */
	assert_memory_equal(buf, pat + 60, 4);
	assert_rc(dm_pread(m, ex, buf, 10, 60), 4);
	assert_memory_equal(buf, pat + 60, 4);
	assert_rc(dm_pread(m, ex, buf, 8, 10), 8);
	assert_memory_equal(buf, pat + 10, 8);
	assert_rc(dm_pread(m, ex, buf, 10, 64), 0);
	assert_rc(dm_pread(m, ex, buf, 10, 100), 0);
	assert_rc(dm_pread(m, ex, buf, 10, -1), -EINVAL);
	assert_rc(dm_lseek(m, ex, 0, SEEK_SET), 0);
	assert_rc(dm_read(m, ex, buf, 64), 64);		/* §14: 64 then 0 */
	assert_memory_equal(buf, pat, 64);
	assert_rc(dm_read(m, ex, buf, 64), 0);
	assert_rc(dm_lseek(m, ex, 30, SEEK_SET), 30);
	assert_rc(dm_read(m, ex, buf, 5), 5);
	assert_memory_equal(buf, pat + 30, 5);
	assert_rc(dm_lseek(m, ex, 0, SEEK_CUR), 35);
}

/* V2 (§14): clamp to 64 - pos, always stored at LVB byte 0 */
static void test_v2_write(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	unsigned char big[70], buf[DM_LVB_LEN], want[DM_LVB_LEN];
	int ex, pr;

	mh_mkdir(m, 0, "dom");
	ex = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	pr = mh_open_now(m, 0, LK, O_RDONLY);
	memset(big, 'A', sizeof(big));
	assert_rc(dm_write(m, ex, big, sizeof(big)), 64);
	assert_rc(dm_lseek(m, ex, 0, SEEK_CUR), 64);
	assert_rc(dm_write(m, ex, "x", 1), -ENOSPC);

	assert_rc(dm_lseek(m, ex, 0, SEEK_SET), 0);
	assert_rc(dm_write(m, ex, "abc", 3), 3);
	assert_rc(dm_write(m, ex, "de", 2), 2);
	assert_rc(dm_lseek(m, ex, 0, SEEK_CUR), 5);
	memset(want, 'A', sizeof(want));
	memcpy(want, "dec", 3);		/* unwritten bytes keep their value */
	mh_expect_lvb(m, pr, want, sizeof(want));

	assert_rc(dm_pwrite(m, ex, "zz", 2, 10), 2);	/* lands at 0 */
	assert_rc(dm_lseek(m, ex, 0, SEEK_CUR), 5);	/* pwrite: no move */
	memcpy(want, "zzc", 3);
	mh_expect_lvb(m, ex, want, sizeof(want));

	assert_rc(dm_write(m, ex, "", 0), 0);		/* 0 bytes at 5 */
	assert_rc(dm_lseek(m, ex, 60, SEEK_SET), 60);
	assert_rc(dm_write(m, ex, "123456", 6), 4);	/* clamped, at 0 */
	assert_rc(dm_lseek(m, ex, 0, SEEK_CUR), 64);
	memcpy(want, "1234", 4);
	mh_expect_lvb(m, ex, want, sizeof(want));
	assert_rc(dm_lseek(m, ex, 100, SEEK_SET), 100);
	assert_rc(dm_write(m, ex, "", 0), -ENOSPC);	/* §14 */
	assert_rc(dm_write(m, ex, "x", 1), -ENOSPC);
	assert_rc(dm_pwrite(m, ex, "x", 1, 64), -ENOSPC);
	assert_rc(dm_pwrite(m, ex, "x", 1, -1), -EINVAL);
	assert_rc(dm_pread(m, pr, buf, sizeof(buf), 0), 64);
	assert_memory_equal(buf, want, sizeof(want));
}

/* A4: default_llseek relative to 64 */
static void test_a4_lseek(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	unsigned char buf[8];
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_rc(dm_lseek(m, fh, 0, SEEK_END), 64);	/* §14 */
	assert_rc(dm_lseek(m, fh, -4, SEEK_END), 60);
	assert_rc(dm_lseek(m, fh, 10, SEEK_CUR), 70);
	assert_rc(dm_read(m, fh, buf, sizeof(buf)), 0);
	assert_rc(dm_lseek(m, fh, -1, SEEK_SET), -EINVAL);
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 70);	/* unchanged */
	assert_rc(dm_lseek(m, fh, -100, SEEK_CUR), -EINVAL);
	assert_rc(dm_lseek(m, fh, 0, 42), -EINVAL);
	assert_rc(dm_lseek(m, fh, 100, SEEK_SET), 100);
	assert_rc(dm_read(m, fh, buf, sizeof(buf)), 0);	/* §14 */
}

/* §11 3.0-5.8: read length min(count, 64 - pos), copied from LVB byte 0 */
static void test_quirk_linux54_read_from0(void **state)
{
	struct dm_model *m = mh_model(state, "linux-5.4", 1);
	unsigned char pat[DM_LVB_LEN], buf[DM_LVB_LEN];
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	fill_pattern(pat, sizeof(pat));
	assert_rc(dm_write(m, fh, pat, sizeof(pat)), 64);
	assert_rc(dm_pread(m, fh, buf, 4, 60), 4);
	assert_memory_equal(buf, pat, 4);		/* not pat + 60 */
	assert_rc(dm_pread(m, fh, buf, 10, 0), 10);
	assert_memory_equal(buf, pat, 10);
	assert_rc(dm_pread(m, fh, buf, 4, 64), 0);
	assert_rc(dm_lseek(m, fh, 62, SEEK_SET), 62);
	assert_rc(dm_read(m, fh, buf, 10), 2);
	assert_memory_equal(buf, pat, 2);
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 64);
	assert_rc(dm_read(m, fh, buf, 10), 0);
	assert_rc(dm_lseek(m, fh, 20, SEEK_SET), 20);
	assert_rc(dm_read(m, fh, buf, 5), 5);
	assert_memory_equal(buf, pat, 5);
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 25);
}

/* §11 < 5.7: write length count - pos (0 when equal, ENOMEM below), at 0 */
static void test_quirk_linux3x_write_minus_pos(void **state)
{
	struct dm_model *m = mh_model(state, "linux-3.x", 1);
	unsigned char big[60], want[DM_LVB_LEN];
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	memset(want, 0, sizeof(want));
	assert_rc(dm_write(m, fh, "abcdef", 6), 6);	/* pos 0: normal */
	memcpy(want, "abcdef", 6);
	mh_expect_lvb(m, fh, want, sizeof(want));

	assert_rc(dm_lseek(m, fh, 2, SEEK_SET), 2);
	assert_rc(dm_write(m, fh, "xy", 2), 0);		/* count == pos */
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 2);
	assert_rc(dm_lseek(m, fh, 5, SEEK_SET), 5);
	assert_rc(dm_write(m, fh, "xy", 2), -ENOMEM);	/* count < pos */
	assert_rc(dm_lseek(m, fh, 3, SEEK_SET), 3);
	assert_rc(dm_write(m, fh, "12345", 5), 2);	/* count - pos */
	assert_rc(dm_lseek(m, fh, 0, SEEK_CUR), 5);
	memcpy(want, "12", 2);
	mh_expect_lvb(m, fh, want, sizeof(want));

	/* count + pos > 64: clamped to 64 - pos, still at 0 */
	memset(big, 'Q', sizeof(big));
	assert_rc(dm_lseek(m, fh, 10, SEEK_SET), 10);
	assert_rc(dm_write(m, fh, big, sizeof(big)), 54);
	memset(want, 'Q', 54);
	mh_expect_lvb(m, fh, want, sizeof(want));
	assert_rc(dm_lseek(m, fh, 64, SEEK_SET), 64);
	assert_rc(dm_write(m, fh, "x", 1), -ENOSPC);
	assert_rc(dm_pwrite(m, fh, "zz", 2, 1), 1);	/* 2 - 1 bytes */
	want[0] = 'z';
	mh_expect_lvb(m, fh, want, sizeof(want));
}

/* ---- poll ---- */

/* P1/P2 (§14): per lock, every fd; level-triggered; clears on downconvert */
static void test_p1_poll_blocked_every_fd(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	dm_op_id op;
	int fa, fb;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	fb = mh_open_now(m, 0, LK, O_RDONLY);
	assert_int_equal(dm_poll(m, fa), 0);
	assert_int_equal(dm_poll(m, fb), 0);

	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	assert_int_equal(dm_poll(m, fa), IN_RDNORM);
	assert_int_equal(dm_poll(m, fb), IN_RDNORM);
	assert_int_equal(dm_poll(m, fa), IN_RDNORM);	/* level-triggered */

	mh_close(m, fa);	/* the EX fd: node 0 drops to PR */
	mh_settle(m);
	assert_true(mh_op_fh(m, op) >= 0);
	assert_int_equal(dm_poll(m, fb), 0);
}

/* P2: transient POLLIN on a PR fd while EX is cached and a PR BAST lands */
static void test_p2_poll_transient(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	bool seen_in = false, cleared = false;
	struct dm_event ev;
	dm_op_id op;
	int fa, fb;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	mh_close(m, fa);
	fb = mh_open_now(m, 0, LK, O_RDONLY);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	while (mh_step(m, &ev)) {
		int mask = dm_poll(m, fb);

		if (ev.node != 0)
			continue;
		if (ev.kind == DM_EV_BAST) {
			assert_int_equal(mask, IN_RDNORM);
			seen_in = true;
		}
		if (ev.kind == DM_EV_AST && seen_in) {
			assert_int_equal(mask, 0);
			cleared = true;
		}
	}
	assert_true(seen_in && cleared);
	assert_int_equal(dm_poll(m, fb), 0);
	assert_true(mh_op_fh(m, op) >= 0);
	assert_int_equal(mh_level(m, 0, LK), DM_PR);
}

/* P2: poll sleepers and pending calls are announced through notes */
static void test_p2_notes(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	bool poll0 = false, done = false;
	struct dm_note n;
	dm_ino ino0;
	dm_op_id op;
	int fa;

	setup_domain(m);
	fa = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	ino0 = resolve(m, 0, LK);
	assert_false(dm_note_next(m, &n));	/* disabled by default */

	dm_notes_enable(m, true);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	mh_settle(m);
	while (dm_note_next(m, &n)) {
		if (n.kind == DM_NOTE_POLL && n.node == 0 && n.ino == ino0)
			poll0 = true;
		if (n.kind == DM_NOTE_OP_DONE && n.op == op)
			done = true;
	}
	assert_true(poll0);		/* the BAST made POLLIN appear */
	assert_false(done);

	poll0 = false;
	mh_close(m, fa);
	mh_settle(m);
	while (dm_note_next(m, &n)) {
		if (n.kind == DM_NOTE_POLL && n.node == 0 && n.ino == ino0)
			poll0 = true;
		if (n.kind == DM_NOTE_OP_DONE && n.op == op) {
			assert_int_equal(n.node, 1);
			done = true;
		}
	}
	assert_true(poll0);		/* ...and disappear */
	assert_true(done);
	assert_true(mh_op_fh(m, op) >= 0);

	dm_notes_enable(m, false);
	op = mh_open_bg(m, 0, LK, O_RDWR);	/* BASTs node 1: no notes now */
	mh_settle(m);
	assert_false(dm_note_next(m, &n));
	dm_op_forget(m, op);
}

/* ---- attributes ---- */

/* A1 (§14): lock file stat */
static void test_a1_stat_file(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	struct dm_ctx c = mh_root;
	struct dm_stat st, st2;
	dm_op_id op = 0;
	int fh = -1, f1;

	setup_domain(m);
	c.now = 1000;
	assert_rc(dm_sys_open(m, 0, LK, O_RDWR | O_CREAT, 0644, &c, &fh, &op),
		  DM_PENDING);
	mh_settle(m);
	assert_rc(mh_op(m, op, &fh), 0);
	assert_rc(dm_sys_stat(m, 0, LK, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0644);
	assert_int_equal(st.size, DM_LVB_LEN);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.blksize, DM_PAGE_SIZE);
	assert_int_equal(st.uid, 0);
	assert_int_equal(st.gid, 0);
	assert_int_equal(st.atime, 1000);
	assert_int_equal(st.mtime, 1000);
	assert_int_equal(st.ctime, 1000);
	assert_rc(dm_fstat(m, fh, &st2), 0);
	assert_int_equal(st2.ino, st.ino);
	assert_int_equal(st2.size, DM_LVB_LEN);
	assert_rc(dm_getattr(m, 0, st.ino, &st2), 0);
	assert_int_equal(st2.mode, st.mode);

	/* timestamps never change by read/write/locking */
	assert_rc(dm_write(m, fh, "t", 1), 1);
	assert_rc(dm_pread(m, fh, &st2, 1, 0), 1);
	mh_close(m, fh);
	f1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);	/* node 0 -> NL */
	assert_true(f1 >= 0);
	assert_rc(dm_sys_stat(m, 0, LK, &st2), 0);
	assert_int_equal(st2.atime, 1000);
	assert_int_equal(st2.mtime, 1000);
	assert_int_equal(st2.ctime, 1000);
	assert_int_equal(st2.size, DM_LVB_LEN);

	/* umask applies at creation */
	c.umask = 077;
	assert_rc(dm_sys_mknod(m, 0, "/dom/u", S_IFREG | 0666, &c), 0);
	assert_rc(dm_sys_stat(m, 0, "/dom/u", &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	assert_rc(dm_sys_stat(m, 0, "/dom/none", &st), -ENOENT);
}

/* A1 (§14): domain dirs 040755 nlink 2; root nlink 2 + domains */
static void test_a1_stat_dirs(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_ctx c = mh_root;
	struct dm_stat st;

	assert_rc(dm_sys_stat(m, 0, "/", &st), 0);
	assert_int_equal(st.ino, DM_ROOT_INO);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.nlink, 2);
	assert_rc(dm_getattr(m, 0, DM_ROOT_INO, &st), 0);
	assert_int_equal(st.nlink, 2);

	c.now = 500;
	assert_rc(dm_sys_mkdir(m, 0, "/a", 0755, &c), 0);
	assert_rc(dm_sys_mkdir(m, 0, "/b", 0700, &c), 0);
	assert_rc(dm_sys_stat(m, 0, "/", &st), 0);
	assert_int_equal(st.nlink, 4);
	assert_rc(dm_sys_stat(m, 0, "/a", &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(st.mtime, 500);
	assert_int_equal(st.ctime, 500);
	assert_rc(dm_sys_stat(m, 0, "/b", &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);

	assert_rc(dm_sys_mknod(m, 0, "/a/lk", S_IFREG | 0644, &c), 0);
	assert_rc(dm_sys_stat(m, 0, "/a", &st), 0);
	assert_int_equal(st.nlink, 2);		/* files add no links */
	assert_rc(dm_sys_rmdir(m, 0, "/b", &mh_root), 0);
	assert_rc(dm_sys_stat(m, 0, "/", &st), 0);
	assert_int_equal(st.nlink, 3);
}

/* A2 (§14): truncate succeeds, size stays 64; chmod/chown/utimes work */
static void test_a2_setattr(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_setattr sa;
	struct dm_stat st;
	dm_ino ino;
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fh, "keep", 4), 4);
	ino = resolve(m, 0, LK);

	assert_rc(dm_sys_truncate(m, 0, LK, 0, &mh_root), 0);
	assert_rc(dm_sys_stat(m, 0, LK, &st), 0);
	assert_int_equal(st.size, DM_LVB_LEN);
	assert_rc(dm_ftruncate(m, fh, 0, &mh_root), 0);
	assert_rc(dm_ftruncate(m, fh, 1000, &mh_root), 0);
	assert_rc(dm_fstat(m, fh, &st), 0);
	assert_int_equal(st.size, DM_LVB_LEN);
	mh_expect_lvb(m, fh, "keep", 4);
	assert_rc(dm_write(m, fh, "w", 1), 1);	/* writes still work */

	assert_rc(dm_sys_chmod(m, 0, LK, 0600, &mh_root), 0);
	assert_rc(dm_sys_chown(m, 0, LK, 42, 43, &mh_root), 0);
	assert_rc(dm_sys_stat(m, 0, LK, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	assert_int_equal(st.uid, 42);
	assert_int_equal(st.gid, 43);

	memset(&sa, 0, sizeof(sa));
	sa.valid = DM_SET_SIZE | DM_SET_MODE | DM_SET_ATIME | DM_SET_MTIME;
	sa.size = 0;
	sa.mode = 0640;
	sa.atime = 77;
	sa.mtime = 88;
	assert_rc(dm_setattr(m, 0, ino, &sa, &mh_root, &st), 0);
	assert_int_equal(st.size, DM_LVB_LEN);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st.atime, 77);
	assert_int_equal(st.mtime, 88);
	assert_rc(dm_getattr(m, 0, ino, &st), 0);
	assert_int_equal(st.size, DM_LVB_LEN);
	assert_int_equal(st.mtime, 88);

	/* chmod by a non-owner is refused [VFS] */
	assert_rc(dm_sys_chmod(m, 0, LK, 0666, &user_ctx), -EPERM);
}

/* A3: statfs */
static void test_a3_statfs(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	struct dm_statfs sf;
	const char *paths[] = { "/", "/dom", LK };
	size_t i;

	mh_mkdir(m, 0, "dom");
	assert_rc(dm_sys_mknod(m, 0, LK, S_IFREG | 0644, &mh_root), 0);
	for (i = 0; i < 4; i++) {
		memset(&sf, 0xff, sizeof(sf));
		if (i < 3)
			assert_rc(dm_sys_statfs(m, 0, paths[i], &sf), 0);
		else
			assert_rc(dm_statfs(m, 0, &sf), 0);
		assert_int_equal(sf.type, DM_MAGIC);
		assert_int_equal(sf.type, 0x76a9f425u);
		assert_int_equal(sf.bsize, DM_PAGE_SIZE);
		assert_int_equal(sf.namelen, 255);
		assert_int_equal(sf.blocks, 0);
		assert_int_equal(sf.bfree, 0);
		assert_int_equal(sf.files, 0);
		assert_int_equal(sf.ffree, 0);
	}
	assert_rc(dm_sys_statfs(m, 0, "/none", &sf), -ENOENT);
}

/* A5 (§14): mmap ENODEV, fsync EINVAL */
static void test_a5_mmap_fsync(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	int fh;

	mh_mkdir(m, 0, "dom");
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_mmap(m, fh, true), -ENODEV);
	assert_rc(dm_mmap(m, fh, false), -ENODEV);
	assert_rc(dm_fsync(m, fh), -EINVAL);
}

/* C1 (§14): exactly "bast stackglue", no newline */
static void test_c1_caps(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 1);
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	assert_rc(dm_caps(m, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "bast stackglue");
	assert_string_equal(buf, DM_CAPABILITIES);

	/* a short buffer is refused, never overrun */
	memset(buf, 'X', sizeof(buf));
	assert_true(dm_caps(m, buf, 5) < 0);
	assert_int_equal(buf[5], 'X');
	assert_true(dm_caps(m, NULL, 0) < 0);
}

/* ---- faults, reset ---- */

static void test_crash_restart(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	char names[8][DM_NAME_MAX + 1];
	struct dm_stat st;
	struct dm_statfs sf;
	unsigned char buf[8];
	dm_op_id op = 0;
	int fh0, fh1, fh = -1;

	setup_domain(m);
	fh0 = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh0 >= 0);
	assert_rc(dm_crash(m, 0), 0);
	assert_false(dm_node_alive(m, 0));
	assert_true(dm_node_alive(m, 1));

	/* the dead node's calls fail with EIO */
	assert_rc(dm_sys_mkdir(m, 0, "/x", 0755, &mh_root), -EIO);
	assert_rc(dm_sys_open(m, 0, LK, O_RDONLY, 0, &mh_root, &fh, &op),
		  -EIO);
	assert_rc(dm_sys_stat(m, 0, LK, &st), -EIO);
	assert_rc(dm_lookup(m, 0, DM_ROOT_INO, "dom", &st), -EIO);
	assert_rc(dm_statfs(m, 0, &sf), -EIO);
	assert_rc(dm_sys_unlink(m, 0, LK, &mh_root, &op), -EIO);
	/* its processes died with it: old fds are gone */
	assert_true(dm_read(m, fh0, buf, sizeof(buf)) < 0);
	assert_true(dm_write(m, fh0, "x", 1) < 0);

	/* node 1 is unaffected and can take EX at once after recovery */
	fh1 = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	assert_true(fh1 >= 0);
	mh_close(m, fh1);

	assert_rc(dm_restart(m, 0), 0);
	assert_true(dm_node_alive(m, 0));
	assert_int_equal(list_dir(m, 0, "/", names, 8), 0);	/* empty */
	assert_rc(dm_resolve(m, 0, "/dom", &(dm_ino){ 0 }), -ENOENT);
	assert_rc(dm_sys_stat(m, 0, "/", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(dm_lock_count(m, 0), 0);
	mh_mkdir(m, 0, "dom");
	fh0 = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_true(fh0 >= 0);
	assert_int_equal(mh_level(m, 1, LK), DM_NL);
}

static void test_reset(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 3);
	char names[8][DM_NAME_MAX + 1];
	const struct dm_profile *p = dm_get_profile(m);
	dm_op_id op;
	int n, fh;

	setup_domain(m);
	fh = mh_open(m, 0, LK, O_RDWR | O_CREAT);
	assert_rc(dm_write(m, fh, "junk", 4), 4);
	op = mh_open_bg(m, 1, LK, O_RDONLY | O_CREAT);
	(void)op;
	assert_rc(dm_crash(m, 2), 0);

	dm_reset(m);
	assert_int_equal(dm_nodes(m), 3);
	assert_ptr_equal(dm_get_profile(m), p);
	assert_int_equal(dm_event_count(m), 0);
	assert_int_equal(dm_res_count(m), 0);
	for (n = 0; n < 3; n++) {
		assert_true(dm_node_alive(m, n));
		assert_int_equal(dm_lock_count(m, n), 0);
		assert_int_equal(list_dir(m, n, "/", names, 8), 0);
	}
	setup_domain(m);
	fh = mh_open(m, 1, LK, O_RDWR | O_CREAT);
	assert_true(fh >= 0);
	mh_expect_lvb(m, fh, (unsigned char[DM_LVB_LEN]){ 0 }, DM_LVB_LEN);
}

/* bad arguments: a clear negative errno, never a crash */
static void test_bad_args(void **state)
{
	struct dm_model *m = mh_model(state, "linux-6", 2);
	static char huge[6000];
	unsigned char buf[8];
	struct dm_stat st;
	struct dm_statfs sf;
	struct dm_dirent ent;
	dm_op_id op = 0;
	dm_ino ino;
	int fh = -1, bad_nodes[] = { -1, 2, 99 };
	size_t i;

	mh_mkdir(m, 0, "dom");
	for (i = 0; i < sizeof(bad_nodes) / sizeof(bad_nodes[0]); i++) {
		int n = bad_nodes[i];

		assert_true(dm_sys_mkdir(m, n, "/d", 0755, &mh_root) < 0);
		assert_true(dm_sys_open(m, n, LK, O_RDONLY | O_CREAT, 0644,
					&mh_root, &fh, &op) < 0);
		assert_true(dm_lookup(m, n, DM_ROOT_INO, "dom", &st) < 0);
		assert_true(dm_mkdir(m, n, DM_ROOT_INO, "d", 0755, &mh_root,
				     &st) < 0);
		assert_true(dm_statfs(m, n, &sf) < 0);
		assert_true(dm_sys_stat(m, n, "/", &st) < 0);
		assert_true(dm_readdir(m, n, DM_ROOT_INO, 0, &ent) < 0);
		assert_true(dm_resolve(m, n, "/", &ino) < 0);
		assert_true(dm_crash(m, n) < 0);
		assert_true(dm_restart(m, n) < 0);
		assert_false(dm_node_alive(m, n));
		assert_int_equal(dm_lock_count(m, n), 0);
		assert_true(dm_raw_lock(m, n, "dom", "r", DM_PR, false, &op) <
			    0);
	}

	/* bad file handles */
	assert_rc(dm_read(m, 9999, buf, sizeof(buf)), -EBADF);
	assert_rc(dm_write(m, 9999, "x", 1), -EBADF);
	assert_rc(dm_pread(m, -1, buf, sizeof(buf), 0), -EBADF);
	assert_rc(dm_pwrite(m, -1, "x", 1, 0), -EBADF);
	assert_rc(dm_lseek(m, 9999, 0, SEEK_SET), -EBADF);
	assert_rc(dm_poll(m, 9999), -EBADF);
	assert_rc(dm_getfl(m, 9999), -EBADF);
	assert_rc(dm_fstat(m, 9999, &st), -EBADF);
	assert_rc(dm_ftruncate(m, 9999, 0, &mh_root), -EBADF);
	assert_rc(dm_fsync(m, 9999), -EBADF);
	assert_rc(dm_mmap(m, 9999, true), -EBADF);
	assert_rc(dm_release(m, 9999), -EBADF);
	assert_true(dm_fh_node(m, 9999) < 0);
	fh = mh_open(m, 0, LK, O_RDONLY | O_CREAT);
	assert_true(fh >= 0);
	mh_close(m, fh);
	assert_rc(dm_release(m, fh), -EBADF);		/* double close */
	assert_rc(dm_read(m, fh, buf, sizeof(buf)), -EBADF);

	/* NULL names and paths */
	assert_true(dm_sys_mkdir(m, 0, NULL, 0755, &mh_root) < 0);
	assert_true(dm_sys_open(m, 0, NULL, O_RDONLY, 0, &mh_root, &fh, &op) <
		    0);
	assert_true(dm_sys_unlink(m, 0, NULL, &mh_root, &op) < 0);
	assert_true(dm_sys_stat(m, 0, NULL, &st) < 0);
	assert_true(dm_resolve(m, 0, NULL, &ino) < 0);
	assert_true(dm_lookup(m, 0, DM_ROOT_INO, NULL, &st) < 0);
	assert_true(dm_mkdir(m, 0, DM_ROOT_INO, NULL, 0755, &mh_root, &st) <
		    0);
	assert_true(dm_mknod(m, 0, resolve(m, 0, "/dom"), NULL, S_IFREG | 0644,
			     &mh_root, &st) < 0);
	assert_true(dm_raw_lock(m, 0, NULL, "r", DM_PR, false, &op) < 0);
	assert_true(dm_raw_lock(m, 0, "dom", NULL, DM_PR, false, &op) < 0);
	assert_true(dm_raw_lock(m, 0, "dom", "r", 42, false, &op) < 0);

	/* too long: a component > 255 and a path >= PATH_MAX */
	memset(huge, 'a', sizeof(huge) - 1);
	huge[0] = '/';
	assert_rc(dm_sys_mkdir(m, 0, huge, 0755, &mh_root), -ENAMETOOLONG);
	assert_rc(dm_sys_open(m, 0, huge, O_RDONLY | O_CREAT, 0644, &mh_root,
			      &fh, &op), -ENAMETOOLONG);
	assert_rc(dm_resolve(m, 0, huge, &ino), -ENAMETOOLONG);

	/* unknown inodes */
	assert_true(dm_getattr(m, 0, 123456, &st) < 0);
	assert_true(dm_lookup(m, 0, 123456, "x", &st) < 0);
	assert_true(dm_mkdir(m, 0, 123456, "x", 0755, &mh_root, &st) < 0);
	assert_true(dm_open(m, 0, 123456, O_RDONLY, &mh_root, &fh, &op) < 0);
	assert_true(dm_open(m, 0, DM_ROOT_INO, O_RDONLY, &mh_root, &fh, &op) !=
		    DM_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_n1_root_path_layer),
		MH_TEST(test_n1_root_inode_layer),
		MH_TEST(test_n1_tmpfile),
		MH_TEST(test_n2_domain_names),
		MH_TEST(test_n3_domain_path_layer),
		MH_TEST(test_n3_domain_inode_layer),
		MH_TEST(test_n4_lock_names),
		MH_TEST(test_n5_node_local),
		MH_TEST(test_n6_enoent_eexist),
		MH_TEST(test_n6_permissions),
		MH_TEST(test_readdir),
		MH_TEST(test_t3_rmdir),
		MH_TEST(test_o1_levels_and_ebadf),
		MH_TEST(test_o5_append_dropped),
		MH_TEST(test_o5_trunc_keeps_lvb),
		MH_TEST(test_o5_direct_einval_after_lock),
		MH_TEST(test_v1_read),
		MH_TEST(test_v2_write),
		MH_TEST(test_a4_lseek),
		MH_TEST(test_quirk_linux54_read_from0),
		MH_TEST(test_quirk_linux3x_write_minus_pos),
		MH_TEST(test_p1_poll_blocked_every_fd),
		MH_TEST(test_p2_poll_transient),
		MH_TEST(test_p2_notes),
		MH_TEST(test_a1_stat_file),
		MH_TEST(test_a1_stat_dirs),
		MH_TEST(test_a2_setattr),
		MH_TEST(test_a3_statfs),
		MH_TEST(test_a5_mmap_fsync),
		MH_TEST(test_c1_caps),
		MH_TEST(test_crash_restart),
		MH_TEST(test_reset),
		MH_TEST(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
