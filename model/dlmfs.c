// SPDX-License-Identifier: MIT
/*
 * dlmfs.c - ocfs2_dlmfs's VFS layer (after fs/ocfs2/dlmfs/dlmfs.c) with the
 * generic VFS checks a syscall meets on the way: a per-node namespace of
 * root / domain / lock file (N1-N6), open-flag decoding (O1, O2, O5),
 * read/write of the LVB (V1, V2, profile quirks), poll (P1), attributes
 * (A1-A5) and unlink/rmdir (T1, T3). Inode level: what FUSE calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

static struct dm_inode *inode_new(struct dm_model *m, int node,
				  enum dm_itype type, const char *name,
				  uint32_t mode, const struct dm_ctx *ctx)
{
	struct dm_node *n = &m->node[node];
	struct dm_inode *in = calloc(1, sizeof(*in));

	if (!in)
		abort();
	in->ino = n->next_ino++;
	in->type = type;
	in->name = dm_strdup(name);
	in->mode = mode;
	in->uid = ctx ? ctx->uid : 0;
	in->gid = ctx ? ctx->gid : 0;
	in->atime = in->mtime = in->ctime = ctx ? ctx->now : 0;
	in->linked = true;
	n->itab = dm_grow(n->itab, &n->itab_cap, in->ino + 1, sizeof(*n->itab));
	n->itab[in->ino] = in;
	return in;
}

static void extra_add(struct dm_model *m, struct dm_lockres *lr)
{
	struct dm_node *n = &m->node[lr->node];

	n->extra = dm_grow(n->extra, &n->capextra, n->nextra + 1,
			   sizeof(*n->extra));
	n->extra[n->nextra++] = lr;
}

static void inode_free(struct dm_model *m, int node, struct dm_inode *in)
{
	struct dm_lockres *lr = in->lr;

	m->node[node].itab[in->ino] = NULL;
	if (lr) {
		struct dm_res *r = dlm_res_find(m, lr->domain, lr->name, false);

		lr->inode = NULL;
		if (dlm_lk_find(r, lr->node, lr->lid)) {
			/* the DLM still holds it and nobody will unlock (T2) */
			lr->zombie = true;
			extra_add(m, lr);
		} else {
			ul_free(lr);
		}
	}
	free(in->kids);
	free(in->name);
	free(in);
}

void fs_node_init(struct dm_model *m, int node)
{
	struct dm_node *n = &m->node[node];

	memset(n, 0, sizeof(*n));
	n->alive = true;
	n->next_ino = DM_ROOT_INO;
	n->root = inode_new(m, node, DM_I_ROOT, "", S_IFDIR | 0755, NULL);
}

void fs_node_free(struct dm_model *m, int node)
{
	struct dm_node *n = &m->node[node];
	size_t i;

	for (i = 0; i < n->itab_cap; i++) {
		struct dm_inode *in = n->itab[i];

		if (!in)
			continue;
		if (in->lr)
			ul_free(in->lr);
		free(in->kids);
		free(in->name);
		free(in);
	}
	for (i = 0; i < n->nextra; i++)
		ul_free(n->extra[i]);
	free(n->itab);
	free(n->extra);
	memset(n, 0, sizeof(*n));
}

struct dm_inode *fs_inode(const struct dm_model *m, int node, dm_ino ino)
{
	const struct dm_node *n;

	if (!dm_node_ok(m, node) || !m->node[node].alive)
		return NULL;
	n = &m->node[node];
	if (ino >= n->itab_cap)
		return NULL;
	return n->itab[ino];
}

struct dm_lockres *dm_find_lockres(struct dm_model *m, int node, uint32_t lid)
{
	struct dm_node *n;
	size_t i;

	if (!dm_node_ok(m, node))
		return NULL;
	n = &m->node[node];
	for (i = 0; i < n->itab_cap; i++)
		if (n->itab[i] && n->itab[i]->lr && n->itab[i]->lr->lid == lid)
			return n->itab[i]->lr;
	for (i = 0; i < n->nextra; i++)
		if (n->extra[i]->lid == lid)
			return n->extra[i];
	return NULL;
}

