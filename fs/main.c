// SPDX-License-Identifier: MIT
/*
 * main.c - dlmfs-fuse [options] MOUNTPOINT...: mount node k at the k-th
 * mountpoint, run one loop thread per session, and keep the main thread
 * for signals, the control socket, unlink deadlines and shutdown.
 *
 * Invoked as `dlmfs` (the name mount.fuse3 runs for `mount -t fuse.dlmfs`),
 * the command line is SOURCE MOUNTPOINT [-o OPTIONS]: SOURCE is ignored,
 * MOUNTPOINT is node 1 and -o peers=DIR:DIR... adds nodes 2..N.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dlmfs_fuse.h"
#if __has_include("dlmfs_paths.h")
#include "dlmfs_paths.h"	/* DLMFS_PKGLIBDIR, from man/man.mk */
#endif

#define OPT(t, f, v) { t, offsetof(struct dfs_opts, f), v }

enum {
	KEY_PEERS = 1,		/* peers=DIR[:DIR...] */
};

static const struct fuse_opt dfs_optspec[] = {
	OPT("profile=%s", profile, 0),
	OPT("ctl=%s", ctl, 0),
	OPT("strict_signals", strict_signals, 1),
	OPT("check_invariants", check_invariants, 1),
	OPT("plant_bugs=%u", plant_bugs, 0),
	OPT("allow_other", allow_other, 1),
	OPT("default_permissions", default_permissions, 1),
	OPT("-f", foreground, 1),
	OPT("-d", debug, 1),
	OPT("debug", debug, 1),
	OPT("-h", help, 1),
	OPT("--help", help, 1),
	OPT("-V", version, 1),
	OPT("--version", version, 1),
	FUSE_OPT_KEY("peers=", KEY_PEERS),
	FUSE_OPT_END
};

/* generic mount flags, handed to every node's FUSE mount */
static const char *const mount_flags[] = {
	"rw", "ro", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
	"async", "sync", "dirsync", "atime", "noatime", "diratime",
	"nodiratime", "lazytime", "nolazytime", "relatime", "norelatime",
	"strictatime", "nostrictatime", NULL
};

/* fstab words for mount(8) and mount.fuse3 only; x-* and comment= too */
static const char *const ignored_opts[] = {
	"defaults", "auto", "noauto", "user", "users", "nouser", "owner",
	"group", "nofail", "_netdev", NULL
};

static char fwd_opts[512];		/* the mount_flags given, in order */
static char *peers[DM_MAX_NODES];	/* -o peers=, appended after parsing */
static int npeers;

