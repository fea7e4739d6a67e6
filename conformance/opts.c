/* SPDX-License-Identifier: MIT */
/*
 * opts.c - dlmfs-conform's command line. Every option has a default shown
 * by -h; anything unknown or malformed is one line and exit status 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform.h"
#include "dm.h"

void conf_usage(FILE *f)
{
	fprintf(f,
"usage: dlmfs-conform [OPTIONS] [SCENARIO.scn|DIR...]\n"
"Run the scenario corpus against a target; each scenario is one cmocka test\n"
"(CMOCKA_MESSAGE_OUTPUT=STDOUT|SUBUNIT|TAP|XML, CMOCKA_XML_FILE=PATH).\n"
"\n"
"Target (default: --target model when no --node is given):\n"
"  --target model        the in-process model (what `make check` runs)\n"
"  --node PATH           a mounted dlmfs for the next node (n1, n2, ...):\n"
"                        actors are processes forked here (repeatable;\n"
"                        default: none, i.e. --target model)\n"
"  --node exec:COMMAND   a node reached through dlmfs-agent, e.g.\n"
"                        'exec:ssh host2 dlmfs-agent /dlm' (repeatable)\n"
"  --oracle model        run the model beside a real target, step for step,\n"
"                        and report the first divergence (default: off)\n"
"\n"
"Selection:\n"
"  --list                list the selected scenarios and exit (default: run\n"
"                        them)\n"
"  --filter GLOB         only scenarios whose name matches GLOB (default: all)\n"
"  --rule ID             only scenarios pinning rule ID (repeatable;\n"
"                        default: every rule)\n"
"  --profile NAME        the kernel era the target should match; selects\n"
"                        the scenarios that apply (default: model: each\n"
"                        scenario's own; real: linux-6, or linux-6-user on\n"
"                        the user stack)\n"
"  --repeat N            run every scenario N times (default: 1)\n"
"\n"
"Real targets:\n"
"  --block-ms N          an `&` call must still be blocked after N ms\n"
"                        (default: %d)\n"
"  --timeout-ms N        a call that must complete gets N ms (default: %d)\n"
"  --settle-ms N         pause after a statement that may cause cluster\n"
"                        traffic, multi-node scenarios only (default: the\n"
"                        --block-ms value)\n"
"  --stack o2cb|user     the cluster stack (default: detected, else o2cb)\n"
"  --fuse-ctl PATH       the control socket of the dlmfs-fuse serving the\n"
"                        --node mounts (-o ctl=PATH): crash/restart become\n"
"                        possible (`requires: faults`), and its profile is\n"
"                        the default (default: none)\n"
"  --fault-cmd CMD       crash and restart nodes with `CMD crash K` and\n"
"                        `CMD restart K` (sh -c, K = 1..N; exit 0 = done;\n"
"                        restart returns once the node serves again): offers\n"
"                        `requires: faults` (default: none)\n"
"  --allow-hangs         run `requires: hangs` scenarios (default: skip;\n"
"                        a process in D state cannot be killed)\n"
"  --compat PATH         actors on dlmfs-fuse nodes run with LD_PRELOAD=PATH\n"
"                        (libdlmfs-compat.so: the kernel-VFS corners FUSE\n"
"                        cannot express; compat/README.md) (default: the\n"
"                        libdlmfs-compat.so next to dlmfs-conform, if any)\n"
"  --no-compat           actors on dlmfs-fuse nodes run without it\n"
"                        (default: off)\n"
"  --epoll               check `poll` statements with epoll_wait (default:\n"
"                        poll)\n"
"\n"
"  -v, --verbose         print every statement with its result (default:\n"
"                        one line per scenario)\n"
"  -h, --help            this text\n"
"Exit status: 0 all selected scenarios passed or were skipped, 1 a\n"
"scenario failed, 2 bad usage.\n", REAL_BLOCK_MS, REAL_TIMEOUT_MS);
}

static int add_file(struct conf_opts *o, const char *path)
{
	char **n = realloc(o->files, (size_t)(o->nfiles + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	o->files = n;
	o->files[o->nfiles] = strdup(path);
	if (!o->files[o->nfiles])
		return -ENOMEM;
	o->nfiles++;
	return 0;
}

static int is_scn(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".scn");
}

/* a directory stands for its *.scn files, sorted */
static int add_path(struct conf_opts *o, const char *path)
{
	struct dirent **ents;
	struct stat st;
	size_t len = strlen(path);
	char *p;
	int n, rc = 0;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return add_file(o, path);	/* a bad file fails its test */
	while (len > 1 && path[len - 1] == '/')
		len--;
	n = scandir(path, &ents, is_scn, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (!rc && asprintf(&p, "%.*s/%s", (int)len, path,
				    ents[i]->d_name) >= 0) {
			rc = add_file(o, p);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int num_arg(const char *opt, const char *v, int min, int *out,
		   FILE *err)
{
	char *end;
	long x;

	errno = 0;
	x = v ? strtol(v, &end, 10) : 0;
	if (!v || errno || end == v || *end || x < min || x > 3600000) {
		fprintf(err, "dlmfs-conform: %s needs a number >= %d, got '%s'\n",
			opt, min, v ? v : "");
		return 2;
	}
	*out = (int)x;
	return 0;
}

static int bad(FILE *err, const char *fmt, const char *a)
{
	fprintf(err, "dlmfs-conform: ");
	fprintf(err, fmt, a);
	fprintf(err, " (-h lists the options)\n");
	return 2;
}

/* libdlmfs-compat.so beside this program, else say where it was sought */
static void default_compat(struct conf_opts *o)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		snprintf(o->compat_why, sizeof(o->compat_why), "no "
			 "/proc/self/exe to find " COMPAT_SO " beside; --compat "
			 "PATH");
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(o->compat_buf, sizeof(o->compat_buf), "%.*s/" COMPAT_SO,
		 slash ? (int)(slash - self) : 1, slash ? self : ".");
	if (!access(o->compat_buf, R_OK)) {
		o->real.compat = o->compat_buf;
		return;
	}
	snprintf(o->compat_why, sizeof(o->compat_why), "%s not found; "
		 "--compat PATH", o->compat_buf);
	o->compat_buf[0] = '\0';
}

int conf_parse_opts(int argc, char **argv, struct conf_opts *o, FILE *out,
		    FILE *err)
{
	bool settle_set = false, no_compat = false;
	const char *target = NULL;

	memset(o, 0, sizeof(*o));
	o->real.block_ms = REAL_BLOCK_MS;
	o->real.timeout_ms = REAL_TIMEOUT_MS;
	o->repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			conf_usage(out);
			return 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
			continue;
		} else if (!strcmp(a, "--list")) {
			o->list = true;
			continue;
		} else if (!strcmp(a, "--allow-hangs")) {
			o->real.allow_hangs = true;
			continue;
		} else if (!strcmp(a, "--epoll")) {
			o->real.epoll = true;
			continue;
		} else if (!strcmp(a, "--no-compat")) {
			no_compat = true;
			continue;
		} else if (a[0] != '-' || !a[1]) {
			if (add_path(o, a))
				return bad(err, "cannot read '%s'", a);
			continue;
		}
		/* options with a value */
		if (!v)
			return bad(err, "%s needs a value", a);
		i++;
		if (!strcmp(a, "--target")) {
			if (strcmp(v, "model"))
				return bad(err, "unknown target '%s' (model, or "
					   "use --node)", v);
			target = v;
		} else if (!strcmp(a, "--node")) {
			if (o->real.nnodes == SCN_NODES_MAX)
				return bad(err, "at most 8 --node options%s", "");
			if (!strcmp(v, "exec:") || !*v)
				return bad(err, "--node '%s' names nothing", v);
			o->real.nodes[o->real.nnodes++] = v;
		} else if (!strcmp(a, "--oracle")) {
			if (strcmp(v, "model"))
				return bad(err, "unknown oracle '%s' (model)", v);
			o->oracle = true;
		} else if (!strcmp(a, "--filter")) {
			o->filter = v;
		} else if (!strcmp(a, "--rule")) {
			if (o->nrules == CONF_RULES_MAX)
				return bad(err, "too many --rule options%s", "");
			o->rules[o->nrules++] = v;
		} else if (!strcmp(a, "--profile")) {
			if (!dm_profile_find(v))
				return bad(err, "unknown profile '%s'", v);
			o->profile = v;
		} else if (!strcmp(a, "--fuse-ctl")) {
			o->real.fuse_ctl = v;
		} else if (!strcmp(a, "--fault-cmd")) {
			o->real.fault_cmd = v;
		} else if (!strcmp(a, "--compat")) {
			if (!realpath(v, o->compat_buf) ||
			    access(o->compat_buf, R_OK))
				return bad(err, "--compat: cannot read '%s'", v);
			o->real.compat = o->compat_buf;
		} else if (!strcmp(a, "--stack")) {
			if (strcmp(v, "o2cb") && strcmp(v, "user"))
				return bad(err, "unknown stack '%s' (o2cb|user)",
					   v);
			o->real.stack = v;
		} else if (!strcmp(a, "--repeat")) {
			rc = num_arg(a, v, 1, &o->repeat, err);
		} else if (!strcmp(a, "--block-ms")) {
			rc = num_arg(a, v, 1, &o->real.block_ms, err);
		} else if (!strcmp(a, "--timeout-ms")) {
			rc = num_arg(a, v, 1, &o->real.timeout_ms, err);
		} else if (!strcmp(a, "--settle-ms")) {
			rc = num_arg(a, v, 0, &o->real.settle_ms, err);
			settle_set = true;
		} else {
			return bad(err, "unknown option '%s'", a);
		}
		if (rc)
			return rc;
	}
	if (!settle_set)
		o->real.settle_ms = o->real.block_ms;
	if (no_compat && o->real.compat)
		return bad(err, "--compat and --no-compat exclude each other%s",
			   "");
	if (no_compat)
		snprintf(o->compat_why, sizeof(o->compat_why), "--no-compat");
	else if (!o->real.compat)
		default_compat(o);
	o->real.compat_why = o->compat_why;
	o->real.profile = o->profile;
	if (target && o->real.nnodes)
		return bad(err, "--target model and --node exclude each other%s",
			   "");
	o->model = !o->real.nnodes;
	if (o->real.fuse_ctl && o->real.fault_cmd)
		return bad(err, "--fuse-ctl and --fault-cmd exclude each other%s",
			   "");
	if (o->real.fault_cmd && o->model)
		return bad(err, "--fault-cmd needs --node mounts%s", "");
	if (o->real.fuse_ctl && o->model)
		return bad(err, "--fuse-ctl needs --node mounts%s", "");
	if (o->oracle && o->model)
		return bad(err, "--oracle model needs a real target (--node)%s",
			   "");
	if (!o->nfiles)
		return bad(err, "no scenario files given%s", "");
	return 0;
}

void conf_opts_free(struct conf_opts *o)
{
	for (int i = 0; i < o->nfiles; i++)
		free(o->files[i]);
	free(o->files);
	o->files = NULL;
	o->nfiles = 0;
}
