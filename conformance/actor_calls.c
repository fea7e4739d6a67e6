/* SPDX-License-Identifier: MIT */
/*
 * actor_calls.c - each protocol verb as the one syscall it names, and its
 * response. No semantic decision lives here: every errno and every byte
 * comes from the kernel (or FUSE daemon) under test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "actor_int.h"
#include "detect.h"
#include "scn.h"
/* ---- responses ---- */
static int res_errno(struct pbuf *out, int err)
{
	char num[16];

	pbuf_printf(out, " err %s", proto_errname(err, num, sizeof(num)));
	return 0;
}

static int res_ok(struct pbuf *out, int64_t rc)
{
	if (rc < 0)
		return res_errno(out, errno);
	pbuf_printf(out, " ok %" PRId64, rc);
	return 0;
}

static int res_fd(struct pbuf *out, int fd)
{
	if (fd < 0)
		return res_errno(out, errno);
	pbuf_printf(out, " fd %d", fd);
	return 0;
}

/* ---- namespace ---- */
static int do_mkdir(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, mkdir(g->path, g->mode));
}

static int do_rmdir(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, rmdir(g->path));
}

static int do_unlink(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, unlink(g->path));
}

static int do_rename(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, rename(g->path, g->path2));
}

static int do_link(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, link(g->path, g->path2));
}

static int do_symlink(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, symlink(g->target, g->path2));
}

static int do_mknod(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, mknod(g->path, g->type | 0644, makedev(0, 0)));
}

static int do_chmod(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, chmod(g->path, g->mode));
}

static int do_chown(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, chown(g->path, g->uid, g->gid));
}

static int do_truncate(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, truncate(g->path, g->len));
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int do_readdir(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	DIR *d = opendir(g->path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int err = 0;

	(void)a;
	if (!d)
		return res_errno(out, errno);
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			err = errno;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **p = realloc(names, c * sizeof(*p));

			if (!p) {
				err = ENOMEM;
				break;
			}
			names = p;
			cap = c;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			err = ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err) {
		res_errno(out, err);
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	pbuf_puts(out, " names");
	for (size_t i = 0; i < n; i++) {
		pbuf_puts(out, " ");
		pbuf_path(out, names[i]);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

static void put_stat(struct pbuf *out, const struct stat *st)
{
	const char *type = scn_name_of(scn_type_names,
				       (int)(st->st_mode & S_IFMT));

	pbuf_printf(out, " stat type=%s ino=%ju mode=0%o nlink=%ju uid=%u"
		    " gid=%u size=%jd blocks=%jd blksize=%jd",
		    type ? type : "?", (uintmax_t)st->st_ino,
		    (unsigned)st->st_mode, (uintmax_t)st->st_nlink,
		    (unsigned)st->st_uid, (unsigned)st->st_gid,
		    (intmax_t)st->st_size, (intmax_t)st->st_blocks,
		    (intmax_t)st->st_blksize);
}

static int do_stat(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct stat st;

	(void)a;
	if (stat(g->path, &st))
		return res_errno(out, errno);
	put_stat(out, &st);
	return 0;
}

static int do_fstat(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct stat st;

	(void)a;
	if (fstat(g->fd, &st))
		return res_errno(out, errno);
	put_stat(out, &st);
	return 0;
}

static int do_statfs(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct statfs sf;

	(void)a;
	if (statfs(g->path, &sf))
		return res_errno(out, errno);
	pbuf_printf(out, " statfs type=0x%x bsize=%jd namelen=%jd blocks=%ju"
		    " bfree=%ju files=%ju ffree=%ju", (unsigned)sf.f_type,
		    (intmax_t)sf.f_bsize, (intmax_t)sf.f_namelen,
		    (uintmax_t)sf.f_blocks, (uintmax_t)sf.f_bfree,
		    (uintmax_t)sf.f_files, (uintmax_t)sf.f_ffree);
	return 0;
}

static int do_caps(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct statfs sf;
	char buf[256];
	int n;

	(void)g;
	if (statfs(a->root, &sf))
		return res_errno(out, errno);
	n = detect_caps(a->root, (uint32_t)sf.f_type, buf, sizeof(buf));
	if (n < 0)
		return res_errno(out, -n);
	pbuf_puts(out, " data ");
	pbuf_hex(out, (const unsigned char *)buf, (size_t)n);
	return 0;
}

static int do_uid(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	if (setgroups(0, NULL) && errno != EPERM)
		return res_errno(out, errno);
	if (setresgid(g->gid, g->gid, g->gid))
		return res_errno(out, errno);
	return res_ok(out, setresuid(g->uid, g->uid, g->uid));
}

/* ---- descriptors ---- */
static int do_open(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_fd(out, open(g->path, g->flags, g->mode));
}

static int do_close(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, close(g->fd));
}

static int do_dup(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_fd(out, dup(g->fd));
}

static int put_read(struct pbuf *out, struct actor_args *g, bool positioned)
{
	unsigned char *buf = malloc(g->len ? (size_t)g->len : 1);
	ssize_t n;

	if (!buf)
		return res_errno(out, ENOMEM);
	if (positioned)
		n = pread(g->fd, buf, (size_t)g->len, g->off);
	else
		n = read(g->fd, buf, (size_t)g->len);
	if (n < 0) {
		res_errno(out, errno);
	} else {
		pbuf_puts(out, " data ");
		pbuf_hex(out, buf, (size_t)n);
	}
	free(buf);
	return 0;
}

static int do_read(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return put_read(out, g, false);
}

static int do_pread(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return put_read(out, g, true);
}

static int do_write(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, write(g->fd, g->data, g->dlen));
}

static int do_pwrite(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, pwrite(g->fd, g->data, g->dlen, g->off));
}

