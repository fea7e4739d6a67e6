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

/* a node's locks in creation order: what events and views look up */
void fs_lrs_add(struct dm_model *m, struct dm_lockres *lr)
{
	struct dm_node *n = &m->node[lr->node];

	n->lrs = dm_grow(n->lrs, &n->caplrs, n->nlrs + 1, sizeof(*n->lrs));
	n->lrs[n->nlrs++] = lr;
}

void fs_lrs_del(struct dm_model *m, struct dm_lockres *lr)
{
	struct dm_node *n = &m->node[lr->node];
	size_t i;

	for (i = 0; i < n->nlrs; i++) {
		if (n->lrs[i] == lr) {
			memmove(&n->lrs[i], &n->lrs[i + 1],
				(n->nlrs - i - 1) * sizeof(*n->lrs));
			n->nlrs--;
			return;
		}
	}
}

static void inode_free(struct dm_model *m, int node, struct dm_inode *in)
{
	struct dm_lockres *lr = in->lr;

	m->node[node].itab[in->ino] = NULL;
	if (in->type == DM_I_DOMAIN)
		dlm_domain_left(m, node, in->name);
	if (lr) {
		struct dm_res *r = dlm_res_find(m, lr->domain, lr->name, false);

		lr->inode = NULL;
		if (dlm_lk_find(r, lr->node, lr->lid)) {
			/* the DLM still holds it and nobody will unlock (T2) */
			lr->zombie = true;
		} else {
			fs_lrs_del(m, lr);
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
		free(in->kids);
		free(in->name);
		free(in);
	}
	for (i = 0; i < n->nlrs; i++)
		ul_free(n->lrs[i]);
	free(n->itab);
	free(n->lrs);
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
	for (i = 0; i < n->nlrs; i++)
		if (n->lrs[i]->lid == lid)
			return n->lrs[i];
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

bool fs_is_dir(const struct dm_inode *in)
{
	return in->type != DM_I_LOCK;
}

void fs_fill_stat(const struct dm_inode *in, struct dm_stat *st)
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
		if (fs_is_dir(in->kids[i]))
			st->nlink++;
}

/* generic_fs_permission(), with root's CAP_DAC_OVERRIDE */
int fs_permission(const struct dm_inode *in, int mask,
		  const struct dm_ctx *ctx)
{
	uint32_t bits;

	if (!ctx || ctx->uid == 0) {
		if ((mask & MAY_EXEC) && !fs_is_dir(in) && !(in->mode & 0111))
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
int fs_get_inode(struct dm_model *m, int node, dm_ino ino,
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
	int err = fs_get_inode(m, node, ino, out);

	if (!err && !fs_is_dir(*out))
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
	fs_fill_stat(in, st);
	return 0;
}

int dm_getattr(struct dm_model *m, int node, dm_ino ino, struct dm_stat *st)
{
	struct dm_inode *in;
	int err = fs_get_inode(m, node, ino, &in);

	if (!err)
		fs_fill_stat(in, st);
	return err;
}

int dm_setattr(struct dm_model *m, int node, dm_ino ino,
	       const struct dm_setattr *sa, const struct dm_ctx *ctx,
	       struct dm_stat *st)
{
	struct dm_inode *in;
	bool owner;
	int err = fs_get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (!sa)
		return -EFAULT;
	owner = !ctx || ctx->uid == 0 || ctx->uid == in->uid;
	if (sa->valid & DM_SET_SIZE) {
		if (fs_is_dir(in))
			return -EISDIR;
		if (sa->size < 0)
			return -EINVAL;
		err = fs_permission(in, MAY_WRITE, ctx);
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
	fs_fill_stat(in, st);
	return 0;
}

/* the VFS's checks before ->mkdir/->create: lookup, EEXIST, may_create */
static int may_create(struct dm_model *m, int node, dm_ino parent,
		      const char *name, const struct dm_ctx *ctx,
		      struct dm_inode **dir)
{
	int err = get_dir(m, node, parent, dir);

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	if (kid_find(*dir, name))
		return -EEXIST;
	return fs_permission(*dir, MAY_WRITE | MAY_EXEC, ctx);
}

int dm_mkdir(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st)
{
	struct dm_inode *dir, *in;
	int err = may_create(m, node, parent, name, ctx, &dir);

	if (err)
		return err;
	if (dir->type != DM_I_ROOT)
		return -EPERM;	/* domains have no ->mkdir (N3) */
	if (strlen(name) >= DM_DOMAIN_NAME_MAX)
		return -EINVAL;	/* "invalid domain name for directory." (N2) */
	in = inode_new(m, node, DM_I_DOMAIN, name,
		       S_IFDIR | (mode & 07777 & ~(ctx ? ctx->umask : 0)), ctx);
	kid_add(dir, in);
	fs_fill_stat(in, st);
	return 0;
}

int dm_mknod(struct dm_model *m, int node, dm_ino parent, const char *name,
	     uint32_t mode, const struct dm_ctx *ctx, struct dm_stat *st)
{
	struct dm_inode *dir, *in;
	uint32_t type = mode & S_IFMT;
	int err = may_create(m, node, parent, name, ctx, &dir);

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
	fs_lrs_add(m, in->lr);
	kid_add(dir, in);
	fs_fill_stat(in, st);
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
	if (!fs_is_dir(in))
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
	if (fs_is_dir(in))
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
	int err = fs_get_inode(m, node, ino, &in);

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
	int err = fs_get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (mask & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	return fs_permission(in, mask, ctx);
}
