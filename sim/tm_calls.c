/* SPDX-License-Identifier: MIT */
/*
 * tm_calls.c - the model target's calls: each scenario verb as the dm.h
 * calls a process's syscall would make. Reads and writes also feed the
 * invariants' LVB shadow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tm_int.h"

static void set_stat(struct tgt_result *r, const struct dm_stat *st)
{
	r->field[SCN_F_TYPE] = st->mode & S_IFMT;
	r->field[SCN_F_MODE] = st->mode;
	r->field[SCN_F_SIZE] = st->size;
	r->field[SCN_F_NLINK] = st->nlink;
	r->field[SCN_F_BLOCKS] = st->blocks;
	r->field[SCN_F_UID] = st->uid;
	r->field[SCN_F_GID] = st->gid;
	r->field[SCN_F_BLKSIZE] = st->blksize;
	r->field[SCN_F_INO] = (int64_t)st->ino;
	r->fields = 1u << SCN_F_TYPE | 1u << SCN_F_MODE | 1u << SCN_F_SIZE |
		    1u << SCN_F_NLINK | 1u << SCN_F_BLOCKS | 1u << SCN_F_UID |
		    1u << SCN_F_GID | 1u << SCN_F_BLKSIZE | 1u << SCN_F_INO;
}

static void set_statfs(struct tgt_result *r, const struct dm_statfs *sf)
{
	r->field[SCN_F_TYPE] = sf->type;
	r->field[SCN_F_BSIZE] = sf->bsize;
	r->field[SCN_F_NAMELEN] = sf->namelen;
	r->field[SCN_F_BLOCKS] = (int64_t)sf->blocks;
	r->field[SCN_F_BFREE] = (int64_t)sf->bfree;
	r->field[SCN_F_FILES] = (int64_t)sf->files;
	r->field[SCN_F_FFREE] = (int64_t)sf->ffree;
	r->fields = 1u << SCN_F_TYPE | 1u << SCN_F_BSIZE |
		    1u << SCN_F_NAMELEN | 1u << SCN_F_BLOCKS |
		    1u << SCN_F_BFREE | 1u << SCN_F_FILES | 1u << SCN_F_FFREE;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* entries other than . and .., sorted, joined by one space */
static int do_readdir(struct tm *tm, int node, const char *path,
		      struct tgt_result *r)
{
	char **names = NULL;
	size_t n = 0, cap = 0, total = 1;
	struct dm_dirent ent;
	int rc = 0;

	for (size_t idx = 0;; idx++) {
		rc = dm_sys_readdir(tm->m, node, path, idx, &ent);
		if (rc <= 0)
			break;
		if (!strcmp(ent.name, ".") || !strcmp(ent.name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) *
					    sizeof(*nn));

			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(ent.name);
		if (!names[n]) {
			rc = -ENOMEM;
			break;
		}
		total += strlen(names[n++]) + 1;
	}
	if (rc < 0)
		goto out;
	if (n)	/* qsort(NULL, 0, ...) is still UB */
		qsort(names, n, sizeof(*names), cmp_names);
	r->data = malloc(total);
	if (!r->data) {
		rc = -ENOMEM;
		goto out;
	}
	r->data[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat((char *)r->data, " ");
		strcat((char *)r->data, names[i]);
	}
	r->len = strlen((char *)r->data);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc < 0 ? rc : 0;
}

static int do_read(struct tm *tm, const struct scn_stmt *st, int fh,
		   struct tgt_result *r)
{
	int64_t off = st->verb == SCN_V_PREAD ? st->off :
		      dm_lseek(tm->m, fh, 0, SEEK_CUR);
	char why[256];
	enum inv_id id;
	ssize_t n;

	r->data = malloc((size_t)st->len + 1);
	if (!r->data)
		return -ENOMEM;
	if (st->verb == SCN_V_PREAD)
		n = dm_pread(tm->m, fh, r->data, (size_t)st->len, st->off);
	else
		n = dm_read(tm->m, fh, r->data, (size_t)st->len);
	r->len = n > 0 ? (size_t)n : 0;
	if (tm->shadow && n >= 0) {
		id = inv_shadow_read(tm->shadow, tm->m, fh, off, r->data, n,
				     why, sizeof(why));
		if (id != INV_OK)
			tm_violation(tm, id, why);
	}
	return (int)n;
}

static int64_t do_write(struct tm *tm, const struct scn_stmt *st, int fh)
{
	const unsigned char *b = st->data.bytes ? st->data.bytes :
				 (const unsigned char *)"";
	ssize_t n;

	if (st->verb == SCN_V_PWRITE)
		n = dm_pwrite(tm->m, fh, b, st->data.len, st->off);
	else
		n = dm_write(tm->m, fh, b, st->data.len);
	if (tm->shadow && n > 0)
		inv_shadow_write(tm->shadow, tm->m, fh, b, (size_t)n);
	return n;
}

/* calls on a descriptor; h is the handle, f its entry */
static int64_t fd_call(struct tm *tm, const struct tgt_call *c,
		       struct tm_fd *f, struct tgt_result *r)
{
	const struct scn_stmt *st = c->st;
	struct dm_model *m = tm->m;
	struct dm_stat sb;
	int64_t rc;
	int fh = f->fh;