static int do_lseek(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, lseek(g->fd, g->off, g->whence));
}

#define POLL_ALL (POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | \
		  POLLWRNORM | POLLWRBAND | POLLRDHUP)

static int do_poll(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct pollfd p = { .fd = g->fd, .events = POLL_ALL };
	int n;

	(void)a;
	n = poll(&p, 1, g->timeout);
	if (n < 0)
		return res_errno(out, errno);
	pbuf_printf(out, " mask %u", n ? (unsigned)p.revents : 0u);
	return 0;
}

static int do_epoll(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM |
			  EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLRDHUP,
	};
	int ep = epoll_create1(EPOLL_CLOEXEC), n, err;

	(void)a;
	if (ep < 0)
		return res_errno(out, errno);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, g->fd, &ev)) {
		err = errno;
		close(ep);
		return res_errno(out, err);
	}
	memset(&ev, 0, sizeof(ev));
	n = epoll_wait(ep, &ev, 1, g->timeout);
	err = errno;
	close(ep);
	if (n < 0)
		return res_errno(out, err);
	pbuf_printf(out, " mask %u", n ? (unsigned)ev.events : 0u);
	return 0;
}

/* the kernel's O_LARGEFILE (glibc's is 0 on 64-bit), forced on 64-bit */
#if defined(__aarch64__) || defined(__arm__)
#define KERNEL_O_LARGEFILE 0400000
#elif defined(__powerpc__)
#define KERNEL_O_LARGEFILE 0200000
#elif defined(__mips__)
#define KERNEL_O_LARGEFILE 0x2000
#elif defined(__sparc__)
#define KERNEL_O_LARGEFILE 0x40000
#elif defined(__hppa__)
#define KERNEL_O_LARGEFILE 000004000
#else
#define KERNEL_O_LARGEFILE 0100000
#endif

static int do_getfl(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	char buf[256];
	int fl = fcntl(g->fd, F_GETFL);

	(void)a;
	if (fl < 0)
		return res_errno(out, errno);
	/* the kernel adds O_LARGEFILE on 64-bit; never part of the answer */
	scn_format_flags(fl & ~(O_LARGEFILE | KERNEL_O_LARGEFILE), buf,
			 sizeof(buf));
	pbuf_printf(out, " flags %s", buf);
	return 0;
}

static int do_ftruncate(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, ftruncate(g->fd, g->len));
}

static int do_fsync(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	(void)a;
	return res_ok(out, fsync(g->fd));
}

static int do_mmap(struct actor *a, struct actor_args *g, struct pbuf *out)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	(void)a;
	p = mmap(NULL, (size_t)page, PROT_READ,
		 g->shared ? MAP_SHARED : MAP_PRIVATE, g->fd, 0);
	if (p == MAP_FAILED)
		return res_errno(out, errno);
	munmap(p, (size_t)page);
	return res_ok(out, 0);
}

const struct actor_verb actor_verb_table[] = {
	{ "mkdir", "pM", do_mkdir },	{ "rmdir", "p", do_rmdir },
	{ "open", "pfM", do_open },	{ "close", "d", do_close },
	{ "dup", "d", do_dup },		{ "read", "dl", do_read },
	{ "pread", "dlo", do_pread },	{ "write", "dx", do_write },
	{ "pwrite", "dxo", do_pwrite },	{ "lseek", "dow", do_lseek },
	{ "poll", "dT", do_poll },	{ "epoll", "dT", do_epoll },
	{ "getfl", "d", do_getfl },	{ "stat", "p", do_stat },
	{ "fstat", "d", do_fstat },	{ "statfs", "p", do_statfs },
	{ "truncate", "pL", do_truncate },
	{ "ftruncate", "dL", do_ftruncate },
	{ "chmod", "pM", do_chmod },	{ "chown", "pug", do_chown },
	{ "unlink", "p", do_unlink },	{ "rename", "pq", do_rename },
	{ "link", "pq", do_link },	{ "symlink", "Sq", do_symlink },
	{ "mknod", "pt", do_mknod },	{ "readdir", "p", do_readdir },
	{ "fsync", "d", do_fsync },	{ "mmap", "ds", do_mmap },
	{ "caps", "", do_caps },	{ "uid", "ug", do_uid },
	{ NULL, NULL, NULL }
};