static void usage(FILE *f)
{
	const struct dm_profile *p;

	fprintf(f,
"usage: dlmfs-fuse [options] MOUNTPOINT...   (node k = k-th mountpoint)\n"
"       dlmfs SOURCE MOUNTPOINT [-o OPTIONS] (run by mount -t fuse.dlmfs;\n"
"                                             SOURCE is ignored)\n"
"       dlmfs-fuse --ctl PATH crash N|restart N|status|caps\n"
"       dlmfs-fuse --o2dlm-env   print the LD_PRELOAD line libo2dlm programs\n"
"                                need on a dlmfs-fuse mount (libdlmfs-compat.so)\n"
"options:\n"
"  -f                      stay in the foreground (default: daemonize)\n"
"  -d, -o debug            FUSE debug output, implies -f (default: off)\n"
"  -h, --help              this text\n"
"  -V, --version           print the version and exit\n"
"  -o profile=NAME         kernel era x stack (default: %s)\n"
"  -o peers=DIR[:DIR...]   more nodes of this cluster, after the\n"
"                          MOUNTPOINTs (default: none)\n"
"  -o ctl=PATH             control socket: crash/restart nodes, status\n"
"                          (default: none)\n"
"  -o strict_signals       kernel-exact O4: a signal never ends a wait\n"
"                          (default: off, a signal ends it with EINTR)\n"
"  -o check_invariants     check DLM invariants after every settle, abort\n"
"                          on a violation (default: off)\n"
"  -o allow_other          let other users in (default: off)\n"
"  -o default_permissions  the kernel checks modes (default: off, the\n"
"                          model does)\n"
"  -o plant_bugs=MASK      model bugs (DM_BUG_* bits), to test the\n"
"                          checker (default: 0)\n"
"  -o rw|ro|[no]suid|[no]dev|[no]exec|[no]atime|...\n"
"                          mount flags for every node; also async, sync,\n"
"                          dirsync, [no]diratime, [no]lazytime,\n"
"                          [no]relatime, [no]strictatime (default: rw,\n"
"                          nosuid,nodev)\n"
"  -o defaults|noauto|nofail|_netdev|x-*|...\n"
"                          fstab words, accepted and ignored; also auto,\n"
"                          user, users, nouser, owner, group, comment=\n"
"profiles:\n", DM_PROFILE_DEFAULT);
	for (p = dm_profiles; p->name; p++)
		fprintf(f, "  %-14s %s\n", p->name, p->summary);
}

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static int add_peers(struct dfs_opts *ps, const char *list)
{
	char *copy = strdup(list), *save = NULL, *dir;
	int rc = 0;

	if (!copy)
		return -1;
	for (dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		if (npeers == DM_MAX_NODES) {
			fprintf(stderr, "dlmfs-fuse: at most %d nodes (mountpoints and peers)\n",
				DM_MAX_NODES);
			rc = -1;
			break;
		}
		peers[npeers] = strdup(dir);
		if (!peers[npeers]) {
			rc = -1;
			break;
		}
		npeers++;
	}
	if (!rc && !npeers) {
		fprintf(stderr, "dlmfs-fuse: peers= names no directory\n");
		rc = -1;
	}
	free(copy);
	ps->bad |= rc != 0;
	return rc;
}

static int add_flag(struct dfs_opts *ps, const char *flag)
{
	size_t len = strlen(fwd_opts);

	if (len + strlen(flag) + 2 > sizeof(fwd_opts)) {
		fprintf(stderr, "dlmfs-fuse: too many mount flags\n");
		ps->bad = 1;
		return -1;
	}
	snprintf(fwd_opts + len, sizeof(fwd_opts) - len, ",%s", flag);
	return 0;
}

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct dfs_opts *ps = data;

	(void)outargs;
	if (key == KEY_PEERS)
		return add_peers(ps, arg + strlen("peers="));
	if (key == FUSE_OPT_KEY_OPT && in_list(mount_flags, arg))
		return add_flag(ps, arg);
	if (key == FUSE_OPT_KEY_OPT && (in_list(ignored_opts, arg) ||
					!strncmp(arg, "x-", 2) ||
					!strncmp(arg, "comment=", 8)))
		return 0;
	if (key == FUSE_OPT_KEY_NONOPT && ps->nmnt < DM_MAX_NODES) {
		ps->mnt[ps->nmnt++] = strdup(arg);
		return 0;
	}
	if (key == FUSE_OPT_KEY_NONOPT)
		fprintf(stderr, "dlmfs-fuse: at most %d mountpoints (nodes)\n",
			DM_MAX_NODES);
	else
		fprintf(stderr, "dlmfs-fuse: unknown option '%s' (see -h)\n",
			arg);
	ps->bad = 1;
	return -1;
}

static void on_usr2(int sig)
{
	(void)sig;	/* only interrupts a loop thread's read */
}

static void *loop_thread(void *arg)
{
	struct dfs_node *nd = arg;
	struct fuse_buf buf;
	ssize_t n;
	int r;

	memset(&buf, 0, sizeof(buf));
	while (!fuse_session_exited(nd->se)) {
		r = fuse_session_receive_buf(nd->se, &buf);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			break;	/* unmounted (0) or a device error */
		fuse_session_process_buf(nd->se, &buf);
	}
	free(buf.mem);
	nd->thread_done = 1;
	n = write(nd->d->wake_pipe[1], "x", 1);	/* 'x': a session ended */
	(void)n;
	return NULL;
}

