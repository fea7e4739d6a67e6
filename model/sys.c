// SPDX-License-Identifier: MIT
/*
 * sys.c - the path level: each dm_sys_* composes the inode-level calls the
 * way the VFS does for the matching syscall (lookup, create-on-open,
 * O_EXCL, O_TMPFILE, ...). Paths are relative to the node's mount root.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define MAX_DEPTH 8

/*
 * Walk all but the last component. *last points into m->scratch and is ""
 * for the root itself.
 */
static int walk(struct dm_model *m, int node, const char *path,
		dm_ino *parent, const char **last)
{
	const char *p = path, *e;
	dm_ino dir = DM_ROOT_INO;
	struct dm_stat st;
	size_t len;
	int depth = 0, err;

	if (!dm_node_ok(m, node) || !path)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	m->scratch[0] = '\0';
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len > DM_NAME_MAX)
			return -ENAMETOOLONG;
		if (m->scratch[0]) {
			/* descend into the previous component */
			err = dm_lookup(m, node, dir, m->scratch, &st);
			if (err)
				return err;
			if (!S_ISDIR(st.mode))
				return -ENOTDIR;
			dir = st.ino;
		}
		if (++depth > MAX_DEPTH)
			return -ELOOP;
		memcpy(m->scratch, p, len);
		m->scratch[len] = '\0';
		if (!strcmp(m->scratch, ".")) {
			m->scratch[0] = '\0';
		} else if (!strcmp(m->scratch, "..")) {
			struct dm_dirent de;

			dm_readdir(m, node, dir, 1, &de);
			dir = de.ino;
			m->scratch[0] = '\0';
		}
		p += len;
	}
	*parent = dir;
	*last = m->scratch;
	return 0;
}

int dm_resolve(struct dm_model *m, int node, const char *path, dm_ino *ino)
{
	const char *last;
	dm_ino dir;
	struct dm_stat st;
	int err = walk(m, node, path, &dir, &last);

	if (err)
		return err;
	if (!*last) {
		*ino = dir;
		return 0;
	}
	err = dm_lookup(m, node, dir, last, &st);
	if (err)
		return err;
	if (path[strlen(path) - 1] == '/' && !S_ISDIR(st.mode))
		return -ENOTDIR;
	*ino = st.ino;
	return 0;
}

int dm_sys_mkdir(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx)
{
	const char *last;
	dm_ino dir;
	int err = walk(m, node, path, &dir, &last);

	if (err)
		return err;
	if (!*last)
		return -EEXIST;
	return dm_mkdir(m, node, dir, last, mode, ctx, NULL);
}

int dm_sys_rmdir(struct dm_model *m, int node, const char *path,
		 const struct dm_ctx *ctx)
{
	const char *last;
	dm_ino dir;
	struct dm_stat st;
	int err = walk(m, node, path, &dir, &last);

	if (err)
		return err;
	if (!*last)
		return -EBUSY;	/* the mount root (T3) */
	if (ctx && ctx->uid) {
		dm_getattr(m, node, dir, &st);
		if (ctx->uid != st.uid && !(st.mode & 0002))
			return -EACCES;
	}
	return dm_rmdir(m, node, dir, last);
}

int dm_sys_open(struct dm_model *m, int node, const char *path, int flags,
		uint32_t mode, const struct dm_ctx *ctx, int *fh, dm_op_id *op)
{
	const char *last;
	dm_ino dir, ino;
	struct dm_stat st;
	int err;

	err = walk(m, node, path, &dir, &last);
	if (err)
		return err;
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		if (!(flags & (O_WRONLY | O_RDWR)))
			return -EINVAL;
		return *last ? -EOPNOTSUPP : -EOPNOTSUPP;	/* no ->tmpfile */
	}
	if (!*last)
		return (flags & (O_WRONLY | O_RDWR)) ? -EISDIR : -EISDIR;
	err = dm_lookup(m, node, dir, last, &st);
	if (err == -ENOENT && (flags & O_CREAT)) {
		err = dm_mknod(m, node, dir, last, S_IFREG | (mode & 07777),
			       ctx, &st);
		if (err)
			return err;
	} else if (err) {
		return err;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	if (S_ISDIR(st.mode))
		return -EISDIR;
	ino = st.ino;
	return dm_open(m, node, ino, flags, ctx, fh, op);
}