void fs_inode_put(struct dm_model *m, struct dm_inode *in)
{
	int node = in->lr ? in->lr->node : -1;
	int i;

	if (in->refs)
		in->refs--;
	if (in->refs || in->linked)
		return;
	for (i = 0; node < 0 && i < m->nnodes; i++)
		if (fs_inode(m, i, in->ino) == in)
			node = i;
	if (node >= 0)
		inode_free(m, node, in);
}

static struct dm_inode *kid_find(struct dm_inode *dir, const char *name)
{
	size_t i;

	for (i = 0; i < dir->nkids; i++)
		if (!strcmp(dir->kids[i]->name, name))
			return dir->kids[i];
	return NULL;
}

static void kid_add(struct dm_inode *dir, struct dm_inode *in)
{
	dir->kids = dm_grow(dir->kids, &dir->capkids, dir->nkids + 1,
			    sizeof(*dir->kids));
	dir->kids[dir->nkids++] = in;
	in->parent = dir;
}

static void kid_del(struct dm_inode *dir, struct dm_inode *in)
{
	size_t i;

	for (i = 0; i < dir->nkids; i++) {
		if (dir->kids[i] == in) {
			memmove(&dir->kids[i], &dir->kids[i + 1],
				(dir->nkids - i - 1) * sizeof(*dir->kids));
			dir->nkids--;
			break;
		}
	}
	in->linked = false;
}

static bool is_dir(const struct dm_inode *in)
{
	return in->type != DM_I_LOCK;
}

static void fill_stat(const struct dm_inode *in, struct dm_stat *st)
{
	size_t i;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	st->ino = in->ino;
	st->mode = in->mode;
	st->uid = in->uid;
	st->gid = in->gid;
	st->blksize = DM_PAGE_SIZE;
	st->atime = in->atime;
	st->mtime = in->mtime;
	st->ctime = in->ctime;
	if (in->type == DM_I_LOCK) {
		st->nlink = in->linked ? 1 : 0;
		st->size = DM_LVB_LEN;
		return;
	}
	st->nlink = in->linked ? 2 : 0;
	for (i = 0; i < in->nkids; i++)
		if (is_dir(in->kids[i]))
			st->nlink++;
}

/* generic_permission(), with root's CAP_DAC_OVERRIDE */
static int permission(const struct dm_inode *in, int mask,
		      const struct dm_ctx *ctx)
{
	uint32_t bits;

	if (!ctx || ctx->uid == 0) {
		if ((mask & MAY_EXEC) && !is_dir(in) && !(in->mode & 0111))
			return -EACCES;
		return 0;
	}
	if (ctx->uid == in->uid)
		bits = (in->mode >> 6) & 7;
	else if (ctx->gid == in->gid)
		bits = (in->mode >> 3) & 7;
	else
		bits = in->mode & 7;
	return ((uint32_t)mask & ~bits) ? -EACCES : 0;
}

static int check_name(const char *name)
{
	size_t len;

	if (!name)
		return -EFAULT;
	len = strlen(name);
	if (!len)
		return -ENOENT;
	if (len > DM_NAME_MAX)
		return -ENAMETOOLONG;	/* simple_lookup */
	if (strchr(name, '/'))
		return -EINVAL;
	return 0;
}

/* every inode-level call starts here: a live node and a known inode */
static int get_inode(struct dm_model *m, int node, dm_ino ino,
		     struct dm_inode **out)
{
	if (!dm_node_ok(m, node))
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	*out = fs_inode(m, node, ino);
	return *out ? 0 : -ENOENT;
}

static int get_dir(struct dm_model *m, int node, dm_ino ino,
		   struct dm_inode **out)
{
	int err = get_inode(m, node, ino, out);

