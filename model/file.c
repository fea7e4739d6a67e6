// SPDX-License-Identifier: MIT
/*
 * file.c - open lock files: dlmfs_file_open/release/read/write/poll and the
 * VFS checks around them (O1, O2, O5, O8, V1, V2, A4, A5, P1)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

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
	int err = fs_get_inode(m, node, ino, &in);

	if (err)
		return err;
	if (fs_is_dir(in))
		return -EISDIR;	/* directories are read with dm_readdir */
	if ((flags & O_DIRECTORY))
		return -ENOTDIR;
	err = fs_permission(in, acc_mask(flags), ctx);
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

	/* ksys_pread64() rejects pos < 0 before it looks at the fd */
	if (off < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!readable(f))
		return -EBADF;
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

	/* ksys_pwrite64() rejects pos < 0 before it looks at the fd */
	if (off < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!writable(f))
		return -EBADF;
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
	fs_fill_stat(f->inode, st);
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