static int mount_node(struct dfs *d, int k, const char *argv0)
{
	struct dfs_node *nd = &d->node[k];
	char opts[1024];
	char *av[5];
	int ac = 0;
	struct fuse_args a;

	snprintf(opts, sizeof(opts), "subtype=dlmfs,fsname=dlmfs-n%d%s%s%s",
		 k + 1, d->o.allow_other ? ",allow_other" : "",
		 d->o.default_permissions ? ",default_permissions" : "",
		 fwd_opts);
	av[ac++] = (char *)argv0;
	av[ac++] = (char *)"-o";
	av[ac++] = opts;
	if (d->o.debug)
		av[ac++] = (char *)"-d";
	av[ac] = NULL;
	a = (struct fuse_args)FUSE_ARGS_INIT(ac, av);
	nd->se = fuse_session_new(&a, &dfs_ops, sizeof(dfs_ops), nd);
	fuse_opt_free_args(&a);
	if (!nd->se) {
		fprintf(stderr, "dlmfs-fuse: n%d: cannot create a FUSE session\n",
			k + 1);
		return -1;
	}
	if (fuse_session_mount(nd->se, nd->mountpoint)) {
		fprintf(stderr, "dlmfs-fuse: n%d: cannot mount %s\n", k + 1,
			nd->mountpoint);
		fuse_session_destroy(nd->se);
		nd->se = NULL;
		return -1;
	}
	return 0;
}

/* fail every waiter, stop the loops, unmount every node */
static void shutdown_all(struct dfs *d)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int k;

	dfs_lock(d);
	d->shutting_down = true;
	dfs_fail_all(d, EIO);
	dfs_settle(d);
	dfs_unlock(d);
	for (k = 0; k < d->nnodes; k++)
		if (d->node[k].se)
			fuse_session_exit(d->node[k].se);
	for (k = 0; k < d->nnodes; k++) {
		struct dfs_node *nd = &d->node[k];

		if (!nd->thread_started)
			continue;
		/* a signal can slip in before read() blocks: repeat it */
		while (!nd->thread_done) {
			pthread_kill(nd->thread, SIGUSR2);
			nanosleep(&ts, NULL);
		}
		pthread_join(nd->thread, NULL);
	}
	dfs_lock(d);
	dfs_fail_all(d, EIO);	/* none expected: handlers saw shutting_down */
	dfs_unlock(d);
	for (k = 0; k < d->nnodes; k++) {
		if (!d->node[k].se)
			continue;
		fuse_session_unmount(d->node[k].se);
		fuse_session_destroy(d->node[k].se);
		d->node[k].se = NULL;
	}
}

/* the wake pipe carries 'x' (a loop thread ended) or 'k' (new deadline) */
static bool session_ended(struct dfs *d)
{
	char buf[64];
	ssize_t n, i;

	n = read(d->wake_pipe[0], buf, sizeof(buf));
	for (i = 0; i < n; i++)
		if (buf[i] == 'x')
			return true;
	return false;
}

static void main_loop(struct dfs *d, int sfd, int lfd)
{
	struct signalfd_siginfo si;
	struct pollfd p[3];
	int np, to;
	ssize_t n;

	for (;;) {
		p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = d->wake_pipe[0], .events = POLLIN };
		np = 2;
		if (lfd >= 0)
			p[np++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		dfs_lock(d);
		to = dfs_next_deadline_ms(d);
		dfs_unlock(d);
		if (poll(p, (nfds_t)np, to) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			n = read(sfd, &si, sizeof(si));
			(void)n;
			break;
		}
		if (p[1].revents && session_ended(d))
			break;	/* unmounted from outside */
		if (np > 2 && p[2].revents)
			dfs_ctl_serve(d, lfd);
		dfs_lock(d);
		dfs_retry_unlinks(d, -1);
		dfs_unlock(d);
	}
}

static int run(struct dfs *d, const char *argv0)
{
	struct sigaction sa;
	sigset_t set;
	int k, sfd = -1, lfd = -1, ret = 1;

	if (d->o.ctl) {
		lfd = dfs_ctl_listen(d->o.ctl);
		if (lfd < 0)
			return 1;
	}
	if (pipe2(d->wake_pipe, O_CLOEXEC | O_NONBLOCK)) {
		perror("dlmfs-fuse: pipe");
		goto out;
	}
	for (k = 0; k < d->nnodes; k++)
		if (mount_node(d, k, argv0))
			goto out;
	if (fuse_daemonize(d->o.foreground || d->o.debug))
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;	/* no SA_RESTART: read() returns EINTR */
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* threads inherit it */
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("dlmfs-fuse: signalfd");
		goto out;
	}
	for (k = 0; k < d->nnodes; k++) {
		if (pthread_create(&d->node[k].thread, NULL, loop_thread,
				   &d->node[k])) {
			fprintf(stderr, "dlmfs-fuse: cannot start threads\n");
			goto out;
		}
		d->node[k].thread_started = true;
	}
	main_loop(d, sfd, lfd);
	ret = 0;
