// SPDX-License-Identifier: MIT
/*
 * ops.c - the FUSE low-level operations. Each one takes the lock, calls the
 * model, settles it, and replies exactly once: at once, or later from
 * core.c when the model finishes a pending call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dlmfs_fuse.h"

#define CAPS_XATTR "user.dlmfs.capabilities"

#define NODE(req) ((struct dfs_node *)fuse_req_userdata(req))
#define FILE_OF(fi) ((struct dfs_file *)(uintptr_t)(fi)->fh)

static void end(struct dfs *d)
{
	dfs_settle(d);
	dfs_unlock(d);
}

static void reply_status(fuse_req_t req, int r)
{
	fuse_reply_err(req, r < 0 ? -r : 0);
}

static void to_stat(const struct dfs_node *nd, const struct dm_stat *s,
		    struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = dfs_nodeid(nd, s->ino);
	st->st_mode = s->mode;
	st->st_nlink = s->nlink;
	st->st_uid = s->uid;
	st->st_gid = s->gid;
	st->st_size = s->size;
	st->st_blocks = s->blocks;
	st->st_blksize = s->blksize;
	st->st_atim.tv_sec = s->atime;
	st->st_mtim.tv_sec = s->mtime;
	st->st_ctim.tv_sec = s->ctime;
}

static void reply_entry(const struct dfs_node *nd, fuse_req_t req,
			const struct dm_stat *s)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = dfs_nodeid(nd, s->ino);
	e.generation = nd->inc;
	e.attr_timeout = DFS_TIMEOUT;
	e.entry_timeout = DFS_TIMEOUT;
	to_stat(nd, s, &e.attr);
	fuse_reply_entry(req, &e);
}

static void reply_attr(const struct dfs_node *nd, fuse_req_t req,
		       const struct dm_stat *s)
{
	struct stat st;

	to_stat(nd, s, &st);
	fuse_reply_attr(req, &st, DFS_TIMEOUT);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* the model applies the umask itself (mode & ~ctx.umask) */
	if (conn->capable & FUSE_CAP_DONT_MASK)
		conn->want |= FUSE_CAP_DONT_MASK;
	/* O_TRUNC goes through SETATTR after the lock is taken, as in dlmfs */
	conn->want &= ~(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_WRITEBACK_CACHE);
}

/* lookup, mkdir, mknod: the model fills a dm_stat, we reply an entry */
static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dfs_node *nd = NODE(req);
	struct dm_stat s;
	dm_ino p;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_lookup(nd->d->m, nd->idx, p, name, &s);
	if (!r)
		reply_entry(nd, req, &s);
	dfs_unlock(nd->d);
	if (r)
		reply_status(req, r);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);	/* the model's inodes do not count lookups */
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dm_stat s;
	dm_ino i;
	int r;

	(void)fi;
	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r)
		r = dm_getattr(nd->d->m, nd->idx, i, &s);
	if (!r)
		reply_attr(nd, req, &s);
	dfs_unlock(nd->d);
	if (r)
		reply_status(req, r);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dm_ctx ctx = dfs_ctx(req);
	struct dm_setattr sa;
	struct dm_stat s;
	dm_ino i;
	int r;

	/* ftruncate and O_TRUNC both arrive with fi: the path rules apply */
	(void)fi;
	memset(&sa, 0, sizeof(sa));
	if (to_set & FUSE_SET_ATTR_MODE) {
		sa.valid |= DM_SET_MODE;
		sa.mode = attr->st_mode;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		sa.valid |= DM_SET_UID;
		sa.uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		sa.valid |= DM_SET_GID;
		sa.gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		sa.valid |= DM_SET_SIZE;
		sa.size = attr->st_size;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) {
		sa.valid |= DM_SET_ATIME;
		sa.atime = (to_set & FUSE_SET_ATTR_ATIME_NOW) ?
				   ctx.now : attr->st_atim.tv_sec;
	}
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		sa.valid |= DM_SET_MTIME;
		sa.mtime = (to_set & FUSE_SET_ATTR_MTIME_NOW) ?
				   ctx.now : attr->st_mtim.tv_sec;
	}
	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r)
		r = dm_setattr(nd->d->m, nd->idx, i, &sa, &ctx, &s);
	if (!r)
		reply_attr(nd, req, &s);	/* the new attributes, never stale */
	end(nd->d);
	if (r)
		reply_status(req, r);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct dfs_node *nd = NODE(req);
	struct dm_ctx ctx = dfs_ctx(req);
	struct dm_stat s;
	dm_ino p;
	int r;

	(void)rdev;
	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_mknod(nd->d->m, nd->idx, p, name, mode, &ctx, &s);
	if (!r)
		reply_entry(nd, req, &s);
	end(nd->d);
	if (r)
		reply_status(req, r);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct dfs_node *nd = NODE(req);
	struct dm_ctx ctx = dfs_ctx(req);
	struct dm_stat s;
	dm_ino p;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_mkdir(nd->d->m, nd->idx, p, name, mode, &ctx, &s);
	if (!r)
		reply_entry(nd, req, &s);
	end(nd->d);
	if (r)
		reply_status(req, r);
}