	if (!err && !is_dir(*out))
		err = -ENOTDIR;
	return err;
}

int dm_lookup(struct dm_model *m, int node, dm_ino parent, const char *name,
	      struct dm_stat *st)
{
	struct dm_inode *dir, *in;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	in = kid_find(dir, name);
	if (!in)
		return -ENOENT;
	fill_stat(in, st);
	return 0;
}

int dm_getattr(struct dm_model *m, int node, dm_ino ino, struct dm_stat *st)
{
	struct dm_inode *in;
	int err = get_inode(m, node, ino, &in);

	if (!err)
		fill_stat(in, st);
	return err;
}

int dm_setattr(struct dm_model *m, int node, dm_ino ino,
	       const struct dm_setattr *sa, const struct dm_ctx *ctx,
	       struct dm_stat *st)
{
	struct dm_inode *in;
	bool owner;
	int err = get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (!sa)
		return -EFAULT;
	owner = !ctx || ctx->uid == 0 || ctx->uid == in->uid;
	if (sa->valid & DM_SET_SIZE) {
		if (is_dir(in))
			return -EISDIR;
		if (sa->size < 0)
			return -EINVAL;
		err = permission(in, MAY_WRITE, ctx);
		if (err)
			return err;
	}
	if ((sa->valid & (DM_SET_MODE | DM_SET_ATIME | DM_SET_MTIME)) && !owner)
		return -EPERM;
	if ((sa->valid & (DM_SET_UID | DM_SET_GID)) && ctx && ctx->uid != 0 &&
	    (((sa->valid & DM_SET_UID) && sa->uid != in->uid) || !owner))
		return -EPERM;
	/* dlmfs_file_setattr() drops ATTR_SIZE: the LVB is 64 bytes (A2) */
	if (sa->valid & DM_SET_MODE)
		in->mode = (in->mode & S_IFMT) | (sa->mode & 07777);
	if (sa->valid & DM_SET_UID)
		in->uid = sa->uid;
	if (sa->valid & DM_SET_GID)
		in->gid = sa->gid;
	if (sa->valid & DM_SET_ATIME)
		in->atime = sa->atime;
	if (sa->valid & DM_SET_MTIME)
		in->mtime = sa->mtime;
	if ((sa->valid & (DM_SET_MODE | DM_SET_UID | DM_SET_GID)) && ctx)
		in->ctime = ctx->now;
	fill_stat(in, st);
	return 0;
}

int dm_mkdir(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st)
{
	struct dm_inode *dir, *in;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	if (kid_find(dir, name))
		return -EEXIST;
	err = permission(dir, MAY_WRITE | MAY_EXEC, ctx);
	if (err)
		return err;
	if (dir->type != DM_I_ROOT)
		return -EPERM;	/* domains have no ->mkdir (N3) */
	if (strlen(name) >= DM_DOMAIN_NAME_MAX)
		return -EINVAL;	/* "invalid domain name for directory." (N2) */
	in = inode_new(m, node, DM_I_DOMAIN, name,
		       S_IFDIR | (mode & 07777 & ~(ctx ? ctx->umask : 0)), ctx);
	kid_add(dir, in);
	fill_stat(in, st);
	return 0;
}

int dm_mknod(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st)
{
	struct dm_inode *dir, *in;
	uint32_t type = mode & S_IFMT;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	if (kid_find(dir, name))
		return -EEXIST;
	err = permission(dir, MAY_WRITE | MAY_EXEC, ctx);
	if (err)
		return err;
	if (type != 0 && type != S_IFREG)
		return -EPERM;	/* no ->mknod anywhere (N1) */
	if (dir->type == DM_I_ROOT)
		return -EACCES;	/* no ->create at the root: vfs_create (N1) */
	if (strlen(name) >= DM_LOCK_NAME_MAX || name[0] == '$')
		return -EINVAL;	/* dlmfs_create: "invalid lock name" (N4) */
	in = inode_new(m, node, DM_I_LOCK, name,
		       S_IFREG | (mode & 07777 & ~(ctx ? ctx->umask : 0)), ctx);
	in->lr = ul_new(m, node, dir->name, name, false);
	in->lr->inode = in;
	kid_add(dir, in);
	fill_stat(in, st);
	return 0;
}

