// SPDX-License-Identifier: MIT
/*
 * nullfs.c - the baseline for tests/fuse/bench: a do-nothing libfuse
 * low-level fs (root + one file "f", direct_io, 64 zero bytes), served the
 * way dlmfs-fuse serves a node (one thread: receive_buf/process_buf), so
 * the ratio measures what the model and dlmfs-fuse's plumbing cost.
 *
 * usage: nullfs MOUNTPOINT   (foreground; SIGTERM/SIGINT unmount)
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void fill(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == 1 ? S_IFDIR | 0755 : S_IFREG | 0644;
	st->st_nlink = ino == 1 ? 2 : 1;
	st->st_size = ino == 1 ? 0 : 64;
}

static void nl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != 1 || strcmp(name, "f")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = 2;
	e.attr_timeout = e.entry_timeout = 86400.0;
	fill(2, &e.attr);
	fuse_reply_entry(req, &e);
}

static void nl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fill(ino, &st);
	fuse_reply_attr(req, &st, 86400.0);
}

static void nl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void nl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	static const char zero[64];

	(void)ino;
	(void)fi;
	if (off >= 64)
		size = 0;
	else if (size > (size_t)(64 - off))
		size = (size_t)(64 - off);
	fuse_reply_buf(req, zero, size);
}

static void nl_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)off;
	(void)fi;
	fuse_reply_write(req, size);
}

static void nl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void nl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops nl_ops = {
	.lookup = nl_lookup,
	.getattr = nl_getattr,
	.open = nl_open,
	.read = nl_read,
	.write = nl_write,
	.flush = nl_flush,
	.release = nl_release,
};

int main(int argc, char **argv)
{
	char *av[] = { argv[0], (char *)"-o", (char *)"fsname=nullfs,subtype=nullfs", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, av);
	struct fuse_session *se;
	struct fuse_buf buf;
	int r, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: nullfs MOUNTPOINT\n");
		return 2;
	}
	se = fuse_session_new(&args, &nl_ops, sizeof(nl_ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, argv[1]))
		goto out_signals;
	memset(&buf, 0, sizeof(buf));
	while (!fuse_session_exited(se)) {
		r = fuse_session_receive_buf(se, &buf);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	ret = 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return ret;
}