/*
 * unlink: RELEASE is asynchronous, so `close(fd); unlink(path)` can get here
 * before that fd's RELEASE. When every open file of the inode on this node
 * has been FLUSHed, wait (bounded) for their RELEASEs before asking the
 * model, as the kernel would have released them already.
 */
static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dfs_node *nd = NODE(req);
	struct dfs *d = nd->d;
	struct dfs_waiter *w;
	struct dm_stat s;
	dm_op_id op = 0;
	dm_ino p;
	int r;

	dfs_lock(d);
	r = dfs_ino(nd, parent, &p);
	if (r)
		goto out;
	if (!d->shutting_down &&
	    !dm_lookup(d->m, nd->idx, p, name, &s) &&
	    dfs_only_flushed(d, nd->idx, s.ino)) {
		w = dfs_waiter_add(d, DFS_W_UNLINK_RETRY, req, nd->idx);
		if (w)
			w->name = strdup(name);
		if (w && w->name) {
			w->parent = p;
			w->ino = s.ino;
			clock_gettime(CLOCK_MONOTONIC, &w->deadline);
			w->deadline.tv_sec += DFS_UNLINK_WAIT_MS / 1000;
			w->deadline.tv_nsec += (DFS_UNLINK_WAIT_MS % 1000) * 1000000L;
			if (w->deadline.tv_nsec >= 1000000000L) {
				w->deadline.tv_sec++;
				w->deadline.tv_nsec -= 1000000000L;
			}
			end(d);
			/* main thread: recompute its poll timeout */
			if (write(d->wake_pipe[1], "k", 1) < 0)
				d->kick_lost++;
			return;
		}
		if (w)
			dfs_waiter_del(w);
	}
	r = dm_unlink(d->m, nd->idx, p, name, &op);
	if (r == DM_PENDING) {
		w = dfs_waiter_add(d, DFS_W_UNLINK, req, nd->idx);
		if (w) {
			w->op = op;
			end(d);
			return;
		}
		r = -ENOMEM;	/* cannot happen short of malloc failing */
	}
out:
	end(d);
	reply_status(req, r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dfs_node *nd = NODE(req);
	dm_ino p;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, parent, &p);
	if (!r)
		r = dm_rmdir(nd->d->m, nd->idx, p, name);
	end(nd->d);
	reply_status(req, r);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
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
	reply_status(req, r ? r : -EIO);	/* the model never succeeds */
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
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
	reply_status(req, r);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
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
	reply_status(req, r ? r : -EIO);	/* the model never succeeds */
}

/*
 * open: granted at once (cached level), refused, or pending until the
 * model finishes it. A pending open arms an interrupt callback; that needs
 * the lock dropped (libfuse may call it from inside), so the waiter is
 * "registering" meanwhile and whoever finishes it leaves the reply to us.
 */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dfs *d = nd->d;
	struct dm_ctx ctx = dfs_ctx(req);
	struct dfs_waiter *w;
	dm_op_id op = 0;
	uintptr_t serial;
	int r, fh = -1;
	dm_ino i = 0;

	dfs_lock(d);
	r = d->shutting_down ? -EIO : dfs_ino(nd, ino, &i);
	if (!r)
		r = dm_open(d->m, nd->idx, i, fi->flags, &ctx, &fh, &op);
	if (r == 0) {
		dfs_reply_open(d, req, nd->idx, fh);
		end(d);
		return;
	}
	if (r != DM_PENDING) {
		end(d);
		reply_status(req, r);
		return;
	}
	w = dfs_waiter_add(d, DFS_W_OPEN, req, nd->idx);
	if (!w) {
		dm_op_forget(d->m, op);
		end(d);
		reply_status(req, -ENOMEM);
		return;
	}
	w->op = op;
	w->registering = true;
	dfs_settle(d);	/* most opens finish here (an uncontended grant) */
	if (!w->done) {
		serial = w->serial;
		dfs_unlock(d);
		fuse_req_interrupt_func(req, dfs_interrupt, (void *)serial);
		dfs_lock(d);
	}
	w->registering = false;
	if (w->done)
		dfs_waiter_reply(d, w);
	end(d);
}