int dm_rmdir(struct dm_model *m, int node, dm_ino parent, const char *name)
{
	struct dm_inode *dir, *in;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	in = kid_find(dir, name);
	if (!in)
		return -ENOENT;
	if (!is_dir(in))
		return -ENOTDIR;
	if (in->nkids)
		return -ENOTEMPTY;	/* simple_rmdir (T3) */
	/* the domain is left when its inode goes (dlmfs_evict_inode) */
	kid_del(dir, in);
	if (!in->refs)
		inode_free(m, node, in);
	return 0;
}

void fs_unlink_done(struct dm_model *m, struct dm_op *op)
{
	struct dm_inode *in = op->inode;

	if (in->linked && in->parent)
		kid_del(in->parent, in);
	dm_op_finish(m, op, 0);
}

int dm_unlink(struct dm_model *m, int node, dm_ino parent, const char *name,
	      dm_op_id *opid)
{
	struct dm_inode *dir, *in;
	struct dm_op *op;
	dm_op_id id;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	in = kid_find(dir, name);
	if (!in)
		return -ENOENT;
	if (is_dir(in))
		return -EISDIR;
	id = dm_op_new(m, DM_OP_UNLINK, node);
	op = dm_op_get(m, id);
	op->inode = in;
	in->refs++;
	ul_op_run(m, op);	/* user_dlm_destroy_lock (T1) */
	if (op->state != OPS_DONE) {
		if (opid)
			*opid = id;
		return DM_PENDING;
	}
	err = op->result;
	dm_op_forget(m, id);
	return err;
}

int dm_rename(struct dm_model *m, int node, dm_ino parent, const char *name,
	      dm_ino newparent, const char *newname)
{
	struct dm_inode *dir, *ndir;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = get_dir(m, node, newparent, &ndir);
	if (!err)
		err = check_name(name);
	if (!err)
		err = check_name(newname);
	if (err)
		return err;
	if (!kid_find(dir, name))
		return -ENOENT;
	return -EPERM;	/* no ->rename in any inode_operations (N1) */
}

int dm_link(struct dm_model *m, int node, dm_ino ino, dm_ino newparent,
	    const char *newname)
{
	struct dm_inode *in, *ndir;
	int err = get_inode(m, node, ino, &in);

	if (!err)
		err = get_dir(m, node, newparent, &ndir);
	if (!err)
		err = check_name(newname);
	if (err)
		return err;
	if (kid_find(ndir, newname))
		return -EEXIST;
	return -EPERM;
}

