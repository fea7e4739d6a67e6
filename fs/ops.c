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

#define NODE(req) ((struct dfs_node *)fuse_req_userdata(req))
#define FILE_OF(fi) ((struct dfs_file *)(uintptr_t)(fi)->fh)

static void end(struct dfs *d)
{
	dfs_settle(d);
	dfs_unlock(d);
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
		dfs_reply_status(req, r);
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
		dfs_reply_status(req, r);
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
		dfs_reply_status(req, r);
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
		dfs_reply_status(req, r);
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
		dfs_reply_status(req, r);
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
	dfs_reply_status(req, r);
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
		dfs_reply_status(req, r);
		return;
	}
	w = dfs_waiter_add(d, DFS_W_OPEN, req, nd->idx);
	if (!w) {
		dm_op_forget(d->m, op);
		end(d);
		dfs_reply_status(req, -ENOMEM);
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
	dfs_reply_status(req, r);
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





/* no .create: O_CREAT becomes MKNOD + OPEN, so a blocking open never
 * holds the directory lock; no .getlk/.setlk/.flock: locks stay local */
const struct fuse_lowlevel_ops dfs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = dfs_op_forget,
	.forget_multi = dfs_op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = dfs_op_rmdir,
	.symlink = dfs_op_symlink,
	.rename = dfs_op_rename,
	.link = dfs_op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.readdir = dfs_op_readdir,
	.statfs = dfs_op_statfs,
	.access = dfs_op_access,
	.getxattr = dfs_op_getxattr,
	.listxattr = dfs_op_listxattr,
	.setxattr = dfs_op_setxattr,
	.removexattr = dfs_op_removexattr,
	.poll = op_poll,
};
