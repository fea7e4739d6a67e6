/* SPDX-License-Identifier: MIT */
/*
 * conform_main.c - dlmfs-conform: run the scenario corpus against the
 * model, local dlmfs mounts or dlmfs-agent nodes (conformance/README.md).
 *
 * Besides opts.c's parser, the installation's defaults live here: with no
 * SCENARIO argument the corpus directory is used, and libdlmfs-compat.so
 * is also sought where `make install` puts it. Both are looked up relative
 * to this program first (a staged or relocated tree), then at the paths
 * compiled in by man/man.mk (build/man/dlmfs_paths.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform.h"
#include "spawn.h"

#if __has_include("dlmfs_paths.h")
#include "dlmfs_paths.h"	/* DLMFS_SCENARIODIR, DLMFS_PKGLIBDIR */
#endif

/* relative to the directory holding dlmfs-conform */
#define REL_SCENARIODIR	"../share/dlmfs-lab/scenarios"
#define REL_SRC_CORPUS	"../conformance/scenarios"	/* build/ in a checkout */
#define REL_PKGLIBDIR	"../lib/dlmfs-lab"

static bool exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return false;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* the first existing candidate, canonical, in out; false if none */
static bool find_path(const char *rel, const char *abs, bool dir, char *out)
{
	char self[PATH_MAX], cand[PATH_MAX + 64];

	if (rel && exe_dir(self, sizeof(self)) &&
	    snprintf(cand, sizeof(cand), "%s/%s", self, rel) < (int)sizeof(cand) &&
	    (dir ? is_dir(cand) : !access(cand, R_OK)) && realpath(cand, out))
		return true;
	if (abs && (dir ? is_dir(abs) : !access(abs, R_OK)) &&
	    realpath(abs, out))
		return true;
	return false;
}

static bool default_corpus(char *out)
{
#ifdef DLMFS_SCENARIODIR
	const char *abs = DLMFS_SCENARIODIR;
#else
	const char *abs = NULL;
#endif

	return find_path(REL_SCENARIODIR, NULL, true, out) ||
	       find_path(REL_SRC_CORPUS, NULL, true, out) ||
	       find_path(NULL, abs, true, out);
}

/* opts.c looked beside the program; also where make install puts it */
static void installed_compat(struct conf_opts *o)
{
#ifdef DLMFS_PKGLIBDIR
	const char *abs = DLMFS_PKGLIBDIR "/" COMPAT_SO;
#else
	const char *abs = NULL;
#endif
	char found[PATH_MAX];

	if (o->real.compat || !strcmp(o->compat_why, "--no-compat"))
		return;
	if (!find_path(REL_PKGLIBDIR "/" COMPAT_SO, abs, false, found))
		return;
	memcpy(o->compat_buf, found, sizeof(o->compat_buf));
	o->real.compat = o->compat_buf;
}

static void help_defaults(void)
{
	char corpus[PATH_MAX];

	printf("\nWithout SCENARIO arguments the installed corpus is run: %s.\n",
	       default_corpus(corpus) ? corpus : "none found");
	printf("--compat also defaults to the %s installed in %s.\n", COMPAT_SO,
#ifdef DLMFS_PKGLIBDIR
	       DLMFS_PKGLIBDIR
#else
	       "LIBDIR/dlmfs-lab"
#endif
	       );
}

/* opts.c's message for argv[argc - 1], parsed alone with a value */
static bool is_unknown_option(const char *argv0, const char *opt)
{
	struct conf_opts o;
	char *av[] = { (char *)argv0, (char *)opt, (char *)"x", NULL };
	char *msg = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msg, &len);
	bool unknown;

	if (!err)
		return false;
	conf_parse_opts(3, av, &o, err, err);
	conf_opts_free(&o);
	fclose(err);
	unknown = msg && strstr(msg, "unknown option");
	free(msg);
	return unknown;
}

/*
 * An unknown last option is "unknown", not "needs a value".
 * opts.c says "no scenario files given" when only the files are missing:
 * parse once quietly, and if that was the only complaint, again with the
 * corpus directory first (a non-option word no option can swallow).
 */
static int parse(int argc, char **argv, struct conf_opts *o)
{
	char corpus[PATH_MAX], *msg = NULL, **av;
	size_t len = 0;
	FILE *err = open_memstream(&msg, &len);
	int rc;

	if (!err)
		return conf_parse_opts(argc, argv, o, stdout, stderr);
	rc = conf_parse_opts(argc, argv, o, stdout, err);
	fclose(err);
	if (rc == 2 && !o->nfiles && msg && strstr(msg, "no scenario files") &&
	    default_corpus(corpus)) {
		av = calloc((size_t)argc + 2, sizeof(*av));
		if (av) {
			conf_opts_free(o);
			av[0] = argv[0];
			av[1] = corpus;
			memcpy(av + 2, argv + 1, (size_t)(argc - 1) * sizeof(*av));
			rc = conf_parse_opts(argc + 1, av, o, stdout, stderr);
			free(av);
			free(msg);
			return rc;
		}
	}
	if (rc == 2 && argc > 1 && strstr(msg ? msg : "", " needs a value") &&
	    is_unknown_option(argv[0], argv[argc - 1])) {
		fprintf(stderr, "dlmfs-conform: unknown option '%s' (-h lists the options)\n",
			argv[argc - 1]);
	} else if (msg) {
		fputs(msg, stderr);
	}
	free(msg);
	return rc;
}

int main(int argc, char **argv)
{
	struct conf_opts o;
	int rc = spawn_actor_main(argc, argv);

	if (rc >= 0)
		return rc;	/* an actor re-executed with --compat */
	rc = parse(argc, argv, &o);
	if (rc == 1)
		help_defaults();
	if (rc) {
		conf_opts_free(&o);
		return rc == 1 ? 0 : 2;
	}
	installed_compat(&o);
	rc = conf_run(&o);
	conf_opts_free(&o);
	return rc;
}