int dm_symlink(struct dm_model *m, int node, dm_ino parent, const char *name,
	       const char *target)
{
	struct dm_inode *dir;
	int err = get_dir(m, node, parent, &dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	if (!target)
		return -EFAULT;
	if (kid_find(dir, name))
		return -EEXIST;
	return -EPERM;
}

int dm_readdir(struct dm_model *m, int node, dm_ino ino, size_t idx,
	       struct dm_dirent *ent)
{
	struct dm_inode *dir;
	int err = get_dir(m, node, ino, &dir);

	if (err)
		return err;
	if (!ent)
		return -EFAULT;
	if (idx < 2) {
		ent->ino = idx == 0 || !dir->parent ? dir->ino
						    : dir->parent->ino;
		ent->mode = S_IFDIR;
		ent->name = idx == 0 ? "." : "..";
		return 1;
	}
	idx -= 2;
	if (idx >= dir->nkids)
		return 0;
	ent->ino = dir->kids[idx]->ino;
	ent->mode = dir->kids[idx]->mode;
	ent->name = dir->kids[idx]->name;
	return 1;
}

int dm_statfs(struct dm_model *m, int node, struct dm_statfs *sf)
{
	if (!dm_node_ok(m, node) || !sf)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	memset(sf, 0, sizeof(*sf));
	sf->type = DM_MAGIC;	/* simple_statfs (A3) */
	sf->bsize = DM_PAGE_SIZE;
	sf->namelen = DM_NAME_MAX;
	return 0;
}

int dm_access(struct dm_model *m, int node, dm_ino ino, int mask,
	      const struct dm_ctx *ctx)
{
	struct dm_inode *in;
	int err = get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (mask & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	return permission(in, mask, ctx);
}

/* ---- open files ---- */
static struct dm_file *get_file(const struct dm_model *m, int fh)
{
	if (!m || fh < 1 || fh > m->nfiles || !m->files[fh - 1].used)
		return NULL;
	return &m->files[fh - 1];
}

int fs_open_done(struct dm_model *m, struct dm_op *op)
{
	struct dm_file *f;
	int i;

	if (op->oflags & O_DIRECT) {
		/* the lock was taken; then the VFS refuses O_DIRECT (O5) */
		ul_cluster_unlock(m, op->inode->lr, op->level);
		return -EINVAL;
	}
	if (m->free_file >= 0) {
		i = m->free_file;
		m->free_file = m->files[i].next_free;
	} else {
		m->files = dm_grow(m->files, &m->capfiles,
				   (size_t)m->nfiles + 1, sizeof(*m->files));
		i = m->nfiles++;
	}
	f = &m->files[i];
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->node = op->node;
	f->inode = op->inode;
	f->inode->refs++;
	f->level = op->level;
	/* do_dentry_open drops these; dlmfs_file_open drops O_APPEND (O5) */
	f->flags = op->oflags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
				  O_APPEND);
	op->fh = i + 1;
	return 0;
}

static int acc_mask(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return MAY_READ;
	case O_WRONLY:
		return MAY_WRITE;
	default:
		return MAY_READ | MAY_WRITE;
	}
}

int dm_open(struct dm_model *m, int node, dm_ino ino, int flags,
	    const struct dm_ctx *ctx, int *fh, dm_op_id *opid)
{
	struct dm_inode *in;
	struct dm_op *op;
	dm_op_id id;
	int err = get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (is_dir(in))
		return -EISDIR;	/* directories are read with dm_readdir */
	if ((flags & O_DIRECTORY))
		return -ENOTDIR;
	err = permission(in, acc_mask(flags), ctx);
	if (err)
		return err;
	id = dm_op_new(m, DM_OP_OPEN, node);
	op = dm_op_get(m, id);
	op->inode = in;
	in->refs++;
	/* dlmfs_decode_open_flags(): any write bit means EX (O1) */
	op->level = (flags & (O_WRONLY | O_RDWR)) ? DM_EX : DM_PR;
	op->lkm_flags = (flags & O_NONBLOCK) ? DLMF_NOQUEUE : 0;
	op->oflags = flags;
	ul_op_run(m, op);
	if (op->state != OPS_DONE) {
		if (opid)
			*opid = id;
		return DM_PENDING;
	}
	err = op->result;
	if (!err && fh)
		*fh = op->fh;
	dm_op_forget(m, id);
	return err;
}

int dm_release(struct dm_model *m, int fh)
{
	struct dm_file *f = get_file(m, fh);
	struct dm_inode *in;

	if (!f)
		return -EBADF;
	in = f->inode;
	/* dlmfs_file_release(): drop our holder, never the DLM lock (O8) */
	if (in->lr && f->level != DM_IV)
		ul_cluster_unlock(m, in->lr, f->level);
	f->used = false;
	f->inode = NULL;
	f->next_free = m->free_file;
	m->free_file = fh - 1;
	fs_inode_put(m, in);
	return 0;
}

static bool readable(const struct dm_file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY ||
	       (f->flags & O_ACCMODE) == O_RDWR;
}