int dm_sys_unlink(struct dm_model *m, int node, const char *path,
		  const struct dm_ctx *ctx, dm_op_id *op)
{
	const char *last;
	dm_ino dir;
	int err = walk(m, node, path, &dir, &last);

	if (err)
		return err;
	if (!*last)
		return -EISDIR;
	if (ctx && ctx->uid) {
		err = dm_access(m, node, dir, 2 | 1, ctx);
		if (err)
			return err;
	}
	return dm_unlink(m, node, dir, last, op);
}

int dm_sys_stat(struct dm_model *m, int node, const char *path,
		struct dm_stat *st)
{
	dm_ino ino;
	int err = dm_resolve(m, node, path, &ino);

	if (err)
		return err;
	return dm_getattr(m, node, ino, st);
}

int dm_sys_statfs(struct dm_model *m, int node, const char *path,
		  struct dm_statfs *sf)
{
	dm_ino ino;
	int err = dm_resolve(m, node, path, &ino);

	if (err)
		return err;
	return dm_statfs(m, node, sf);
}

static int path_setattr(struct dm_model *m, int node, const char *path,
			const struct dm_setattr *sa, const struct dm_ctx *ctx)
{
	dm_ino ino;
	int err = dm_resolve(m, node, path, &ino);

	if (err)
		return err;
	return dm_setattr(m, node, ino, sa, ctx, NULL);
}

int dm_sys_truncate(struct dm_model *m, int node, const char *path,
		    int64_t len, const struct dm_ctx *ctx)
{
	struct dm_setattr sa = { .valid = DM_SET_SIZE, .size = len };

	if (len < 0)
		return -EINVAL;
	return path_setattr(m, node, path, &sa, ctx);
}

int dm_sys_chmod(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx)
{
	struct dm_setattr sa = { .valid = DM_SET_MODE, .mode = mode };

	return path_setattr(m, node, path, &sa, ctx);
}

int dm_sys_chown(struct dm_model *m, int node, const char *path, uint32_t uid,
		 uint32_t gid, const struct dm_ctx *ctx)
{
	struct dm_setattr sa = { .valid = DM_SET_UID | DM_SET_GID,
				 .uid = uid, .gid = gid };

	return path_setattr(m, node, path, &sa, ctx);
}

int dm_sys_rename(struct dm_model *m, int node, const char *from,
		  const char *to, const struct dm_ctx *ctx)
{
	char name[DM_NAME_MAX + 1];
	const char *last;
	dm_ino dir, ndir;
	int err;

	(void)ctx;
	err = walk(m, node, from, &dir, &last);
	if (err)
		return err;
	if (!*last)
		return -EBUSY;
	strcpy(name, last);
	err = walk(m, node, to, &ndir, &last);
	if (err)
		return err;
	if (!*last)
		return -EBUSY;
	return dm_rename(m, node, dir, name, ndir, last);
}

int dm_sys_link(struct dm_model *m, int node, const char *from, const char *to,
		const struct dm_ctx *ctx)
{
	const char *last;
	dm_ino ino, ndir;
	int err;

	(void)ctx;
	err = dm_resolve(m, node, from, &ino);
	if (err)
		return err;
	err = walk(m, node, to, &ndir, &last);
	if (err)
		return err;
	if (!*last)
		return -EEXIST;
	return dm_link(m, node, ino, ndir, last);
}

int dm_sys_symlink(struct dm_model *m, int node, const char *target,
		   const char *path, const struct dm_ctx *ctx)
{
	const char *last;
	dm_ino dir;
	int err;

	(void)ctx;
	if (!target)
		return -EFAULT;
	if (!*target)
		return -ENOENT;
	err = walk(m, node, path, &dir, &last);
	if (err)
		return err;
	if (!*last)
		return -EEXIST;
	return dm_symlink(m, node, dir, last, target);
}

int dm_sys_mknod(struct dm_model *m, int node, const char *path, uint32_t mode,
		 const struct dm_ctx *ctx)
{
	const char *last;
	dm_ino dir;
	int err = walk(m, node, path, &dir, &last);

	if (err)
		return err;
	if (!*last)
		return -EEXIST;
	return dm_mknod(m, node, dir, last, mode, ctx, NULL);
}

int dm_sys_readdir(struct dm_model *m, int node, const char *path, size_t idx,
		   struct dm_dirent *ent)
{
	dm_ino ino;
	int err = dm_resolve(m, node, path, &ino);

	if (err)
		return err;
	return dm_readdir(m, node, ino, idx, ent);
}
