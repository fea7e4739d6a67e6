/* SPDX-License-Identifier: MIT */
/*
 * scn_names.c - the scenario language's names: errno (every Linux name),
 * open flags, poll bits, whence, mknod and stat types, DLM modes, event
 * kinds. Linux values, so a real target can pass them straight through.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dm.h"
#include "scn.h"

#define ERRNO_RESTARTSYS 512	/* kernel-internal; a model may report it */

#define E(x) { #x, x }
static const struct scn_name errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
	E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
	E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK),
	E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ECHRNG),
	E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI),
	E(EL2HLT), E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC),
	E(EBADSLT), E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR),
	E(ENONET), E(ENOPKG), E(EREMOTE), E(ENOLINK), E(EADV), E(ESRMNT),
	E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT), E(EBADMSG),
	E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC),
	E(ELIBBAD), E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ),
	E(ERESTART), E(ESTRPIPE), E(EUSERS), E(ENOTSOCK), E(EDESTADDRREQ),
	E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
	E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN),
	E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY),
	E(EINPROGRESS), E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL),
	E(EISNAM), E(EREMOTEIO), E(EDQUOT), E(ENOMEDIUM), E(EMEDIUMTYPE),
	E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED),
	E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON),
	/* aliases after the canonical names, so printing picks those */
	E(EWOULDBLOCK), E(EDEADLOCK), E(ENOTSUP),
	{ "ERESTARTSYS", ERRNO_RESTARTSYS },
	{ NULL, 0 }
};
#undef E

const struct scn_name scn_flag_names[] = {
	{ "rdonly", O_RDONLY }, { "wronly", O_WRONLY }, { "rdwr", O_RDWR },
	{ "accmode3", O_ACCMODE },
	{ "creat", O_CREAT }, { "excl", O_EXCL }, { "nonblock", O_NONBLOCK },
	{ "append", O_APPEND }, { "trunc", O_TRUNC }, { "direct", O_DIRECT },
	{ "tmpfile", O_TMPFILE }, { "directory", O_DIRECTORY },
	{ "nofollow", O_NOFOLLOW }, { "noatime", O_NOATIME },
	{ "cloexec", O_CLOEXEC }, { "sync", O_SYNC },
	{ "largefile", O_LARGEFILE }, { "noctty", O_NOCTTY },
	{ NULL, 0 }
};

const struct scn_name scn_mask_names[] = {
	{ "in", POLLIN }, { "pri", POLLPRI }, { "out", POLLOUT },
	{ "err", POLLERR }, { "hup", POLLHUP }, { "nval", POLLNVAL },
	{ "rdnorm", POLLRDNORM }, { "rdband", POLLRDBAND },
	{ "wrnorm", POLLWRNORM }, { "wrband", POLLWRBAND },
	{ "rdhup", POLLRDHUP },
	{ NULL, 0 }
};

const struct scn_name scn_whence_names[] = {
	{ "set", SEEK_SET }, { "cur", SEEK_CUR }, { "end", SEEK_END },
	{ NULL, 0 }
};

const struct scn_name scn_mknod_names[] = {
	{ "reg", S_IFREG }, { "fifo", S_IFIFO }, { "chr", S_IFCHR },
	{ "blk", S_IFBLK }, { "sock", S_IFSOCK },
	{ NULL, 0 }
};

/* stat type= values */
const struct scn_name scn_type_names[] = {
	{ "reg", S_IFREG }, { "dir", S_IFDIR }, { "lnk", S_IFLNK },
	{ "fifo", S_IFIFO }, { "chr", S_IFCHR }, { "blk", S_IFBLK },
	{ "sock", S_IFSOCK },
	{ NULL, 0 }
};

const struct scn_name scn_dlm_mode_names[] = {
	{ "nl", DM_NL }, { "pr", DM_PR }, { "ex", DM_EX },
	{ NULL, 0 }
};

const struct scn_name scn_ev_names[] = {
	{ "ast", SCN_EV_AST }, { "unlock-ast", SCN_EV_UNLOCK_AST },
	{ "bast", SCN_EV_BAST }, { "work", SCN_EV_WORK },
	{ "wake", SCN_EV_WAKE },
	{ NULL, 0 }
};

int scn_name_lookup(const struct scn_name *t, const char *name, int *value)
{
	for (; t->name; t++) {
		if (!strcmp(t->name, name)) {
			*value = t->value;
			return 0;
		}
	}
	return -ENOENT;
}

const char *scn_name_of(const struct scn_name *t, int value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

const char *scn_errno_name(int err)
{
	return scn_name_of(errno_names, err);
}

int scn_errno_value(const char *name)
{
	int v;

	return scn_name_lookup(errno_names, name, &v) ? 0 : v;
}