static bool writable(const struct dm_file *f)
{
	return (f->flags & O_ACCMODE) == O_WRONLY ||
	       (f->flags & O_ACCMODE) == O_RDWR;
}

ssize_t dm_pread(struct dm_model *m, int fh, void *buf, size_t len,
		 int64_t off)
{
	struct dm_file *f = get_file(m, fh);
	struct dm_lockres *lr;
	size_t n;

	if (!f)
		return -EBADF;
	if (!readable(f))
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (len && !buf)
		return -EFAULT;
	lr = f->inode->lr;
	if (m->prof->read == DM_READ_SNAPSHOT) {
		/* invalid LVB reads as EOF wherever we are (V1, V6) */
		if (!lr->lvb_valid || off >= DM_LVB_LEN || !len)
			return 0;
		n = (size_t)(DM_LVB_LEN - off);
		if (n > len)
			n = len;
		memcpy(buf, lr->lvb + off, n);
		return (ssize_t)n;
	}
	/* 3.0-5.8: the offset only limits the length; data from byte 0 */
	if (off >= DM_LVB_LEN || !len)
		return 0;
	n = (size_t)(DM_LVB_LEN - off);
	if (n > len)
		n = len;
	if (!lr->lvb_valid)
		return 0;
	memcpy(buf, lr->lvb, n);
	return (ssize_t)n;
}

ssize_t dm_pwrite(struct dm_model *m, int fh, const void *buf, size_t len,
		  int64_t off)
{
	struct dm_file *f = get_file(m, fh);
	struct dm_lockres *lr;
	int64_t n;

	if (!f)
		return -EBADF;
	if (!writable(f))
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (len && !buf)
		return -EFAULT;
	if (off >= DM_LVB_LEN)
		return -ENOSPC;
	if (!len)
		return 0;
	lr = f->inode->lr;
	if (m->prof->write == DM_WRITE_MINUS_POS) {
		/* before 5.7: length count - pos unless it would pass 64 */
		if ((int64_t)len + off > DM_LVB_LEN)
			n = DM_LVB_LEN - off;
		else
			n = (int64_t)len - off;
		if (n < 0)
			return -ENOMEM;	/* kmalloc of a huge size fails */
	} else {
		n = DM_LVB_LEN - off;
		if (n > (int64_t)len)
			n = (int64_t)len;
	}
	/* user_dlm_write_lvb() always copies to the LVB's start (V2) */
	memcpy(lr->lvb, buf, (size_t)n);
	return (ssize_t)n;
}

ssize_t dm_read(struct dm_model *m, int fh, void *buf, size_t len)
{
	struct dm_file *f = get_file(m, fh);
	ssize_t r;

	if (!f)
		return -EBADF;
	r = dm_pread(m, fh, buf, len, f->pos);
	if (r > 0)
		f->pos += r;
	return r;
}

ssize_t dm_write(struct dm_model *m, int fh, const void *buf, size_t len)
{
	struct dm_file *f = get_file(m, fh);
	ssize_t r;

	if (!f)
		return -EBADF;
	r = dm_pwrite(m, fh, buf, len, f->pos);
	if (r > 0)
		f->pos += r;
	return r;
}