static struct dfs_file *live_file(struct dfs *d, struct fuse_file_info *fi)
{
	struct dfs_file *f = FILE_OF(fi);

	(void)d;
	return f->fh >= 0 ? f : NULL;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dfs_file *f;
	char *buf = malloc(size ? size : 1);
	ssize_t n = -EIO;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	dfs_lock(nd->d);
	f = live_file(nd->d, fi);
	if (f) {
		f->flushed = false;
		n = dm_pread(nd->d->m, f->fh, buf, size, off);
	}
	dfs_unlock(nd->d);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dfs_file *f;
	ssize_t n = -EIO;

	(void)ino;
	dfs_lock(nd->d);
	f = live_file(nd->d, fi);
	if (f) {
		f->flushed = false;
		n = dm_pwrite(nd->d->m, f->fh, buf, size, off);
	}
	dfs_unlock(nd->d);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* FLUSH comes with every close(), RELEASE after the last one (async) */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);

	(void)ino;
	dfs_lock(nd->d);
	FILE_OF(fi)->flushed = true;
	dfs_unlock(nd->d);
	fuse_reply_err(req, 0);	/* close never fails (O8) */
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dfs_file *f = FILE_OF(fi);
	struct dfs *d = nd->d;
	int node = f->node;

	(void)ino;
	dfs_lock(d);
	if (f->fh >= 0)
		dm_release(d->m, f->fh);
	dfs_file_del(f);
	dfs_settle(d);
	dfs_retry_unlinks(d, node);
	dfs_unlock(d);
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct dfs_node *nd = NODE(req);
	struct dfs_file *f;
	int r = -EIO;

	(void)ino;
	(void)datasync;
	dfs_lock(nd->d);
	f = live_file(nd->d, fi);
	if (f)
		r = dm_fsync(nd->d->m, f->fh);
	dfs_unlock(nd->d);
	reply_status(req, r);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct dfs_node *nd = NODE(req);
	struct dfs_file *f;
	int r = -EIO;

	(void)ino;
	dfs_lock(nd->d);
	f = live_file(nd->d, fi);
	if (f) {
		f->flushed = false;
		r = dm_poll(nd->d->m, f->fh);
		if (ph) {
			/* keep the newest handle; state changes notify it */
			if (f->ph)
				fuse_pollhandle_destroy(f->ph);
			f->ph = ph;
			ph = NULL;
		}
	}
	dfs_unlock(nd->d);
	if (ph)
		fuse_pollhandle_destroy(ph);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_poll(req, (unsigned)r);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
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

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
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
		reply_status(req, r);
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

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
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
	reply_status(req, r);
}

/* the one xattr: capabilities on the root (C1), no hidden file needed */
static int xattr_node(fuse_req_t req, fuse_ino_t ino, char *caps, size_t len)
{
	struct dfs_node *nd = NODE(req);
	dm_ino i = 0;
	int r;

	dfs_lock(nd->d);
	r = dfs_ino(nd, ino, &i);
	if (!r && !dm_node_alive(nd->d->m, nd->idx))
		r = -EIO;
	if (!r)
		r = dm_caps(nd->d->m, caps, len);
	dfs_unlock(nd->d);
	if (r >= 0 && i != DM_ROOT_INO)
		r = -ENODATA;	/* no attribute here */
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

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	char caps[128];
	int r = xattr_node(req, ino, caps, sizeof(caps));

	if (r >= 0 && !strcmp(name, CAPS_XATTR))
		reply_xattr(req, caps, (size_t)r, size);
	else if (r == -EIO)
		fuse_reply_err(req, EIO);
	else
		fuse_reply_err(req, EOPNOTSUPP);	/* dlmfs: no xattrs */
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char caps[128];
	int r = xattr_node(req, ino, caps, sizeof(caps));

	if (r >= 0)
		reply_xattr(req, CAPS_XATTR, sizeof(CAPS_XATTR), size);
	else if (r == -ENODATA)
		reply_xattr(req, "", 0, size);
	else
		reply_status(req, r);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, EOPNOTSUPP);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, EOPNOTSUPP);
}

/* no .create: O_CREAT becomes MKNOD + OPEN, so a blocking open never
 * holds the directory lock; no .getlk/.setlk/.flock: locks stay local */
const struct fuse_lowlevel_ops dfs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.readdir = op_readdir,
	.statfs = op_statfs,
	.access = op_access,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
	.poll = op_poll,
};