	switch (st->verb) {
	case SCN_V_CLOSE:
		return tm_fd_close(tm, c->fd);
	case SCN_V_DUP:
		rc = tm_fd_new(tm, c->actor, fh, f->level);
		if (rc >= 0)
			r->fd = (int)rc;
		return rc < 0 ? rc : 0;
	case SCN_V_READ: case SCN_V_PREAD:
		return do_read(tm, st, fh, r);
	case SCN_V_WRITE: case SCN_V_PWRITE:
		return do_write(tm, st, fh);
	case SCN_V_LSEEK:
		return dm_lseek(m, fh, st->off, st->flags);
	case SCN_V_POLL:
		return dm_poll(m, fh);
	case SCN_V_GETFL:
		return dm_getfl(m, fh);
	case SCN_V_FSTAT:
		rc = dm_fstat(m, fh, &sb);
		if (!rc)
			set_stat(r, &sb);
		return rc;
	case SCN_V_FTRUNCATE:
		return dm_ftruncate(m, fh, st->len, &tm->a[c->actor].ctx);
	case SCN_V_FSYNC:
		return dm_fsync(m, fh);
	case SCN_V_MMAP:
		return dm_mmap(m, fh, st->flags != 0);
	default:
		return -EINVAL;
	}
}

/* a call that may park: DM_PENDING makes the actor blocked */
static int64_t park(struct tm *tm, const struct tgt_call *c, int rc,
		    dm_op_id op, int level)
{
	struct tm_actor *a = &tm->a[c->actor];

	if (rc != DM_PENDING)
		return rc;
	a->pending = true;
	a->op = op;
	a->verb = c->st->verb;
	a->level = level;
	return DM_PENDING;
}

static int64_t path_call(struct tm *tm, const struct tgt_call *c,
			 struct tgt_result *r)
{
	const struct scn_stmt *st = c->st;
	struct tm_actor *a = &tm->a[c->actor];
	const struct dm_ctx *ctx = &a->ctx;
	struct dm_model *m = tm->m;
	int node = c->node, fh = -1, rc;
	struct dm_statfs sf;
	struct dm_stat sb;
	dm_op_id op = 0;
	char buf[256];

	switch (st->verb) {
	case SCN_V_MKDIR:
		return dm_sys_mkdir(m, node, st->path,
				    st->has_mode ? st->mode : 0755, ctx);
	case SCN_V_RMDIR:
		return dm_sys_rmdir(m, node, st->path, ctx);
	case SCN_V_OPEN:
		rc = dm_sys_open(m, node, st->path, st->flags,
				 st->has_mode ? st->mode : 0644, ctx, &fh, &op);
		if (rc == 0) {
			rc = tm_fd_new(tm, c->actor, fh, tm_level_of(st->flags));
			if (rc < 0) {
				dm_release(m, fh);
				return rc;
			}
			r->fd = rc;
			return 0;
		}
		return park(tm, c, rc, op, tm_level_of(st->flags));
	case SCN_V_UNLINK:
		rc = dm_sys_unlink(m, node, st->path, ctx, &op);
		return park(tm, c, rc, op, DM_IV);
	case SCN_V_STAT:
		rc = dm_sys_stat(m, node, st->path, &sb);
		if (!rc)
			set_stat(r, &sb);
		return rc;
	case SCN_V_STATFS:
		rc = dm_sys_statfs(m, node, st->path, &sf);
		if (!rc)
			set_statfs(r, &sf);
		return rc;
	case SCN_V_TRUNCATE:
		return dm_sys_truncate(m, node, st->path, st->len, ctx);
	case SCN_V_CHMOD:
		return dm_sys_chmod(m, node, st->path, st->mode, ctx);
	case SCN_V_CHOWN:
		return dm_sys_chown(m, node, st->path, st->uid, st->gid, ctx);
	case SCN_V_RENAME:
		return dm_sys_rename(m, node, st->path, st->path2, ctx);
	case SCN_V_LINK:
		return dm_sys_link(m, node, st->path, st->path2, ctx);
	case SCN_V_SYMLINK:
		return dm_sys_symlink(m, node, st->path, st->path2, ctx);
	case SCN_V_MKNOD:
		return dm_sys_mknod(m, node, st->path,
				    (uint32_t)st->flags | 0644, ctx);
	case SCN_V_READDIR:
		return do_readdir(tm, node, st->path, r);
	case SCN_V_CAPS:
		rc = dm_caps(m, buf, sizeof(buf));
		if (rc < 0)
			return rc;
		r->data = (unsigned char *)strdup(buf);
		r->len = (size_t)rc;
		return r->data ? rc : -ENOMEM;
	case SCN_V_UID:
		a->ctx.uid = st->uid;
		a->ctx.gid = st->gid;
		return 0;
	case SCN_V_DLM_LOCK:
		rc = dm_raw_lock(m, node, st->path, st->path2, (int)st->mode,
				 st->flags != 0, &op);
		return park(tm, c, rc, op, (int)st->mode);
	case SCN_V_DLM_UNLOCK:
		return dm_raw_unlock(m, node, st->path, st->path2);
	default:
		return -EINVAL;
	}
}

int tm_start(void *t, const struct tgt_call *c, struct tgt_result *r)
{
	struct tm *tm = t;
	struct tm_fd *f;
	int64_t rc;

	if (!tm->m || c->actor < 0 || c->actor >= SCN_ACTORS_MAX)
		return -EINVAL;
	if (tm->a[c->actor].pending)
		return -EBUSY;	/* one call at a time */
	if (c->st->fd[0]) {
		f = tm_fd_get(tm, c->actor, c->fd);
		rc = f ? fd_call(tm, c, f, r) : -EBADF;
	} else {
		rc = path_call(tm, c, r);
	}
	if (rc == DM_PENDING && tm->a[c->actor].pending)
		return TGT_BLOCKED;
	r->status = rc;
	return TGT_DONE;
}