out:
	shutdown_all(d);
	if (sfd >= 0)
		close(sfd);
	if (lfd >= 0) {
		close(lfd);
		unlink(d->o.ctl);
	}
	return ret;
}

/* `dlmfs-fuse --ctl PATH CMD [N]`: a malformed request is exit 2, here */
static int ctl_main(int argc, char **argv)
{
	static const char ctl_usage[] =
		"dlmfs-fuse: usage: --ctl PATH crash N|restart N|status|caps\n";
	const char *cmd = argc >= 4 ? argv[3] : "";
	bool needs_node = !strcmp(cmd, "crash") || !strcmp(cmd, "restart");
	bool plain = !strcmp(cmd, "status") || !strcmp(cmd, "caps");

	if (argc < 4 || !argv[2][0] || (!needs_node && !plain)) {
		if (argc >= 4 && !needs_node && !plain)
			fprintf(stderr, "dlmfs-fuse: unknown ctl command '%s' (crash N, restart N, status, caps)\n",
				cmd);
		else
			fputs(ctl_usage, stderr);
		return 2;
	}
	if (argc != (needs_node ? 5 : 4)) {
		fprintf(stderr, "dlmfs-fuse: ctl %s takes %s\n", cmd,
			needs_node ? "one node (1..N or n1..nN)" : "no argument");
		return 2;
	}
	return dfs_ctl_client(argv[2], argc - 3, argv + 3);
}

/* the name mount.fuse3 runs for type fuse.dlmfs */
static bool helper_mode(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	return !strcmp(base ? base + 1 : argv0, "dlmfs");
}

/* positional SOURCE MOUNTPOINT as a mount helper; peers after the rest */
static int fix_mountpoints(struct dfs_opts *ps, bool helper)
{
	int k;

	if (helper && ps->nmnt == 2) {
		free(ps->mnt[0]);	/* SOURCE: any word, e.g. dlmfs or none */
		ps->mnt[0] = ps->mnt[1];
		ps->mnt[1] = NULL;
		ps->nmnt = 1;
	} else if (helper && ps->nmnt > 2) {
		fprintf(stderr, "dlmfs-fuse: as dlmfs: SOURCE MOUNTPOINT only; more nodes with -o peers=DIR:DIR\n");
		return -1;
	}
	if (!ps->nmnt) {
		fprintf(stderr, "dlmfs-fuse: no mountpoint (see -h)\n");
		return -1;
	}
	if (ps->nmnt + npeers > DM_MAX_NODES) {
		fprintf(stderr, "dlmfs-fuse: at most %d nodes (mountpoints and peers)\n",
			DM_MAX_NODES);
		return -1;
	}
	for (k = 0; k < npeers; k++) {
		ps->mnt[ps->nmnt++] = peers[k];
		peers[k] = NULL;
	}
	npeers = 0;
	return 0;
}