int64_t dm_lseek(struct dm_model *m, int fh, int64_t off, int whence)
{
	struct dm_file *f = get_file(m, fh);
	int64_t base;

	if (!f)
		return -EBADF;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = DM_LVB_LEN;	/* default_llseek on i_size (A4) */
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

int dm_poll(struct dm_model *m, int fh)
{
	struct dm_file *f = get_file(m, fh);

	if (!f)
		return -EBADF;
	if (m->bugs & DM_BUG_POLL_IGNORES_BLOCKED)
		return 0;
	/* dlmfs_file_poll(): per lock, not per fd (P1) */
	if (f->inode->lr->flags & DM_LF_BLOCKED)
		return DM_POLLIN | DM_POLLRDNORM;
	return 0;
}

int dm_getfl(struct dm_model *m, int fh)
{
	struct dm_file *f = get_file(m, fh);

	return f ? f->flags : -EBADF;
}

int dm_fstat(struct dm_model *m, int fh, struct dm_stat *st)
{
	struct dm_file *f = get_file(m, fh);

	if (!f)
		return -EBADF;
	fill_stat(f->inode, st);
	return 0;
}

int dm_ftruncate(struct dm_model *m, int fh, int64_t len,
		 const struct dm_ctx *ctx)
{
	struct dm_file *f = get_file(m, fh);

	(void)ctx;
	if (!f)
		return -EBADF;
	if (!writable(f) || len < 0)
		return -EINVAL;	/* do_sys_ftruncate */
	return 0;	/* the size change is dropped (A2) */
}

int dm_fsync(struct dm_model *m, int fh)
{
	return get_file(m, fh) ? -EINVAL : -EBADF;	/* no ->fsync (A5) */
}

int dm_mmap(struct dm_model *m, int fh, bool shared)
{
	(void)shared;
	return get_file(m, fh) ? -ENODEV : -EBADF;	/* no ->mmap (A5) */
}

int dm_fh_node(const struct dm_model *m, int fh)
{
	const struct dm_file *f = get_file(m, fh);

	return f ? f->node : -EBADF;
}

dm_ino dm_fh_ino(const struct dm_model *m, int fh)
{
	const struct dm_file *f = get_file(m, fh);

	return f ? f->inode->ino : 0;
}

int dm_caps(const struct dm_model *m, char *buf, size_t len)
{
	size_t n;

	if (!m || !buf || !len)
		return -EINVAL;
	n = strlen(m->prof->caps);
	if (n >= len)
		return -ERANGE;
	memcpy(buf, m->prof->caps, n + 1);
	return (int)n;
}

/* ---- an in-kernel DLM user beside dlmfs (M3, X5) ---- */
static struct dm_lockres *raw_find(struct dm_model *m, int node,
				   const char *domain, const char *name)
{
	struct dm_node *n = &m->node[node];
	size_t i;

	for (i = 0; i < n->nextra; i++)
		if (n->extra[i]->raw && !strcmp(n->extra[i]->name, name) &&
		    !strcmp(n->extra[i]->domain, domain))
			return n->extra[i];
	return NULL;
}

int dm_raw_lock(struct dm_model *m, int node, const char *domain,
		const char *name, int mode, bool noqueue, dm_op_id *opid)
{
	struct dm_lockres *lr;
	struct dm_op *op;
	dm_op_id id;
	int err;

	if (!dm_node_ok(m, node) || !domain || !name || mode < DM_NL ||
	    mode > DM_EX)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	if (raw_find(m, node, domain, name))
		return -EEXIST;
	lr = ul_new(m, node, domain, name, true);
	extra_add(m, lr);
	lr->requested = mode;
	lr->flags |= DM_LF_BUSY;
	err = dlm_lock(m, lr, mode,
		       DLMF_VALBLK | (noqueue ? DLMF_NOQUEUE : 0));
	if (err) {
		m->node[node].nextra--;
		ul_free(lr);
		return err;
	}
	id = dm_op_new(m, DM_OP_RAWLOCK, node);
	op = dm_op_get(m, id);
	op->lr = lr;
	op->level = mode;
	op->state = OPS_WAIT_BUSY;
	if (opid)
		*opid = id;
	return DM_PENDING;
}

int dm_raw_unlock(struct dm_model *m, int node, const char *domain,
		  const char *name)
{
	struct dm_lockres *lr;

	if (!dm_node_ok(m, node) || !domain || !name)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	lr = raw_find(m, node, domain, name);
	if (!lr || (lr->flags & DM_LF_BUSY))
		return -EINVAL;
	return dlm_unlock(m, lr, DLMF_VALBLK);
}
