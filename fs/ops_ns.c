// SPDX-License-Identifier: MIT
/*
 * ops_ns.c - the FUSE operations that never wait: forget, rmdir, the
 * always-refused namespace calls, readdir, statfs, access and xattrs.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "dlmfs_fuse.h"

#define NODE(req) ((struct dfs_node *)fuse_req_userdata(req))

static void end(struct dfs *d)
{
	dfs_settle(d);
	dfs_unlock(d);
}

void dfs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);	/* the model's inodes do not count lookups */
}

void dfs_op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

void dfs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dfs_node *nd = NODE(req);
	dm_ino p;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_rmdir(nd->d->m, nd->idx, p, name);
	end(nd->d);
	dfs_reply_status(req, r);
}

void dfs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct dfs_node *nd = NODE(req);
	dm_ino p;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_symlink(nd->d->m, nd->idx, p, name, link);
	end(nd->d);
	dfs_reply_status(req, r ? r : -EIO);	/* the model never succeeds */
}

void dfs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct dfs_node *nd = NODE(req);
	dm_ino p, np;
	int r;

	(void)flags;
	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dfs_ino(nd, newparent, &np);
	if (!r)
		r = dm_rename(nd->d->m, nd->idx, p, name, np, newname);
	end(nd->d);
	dfs_reply_status(req, r);
}

void dfs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct dfs_node *nd = NODE(req);
	dm_ino i, np;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r)
		r = dfs_ino(nd, newparent, &np);
	if (!r)
		r = dm_link(nd->d->m, nd->idx, i, np, newname);
	end(nd->d);
	dfs_reply_status(req, r ? r : -EIO);	/* the model never succeeds */
}

void dfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dm_dirent ent;
	struct stat st;
	char *buf = malloc(size ? size : 1);
	size_t pos = 0, len, idx;
	dm_ino i;
	int r;

	(void)fi;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	for (idx = (size_t)off; !r; idx++) {
		r = dm_readdir(nd->d->m, nd->idx, i, idx, &ent);
		if (r <= 0)
			break;
		memset(&st, 0, sizeof(st));
		st.st_ino = dfs_nodeid(nd, ent.ino);
		st.st_mode = ent.mode;
		len = fuse_add_direntry(req, buf + pos, size - pos, ent.name,
					&st, (off_t)idx + 1);
		if (len > size - pos)
			break;
		pos += len;
		r = 0;
	}
	dfs_unlock(nd->d);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, buf, pos);
	free(buf);
}

void dfs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct dfs_node *nd = NODE(req);
	struct dm_statfs sf;
	struct statvfs sv;
	int r;

	(void)ino;
	dfs_lock(nd->d);
	r = dm_statfs(nd->d->m, nd->idx, &sf);
	dfs_unlock(nd->d);
	if (r) {
		dfs_reply_status(req, r);
		return;
	}
	/* f_type is the kernel's (FUSE_SUPER_MAGIC): see fs/README.md */
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sf.bsize;
	sv.f_frsize = sf.bsize;
	sv.f_namemax = sf.namelen;
	sv.f_blocks = sf.blocks;
	sv.f_bfree = sf.bfree;
	sv.f_bavail = sf.bfree;
	sv.f_files = sf.files;
	sv.f_ffree = sf.ffree;
	sv.f_favail = sf.ffree;
	fuse_reply_statfs(req, &sv);
}

void dfs_op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct dfs_node *nd = NODE(req);
	struct dm_ctx ctx = dfs_ctx(req);
	dm_ino i;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r)
		r = dm_access(nd->d->m, nd->idx, i, mask, &ctx);
	dfs_unlock(nd->d);
	dfs_reply_status(req, r);
}

/*
 * The root's xattrs describe the node the way the kernel's sysfs does:
 * capabilities (C1), and, as no sysfs file can be faked per mount, the
 * profile (era x stack) and the stack, so a runner picks the right oracle.
 * Everything else has none: dlmfs has no xattr handlers.
 */
static const char *const root_xattrs[] = {
	"user.dlmfs.capabilities", "user.dlmfs.profile", "user.dlmfs.stack",
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROOT_XATTR_LIST "user.dlmfs.capabilities\0user.dlmfs.profile\0" \
			"user.dlmfs.stack"

/* value of root xattr @which into @val, its length, or a negative errno */
static int xattr_node(fuse_req_t req, fuse_ino_t ino, int which, char *val,
		      size_t len)
{
	struct dfs_node *nd = NODE(req);
	const struct dm_profile *prof;
	dm_ino i = 0;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r && !dm_node_alive(nd->d->m, nd->idx))
		r = -EIO;
	if (r)
		goto out;
	if (i != DM_ROOT_INO) {
		r = -ENODATA;	/* no attribute here */
		goto out;
	}
	prof = dm_get_profile(nd->d->m);
	if (which == 0)
		r = dm_caps(nd->d->m, val, len);
	else
		r = snprintf(val, len, "%s", which == 1 ? prof->name :
			     prof->stack == DM_STACK_USER ? "user" : "o2cb");
out:
	dfs_unlock(nd->d);
	return r;
}

static void reply_xattr(fuse_req_t req, const char *val, size_t n,
			size_t size)
{
	if (!size)
		fuse_reply_xattr(req, n);
	else if (size < n)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, val, n);
}

void dfs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	char val[128];
	int which, r = -ENODATA;

	for (which = 0; which < (int)ARRAY_SIZE(root_xattrs); which++)
		if (!strcmp(name, root_xattrs[which]))
			break;
	if (which < (int)ARRAY_SIZE(root_xattrs))
		r = xattr_node(req, ino, which, val, sizeof(val));
	if (r >= 0)
		reply_xattr(req, val, (size_t)r, size);
	else if (r == -EIO)
		fuse_reply_err(req, EIO);
	else
		fuse_reply_err(req, EOPNOTSUPP);	/* dlmfs: no xattrs */
}

void dfs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char val[128];
	int r = xattr_node(req, ino, 0, val, sizeof(val));

	if (r >= 0)
		reply_xattr(req, ROOT_XATTR_LIST, sizeof(ROOT_XATTR_LIST), size);
	else if (r == -ENODATA)
		reply_xattr(req, "", 0, size);
	else
		dfs_reply_status(req, r);
}

void dfs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, EOPNOTSUPP);
}

void dfs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, EOPNOTSUPP);
}