/* the daemon chdirs to / : a relative ctl=PATH must not move with it */
static int absolute_ctl(struct dfs_opts *ps)
{
	char cwd[PATH_MAX], *abs;

	if (!ps->ctl || ps->ctl[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    asprintf(&abs, "%s/%s", cwd, ps->ctl) < 0) {
		fprintf(stderr, "dlmfs-fuse: ctl=%s: cannot make it absolute\n",
			ps->ctl);
		return -1;
	}
	free((char *)ps->ctl);
	ps->ctl = abs;
	return 0;
}

/*
 * `dlmfs-fuse --o2dlm-env`: libo2dlm only accepts a mount whose statfs type
 * is dlmfs's; libdlmfs-compat.so makes a dlmfs-fuse mount say so. Look for
 * it beside this program (a build tree), then where make install put it.
 */
static int o2dlm_env_main(int argc)
{
	static const char *const rel[] = { "libdlmfs-compat.so",
					   "../lib/dlmfs-lab/libdlmfs-compat.so" };
	char self[PATH_MAX], cand[PATH_MAX + 64], found[PATH_MAX];
	ssize_t n;
	size_t i;
	char *slash;

	if (argc != 2) {
		fprintf(stderr, "dlmfs-fuse: --o2dlm-env takes no arguments\n");
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(cand, sizeof(cand), "%s/%s", self, rel[i]);
			if (!access(cand, R_OK) && realpath(cand, found))
				goto print;
		}
	}
#ifdef DLMFS_PKGLIBDIR
	if (!access(DLMFS_PKGLIBDIR "/libdlmfs-compat.so", R_OK) &&
	    realpath(DLMFS_PKGLIBDIR "/libdlmfs-compat.so", found))
		goto print;
#endif
	fprintf(stderr, "dlmfs-fuse: libdlmfs-compat.so not found beside %s or in its ../lib/dlmfs-lab\n",
		n > 0 ? self : "this program");
	return 1;
print:
	printf("export LD_PRELOAD=%s\n", found);
	return 0;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	const struct dm_profile *prof;
	struct dfs_opts *ps;
	struct dfs *d;
	int k, ret = 2;

	if (argc >= 2 && !strcmp(argv[1], "--ctl"))
		return ctl_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "--o2dlm-env"))
		return o2dlm_env_main(argc);
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	dfs_init(d);
	ps = &d->o;
	if (fuse_opt_parse(&args, &d->o, dfs_optspec, opt_proc) || ps->bad)
		goto out;
	if (d->o.help) {
		usage(stdout);
		ret = 0;
		goto out;
	}
	if (d->o.version) {
		printf("dlmfs-fuse %s (libfuse %s, FUSE API %d)\n", DFS_VERSION,
		       fuse_pkgversion(), FUSE_USE_VERSION);
		ret = 0;
		goto out;
	}
	prof = dm_profile_find(d->o.profile ? d->o.profile : DM_PROFILE_DEFAULT);
	if (!prof) {
		fprintf(stderr, "dlmfs-fuse: unknown profile '%s' (see -h)\n",
			d->o.profile);
		goto out;
	}
	if (fix_mountpoints(ps, helper_mode(argv[0])) || absolute_ctl(ps))
		goto out;
	for (k = 0; k < ps->nmnt; k++) {
		d->node[k].d = d;
		d->node[k].idx = k;
		/* mount.fuse3 -o drop_privileges hands over /dev/fd/N */
		if (!strncmp(ps->mnt[k], "/dev/fd/", 8))
			d->node[k].mountpoint = strdup(ps->mnt[k]);
		else
			d->node[k].mountpoint = realpath(ps->mnt[k], NULL);
		if (!d->node[k].mountpoint) {
			fprintf(stderr, "dlmfs-fuse: mountpoint %s: %s\n",
				ps->mnt[k], strerror(errno));
			goto out;
		}
	}
	d->nnodes = ps->nmnt;
	d->m = dm_new(prof, d->nnodes);
	if (!d->m) {
		fprintf(stderr, "dlmfs-fuse: cannot create the model\n");
		ret = 1;
		goto out;
	}
	dm_notes_enable(d->m, true);
	dm_set_bugs(d->m, d->o.plant_bugs);
	ret = run(d, argv[0]);
out:
	for (k = 0; k < ps->nmnt; k++) {
		free(ps->mnt[k]);
		free(d->node[k].mountpoint);
	}
	for (k = 0; k < npeers; k++)
		free(peers[k]);
	dfs_free_all(d);
	dm_free(d->m);
	if (d->wake_pipe[0] >= 0) {
		close(d->wake_pipe[0]);
		close(d->wake_pipe[1]);
	}
	pthread_mutex_destroy(&d->lock);
	free((char *)d->o.profile);
	free((char *)d->o.ctl);
	fuse_opt_free_args(&args);
	free(d);
	return ret;
}
